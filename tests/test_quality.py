"""The shipped model, measured on our corpus test split (never used for fitting)."""

import pytest

from recommender import corpus
from recommender.evaluate import evaluate_corpus


@pytest.fixture(scope="module")
def metrics(rec):
    return evaluate_corpus(rec, corpus.load("en", "test"))


def test_tags(metrics):
    assert metrics["tags"]["micro"]["f1"] >= 0.90
    assert metrics["tags"]["macro"]["f1"] >= 0.85


def test_anger(metrics):
    assert metrics["anger"]["level_accuracy"] >= 0.75


def test_templates(metrics):
    assert metrics["templates"]["hit@1"] >= 0.75


def test_sidecar_metrics_are_reproduced(rec, metrics):
    assert rec.meta["metrics_test_split"]["tags"]["micro"]["f1"] == metrics["tags"]["micro"]["f1"]
