import pickle

import numpy as np
import pytest

from recommender import errors, vectors
from recommender.tag import Tagger

needs_vectors = pytest.mark.skipif(not vectors.available(),
                                   reason="wordllama has no wheel for this platform")


@needs_vectors
def test_texts_become_unit_vectors_and_empty_ones_zeros():
    found = vectors.embed(["My parcel is late.", "", "   "])
    assert found.shape == (3, vectors.DIMENSIONS)
    assert np.isclose(np.linalg.norm(found[0]), 1.0) and not found[1].any()
    assert vectors.embed([]).shape == (0, vectors.DIMENSIONS)


@needs_vectors
def test_the_vectors_know_words_our_corpus_does_not_pair():
    """What the vectors are for: a late parcel is nearer to a missing package than to a double
    charge, although the two share no word."""
    late, missing, charged = vectors.embed(["my parcel has not arrived yet",
                                            "where is my package",
                                            "you billed my card twice"])
    assert late @ missing > late @ charged + 0.05


@needs_vectors
@pytest.mark.shared
def test_pieces_give_the_tokenizers_own_ids(shared_eval):
    """The tokenizer's BPE runs over a whole text as one word; vectors.py tokenises it piece by
    piece (a word with the spaces before it), with a cache, and must give the same ids: on
    every corpus message and every real text of real_dev and severity_dev."""
    import pandas as pd

    from recommender import corpus

    texts = [corpus.text_of(r) for lang in ("en", "et", "lv", "sl") for r in corpus.load(lang)]
    texts += pd.read_csv(shared_eval / "real_dev.csv")["text"].astype(str).tolist()
    texts += pd.read_csv(shared_eval / "severity_dev.csv")["text"].astype(str).tolist()
    texts += ["", " ", "  two  spaces ", "tab\tand\nnewline", "emoji 😡😡 and ünïcödé"]
    tokenizer, _ = vectors._table()
    expected = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    assert [vectors._token_ids(t, tokenizer.model) for t in texts] == expected


@needs_vectors
def test_the_same_texts_are_embedded_once(monkeypatch):
    texts = ["my parcel is late", "thanks!"]
    first = vectors.embed(texts)
    monkeypatch.setattr(vectors, "_table", lambda: pytest.fail("embedded again"))
    assert vectors.embed(list(texts)) is first


@needs_vectors
def test_a_long_text_is_the_mean_of_its_tokens():
    one = vectors.embed(["refund please"])[0]
    assert np.allclose(vectors.embed([" ".join(["refund please"] * 2000)])[0], one, atol=0.05)


@needs_vectors
def test_the_anger_vectors_read_a_hashtag_as_its_word():
    """Tweets write "#furious" for furious; an order number "#12345" stays as it is."""
    texts = ["lost my bag again #furious", "order #12345 is late", "lost my bag again furious"]
    shared = vectors.embed(texts)
    plain = vectors.block(texts, 1.0).toarray()
    words = vectors.block(texts, 1.0, hashtags_as_words=True).toarray()
    assert np.allclose(plain, shared) and vectors.embed(texts) is shared  # left unchanged
    assert np.allclose(words[0], shared[2]) and not np.allclose(plain[0], shared[2])
    assert np.allclose(words[1], shared[1]) and np.allclose(words[2], shared[2])


def test_anger_detectors_saved_before_hashtags_as_words_keep_reading_them_as_written():
    from recommender.anger import AngerDetector

    state = AngerDetector(vector_weight=0.5).__dict__.copy()
    del state["hashtags_as_words"]
    old = AngerDetector.__new__(AngerDetector)
    old.__setstate__(state)
    assert old.hashtags_as_words is False and AngerDetector().hashtags_as_words is True


@pytest.fixture
def warn_again(monkeypatch):
    monkeypatch.setattr(errors, "_warned", set())


def test_without_the_vectors_embedding_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(vectors, "_table", lambda: None)
    assert not vectors.available()
    with pytest.raises(LookupError, match="'wordllama' package are not installed"):
        vectors.embed(["hello"])


@needs_vectors
def test_a_tagger_with_vectors_fits_and_pickles():
    texts = ["my parcel is late", "the package never came", "you charged me twice",
             "double charge on my card", "thanks, all good", "great service, thank you"] * 4
    labels = [["delay"], ["delay"], ["billing"], ["billing"], [], []] * 4
    tagger = Tagger(tags=("delay", "billing"), cv=2, vector_weight=0.5).fit(texts, labels)
    assert tagger.model_.estimators_[0].n_features_in_ == len(
        tagger.words_.vocabulary_) + 2 + vectors.DIMENSIONS  # words, 2 cue counts, vector
    copy = pickle.loads(pickle.dumps(tagger))
    assert np.allclose(copy.predict_proba(["where is my parcel"]),
                       tagger.predict_proba(["where is my parcel"]))
    assert copy.predict(["my parcel is late"]) == [["delay"]]


def test_taggers_saved_before_vectors_have_none():
    state = Tagger().__dict__.copy()
    del state["vector_weight"]
    old = Tagger.__new__(Tagger)
    old.__setstate__(state)
    assert old.vector_weight == 0.0


@needs_vectors
def test_the_shipped_english_model_runs_without_the_vectors_where_they_are_missing(
        monkeypatch, warn_again):
    """On a platform where wordllama has no wheel, English runs its twin fitted without the
    vectors, says so once, and still answers; the other languages are untouched."""
    from recommender import Recommender

    with_vectors = Recommender.load()
    assert with_vectors.models["en"].tagger.vector_weight > 0
    assert with_vectors.models["en"].without_vectors.tagger.vector_weight == 0
    monkeypatch.setattr(vectors, "available", lambda: False)
    with pytest.warns(UserWarning, match="en runs its model fitted without them"):
        rec = Recommender.load()
    assert rec.models["en"] is not with_vectors.models["en"]
    assert rec.models["en"].tagger.vector_weight == 0 and rec.models["en"].anger.vector_weight == 0
    assert rec.suggest("Where is my parcel? Order 55120 was due a week ago.").template == (
        "delivery_delay")


@needs_vectors
def test_a_team_can_switch_the_vectors_off(recwarn):
    from recommender import Recommender
    from recommender.config import load_config

    rec = Recommender.load(config=load_config(word_vectors=False))
    assert rec.models["en"].tagger.vector_weight == 0 and rec.models["en"].anger.vector_weight == 0
    assert not [w for w in recwarn if "word vectors" in str(w.message)]  # chosen, not missing
    assert rec.suggest("I was charged twice for order 5512.").tags.keys() >= {"billing"}
