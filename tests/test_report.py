"""Evaluation outputs: metrics.json, errors.csv, PNG plots and a self-contained HTML page."""

import base64
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest

from recommender import corpus
from recommender.cli import main
from recommender.evaluate import evaluate_corpus
from recommender.report import write_report

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def corpus_result(rec):
    result = evaluate_corpus(rec, corpus.load("en", "test")[:80])
    result.update(kind="corpus", file="en.jsonl")
    return result


def test_report_files_and_images(corpus_result, tmp_path):
    page = write_report(corpus_result, tmp_path).read_text()
    names = {"confusion_matrix.png", "confidence_histogram.png", "reliability.png", "anger.png",
             "risk_coverage.png"}
    for name in names:
        assert (tmp_path / name).read_bytes().startswith(PNG)
        assert name in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == len(names)
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert {"tags", "anger", "templates", "rules", "calibration", "risk_coverage",
            "confused_with", "fields"} <= set(metrics) and "rows" not in metrics


def test_errors_are_sorted_worst_first(corpus_result, tmp_path):
    write_report(corpus_result, tmp_path)
    errors = pd.read_csv(tmp_path / "errors.csv")
    assert len(errors) == sum(not r["correct"] for r in corpus_result["rows"])
    assert errors["confidence"].is_monotonic_decreasing
    assert {"text", "gold_tags", "pred_tags", "tag_scores", "explanation"} <= set(errors)


def test_customer_text_is_escaped_in_the_report(corpus_result, tmp_path):
    hostile = dict(corpus_result, file="<b onmouseover=alert(1)>.jsonl")
    page = write_report(hostile, tmp_path).read_text()
    assert "<b onmouseover" not in page and "&lt;b onmouseover=alert(1)&gt;" in page


REAL_DEV_SHAPED = pd.DataFrame({
    "id": ["a", "b", "c", "d"], "source": ["x", "x", "y", "y"], "source_label": ["", "", "", ""],
    "text": ["my parcel is two weeks late", "you charged me twice", "thank you so much!",
             "what time do you open?"],
    "gold_tags": ["delay", "billing", "", ""], "is_complaint": [1, 1, 0, 0]})


def test_evaluate_just_works_on_a_real_dev_shaped_file(tmp_path, capsys):
    src = tmp_path / "mine.csv"
    REAL_DEV_SHAPED.to_csv(src, index=False)
    assert main(["evaluate", str(src), "-o", str(tmp_path / "out")]) == 0
    assert "top-1 hit 1.000" in capsys.readouterr().out
    for name in ("metrics.json", "report.html", "errors.csv", "risk_coverage.png"):
        assert (tmp_path / "out" / name).is_file()


def test_compare_and_cross_validation(rec, tmp_path, capsys):
    records = corpus.load("en")[::10]
    src = tmp_path / "small.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    from recommender.recommender import DEFAULT_MODEL_DIR

    assert main(["evaluate", str(src), "--compare", str(DEFAULT_MODEL_DIR),
                 "--cv", "2"]) == 0
    out = capsys.readouterr().out
    assert "per-tag F1 difference: delay +0.000" in out
    assert "2-fold CV" in out and "learning curve" in out


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed")
def test_report_renders_in_a_browser(corpus_result, tmp_path):
    page = write_report(corpus_result, tmp_path)
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1000,2400", page.as_uri()], check=True, timeout=60,
                   capture_output=True)
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 20000


def test_own_table_with_named_gold_columns(tmp_path, capsys):
    src = tmp_path / "export.parquet"
    pd.DataFrame({"Body": ["my parcel is two weeks late", "you charged me twice!!", "thanks!"],
                  "Labels": ["delay", "billing", ""], "Mood": [1, 2, 0],
                  "Ok replies": ["delivery_delay", "billing_error", ""],
                  "Order": ["", "", ""]}).to_parquet(src)
    assert main(["evaluate", str(src), "--text-col", "Body", "--gold-tags", "Labels",
                 "--gold-anger", "Mood", "--gold-templates", "Ok replies", "--gold-field",
                 "order_id=Order", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["export.parquet"]
    assert data["kind"] == "corpus" and data["n"] == 3
    assert data["tags"]["per_tag"]["delay"]["support"] == 1
    assert data["templates"]["hit@1"] == 1.0
