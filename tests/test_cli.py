import json
import subprocess
import sys
from pathlib import Path

import pytest

from recommender.cli import build_parser, main

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
VERBS = ["suggest", "batch", "train", "templates", "rules", "evaluate", "corpus", "demo"]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as done:
        main([verb, "--help"])
    assert done.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_parser_knows_every_verb():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(VERBS)


def test_suggest_json(capsys):
    assert main(["suggest", str(SAMPLES / "02_double_charge.eml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["template"] == "billing_error" and "billing" in data["tags"]


def test_suggest_human_readable_from_stdin():
    out = subprocess.run([sys.executable, "-m", "recommender.cli", "suggest", "-"],
                         input=b"My parcel is two weeks late!", capture_output=True, check=True)
    assert b"delivery_delay" in out.stdout


def test_output_piped_into_a_reader_that_stops_early_is_not_an_error():
    # `recommender suggest x | head -2`: the reader is gone before anything is written.
    proc = subprocess.Popen([sys.executable, "-m", "recommender.cli", "suggest", "--json",
                             str(SAMPLES / "01_late_parcel.eml")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr


def test_suggest_with_context(capsys):
    assert main(["suggest", str(SAMPLES / "01_late_parcel.eml"), "--json",
                 "--context", "tracking_url=https://t.example/1", "--context",
                 '{"delivery_date": "27 November"}']) == 0
    data = json.loads(capsys.readouterr().out)
    assert "https://t.example/1" in data["reply"] and "27 November" in data["reply"]


def test_suggest_several_files_goes_past_one_that_fails(tmp_path, capsys):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    files = [str(SAMPLES / "02_double_charge.eml"), "no_such_file.eml", str(empty),
             str(SAMPLES / "05_thanks.eml")]
    assert main(["suggest", *files]) == 1
    out, err = capsys.readouterr()
    assert out.count("==> ") == 2 and "billing_error" in out
    assert out.index("02_double_charge") < out.index("05_thanks")
    assert "no_such_file.eml: No such file or directory" in err
    assert "empty.eml: empty message" in err


def test_suggest_several_files_as_json(capsys):
    files = [str(SAMPLES / "02_double_charge.eml"), str(SAMPLES / "04_rude_agent.eml")]
    assert main(["suggest", "--json", *files]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["file"] for d in data] == files
    assert data[0]["template"] == "billing_error"


@pytest.mark.parametrize("argv,message", [
    (["suggest", "no_such_file.eml"], "no_such_file.eml"),
    (["rules", "check", "BAD"], "rule 'a': colour"),
    (["templates", "show", "nope"], "unknown template 'nope'"),
    (["suggest", "-", "--context", "novalue"], "key=value"),
])
def test_errors_are_one_line_and_exit_2(tmp_path, capsys, argv, message, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{id: a, template: saas_issue, why: x, colour: red}]")
    argv = [str(bad) if a == "BAD" else a for a in argv]
    monkeypatch.setattr(sys, "stdin", open(SAMPLES / "05_thanks.eml"))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_templates_list(capsys):
    assert main(["templates", "list"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 32


def test_rules_check_default(capsys):
    assert main(["rules", "check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_batch_command_prints_summary(tmp_path, capsys):
    out = tmp_path / "o.csv"
    assert main(["batch", str(SAMPLES / "inbox.mbox"), "-o", str(out), "--summary-json",
                 str(tmp_path / "s.json")]) == 0
    text = capsys.readouterr().out
    assert "300 messages" in text and "Incident" in text and "mass_apology" in text
    assert json.loads((tmp_path / "s.json").read_text())["rows"] == 300


def test_batch_bad_context_map(tmp_path, capsys):
    assert main(["batch", str(SAMPLES / "inbox.mbox"), "-o", str(tmp_path / "o.csv"),
                 "--context-map", "nothing"]) == 2
    assert "COLUMN=FIELD" in capsys.readouterr().err
