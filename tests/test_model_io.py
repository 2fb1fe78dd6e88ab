import json
import shutil

import pytest

from recommender import Recommender
from recommender.errors import ModelError
from recommender.persist import MODEL_NAME, SIDECAR_NAME, part_name
from recommender.recommender import DEFAULT_MODEL_DIR


@pytest.fixture()
def model_copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, target)
    return target


def test_shipped_model_loads_and_records_its_origin(rec):
    assert rec.meta["format_version"] == 1
    assert set(rec.meta["languages"]) == {"en", "et", "lv", "sl"}
    assert all(len(h) == 64 for h in rec.meta["corpus_sha256"].values())
    assert "metrics_test_split" in rec.meta


def test_saving_records_the_numeric_libraries(rec, tmp_path):
    import numpy
    import scipy

    rec.save(tmp_path / "m", {"languages": list(rec.models)})
    sidecar = json.loads((tmp_path / "m" / SIDECAR_NAME).read_text(encoding="utf-8"))
    assert sidecar["numpy_version"] == numpy.__version__
    assert sidecar["scipy_version"] == scipy.__version__


def test_shipped_model_stays_within_its_20_mb_budget():
    # It lives in git; the shared tagger's coefficients grow with the corpora. Since stop 20
    # English is also carried without the word vectors, in a part file of its own; since stop
    # 22 the shared tagger is a part of its own too, and since stop 24 each et / lv / sl tagger
    # that it is blended with. Each file stays under 20 MB.
    assert (DEFAULT_MODEL_DIR / MODEL_NAME).stat().st_size < 20_000_000
    assert (DEFAULT_MODEL_DIR / part_name("without_vectors")).stat().st_size < 6_000_000
    assert (DEFAULT_MODEL_DIR / part_name("shared_tagger")).stat().st_size < 20_000_000
    for lang in ("et", "lv", "sl"):
        assert (DEFAULT_MODEL_DIR / part_name(f"own_tagger_{lang}")).stat().st_size < 20_000_000


def test_shipped_model_was_trained_on_the_committed_corpus(rec):
    # `recommender train` must rebuild what ships: a corpus file changed after training (even
    # only reordered, as `recommender corpus` sorts it) gives another model.
    from recommender.corpus import DEFAULT_CORPUS_DIR
    from recommender.persist import sha256_of

    for lang, digest in rec.meta["corpus_sha256"].items():
        assert sha256_of(DEFAULT_CORPUS_DIR / f"{lang}.jsonl") == digest, lang
    # and on the groups only the languages' own taggers learn from, all of them
    own = sorted((DEFAULT_CORPUS_DIR / "own_tagger").glob("*.jsonl"))
    assert own and sorted(rec.meta["own_tagger_sha256"]) == [path.name for path in own]
    for path in own:
        assert sha256_of(path) == rec.meta["own_tagger_sha256"][path.name], path.name


def test_the_shared_tagger_is_saved_once_and_shared_again(rec, tmp_path):
    shared = [rec.models[lang].tagger.shared for lang in ("et", "lv", "sl")]
    assert shared[0] is shared[1] is shared[2]
    rec.save(tmp_path / "m", {"languages": list(rec.models)})
    again = Recommender.load(tmp_path / "m")
    blends = [again.models[lang].tagger for lang in ("et", "lv", "sl")]
    assert blends[0].shared is blends[1].shared is blends[2].shared
    assert [b.own.lang for b in blends] == ["et", "lv", "sl"]
    assert not hasattr(again.models["et"].tagger.shared, "out_of_fold_")
    for text in ("Palun tagastage raha!", "Sūtījums nav atnācis jau divas nedēļas."):
        assert again.suggest(text).tag_scores == rec.suggest(text).tag_scores
    # the model saved keeps its taggers in memory
    assert rec.models["lv"].tagger.own is not None and rec.models["lv"].tagger.shared is not None


def test_a_model_saved_before_the_blend_still_loads(rec, tmp_path):
    # Models trained before stop 24 give et / lv / sl one shared tagger and no blend.
    from dataclasses import replace

    shared = rec.models["et"].tagger.shared
    old = Recommender({lang: replace(m, tagger=m.tagger if lang == "en" else shared)
                       for lang, m in rec.models.items()}, rec.config)
    old.save(tmp_path / "m", {"languages": list(rec.models)})
    again = Recommender.load(tmp_path / "m")
    assert again.models["et"].tagger is again.models["lv"].tagger is again.models["sl"].tagger
    text, context = "Sūtījums nav atnācis jau divas nedēļas.", {"language": "lv"}
    assert again.suggest(text, context).tags == old.suggest(text, context).tags


def test_a_missing_own_tagger_is_an_error(model_copy):
    sidecar = model_copy / SIDECAR_NAME
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    del meta["parts_sha256"]["own_tagger_lv"]
    sidecar.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="a language has no tagger"):
        Recommender.load(model_copy)


def test_the_part_without_vectors_is_vouched_for_like_the_model(model_copy):
    part = model_copy / part_name("without_vectors")
    assert Recommender.load(model_copy).models["en"].tagger.vector_weight > 0
    with open(part, "ab") as fh:
        fh.write(b"extra")
    with pytest.raises(ModelError, match=r"without_vectors\.joblib: checksum"):
        Recommender.load(model_copy)
    part.unlink()
    with pytest.raises(ModelError, match="part of the model named in recommender.json not found"):
        Recommender.load(model_copy)


def test_missing_directory(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Recommender.load(tmp_path / "nothing")


def test_missing_sidecar(model_copy):
    (model_copy / SIDECAR_NAME).unlink()
    with pytest.raises(ModelError, match="sidecar missing"):
        Recommender.load(model_copy)


def test_tampered_model(model_copy):
    with open(model_copy / MODEL_NAME, "ab") as fh:
        fh.write(b"extra")
    with pytest.raises(ModelError, match="checksum"):
        Recommender.load(model_copy)


def test_corrupt_model_with_matching_checksum(model_copy):
    from recommender.persist import sha256_of

    (model_copy / MODEL_NAME).write_bytes(b"not a pickle at all")
    meta = json.loads((model_copy / SIDECAR_NAME).read_text())
    meta["model_sha256"] = sha256_of(model_copy / MODEL_NAME)
    (model_copy / SIDECAR_NAME).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="cannot be read"):
        Recommender.load(model_copy)


@pytest.mark.parametrize("key,value,message", [
    ("scikit_learn_version", "0.24.2", "trained with scikit-learn 0.24.2"),
    ("format_version", 99, "format 99 is not supported"),
])
def test_incompatible_model(model_copy, key, value, message):
    meta = json.loads((model_copy / SIDECAR_NAME).read_text())
    meta[key] = value
    (model_copy / SIDECAR_NAME).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=message):
        Recommender.load(model_copy)


def test_save_and_load_round_trip(rec, tmp_path):
    rec.save(tmp_path / "m", {"note": "copy"})
    again = Recommender.load(tmp_path / "m")
    text = "I was charged twice for my order"
    assert again.suggest(text).tag_scores == rec.suggest(text).tag_scores


def test_sidecar_holds_figures_not_texts():
    sidecar = (DEFAULT_MODEL_DIR / SIDECAR_NAME).read_text()
    assert len(sidecar) < 200_000 and '"rows"' not in sidecar


def test_extra_records_in_languages_not_trained_are_left_out(tmp_path, capsys):
    """Reviewed suggestions can now be in a language we do not read ("pl"): they must not be
    added to another language's training data, and `train --feedback` counts only those used."""
    from recommender import corpus
    from recommender.cli import main

    records = corpus.load("en")[:300]
    (tmp_path / "en.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    decisions = [{"text": "Zamówienie nie dotarło.", "language": "pl", "tags": ["delay"],
                  "anger_level": 1, "template": "delivery_delay"},
                 {"text": "My parcel is two weeks late.", "language": "en", "tags": ["delay"],
                  "anger_level": 1, "template": "delivery_delay"}]
    (tmp_path / "fb.jsonl").write_text("".join(json.dumps(d) + "\n" for d in decisions),
                                       encoding="utf-8")
    with pytest.warns(UserWarning, match=r"1 extra records in languages not trained here \(pl\)"):
        assert main(["train", "--out", str(tmp_path / "model"), "--lang", "en", "--corpus-dir",
                     str(tmp_path), "--feedback", str(tmp_path / "fb.jsonl")]) == 0
    assert "1 of 2 reviewed suggestions" in capsys.readouterr().out
    meta = json.loads((tmp_path / "model" / SIDECAR_NAME).read_text())
    assert meta["extra_records"] == 1 and meta["train_records"]["en"] == 1 + sum(
        r["split"] == "train" for r in records)


def test_training_does_not_depend_on_the_order_of_the_corpus_file(tmp_path):
    # `recommender corpus` keeps the files sorted by id; records appended by hand train the
    # same model as the sorted file they will become (the order moves a fitted model).
    from recommender import corpus
    from recommender.train import train

    records = corpus.load("en")[:300]
    texts = ["I never received my order.", "I was charged twice", "thanks, all good!"]
    scores = []
    for name, ordered in (("sorted", records), ("reversed", records[::-1])):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "en.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ordered), encoding="utf-8")
        rec, _ = train(tmp_path / f"model_{name}", ("en",), folder)
        scores.append([rec.suggest(t).tag_scores for t in texts])
    assert scores[0] == scores[1]
