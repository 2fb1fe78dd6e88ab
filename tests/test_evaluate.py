"""Metric functions against small hand-computed cases."""

import math

import pytest

from recommender.evaluate import read_table
from recommender.metrics import (confused_with, expected_calibration_error, false_tag_rate,
                                 hit_at_k, level_confusion, pearson, prf, risk_coverage,
                                 rule_summary, spearman, tag_metrics, top1_hit)


def test_prf():
    assert prf(2, 1, 1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert prf(0, 0, 0) == (0.0, 0.0, 0.0)


def test_tag_metrics_by_hand():
    gold = [{"delay"}, {"delay", "billing"}, set(), {"billing"}]
    pred = [{"delay"}, {"delay"}, {"billing"}, {"billing"}]
    m = tag_metrics(gold, pred, ("delay", "billing"))
    # delay: tp 2, fp 0, fn 0 -> 1.0; billing: tp 1, fp 1, fn 1 -> 0.5
    assert m["per_tag"]["delay"]["f1"] == 1.0
    assert m["per_tag"]["billing"]["f1"] == pytest.approx(0.5)
    assert m["macro"]["f1"] == pytest.approx(0.75)
    # micro: tp 3, fp 1, fn 1 -> 0.75
    assert m["micro"]["f1"] == pytest.approx(0.75)
    assert m["per_tag"]["billing"]["support"] == 2


def test_top1_and_false_tag_rate():
    scores = [{"delay": 0.9, "billing": 0.2}, {"delay": 0.3, "billing": 0.4}]
    assert top1_hit([{"delay"}, {"delay", "refund"}], scores) == 0.5
    assert false_tag_rate([set(), {"delay"}, set(), set()]) == 0.25
    assert math.isnan(top1_hit([], []))


def test_hit_at_k_ignores_rows_without_gold():
    gold = [["a"], ["b", "c"], []]
    ranked = [["x", "a"], ["c"], ["z"]]
    assert hit_at_k(gold, ranked, 1) == 0.5
    assert hit_at_k(gold, ranked, 2) == 1.0


def test_correlations():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [1, 10, 100]) == pytest.approx(1.0)
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))


@pytest.mark.parametrize("name,content,kind", [
    ("x.csv", "id,source,source_label,text,gold_tags,is_complaint\n1,a,b,hi,,0\n", "real_dev"),
    ("s.csv", "id,text,severity,emotion\n1,hi,0,other\n", "severity"),
    ("w.txt", "1\thi there\tanger\t0.5\n", "ratings"),
])
def test_files_are_recognised_by_columns(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_text(content)
    assert read_table(path)[0] == kind


def test_confused_with_by_hand():
    gold = [{"delay"}, {"delay"}, {"billing"}]
    pred = [{"no_reply"}, set(), {"billing"}]
    assert confused_with(gold, pred, ("delay", "billing")) == {"delay": {"no_reply": 1,
                                                                         "(none)": 1}}


def test_expected_calibration_error_by_hand():
    # bin [0.0, 0.5): p=0.2 twice, outcomes 0,1 -> |0.5-0.2| ; bin [0.8,0.9): p=0.8 twice, 1,1
    ece, bins = expected_calibration_error([0.2, 0.2, 0.8, 0.8], [0, 1, 1, 1], bins=2)
    assert ece == pytest.approx(0.5 * 0.3 + 0.5 * 0.2)
    assert [b["count"] for b in bins] == [2, 2]


def test_risk_coverage_by_hand():
    curve = risk_coverage([0.9, 0.8, 0.1, 0.7], [True, True, False, False], steps=2)
    assert curve == [{"coverage": 0.5, "accuracy": 1.0}, {"coverage": 1.0, "accuracy": 0.5}]
    assert risk_coverage([], []) == []


@pytest.mark.parametrize("name,content", [
    ("empty.jsonl", ""), ("empty.csv", "id,source,source_label,text,gold_tags,is_complaint\n")])
def test_empty_files_are_an_error_that_says_so(tmp_path, name, content):
    from recommender.errors import InputError

    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match="no rows to evaluate"):
        read_table(path)


def test_level_confusion():
    assert level_confusion([0, 3, 3], [0, 2, 3])[3] == [0, 0, 1, 1]


def test_rule_summary_by_hand():
    templates = {"a": "t1", "b": "t1", "c": "t2"}
    s = rule_summary([["a", "b"], ["a", "c"], []], ["a", "c", None], [True, False, None],
                     templates)
    assert s["a"]["fires"] == 2 and s["a"]["coverage"] == pytest.approx(2 / 3)
    assert s["a"]["overlaps"] == 2 and s["a"]["conflicts"] == 1
    assert s["a"]["acceptable_when_chosen"] == 1.0 and s["c"]["acceptable_when_chosen"] == 0.0
    assert math.isnan(s["b"]["acceptable_when_chosen"])


def test_real_dev_reports_what_a_support_lead_sees(rec):
    import pandas as pd

    from recommender.evaluate import evaluate_real_dev

    frame = pd.DataFrame({
        "id": ["c1", "c2", "c3", "n1", "n2"], "source": ["s"] * 5, "source_label": [""] * 5,
        "text": ["You charged me twice for order 12345!",  # tagged: a reply
                 "Really disappointed with the delivery this time.",  # untagged, annoyed: tentative
                 "ok",  # untagged and calm: no reply
                 "Thank you so much, everything arrived!", "You charged me twice, again!"],
        "gold_tags": ["billing", "delay", "delay", "", ""],
        "is_complaint": [1, 1, 1, 0, 0]})
    r = evaluate_real_dev(rec, frame)
    assert r["complaints_abstained"] == pytest.approx(1 / 3, abs=1e-3)
    assert r["complaints_tentative"] == pytest.approx(1 / 3, abs=1e-3)
    assert r["non_complaints_with_reply"] == 0.5
