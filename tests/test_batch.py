"""Batch: every input row comes out, in order, with the same result as the single path."""

import json
import mailbox
from email.message import EmailMessage
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.batch import Columns, process, run, suggest_frame
from recommender.batch.read import Item, detect_format, read_items
from recommender.batch.summary import INCIDENT_MIN_MESSAGES, Summary
from recommender.batch.write import COLUMNS
from recommender.errors import InputError

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
TEXTS = ["My parcel is two weeks late, order 5512.", "You charged me twice!!!",
         "Thanks for the quick help.", "Cancel my subscription. Now."]


def _mbox(path: Path, texts: list[str]) -> Path:
    box = mailbox.mbox(path)
    for i, text in enumerate(texts):
        msg = EmailMessage()
        msg["From"] = f"c{i}@example.com"
        msg["Subject"] = f"message {i}"
        msg["Message-ID"] = f"<m{i}@example.com>"
        msg.set_content(text + "\nFrom the start of a line\n")
        box.add(msg)
    box.close()
    return path


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, keep_default_na=False)
    return pd.read_csv(path, keep_default_na=False)


@pytest.fixture()
def inputs(tmp_path) -> dict[str, Path]:
    """The same four messages in every input format, plus a broken row in each table."""
    paths = {"mbox": _mbox(tmp_path / "in.mbox", TEXTS)}
    folder = tmp_path / "eml" / "sub"
    folder.mkdir(parents=True)
    for i, text in enumerate(TEXTS):
        (folder / f"{i}.eml").write_text(f"From: c{i}@example.com\nSubject: s{i}\n\n{text}\n")
    paths["eml"] = tmp_path / "eml"
    frame = pd.DataFrame({"id": [f"t{i}" for i in range(4)], "body": TEXTS,
                          "order_id": ["A1", "", "", ""]})
    paths["csv"] = tmp_path / "in.csv"
    paths["csv"].write_text(frame.to_csv(index=False).rstrip("\n") + "\nbroken,row,with,too,many\n")
    paths["jsonl"] = tmp_path / "in.jsonl"
    lines = [json.dumps(r) for r in frame.to_dict("records")]
    paths["jsonl"].write_text("\n".join(lines[:2] + ["{not json"] + lines[2:]) + "\n")
    paths["parquet"] = tmp_path / "in.parquet"
    frame.to_parquet(paths["parquet"])
    paths["xlsx"] = tmp_path / "in.xlsx"
    frame.to_excel(paths["xlsx"], index=False, startrow=2)  # a blank band above the header
    return paths


EXPECTED_ROWS = {"mbox": 4, "eml": 4, "csv": 5, "jsonl": 5, "parquet": 4, "xlsx": 4}


@pytest.mark.parametrize("fmt", list(EXPECTED_ROWS))
@pytest.mark.parametrize("out_suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_row_count_in_equals_row_count_out(inputs, tmp_path, fmt, out_suffix):
    out = tmp_path / f"out{out_suffix}"
    summary = run(inputs[fmt], out, progress=False)
    frame = _read(out)
    assert len(frame) == EXPECTED_ROWS[fmt] == summary.rows
    assert list(frame.columns) == list(COLUMNS)
    errors = frame[frame["error"] != ""]
    assert len(errors) == EXPECTED_ROWS[fmt] - 4
    assert all(errors["error_kind"] == "malformed_row")


def test_broken_lines_keep_their_place(inputs, tmp_path):
    run(inputs["jsonl"], tmp_path / "o.csv", progress=False)
    frame = _read(tmp_path / "o.csv")
    assert frame["error"].tolist()[2].startswith("in.jsonl line 3: not valid JSON")
    assert frame["id"].tolist() == ["t0", "t1", "row 3", "t2", "t3"]


def test_batch_gives_the_single_path_result(rec, inputs, tmp_path):
    run(inputs["mbox"], tmp_path / "o.jsonl", progress=False)
    rows = _read(tmp_path / "o.jsonl").to_dict("records")
    for item, row in zip(read_items(inputs["mbox"]), rows):
        single = rec.suggest(item.message)
        assert row["template"] == (single.template or "")
        assert row["reply"] == single.reply
        assert json.loads(row["tag_probabilities"]) == single.tags


def test_two_jobs_equal_one_job(inputs, tmp_path):
    run(inputs["csv"], tmp_path / "one.csv", progress=False)
    run(inputs["csv"], tmp_path / "two.csv", progress=False, jobs=2, chunk_size=2)
    assert _read(tmp_path / "one.csv").equals(_read(tmp_path / "two.csv"))


def test_context_columns_flow_into_the_reply(inputs, tmp_path):
    run(inputs["parquet"], tmp_path / "o.csv", progress=False)
    first = _read(tmp_path / "o.csv").iloc[0]
    assert first["template"] == "delivery_delay" and "A1" in first["reply_subject"] + first["reply"]


def test_context_map_and_explicit_columns(tmp_path):
    src = tmp_path / "x.csv"
    pd.DataFrame({"Message Text": ["my parcel is late"], "Ref": ["Z-77"]}).to_csv(src, index=False)
    with pytest.raises(InputError, match="no message column"):
        list(read_items(src))
    out = tmp_path / "o.csv"
    run(src, out, columns=Columns(text="Message Text", context={"Ref": "order_id"}),
        progress=False)
    row = _read(out).iloc[0]
    assert "Z-77" in row["reply_subject"] + row["reply"]


def test_help_desk_column_names_are_recognised_and_reported(tmp_path):
    # Help-desk exports write names such as "Ticket ID" and "Order #"; the summary says which
    # column was read as what, and which were not read at all.
    src = tmp_path / "tickets.csv"
    pd.DataFrame({"Ticket ID": ["T-1"], "Subject": ["late"], "Description": ["my parcel is late"],
                  "Order #": ["Z-77"], "Agent notes": ["vip"]}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    summary = run(src, out, progress=False)
    row = _read(out).iloc[0]
    assert row["id"] == "T-1" and "Z-77" in row["reply_subject"] + row["reply"]
    assert ("Columns:   text 'Description', subject 'Subject', id 'Ticket ID'; "
            "context 'Order #' -> order_id; not read 'Agent notes'") in summary.render()
    assert summary.to_dict()["columns"] == summary.columns
    # the same report from the Dask engine's header
    assert Columns().resolve(["Ticket ID", "Subject", "Description", "Order #", "Agent notes"]
                             ).describe() == summary.columns
    assert Columns().resolve(["E-mail", "Order No.", "Body"]).describe() == (
        "text 'Body', sender 'E-mail'; context 'Order No.' -> order_id")


@pytest.mark.parametrize("names,expected", [
    (["Kuupäev", "Saatja", "Teema", "Sõnum", "Tellimuse nr.", "Kliendi nimi", "Nr."],
     "text 'Sõnum', subject 'Teema', sender 'Saatja', date 'Kuupäev'; "
     "context 'Tellimuse nr.' -> order_id, 'Kliendi nimi' -> customer_name; not read 'Nr.'"),
    # the message before a description or a comment, whatever the column order
    (["Apraksts", "Datums", "Sūtītājs", "Temats", "Ziņojums", "Pasūtījuma numurs", "Summa"],
     "text 'Ziņojums', subject 'Temats', sender 'Sūtītājs', date 'Datums'; "
     "context 'Pasūtījuma numurs' -> order_id, 'Summa' -> amount; not read 'Apraksts'"),
    (["Datum", "Pošiljatelj", "Zadeva", "Sporočilo", "Številka naročila", "Opomba"],
     "text 'Sporočilo', subject 'Zadeva', sender 'Pošiljatelj', date 'Datum'; "
     "context 'Številka naročila' -> order_id; not read 'Opomba'"),
    # exports often drop the diacritics
    (["Sonum", "Pasutijuma nr", "Stevilka narocila"],
     "text 'Sonum'; context 'Pasutijuma nr' -> order_id, 'Stevilka narocila' -> order_id"),
])
def test_estonian_latvian_and_slovenian_column_names(names, expected):
    assert Columns().resolve(names).describe() == expected


def test_each_column_name_has_one_role():
    from collections import Counter

    from recommender.batch import read

    names = [*read.TEXT_COLUMNS, *read.RAW_COLUMNS, *read.SUBJECT_COLUMNS, *read.FROM_COLUMNS,
             *read.ID_COLUMNS, *read.DATE_COLUMNS, *read.CONTEXT_ALIASES]
    assert [n for n, count in Counter(names).items() if count > 1] == []
    assert all(read._norm(n) == n for n in names)  # written as they are compared


def test_an_estonian_export_reaches_the_reply(tmp_path):
    src = tmp_path / "eksport.csv"
    pd.DataFrame({"Sõnum": ["Tere! Minu pakk pole kolm nädalat hiljem ikka kohale jõudnud."],
                  "Tellimuse nr": ["EE-4471"], "Kliendi nimi": ["Mari Tamm"]}
                 ).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    run(src, out, progress=False)
    row = _read(out).iloc[0]
    assert row["language"] == "et" and not row["error"]
    assert "EE-4471" in row["reply_subject"] + row["reply"] and "Mari" in row["reply"]


@pytest.mark.parametrize("encoding,text", [
    ("cp1252", "Hi, I ordered a kettle. Thanks, José Müller, €89,90"),
    ("cp1257", "Labdien! Pasūtījums nav atnācis. Jānis Bērziņš, Tere, šokeeriv, Ülle Õunapuu"),
    ("cp1250", "Pozdravljeni, naročilo še ni prišlo. Lep pozdrav, Žiga Kovačič"),
    ("utf-16", "Tere, pakk on hiljaks jäänud. Ülle"),
    ("utf-8", "Pasūtījums nav atnācis"),
])
@pytest.mark.filterwarnings("ignore:export.csv is not UTF-8")
def test_spreadsheet_code_pages_are_recognised(tmp_path, encoding, text):
    from recommender.batch.read import text_encoding

    path = tmp_path / "export.csv"
    path.write_bytes(f"id;body\n1;{text}\n".encode(encoding))
    assert text_encoding(path) == {"utf-8": "utf-8-sig"}.get(encoding, encoding)
    (item,) = read_items(path)
    assert item.message.text == text


def test_helpdesk_export_in_a_code_page_keeps_names_and_html_bodies(rec, tmp_path):
    """A Zendesk-like export saved by a spreadsheet: cp1252, semicolons, a requester column
    and an HTML body."""
    path = tmp_path / "tickets.csv"
    pd.DataFrame({
        "Ticket ID": [1001, 1002],
        "Description": ["Hi,\nmy kettle (order #A-7781) still hasn't arrived.\n\n"
                        "Thanks,\nJosé Müller",
                        "<p>I returned the jacket weeks ago and there is still no refund of "
                        "€89,90.</p><p>This is a joke.</p>"],
        "Requester": ["José Müller <jose@example.com>", "Ana Pérez"],
    }).to_csv(path, sep=";", index=False, encoding="cp1252")
    with pytest.warns(UserWarning, match="read as cp1252"):
        first, second = read_items(path)
    assert rec.suggest(first.message).fields["customer_name"] == "José Müller"
    s = rec.suggest(second.message)
    assert s.fields["customer_name"] == "Ana Pérez" and s.fields["refund_amount"] == "€89,90"
    assert "<p>" not in s.text


def test_customer_text_is_never_a_formula_in_a_spreadsheet(tmp_path):
    """CSV injection: a subject such as =HYPERLINK(...) must not become a live formula when a
    support lead opens the output in Excel."""
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "subject": ['=HYPERLINK("http://x.example","y")',
                                                      "-5", "@SUM(A1)"],
                  "body": ["my parcel is late"] * 3}).to_csv(src, index=False)
    run(src, tmp_path / "o.csv", progress=False)
    assert (tmp_path / "o.csv").read_bytes().startswith(b"\xef\xbb\xbfid,")  # Excel reads UTF-8
    assert list(_read(tmp_path / "o.csv")["subject"]) == [
        '\'=HYPERLINK("http://x.example","y")', "-5", "'@SUM(A1)"]
    run(src, tmp_path / "o.xlsx", progress=False)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "o.xlsx").worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x.example","y")', "-5", "@SUM(A1)"]
    assert {c.data_type for c in cells} == {"s"}  # text, not formulas


def test_unreadable_workbook_is_a_clear_error(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old binary .xls renamed")
    with pytest.raises(InputError, match="saved as .xlsx or CSV"):
        list(read_items(path))


def test_suggest_frame_keeps_index_and_marks_empty_rows(rec):
    df = pd.DataFrame({"text": ["my parcel is late", "   "]}, index=[10, 20])
    out = suggest_frame(df, rec)
    assert list(out.index) == [10, 20]
    assert out.loc[10, "template"] == "delivery_delay"
    assert out.loc[20, "error_kind"] == "empty"


@pytest.mark.parametrize("name,fmt", [("a.mbox", "mbox"), ("a.csv", "csv"), ("a.jsonl", "jsonl"),
                                      ("a.parquet", "parquet"), ("a.tsv", "csv"),
                                      ("Tickets.XLSX", "xlsx")])
def test_format_detection(name, fmt):
    assert detect_format(name) == fmt


def test_unknown_format_is_a_clear_error(tmp_path):
    path = tmp_path / "inbox.dat"
    path.write_text("hello")
    with pytest.raises(InputError, match="--format"):
        detect_format(path)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=6))
def test_random_bytes_never_crash_or_lose_a_row(rec, blobs):
    items = [Item(i, str(i), b) for i, b in enumerate(blobs)]
    rows = process(rec, items)
    assert [r["id"] for r in rows] == [str(i) for i in range(len(blobs))]


MUTATIONS = [lambda b: b[: len(b) // 2], lambda b: b.replace(b"\n", b"\r", 5),
             lambda b: b.replace(b"Content-Type: text/plain", b"Content-Type: multipart/mixed"),
             lambda b: b"\x00\xff" + b, lambda b: b.replace(b"utf-8", b"x-unknown-charset")]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(SAMPLES.glob("*.eml"))), st.sampled_from(MUTATIONS))
def test_mutated_real_messages_keep_their_row(rec, path, mutate):
    rows = process(rec, [Item(0, "x", mutate(path.read_bytes()))])
    assert len(rows) == 1 and rows[0]["id"] == "x"


def test_summary_counts_and_incident():
    summary = Summary()
    base = dict.fromkeys(COLUMNS, "")
    for day in range(1, 8):
        for n in range(3):
            summary.add({**base, "id": f"d{day}-{n}", "tags": "delay",
                         "tag_probabilities": '{"delay": 0.9}', "anger_level": "calm",
                         "template": "delivery_delay"}, f"2026-11-0{day}T10:00:00")
    for n in range(INCIDENT_MIN_MESSAGES + 5):
        summary.add({**base, "id": f"o{n}", "tags": "outage",
                     "tag_probabilities": '{"outage": 0.55}', "anger_level": "angry",
                     "template": "saas_issue", "missing_fields": "company"},
                    "Wed, 04 Nov 2026 09:00:00 +0000")
    summary.add({**base, "id": "bad", "error": "x", "error_kind": "empty"})
    summary.add({**base, "id": "pl", "language": "pl", "anger_level": "calm"})
    summary.add({**base, "id": "thanks", "language": "en", "anger_level": "calm"})
    incidents = summary.incidents()
    assert [(i["tag"], i["day"], i["messages"]) for i in incidents] == [
        ("outage", "2026-11-04", INCIDENT_MIN_MESSAGES + 5)]
    assert incidents[0]["template"] == "mass_apology" and len(incidents[0]["ids"]) == 15
    assert incidents[0]["rows"] == list(range(21, 36))  # after the 7 x 3 delay rows
    data = summary.to_dict()
    assert data["rows"] == 39 and data["errors"] == {"empty": 1}
    assert data["needs_human"]["low_confidence"] == 15
    assert data["needs_human"]["other_language"] == 1 and data["needs_human"]["abstained"] == 1
    assert data["languages"] == {"pl": 1, "en": 1}
    assert "Languages: pl 1, en 1 (not read: pl)" in summary.render()
    assert "mass_apology" in summary.render()


def test_incident_keeps_every_row_but_only_example_ids():
    from recommender.batch.summary import MAX_IDS_PER_DAY

    summary = Summary()
    base = dict.fromkeys(COLUMNS, "") | {"tags": "outage", "anger_level": "calm"}
    for n in range(MAX_IDS_PER_DAY + 50):
        summary.add({**base, "id": f"o{n}"}, "Wed, 04 Nov 2026 09:00:00 +0000")
    for day in range(10, 20):  # ordinary days: some delay, one outage each
        for n in range(20):
            summary.add({**base, "id": f"d{day}-{n}", "tags": "delay"}, f"2026-11-{day}T10:00")
        summary.add({**base, "id": f"x{day}"}, f"2026-11-{day}T11:00:00")
    (incident,) = summary.incidents()
    assert incident["rows"] == list(range(MAX_IDS_PER_DAY + 50))
    assert incident["ids"] == [f"o{n}" for n in range(MAX_IDS_PER_DAY)]
    assert summary.to_dict()["incidents"][0]["affected"] == MAX_IDS_PER_DAY + 50


def test_dask_local_cluster(tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    from recommender.batch import suggest_dask

    df = pd.DataFrame({"text": TEXTS * 3, "id": [str(i) for i in range(12)]})
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster, \
            distributed.Client(cluster):
        out = suggest_dask(dd.from_pandas(df, npartitions=3)).compute()
    assert out["id"].tolist() == df["id"].tolist()
    assert out["template"].tolist() == suggest_frame(df)["template"].tolist()


def test_dask_engine_from_the_command_line(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    from recommender.cli import main

    src = tmp_path / "in.csv"  # as a spreadsheet saves it in much of Europe
    pd.DataFrame({"id": ["a", "b", "c"], "text": TEXTS[:3]}).to_csv(src, index=False, sep=";",
                                                                     encoding="cp1252")
    assert main(["batch", str(src), "-o", str(tmp_path / "o.csv"), "--engine", "dask",
                 "--jobs", "1"]) == 0
    out = _read(tmp_path / "o.csv")
    assert out["id"].tolist() == ["a", "b", "c"] and "3 messages" in capsys.readouterr().out


def test_tentative_drafts_are_marked_in_the_row_and_counted_as_needing_a_human(rec):
    from recommender.batch.read import Item
    from recommender.batch.write import row_of

    s = rec.suggest("Really disappointed with the delivery this time.")
    row = row_of(Item(index=0, id="t1"), s)
    assert row["tentative"] == "yes" and row["template"] and row["tags"] == ""
    summary = Summary()
    summary.add(row)
    confident = rec.suggest("You charged me twice for order 12345!")
    summary.add(row_of(Item(index=1, id="t2"), confident))
    assert summary.needs_human["tentative"] == 1 and "abstained" not in summary.needs_human
