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


@pytest.mark.parametrize("folder", ["held_back", corpus.OWN_TAGGER_DIR])
def test_groups_kept_apart_are_valid_and_apart_from_the_corpus(folder):
    # Held-back groups wait for a review before they may be merged, and the own-tagger groups
    # train only a language's own tagger: they must stay loadable, named by their language and
    # group, and share no id with the main files.
    files = sorted((corpus.DEFAULT_CORPUS_DIR / folder).glob("*.jsonl"))
    assert files
    main_ids = {lang: {r["id"] for r in corpus.load(lang)} for lang in ("en", "et", "lv", "sl")}
    for path in files:
        lang, group = path.stem.split("_")
        records = corpus.read(path)
        assert all(r["id"].startswith(f"{lang}-{group}-") for r in records), path.name
        assert not {r["id"] for r in records} & main_ids[lang], path.name
        for r in records:
            for value in r["fields"].values():
                assert value in r["subject"] + r["body"] + r["from"], (r["id"], value)


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


def test_second_annotator_agreement_is_measured_against_the_corpus(tmp_path):
    records = [{"id": "en-x-0001", "tags": ["delay"], "anger": 1},
               {"id": "en-x-0002", "tags": ["billing", "refund"], "anger": 2},
               {"id": "en-x-0003", "tags": [], "anger": 0}]
    (tmp_path / "agreement").mkdir()
    second = tmp_path / "agreement" / "en.jsonl"
    second.write_text('{"id": "en-x-0001", "tags": ["delay"], "anger": 0}\n'
                      '{"id": "en-x-0002", "tags": ["billing"], "anger": 2}\n')
    a = corpus.agreement(records, "en", tmp_path)
    assert a["records"] == 2 and a["same_tag_set"] == 0.5
    assert a["tag_micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 1))
    assert a["anger_level_accuracy"] == 0.5 and a["anger_confusion"][1][0] == 1
    assert corpus.agreement(records, "lv", tmp_path) is None
    second.write_text('{"id": "en-x-0009", "tags": [], "anger": 0}\n')
    with pytest.raises(CorpusError, match="en-x-0009"):
        corpus.agreement(records, "en", tmp_path)


@pytest.mark.parametrize("lang, micro_f1, anger", [
    ("en", 0.9417, 0.76), ("et", 0.9329, 0.845), ("lv", 0.9539, 0.865), ("sl", 0.9496, 0.815)])
def test_the_shipped_second_annotation_gives_the_figures_the_corpus_readme_states(lang, micro_f1,
                                                                                   anger):
    a = corpus.agreement(corpus.load(lang), lang)
    assert a["records"] == 200
    assert (round(a["tag_micro_f1"], 3), a["anger_level_accuracy"]) == (round(micro_f1, 3), anger)


def test_own_tagger_groups_load_by_language_and_split():
    assert corpus.load_own_tagger("en") == []  # English has no such group
    lv = corpus.load_own_tagger("lv")
    assert {r["id"].split("-")[1] for r in lv} == {"k", "l", "m"}
    train = corpus.load_own_tagger("lv", "train")
    assert 0 < len(train) < len(lv)
    assert all(corpus.assign_split(r["id"]) == "train" for r in train)


def test_own_tagger_groups_train_the_own_tagger_and_the_anger_detector(tmp_path, monkeypatch):
    import json

    from recommender.anger import AngerDetector
    from recommender.train import train

    seen, fit = [], AngerDetector.fit

    def counting_fit(self, texts, levels):
        seen.append(len(texts))
        return fit(self, texts, levels)

    monkeypatch.setattr(AngerDetector, "fit", counting_fit)

    def write(path, records):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                        encoding="utf-8")

    records = corpus.load("et")[:160]
    group = corpus.load_own_tagger("et")[:60]
    write(tmp_path / "et.jsonl", records)
    (tmp_path / corpus.OWN_TAGGER_DIR).mkdir()
    write(tmp_path / corpus.OWN_TAGGER_DIR / "et_k.jsonl", group)
    rec, _ = train(tmp_path / "model", ("et",), tmp_path)
    n_train = sum(corpus.assign_split(r["id"]) == "train" for r in records)
    n_group = sum(corpus.assign_split(r["id"]) == "train" for r in group)
    blend = rec.models["et"].tagger
    assert blend.shared.out_of_fold_.shape[0] == n_train
    assert blend.own.out_of_fold_.shape[0] == n_train + n_group
    assert seen == [n_train + n_group]  # the anger detector (stop 25), not the shared tagger
    assert rec.meta["own_tagger_records"] == {"et": n_group}
    assert list(rec.meta["own_tagger_sha256"]) == ["et_k.jsonl"]
