import numpy as np
import pytest
from sklearn.base import clone

from recommender.errors import NotFittedError
from recommender.nlp import get_nlp, normalise, tokenise
from recommender.tag import MAX_THRESHOLD, MIN_THRESHOLD, Blend, Tagger

TEXTS = ["my parcel is late", "where is my order, still not here", "delivery delayed again",
         "charged twice on my card", "you billed me two times", "wrong amount on the invoice",
         "thanks for the help", "what are your opening hours"] * 3
LABELS = [["delay"], ["delay"], ["delay"], ["billing"], ["billing"], ["billing"], [], []] * 3


@pytest.fixture(scope="module")
def tagger():
    return Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)


def test_estimator_contract():
    t = Tagger(C=2.0)
    assert t.get_params()["C"] == 2.0
    assert clone(t).get_params() == t.get_params()
    assert not any(k.endswith("_") for k in vars(t))


def test_predicting_before_fit_raises():
    with pytest.raises(NotFittedError):
        Tagger().predict_proba(["x"])


def test_probabilities_shape_and_range(tagger):
    p = tagger.predict_proba(["parcel late", "charged twice", "hello"])
    assert p.shape == (3, 2)
    assert np.all((p >= 0) & (p <= 1))


def test_predictions_follow_the_data(tagger):
    assert tagger.predict(["my delivery is late"]) == [["delay"]]
    assert tagger.predict(["I was charged twice"]) == [["billing"]]


def test_thresholds_are_bounded(tagger):
    assert np.all((tagger.thresholds_ >= MIN_THRESHOLD) & (tagger.thresholds_ <= MAX_THRESHOLD))


def test_min_threshold_floors_every_threshold(rec):
    from recommender.train import OWN_MIN_THRESHOLD

    low = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)
    high = Tagger(tags=("delay", "billing"), cv=3, min_threshold=0.6).fit(TEXTS, LABELS)
    assert np.all(high.thresholds_ >= 0.6)
    assert np.array_equal(high.thresholds_, np.maximum(low.thresholds_, 0.6))
    # the floor only raises thresholds; the probabilities do not change
    assert np.array_equal(high.predict_proba(["late!"]), low.predict_proba(["late!"]))
    # the shipped English tagger has its own floor, the et / lv / sl taggers the default
    assert rec.models["en"].tagger.min_threshold == OWN_MIN_THRESHOLD
    assert rec.models["en"].tagger.thresholds_.min() >= OWN_MIN_THRESHOLD
    blend = rec.models["et"].tagger
    assert blend.shared.min_threshold == blend.own.min_threshold == MIN_THRESHOLD
    assert blend.thresholds_.min() >= MIN_THRESHOLD


def test_fit_is_deterministic():
    a = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS).predict_proba(["late!"])
    b = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS).predict_proba(["late!"])
    assert np.array_equal(a, b)


@pytest.mark.parametrize("order", [1, -1])
def test_char_ngrams_keep_the_most_frequent_and_break_ties_alphabetically(order):
    # scikit-learn's max_features breaks ties with an unstable sort whose result depends on
    # the CPU; the shipped model must keep the same n-grams whichever machine trains it.
    from recommender.tag import char_ngrams

    texts = ["ccc bbb", "aaa eee", "eee ccc", "bbb aaa eee", "ddd ddd"][::order]
    # each 3-letter word is one 5-gram with its padding; " ddd " is in one text only (min_df)
    vectorizer = char_ngrams(texts, (5, 5), max_features=2)
    assert sorted(vectorizer.vocabulary_) == [" aaa ", " eee "]
    assert vectorizer.transform(["eee"]).shape == (1, 2)


def test_empty_input(tagger):
    assert tagger.predict_proba([]).shape == (0, 2)


@pytest.mark.parametrize("text,expected", [
    ("order 12345", "order 00000"),
    ("@NordCart help", " @U " + " " * 5 + " help"),
    ("maria@example.com", "maria @U " + " " * 4 + ".com"),
    ("see https://x.y/z now", "see " + " URL " + " " * 8 + " now"),
    ("www.a, @bc", " URL " + " " + " " + "@U "),
])
def test_normalise_keeps_every_length(text, expected):
    assert normalise(text) == expected and len(expected) == len(text)


def test_given_docs_give_the_same_probabilities(tagger):
    texts = ["my parcel is late, see https://t.co/x", "@shop charged twice!"]
    assert np.array_equal(tagger.predict_proba(texts),
                          tagger.predict_proba(texts, tokenise(get_nlp("en"), texts)))


def test_fitted_tagger_pickles_to_the_same_bytes():
    import pickle

    a = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)
    b = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)
    assert pickle.dumps(a) == pickle.dumps(b)


def test_pickling_keeps_the_vocabulary_and_leaves_the_tagger_alone(tagger):
    import pickle

    before = dict(tagger.words_.vocabulary_)
    copy = pickle.loads(pickle.dumps(tagger))
    assert type(copy.words_.vocabulary_) is dict and copy.words_.vocabulary_ == before
    assert type(tagger.words_.vocabulary_) is dict and tagger.words_.vocabulary_ == before
    texts = ["my parcel is late again", "charged twice"]
    assert np.array_equal(copy.predict_proba(texts), tagger.predict_proba(texts))


def test_compact_coefficients_move_probabilities_by_less_than_1e4():
    from copy import deepcopy

    from recommender import corpus
    from recommender.persist import KEPT_MANTISSA_BITS
    from recommender.tag import compact

    records = corpus.load("en", "train")[:400]
    t = Tagger()
    x = t._features([r["body"] for r in records], fit=True)
    y = t._binarize([r["tags"] for r in records])
    full = t._estimator(y).fit(x, y)
    small = compact(deepcopy(full))
    coef = small.estimators_[0].calibrated_classifiers_[0].estimator.coef_
    assert coef.dtype == np.float32
    dropped = np.uint32((1 << (23 - KEPT_MANTISSA_BITS)) - 1)
    assert not (coef.view(np.uint32) & dropped).any()  # the dropped mantissa bits are zero
    moved = np.abs(full.predict_proba(x) - small.predict_proba(x)).max()
    assert 0 < moved < 1e-4


@pytest.mark.parametrize("lang", ["en", "et"])
def test_stacked_sigmoids_give_scikit_learns_probabilities(rec, lang):
    from recommender import corpus
    from recommender.tag import StackedSigmoids

    tagger = rec.models[lang].tagger
    for part in [tagger.shared, tagger.own] if isinstance(tagger, Blend) else [tagger]:
        x = part._features([r["body"] for r in corpus.load(lang, "test")])
        stacked = StackedSigmoids.of(part.model_)
        assert stacked is not None
        assert np.abs(stacked.predict_proba(x) - part.model_.predict_proba(x)).max() < 1e-12


def test_uncalibrated_models_are_not_stacked():
    from recommender.tag import StackedSigmoids

    t = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)
    assert StackedSigmoids.of(t.model_) is not None
    t.model_.estimators_[0] = t.model_.estimators_[0].calibrated_classifiers_[0].estimator
    assert StackedSigmoids.of(t.model_) is None


def test_refitting_replaces_the_stacked_model():
    t = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)
    assert t.predict(["my parcel is late"]) == [["delay"]]
    swapped = [["billing"] if lab == ["delay"] else ["delay"] if lab == ["billing"] else []
               for lab in LABELS]
    assert t.fit(TEXTS, swapped).predict(["my parcel is late"]) == [["billing"]]


def test_groups_get_thresholds_of_their_own(monkeypatch):
    import recommender.tag as tag

    monkeypatch.setattr(tag, "MIN_GROUP_SIZE", 12)
    groups = ["big"] * 16 + ["small"] * 8
    t = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS, groups=groups)
    assert set(t.group_thresholds_) == {"big"}  # "small" has too few texts
    assert np.all((t.group_thresholds_["big"] >= MIN_THRESHOLD)
                  & (t.group_thresholds_["big"] <= MAX_THRESHOLD))
    p = t.predict_proba(["my parcel is late"])[0]
    assert t.decide(p) == t.decide(p, "small") == t.decide(p, "unknown") == ["delay"]
    t.group_thresholds_["big"] = np.array([0.999, 0.999])
    assert t.decide(p, "big") == [] and t.predict(["my parcel is late"], "big") == [[]]


def test_models_saved_without_group_thresholds_still_decide(tagger):
    old = clone(tagger).fit(TEXTS, LABELS)
    del old.group_thresholds_
    assert old.decide(old.predict_proba(["parcel late"])[0], "et") == ["delay"]


def test_shared_tagger_predicts_like_the_recommender_given_the_language(rec):
    from recommender import corpus
    from recommender.parse import parse

    texts = [parse(corpus.text_of(r)).full_text for r in corpus.load("sl", "test")]
    blend = rec.models["sl"].tagger
    suggested = rec.suggest_many(texts, [{"language": "sl"}] * len(texts))
    assert blend.predict(texts, "sl") == [list(s.tags) for s in suggested]
    # The shared tagger given the language tokenises as the recommender does; the multilingual
    # tokenizer would have decided some texts differently ("3." is one Slovenian token).
    shared = blend.shared
    sl_tokens = tokenise(get_nlp("sl"), texts)
    by_language = [shared.decide(p, "sl") for p in shared.predict_proba(texts, sl_tokens)]
    assert shared.predict(texts, "sl") == by_language
    assert [shared.decide(p, "sl") for p in shared.predict_proba(texts)] != by_language


def test_each_calibration_fold_leaves_one_model_per_tag(rec):
    from recommender.train import OWN_CALIBRATION_FOLDS

    t = Tagger(tags=("delay", "billing"), cv=3, calibration_folds=2).fit(TEXTS, LABELS)
    assert [len(e.calibrated_classifiers_) for e in t.model_.estimators_] == [2, 2]
    # fewer folds when a tag has fewer examples than that (here 3 billing texts)
    few = Tagger(tags=("delay", "billing"), cv=3, calibration_folds=5).fit(
        TEXTS[:8] + TEXTS[:3], LABELS[:8] + LABELS[:3])
    assert {len(e.calibrated_classifiers_) for e in few.model_.estimators_} == {3}
    # the shipped English tagger was trained with its setting, the et / lv / sl ones the default
    assert rec.models["en"].tagger.calibration_folds == OWN_CALIBRATION_FOLDS
    assert len(rec.models["en"].tagger.model_.estimators_[0].calibrated_classifiers_) == 5
    for part in (rec.models["et"].tagger.shared, rec.models["et"].tagger.own):
        assert len(part.model_.estimators_[0].calibrated_classifiers_) == 3


def test_a_blend_averages_its_taggers_and_decides_with_its_own_thresholds(tagger):
    other = Tagger(tags=("delay", "billing"), cv=3, C=1.0).fit(TEXTS[:16], LABELS[:16])
    blend = Blend(tagger, other, 0.25).fit_thresholds(
        tagger.out_of_fold_[:16], other.out_of_fold_, LABELS[:16])
    texts = ["my parcel is late", "charged twice", "hello there"]
    p = blend.predict_proba(texts)
    assert np.array_equal(p, 0.75 * tagger.predict_proba(texts) + 0.25 * other.predict_proba(texts))
    assert np.all((blend.thresholds_ >= MIN_THRESHOLD) & (blend.thresholds_ <= MAX_THRESHOLD))
    # thresholds picked on the averaged out-of-fold probabilities, not either tagger's own
    blend.thresholds_ = np.array([0.99, MIN_THRESHOLD])
    assert blend.decide(p[0]) == [] and tagger.decide(p[0]) == ["delay"]
    assert blend.predict(["my parcel is late"]) == [[]]


def test_a_blend_needs_the_same_tags_and_its_thresholds():
    a = Tagger(tags=("delay", "billing"), cv=3).fit(TEXTS, LABELS)
    b = Tagger(tags=("billing", "delay"), cv=3).fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match="same tags"):
        Blend(a, b, 0.5)
    with pytest.raises(NotFittedError):
        Blend(a, a, 0.5).decide(np.array([0.9, 0.1]))


def test_out_of_fold_probabilities_are_not_saved(tagger):
    import pickle

    assert tagger.out_of_fold_.shape == (len(TEXTS), 2)
    assert not hasattr(pickle.loads(pickle.dumps(tagger)), "out_of_fold_")


def test_the_shipped_languages_of_the_shared_tagger_blend_it_with_their_own(rec):
    from recommender.train import BLEND_WEIGHT

    for lang in ("et", "lv", "sl"):
        blend = rec.models[lang].tagger
        assert isinstance(blend, Blend) and blend.weight == BLEND_WEIGHT
        assert blend.shared is rec.models["et"].tagger.shared and blend.own.lang == lang


def test_a_blend_counts_the_n_grams_once_and_gets_the_same_probabilities(rec):
    from recommender import corpus
    from recommender.parse import parse

    records = corpus.load("lv", "test")[:150]
    texts = [parse(corpus.text_of(r)).full_text for r in records]
    blend = rec.models["lv"].tagger
    docs = tokenise(get_nlp("lv"), texts)
    assert blend._cut_alike()
    each = (0.5 * blend.shared.predict_proba(texts, docs)
            + 0.5 * blend.own.predict_proba(texts, docs))
    assert blend.weight == 0.5 and np.array_equal(blend.predict_proba(texts, docs), each)
    # the counters over both vocabularies are rebuilt when needed, never saved
    import pickle

    assert blend._joint_counters and not hasattr(pickle.loads(pickle.dumps(blend)),
                                                 "_joint_counters")
    # taggers that cut texts into n-grams differently each count their own
    words_only = Tagger(tags=blend.tags, lang="lv", cues=False).fit(
        texts, [r["tags"] for r in records], docs=docs)
    mixed = Blend(blend.shared, words_only, 0.5)
    assert not mixed._cut_alike()
    assert np.array_equal(mixed.predict_proba(texts, docs), 0.5 * blend.shared.predict_proba(
        texts, docs) + 0.5 * words_only.predict_proba(texts, docs))
