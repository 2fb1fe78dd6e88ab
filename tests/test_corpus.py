"""The corpus is the project's training data: these are its stated requirements."""

import pytest

from recommender import corpus
from recommender.errors import CorpusError
from recommender.taxonomy import TAGS


@pytest.fixture(scope="module")
def english():
    return corpus.load("en")


def test_size_and_mix(english):
    stats = corpus.describe(english)
    assert stats["records"] >= 1500
    assert stats["non_complaints"] >= 150
    assert stats["multi_issue"] >= 0.2 * stats["records"]
    assert all(stats["per_tag"][t] >= 80 for t in TAGS), stats["per_tag"]
    assert set(stats["anger"]) == {0, 1, 2, 3}


def test_split_is_stored_and_matches_the_hash(english):
    assert all(r["split"] == corpus.assign_split(r["id"]) for r in english)
    share = sum(r["split"] == "test" for r in english) / len(english)
    assert 0.15 < share < 0.25


def test_split_depends_only_on_the_id():
    assert corpus.assign_split("en-a-0001") == corpus.assign_split("en-a-0001")
    assert {corpus.assign_split(f"x-{i}") for i in range(50)} == {"train", "test"}


def test_fields_are_verbatim(english):
    for r in english:
        haystack = r["subject"] + r["body"] + r["from"]
        for name, value in r["fields"].items():
            assert value in haystack, (r["id"], name, value)


@pytest.mark.parametrize("line,message", [
    ('{"id": "x"}', "key 'subject' missing"),
    ('not json', "not valid JSON"),
    ('{"id":"x","subject":"","from":"","body":"b","tags":["late"],"anger":0,"templates":[],'
     '"fields":{},"domain":"shop","register":"chat"}', "unknown tag"),
    ('{"id":"x","subject":"","from":"","body":"b","tags":[],"anger":7,"templates":[],'
     '"fields":{},"domain":"shop","register":"chat"}', "anger must be"),
])
def test_bad_records_are_reported_with_line(tmp_path, line, message):
    path = tmp_path / "en.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(CorpusError, match=message) as err:
        corpus.read(path)
    assert "en.jsonl:1" in str(err.value)
