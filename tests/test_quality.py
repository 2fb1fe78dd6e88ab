"""The shipped model, measured on our corpus test split (never used for fitting).

These floors guard against regressions; they sit just under what the shipped model measures
(see the README's figures). The targets of the core issue are higher (tag micro-F1 0.90,
macro-F1 0.85, anger level accuracy 0.75; for et, lv and sl macro-F1 0.85 and anger level
accuracy 0.70); et, lv and sl reach both of theirs (macro-F1 0.856 / 0.855 / 0.862 since
stop 25); English reaches none of its three. English anger (0.7497, 95 % bootstrap interval
about ±0.03) is close to how far a blind second annotator agrees with our labels (0.760; see
data/corpus/README.md).
"""

import pytest

from recommender import corpus
from recommender.evaluate import evaluate_corpus


@pytest.fixture(scope="module")
def metrics(rec):
    return evaluate_corpus(rec, corpus.load("en", "test"))


# Measured (stop 23): micro-F1 0.834, macro-F1 0.833, anger 0.7497, hit@1 0.859 (test split of
# 783); 0.821 / 0.822 / 0.741 / 0.852 without the pretrained vectors.
def test_tags(metrics):
    assert metrics["tags"]["micro"]["f1"] >= 0.82
    assert metrics["tags"]["macro"]["f1"] >= 0.82


def test_anger(metrics):
    assert metrics["anger"]["level_accuracy"] >= 0.73
    assert metrics["anger"]["pearson_score_vs_level"] >= 0.88


def test_templates(metrics):
    assert metrics["templates"]["hit@1"] >= 0.80
    assert metrics["templates"]["hit@3"] >= 0.85


# Measured (stop 25): et 0.856 / 0.750, lv 0.855 / 0.780, sl 0.862 / 0.742 (test splits of 449-479).
@pytest.mark.parametrize("lang, macro_f1, anger_accuracy", [
    ("et", 0.84, 0.70), ("lv", 0.84, 0.75), ("sl", 0.84, 0.70)])
def test_other_languages(rec, lang, macro_f1, anger_accuracy):
    m = evaluate_corpus(rec, corpus.load(lang, "test"))
    assert m["tags"]["macro"]["f1"] >= macro_f1
    assert m["anger"]["level_accuracy"] >= anger_accuracy


def test_non_complaints_are_mostly_left_alone(metrics):
    assert metrics["false_tag_rate"] <= 0.2


def test_sidecar_metrics_are_reproduced(rec, metrics):
    stored = rec.meta["metrics_test_split"]["en"]
    assert stored["tags"]["micro"]["f1"] == metrics["tags"]["micro"]["f1"]
