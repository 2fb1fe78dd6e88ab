"""Notebook side: the HTML card, the frame summary, the review loop, and the notebooks."""

import builtins
import json
from pathlib import Path

import pandas as pd
import pytest

from recommender.batch import suggest_frame
from recommender.errors import RecommenderError
from recommender.notebook import (FrameSummary, ReviewSession, card_html, edit_distance,
                                  feedback_records, review_widget)

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
HOSTILE = ('From: "<img src=x onerror=alert(1)>" <a@b.c>\nSubject: <script>x</script>\n\n'
           "{{ 7*7 }} my parcel is LATE <script>alert(1)</script>. UNACCEPTABLE!!!")


def test_card_escapes_hostile_text_and_marks_gaps(rec):
    s = rec.suggest(HOSTILE)
    page = s._repr_html_()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "{{ 7*7 }}" in page and "49" not in page
    assert "<mark>UNACCEPTABLE</mark>" in page  # anger evidence highlighted
    assert "<mark style='background:#ffd6d6'>[" in page  # missing-field marker highlighted
    assert len(repr(s)) < 200 and "<" == repr(s)[0]


def test_card_of_an_abstention(rec):
    assert "no reply suggested" in card_html(rec.suggest("Thank you, all good!"))
    card = card_html(rec.suggest("Zamówienie nie dotarło, czekam już trzy tygodnie."))
    assert "not read: written in Polish" in card and "no complaint" not in card


def test_frame_summary(rec):
    df = suggest_frame(pd.DataFrame({"text": ["my parcel is late", "charged twice!", ""]}), rec)
    summary = FrameSummary(df)
    assert summary.tags["delay"] == 1 and summary.errors == 1
    assert "delay" in summary._repr_html_()


def test_edit_distance():
    assert edit_distance("a b c", "a x c d") == 2
    assert edit_distance("", "a b") == 2


def test_review_session_records_decisions(rec, tmp_path):
    items = rec.suggest_many(["my parcel is two weeks late", "you charged me twice!",
                              "the app crashes every time I log in"])
    session = ReviewSession(rec, items, tmp_path / "fb.jsonl")
    session.record()  # accept as is
    new = session.choose_template("bad_service")
    assert "[customer name]" in new
    session.edit_field("customer_name", "Ana")
    assert "Ana" in session.reply
    session.set_tags(["billing", "rude_agent"])
    session.record()
    session.edit_text("Hi, sorry, fixed.")
    session.record()
    assert session.done
    with pytest.raises(RecommenderError):
        session.record()
    lines = [json.loads(x) for x in (tmp_path / "fb.jsonl").read_text().splitlines()]
    assert [d["decision"] for d in lines] == ["accepted", "changed_template", "edited"]
    assert lines[0]["edit_distance"] == 0 and lines[2]["edit_distance"] > 10
    assert lines[1]["tags"] == ["billing", "rude_agent"] and lines[1]["template"] == "bad_service"
    records = feedback_records(tmp_path / "fb.jsonl")
    assert records[1]["templates"] == ["bad_service"] and records[0]["tags"] == ["delay"]


def test_review_widget_builds_and_accepts(rec, tmp_path):
    pytest.importorskip("ipywidgets")
    session = ReviewSession(rec, rec.suggest_many(["my parcel is late"]), tmp_path / "f.jsonl")
    panel = review_widget(session)
    accept = panel.children[-1]
    accept.click()
    assert session.done and (tmp_path / "f.jsonl").read_text().count("\n") == 1


def test_review_widget_without_ipywidgets_says_what_to_do(rec, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_widgets(name, *args, **kwargs):
        if name.startswith("ipywidgets"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    with pytest.raises(RecommenderError, match="pip install ipywidgets"):
        review_widget(ReviewSession(rec, [], tmp_path / "f.jsonl"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), \
        "commit notebooks with outputs cleared"
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
