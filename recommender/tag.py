"""Tag: multi-label issue tagger with calibrated probabilities and per-tag thresholds.

Follows the scikit-learn estimator contract: ``__init__`` only stores its arguments, ``fit``
returns ``self``, learned state ends in ``_``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from spacy.matcher import PhraseMatcher

from . import vectors
from .errors import NotFittedError, warn_once
from .nlp import get_nlp, normalise, tokenise, tokens
from .persist import compact_floats
from .resources import read_lines
from .taxonomy import LANGUAGES, TAGS

# Threshold search grid and bounds: thresholds are picked on out-of-fold probabilities of the
# training set; the bounds keep a tag with few examples from getting an extreme threshold. With
# the lower bound at 0.25, six English tags sat on it and short messages picked up second tags
# ("my parcel is two weeks late": delay and wrong_item 0.29); at 0.35 the English test split
# went from micro-F1 0.797 to 0.802, its false-tag rate on non-complaints from 0.203 to 0.119,
# real_dev's false-tag rate from 0.107 to 0.084 (top-1 hit 0.751 both), and et/lv/sl macro-F1
# moved by -0.001 to -0.007. The English tagger has a floor of its own
# (``Tagger(min_threshold=...)``, ``train.OWN_MIN_THRESHOLD``).
THRESHOLD_GRID = np.round(np.arange(0.15, 0.851, 0.025), 3)
MIN_THRESHOLD, MAX_THRESHOLD = 0.35, 0.75
# A group (language) of the training texts gets thresholds of its own from this many texts on.
MIN_GROUP_SIZE = 200
# Folds of the sigmoid calibration of each tag by default (fewer when a tag has fewer
# examples); each fold leaves one calibrated model in the ensemble.
CALIBRATION_FOLDS = 3
# Most character n-grams the tagger keeps (when it uses them).
CHAR_FEATURES = 60000
# Scale of the cue-count features relative to the L2-normalised TF-IDF blocks (chosen so a
# single cue hit weighs about as much as a strong TF-IDF feature).
CUE_SCALE = 1.0


def char_ngrams(texts: Sequence[str], ngram_range: tuple[int, int],
                max_features: int) -> TfidfVectorizer:
    """A TF-IDF vectorizer of the ``max_features`` most frequent character n-grams (within
    words, in at least 2 texts) of ``texts``, fitted; n-grams of equal frequency at the cut-off
    are kept in alphabetical order.

    ``TfidfVectorizer(max_features=...)`` breaks those ties with an unstable argsort, which
    numpy runs with different sorting code on different CPUs: the same data and library
    versions trained on another machine (stop 18) kept 1,502 other n-grams among the shared
    tagger's 60,000, and its et / lv / sl test macro-F1 moved by +0.001 / +0.002 / -0.004."""
    counts = CountVectorizer(analyzer="char_wb", ngram_range=ngram_range, min_df=2)
    totals = np.asarray(counts.fit_transform(texts).sum(axis=0)).ravel()
    terms = counts.get_feature_names_out()
    kept = sorted(terms[np.lexsort((terms, -totals))[:max_features]])
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True,
                                 vocabulary=kept).fit(texts)
    # The parameters say how the n-grams were chosen; the list itself is in ``vocabulary_``.
    return vectorizer.set_params(vocabulary=None, min_df=2, max_features=max_features)


def cue_matcher(lang: str, tags: Sequence[str]) -> tuple[PhraseMatcher, dict[int, int]]:
    """Phrase matcher over ``lexicons/<lang>/tag_cues.tsv`` and its label hash → tag column."""
    nlp = get_nlp(lang)
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    sources = LANGUAGES if lang == "xx" else (lang,)  # "xx": the multilingual tagger
    for line in (ln for source in sources for ln in read_lines("lexicons", source,
                                                                 "tag_cues.tsv")):
        tag, _, phrase = line.partition("\t")
        if tag in tags:
            matcher.add(tag, [nlp.make_doc(phrase.strip())])
    return matcher, {nlp.vocab.strings.add(t): j for j, t in enumerate(tags)}


class Tagger(BaseEstimator):
    """Multi-label tagger: TF-IDF words and characters plus per-tag cue counts from a
    hand-written lexicon, one calibrated logistic model per tag.

    Parameters
    ----------
    tags : the label set, in output order
    lang : spaCy language code of the tokenizer
    spacy_model : name of an installed trained spaCy pipeline (lemmas) or ``None`` (blank)
    C : inverse regularisation strength of the logistic models (24 chosen among 16–64 on
        the same two measurements)
    cv : folds used for calibration and for picking thresholds
    cues : add the per-tag cue counts of ``lexicons/<lang>/tag_cues.tsv`` as features
    char_ngrams : range of character n-grams (within words) added to the word n-grams,
        ``None`` for words only. Words only is the default: measured on the corpus test split
        and ``real_dev.csv`` it generalises better to real text (top-1 hit 0.757 vs 0.733 with
        (2, 5)) at 1.3 points less corpus micro-F1, and tags 3.5 times faster.
    random_state : seed of the fold split
    calibration_folds : folds of the sigmoid calibration of each tag; each leaves one
        calibrated model whose probabilities are averaged (more folds: members trained on
        more of the data, and a larger model)
    min_threshold : lowest threshold a tag may get (the upper bound is :data:`MAX_THRESHOLD`)
    vector_weight : weight of the pretrained sentence vector (:mod:`recommender.vectors`)
        added to the features, relative to the L2-normalised TF-IDF blocks; 0 for none

    Examples
    --------
    >>> t = Tagger(tags=("delay",), cv=2).fit(["late parcel", "thanks!"] * 4, [["delay"], []] * 4)
    >>> t.predict(["my parcel is late"])
    [['delay']]
    """

    def __init__(self, tags: Sequence[str] = TAGS, lang: str = "en",
                 spacy_model: str | None = None, C: float = 24.0, cv: int = 5,
                 cues: bool = True, char_ngrams: tuple[int, int] | None = None,
                 random_state: int = 0, calibration_folds: int = CALIBRATION_FOLDS,
                 min_threshold: float = MIN_THRESHOLD, vector_weight: float = 0.0):
        self.tags = tags
        self.lang = lang
        self.spacy_model = spacy_model
        self.C = C
        self.cv = cv
        self.cues = cues
        self.char_ngrams = char_ngrams
        self.random_state = random_state
        self.calibration_folds = calibration_folds
        self.min_threshold = min_threshold
        self.vector_weight = vector_weight

    # -- features -----------------------------------------------------------------------
    def _cues(self, docs) -> csr_matrix:
        if getattr(self, "_cue_matcher", None) is None:
            self._cue_matcher = cue_matcher(self.lang, self.tags)
        matcher, column = self._cue_matcher
        counts = np.zeros((len(docs), len(self.tags)))
        for i, doc in enumerate(docs):
            for match_id, _, _ in matcher(doc):
                counts[i, column[match_id]] += 1
        return csr_matrix(np.log1p(counts) * CUE_SCALE)

    def __getstate__(self):
        state = pickled_state(self.__dict__)
        state.pop("_cue_matcher", None)  # rebuilt from the lexicon file when needed
        state.pop("_stacked", None)  # rebuilt from model_ when needed
        state.pop("out_of_fold_", None)  # needed in training only
        return state

    def __setstate__(self, state):
        # Files written before these were parameters used 3 folds, the default floor and no
        # sentence vectors.
        self.__dict__.update({"calibration_folds": 3, "min_threshold": MIN_THRESHOLD,
                              "vector_weight": 0.0, **unpickled_state(state)})

    def _features(self, texts: Sequence[str], fit: bool = False, docs=None, tfidf=None):
        # ``tfidf``: the TF-IDF blocks of the texts (words, then characters when this tagger
        # has them), already computed by a Blend for both of its taggers at once; then the
        # texts need not be read for the vectorizers again.
        if docs is None:
            docs = tokenise(get_nlp(self.lang, self.spacy_model), texts)
        words, lowered = _vectorizer_input(texts, docs) if tfidf is None else ((), ())
        if fit:
            self.words_ = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=2,
                                          sublinear_tf=True, lowercase=False)
            blocks = [self.words_.fit_transform(words)]
            self.chars_ = None
            if self.char_ngrams:
                self.chars_ = char_ngrams(lowered, self.char_ngrams, CHAR_FEATURES)
                blocks.append(self.chars_.transform(lowered))
        elif tfidf is not None:
            blocks = list(tfidf)
        else:
            blocks = [self.words_.transform(words)]
            if self.chars_ is not None:
                blocks.append(self.chars_.transform(lowered))
        if self.cues:
            blocks.append(self._cues(docs))
        if self.vector_weight:
            blocks.append(vectors.block(texts, self.vector_weight))
        return hstack(blocks).tocsr()

    def _estimator(self, y: np.ndarray) -> OneVsRestClassifier:
        base = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000,
                                  solver="liblinear", random_state=self.random_state)
        counts = [int(min(c.sum(), len(c) - c.sum())) for c in y.T if 0 < c.sum() < len(c)]
        folds = min([self.calibration_folds, *counts])
        if folds < 2:  # a tag with a single example cannot be calibrated out of fold
            warn_once("a tag has fewer than 2 examples: its probabilities are not calibrated")
            return OneVsRestClassifier(base)
        # ensemble=True (one calibrated model per fold and tag) measured better on real text than
        # one model calibrated out of fold: real_dev top-1 hit 0.759 vs 0.737, although the
        # single model scores higher on our test split (micro-F1 0.786 vs 0.755) and is a
        # third of the size. Re-measured in stop 14 on the larger corpus: single 0.829 vs 0.811
        # test micro-F1, but real_dev top-1 hit 0.753 vs 0.769, so the ensemble stays. The
        # shared tagger, stop 15: single raised test macro-F1 in lv and sl (+0.025, +0.007; et
        # -0.001), but its own top-1 hit on the English real_dev rows fell 0.673 -> 0.614.
        return OneVsRestClassifier(CalibratedClassifierCV(base, method="sigmoid", cv=folds))

    def _binarize(self, labels: Sequence[Iterable[str]]) -> np.ndarray:
        index = {t: i for i, t in enumerate(self.tags)}
        y = np.zeros((len(labels), len(self.tags)), dtype=int)
        for row, tags in enumerate(labels):
            for tag in tags:
                if tag in index:
                    y[row, index[tag]] = 1
        return y

    # -- estimator API ------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Iterable[str]],
            groups: Sequence[str] | None = None, docs: Sequence | None = None) -> "Tagger":
        """Fit on texts and their tag lists; pick per-tag thresholds out of fold.

        ``groups`` optionally names the group (e.g. the language) of each text: every group
        with at least :data:`MIN_GROUP_SIZE` texts also gets thresholds of its own, picked on
        its own out-of-fold probabilities, which :meth:`decide` uses when given the group.
        For the shared et/lv/sl tagger this raised test macro-F1 by 0.013-0.020 per language
        (measured with 900 records a language).
        ``docs`` are the texts already tokenised by :func:`recommender.nlp.tokenise` (e.g.
        each by its own language's tokenizer); by default this tagger's pipeline does it.
        The out-of-fold probabilities of the texts stay in ``out_of_fold_`` until the tagger is
        pickled (a :class:`Blend` picks its thresholds on them).
        """
        texts = list(texts)
        y = self._binarize(labels)
        x = self._features(texts, fit=True, docs=docs)
        self.model_ = compact(self._estimator(y).fit(x, y))
        self._stacked = None  # built from model_ at the next prediction
        oof = self.out_of_fold_ = self._out_of_fold(x, y)
        self.thresholds_ = _pick_thresholds(oof, y, self.min_threshold)
        self.group_thresholds_ = {}
        if groups is not None:
            groups = np.asarray(list(groups))
            for group in sorted(set(groups)):
                rows = groups == group
                if rows.sum() >= MIN_GROUP_SIZE:
                    self.group_thresholds_[str(group)] = _pick_thresholds(
                        oof[rows], y[rows], self.min_threshold)
        return self

    def _out_of_fold(self, x, y: np.ndarray) -> np.ndarray:
        oof = np.zeros(y.shape, dtype=float)
        folds = KFold(self.cv, shuffle=True, random_state=self.random_state)
        for train, held in folds.split(x):
            fitted = self._estimator(y[train]).fit(x[train], y[train])
            oof[held] = _tag_columns(fitted.predict_proba(x[held]), y.shape[1])
        return oof

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Tagger is not fitted yet; call fit() or load a model")

    def predict_proba(self, texts: Sequence[str], docs: Sequence | None = None) -> np.ndarray:
        """Calibrated probability of every tag, shape ``(n_texts, n_tags)``; ``docs`` as in
        :meth:`fit`."""
        self._check_fitted()
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.tags)))
        return self._probabilities(self._features(texts, docs=docs))

    def _probabilities(self, x) -> np.ndarray:
        if getattr(self, "_stacked", None) is None:
            self._stacked = StackedSigmoids.of(self.model_) or self.model_
        return _tag_columns(self._stacked.predict_proba(x), len(self.tags))

    def predict(self, texts: Sequence[str], group: str | None = None) -> list[list[str]]:
        """Tags whose probability reaches their threshold, most probable first. When ``group``
        is one of our languages and this is the multilingual tagger, the texts are tokenised
        by that language's tokenizer, as in training and in :class:`Recommender`."""
        docs = None
        if self.lang == "xx" and group in LANGUAGES and not self.spacy_model:
            docs = tokenise(get_nlp(group), texts)
        return [self.decide(row, group) for row in self.predict_proba(texts, docs)]

    def decide(self, probabilities: np.ndarray, group: str | None = None) -> list[str]:
        """Tags of one probability row that reach their threshold (the group's own when it
        has them), most probable first."""
        self._check_fitted()
        thresholds = getattr(self, "group_thresholds_", {}).get(group, self.thresholds_)
        return _reaching(self.tags, probabilities, thresholds)


class Blend:
    """The tagger of one language made of two: the multilingual tagger it shares with other
    languages, and a tagger of its own trained on its messages alone. Their probabilities are
    averaged, ``weight`` on the own tagger; the thresholds are picked on the averaged
    out-of-fold probabilities of the language's training messages (:meth:`fit_thresholds`).

    The own tagger can learn from messages that the shared tagger is better without: groups
    of Latvian messages that raised Latvian macro-F1 by 0.02 in the shared tagger lowered
    Estonian and Slovenian by 0.023 and 0.012 there (stop 14, ``data/corpus/README.md``).
    Used like a :class:`Tagger` (``tags``, :meth:`predict_proba`, :meth:`decide`,
    :meth:`predict`).
    """

    def __init__(self, shared: Tagger, own: Tagger, weight: float):
        if tuple(shared.tags) != tuple(own.tags):
            raise ValueError("a Blend needs two taggers of the same tags in the same order")
        self.shared, self.own, self.weight = shared, own, weight

    def fit_thresholds(self, shared_oof: np.ndarray, own_oof: np.ndarray,
                       labels: Sequence[Iterable[str]]) -> "Blend":
        """Pick the thresholds on the out-of-fold probabilities of both taggers for the same
        training messages of this language, whose tags are ``labels``."""
        y = self.own._binarize(labels)
        self.thresholds_ = _pick_thresholds(self._average(shared_oof, own_oof), y,
                                            self.shared.min_threshold)
        return self

    def _average(self, shared: np.ndarray, own: np.ndarray) -> np.ndarray:
        return (1 - self.weight) * shared + self.weight * own

    @property
    def tags(self) -> Sequence[str]:
        return self.shared.tags

    @property
    def lang(self) -> str:
        return self.own.lang

    @property
    def spacy_model(self) -> str | None:
        return self.shared.spacy_model or self.own.spacy_model

    @property
    def vector_weight(self) -> float:
        return max(self.shared.vector_weight, self.own.vector_weight)

    def predict_proba(self, texts: Sequence[str], docs: Sequence | None = None) -> np.ndarray:
        """Averaged probability of every tag; ``docs`` tokenised by this language's
        tokenizer, as in :meth:`Tagger.fit`.

        When both taggers cut texts into n-grams alike (the shipped ones do), the n-grams are
        counted once for both, over the union of their vocabularies: counting them is most of a
        tagger's time, and the character n-grams of an Estonian message took 0.51 ms for the
        two taggers, 0.29 ms at once (the same matrices; ``benchmarks/blend_cost.py``)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.tags)))
        if docs is None:
            docs = tokenise(get_nlp(self.lang, self.spacy_model), texts)
        if not self._cut_alike():
            return self._average(self.shared.predict_proba(texts, docs),
                                 self.own.predict_proba(texts, docs))
        shared, own = [], []
        joint = zip(self._joint(), _vectorizer_input(texts, docs))
        for block, ((counter, (n_shared, own_columns)), read) in enumerate(joint):
            counts = counter.transform(read)
            shared.append(_tfidf(self.shared, block, counts[:, :n_shared]))
            own.append(_tfidf(self.own, block, counts[:, own_columns]))
        return self._average(
            self.shared._probabilities(self.shared._features(texts, docs=docs, tfidf=shared)),
            self.own._probabilities(self.own._features(texts, docs=docs, tfidf=own)))

    def _cut_alike(self) -> bool:
        # Both taggers' vectorizers cut texts into n-grams the same way (the same settings).
        pairs = ((self.shared.words_, self.own.words_), (self.shared.chars_, self.own.chars_))
        return all(a is None and b is None or None not in (a, b) and a.get_params() ==
                   b.get_params() for a, b in pairs)

    def _joint(self) -> list[tuple[CountVectorizer, tuple[int, np.ndarray]]]:
        """For each TF-IDF block (words, then characters): a counter over the n-grams of both
        taggers (the shared tagger's first, in its own order), the number of the shared
        tagger's n-grams and where the own tagger's are among the counter's columns."""
        if getattr(self, "_joint_counters", None) is None:
            self._joint_counters = []
            for shared, own in ((self.shared.words_, self.own.words_),
                                (self.shared.chars_, self.own.chars_)):
                if shared is None:
                    continue
                both = dict(shared.vocabulary_)
                for term in own.vocabulary_:
                    both.setdefault(term, len(both))
                own_columns = np.empty(len(own.vocabulary_), dtype=np.intp)
                for term, j in own.vocabulary_.items():
                    own_columns[j] = both[term]
                names = CountVectorizer().get_params()
                params = {k: v for k, v in shared.get_params().items() if k in names}
                counter = CountVectorizer(**{**params, "vocabulary": both, "min_df": 1,
                                             "max_df": 1.0, "max_features": None})
                self._joint_counters.append((counter, (len(shared.vocabulary_), own_columns)))
        return self._joint_counters

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_joint_counters", None)  # rebuilt from the taggers when needed
        return state

    def predict(self, texts: Sequence[str], group: str | None = None) -> list[list[str]]:
        """Tags whose averaged probability reaches their threshold, most probable first."""
        return [self.decide(row) for row in self.predict_proba(texts)]

    def decide(self, probabilities: np.ndarray, group: str | None = None) -> list[str]:
        """Tags of one probability row that reach their threshold, most probable first
        (``group`` is accepted as by :meth:`Tagger.decide`; a Blend serves one language)."""
        if not hasattr(self, "thresholds_"):
            raise NotFittedError("this Blend has no thresholds yet; call fit_thresholds()")
        return _reaching(self.tags, probabilities, self.thresholds_)


def _reaching(tags: Sequence[str], probabilities: np.ndarray,
              thresholds: np.ndarray) -> list[str]:
    """The tags whose probability reaches their threshold, most probable first."""
    order = np.argsort(-probabilities, kind="stable")
    return [tags[j] for j in order if probabilities[j] >= thresholds[j]]


def _vectorizer_input(texts: Sequence[str], docs) -> tuple[list[str], list[str]]:
    """What a tagger's word vectorizer and character vectorizer read of each text."""
    return [" ".join(tokens(doc)) for doc in docs], [normalise(t).lower() for t in texts]


def _tfidf(tagger: Tagger, block: int, counts) -> csr_matrix:
    """The TF-IDF block ``block`` (0 words, 1 characters) of ``tagger`` from the counts of its
    n-grams, as its vectorizer's ``transform`` gives it: the indices sorted first, so that each
    row is normalised in the same order, to the last bit."""
    # ``_tfidf`` is the fitted TfidfTransformer inside the vectorizer (scikit-learn < 1.10 is
    # pinned; tests/test_tag.py checks the probabilities against each tagger's own transform).
    vectorizer = tagger.words_ if block == 0 else tagger.chars_
    counts = csr_matrix(counts, dtype=vectorizer.dtype)
    counts.sort_indices()
    return vectorizer._tfidf.transform(counts, copy=False)


class StackedSigmoids:
    """A fitted one-vs-rest ensemble of sigmoid-calibrated linear models as one matrix
    product: the same probabilities scikit-learn computes model by model (to 1e-12, checked
    in tests/test_tag.py). The 36 model calls and their input checks become one sparse-dense
    product: on a chunk of 256 texts 0.6 ms instead of 28 ms (English tagger) and 3.2 ms
    instead of 44 ms (shared tagger)."""

    def __init__(self, weights: np.ndarray, intercepts: np.ndarray, a: np.ndarray,
                 b: np.ndarray, per_tag: int):
        self.weights, self.intercepts, self.a, self.b = weights, intercepts, a, b
        self.per_tag = per_tag

    @classmethod
    def of(cls, model) -> "StackedSigmoids | None":
        """Stack ``model``, or ``None`` when it is not made only of sigmoid-calibrated
        binary linear models (e.g. uncalibrated, or a tag that was constant in training)."""
        columns, intercepts, a, b, sizes = [], [], [], [], set()
        for estimator in getattr(model, "estimators_", []):
            fitted = getattr(estimator, "calibrated_classifiers_", None)
            if not fitted or getattr(estimator, "method", None) != "sigmoid":
                return None
            sizes.add(len(fitted))
            for member in fitted:
                linear, calibrators = member.estimator, member.calibrators
                coef = getattr(linear, "coef_", None)
                if (coef is None or coef.shape[0] != 1 or len(calibrators) != 1
                        or list(linear.classes_) != [0, 1]):
                    return None
                columns.append(np.asarray(coef[0], dtype=np.float64))
                intercepts.append(float(linear.intercept_[0]))
                a.append(float(calibrators[0].a_))
                b.append(float(calibrators[0].b_))
        if not columns or len(sizes) != 1:
            return None
        return cls(np.column_stack(columns), np.array(intercepts), np.array(a), np.array(b),
                   sizes.pop())

    def predict_proba(self, x) -> np.ndarray:
        scores = np.asarray(x @ self.weights) + self.intercepts
        proba = expit(-(self.a * scores + self.b))
        return proba.reshape(x.shape[0], -1, self.per_tag).mean(axis=2)


def compact(model: OneVsRestClassifier) -> OneVsRestClassifier:
    """Store the fitted linear coefficients as :func:`recommender.persist.compact_floats`
    (float32, shortened mantissa): the shared tagger's 12 x 3 x 128,000 coefficients are
    most of the model file, and probabilities move by less than 1e-4 (checked in
    tests/test_tag.py)."""
    for estimator in model.estimators_:
        for fitted in getattr(estimator, "calibrated_classifiers_", [estimator]):
            linear = getattr(fitted, "estimator", fitted)
            if hasattr(linear, "coef_"):
                linear.coef_ = compact_floats(linear.coef_)
    return model


_TERM_SEPARATOR = "\x00"


class _PackedTerms(str):
    """A vocabulary's terms in index order, joined by ``_TERM_SEPARATOR``."""


def pickled_state(state: dict) -> dict:
    """``state`` (an object's ``__dict__``) ready to pickle: every fitted vectorizer in it
    replaced by a copy that unpickles fast and writes the same bytes each time.

    A vectorizer's vocabulary is a dict of up to 100,000 n-grams; joblib unpickles such dicts in
    pure Python, which was two thirds of the time taken to load the shipped model. The copy
    keeps the n-grams as one string in index order instead. scikit-learn's ``_stop_words_id``
    cache (a memory address) is dropped so that training twice writes identical files."""
    state = dict(state)
    for key, value in state.items():
        if isinstance(value, TfidfVectorizer) and isinstance(
                getattr(value, "vocabulary_", None), dict):
            terms = sorted(value.vocabulary_, key=value.vocabulary_.__getitem__)
            copy = TfidfVectorizer.__new__(TfidfVectorizer)
            copy.__dict__.update(value.__dict__)
            copy.__dict__.pop("_stop_words_id", None)
            contiguous = [value.vocabulary_[t] for t in terms] == list(range(len(terms)))
            if contiguous and not any(_TERM_SEPARATOR in term for term in terms):
                copy.__dict__["vocabulary_"] = _PackedTerms(_TERM_SEPARATOR.join(terms))
            state[key] = copy
    return state


def unpickled_state(state: dict) -> dict:
    """The inverse of :func:`pickled_state`, for ``__setstate__``."""
    for value in state.values():
        if isinstance(value, TfidfVectorizer) and isinstance(
                getattr(value, "vocabulary_", None), _PackedTerms):
            terms = value.vocabulary_.split(_TERM_SEPARATOR)
            value.vocabulary_ = dict(zip(terms, range(len(terms))))
    return state


def _tag_columns(proba: np.ndarray, n_tags: int) -> np.ndarray:
    """The tag columns of a one-vs-rest ``predict_proba``: with a single tag, scikit-learn
    sees a binary problem and returns the probabilities of both classes."""
    return proba[:, -n_tags:] if proba.shape[1] != n_tags else proba


def _pick_thresholds(oof: np.ndarray, y: np.ndarray,
                     low: float = MIN_THRESHOLD) -> np.ndarray:
    """Per tag, the grid threshold with the best F1 on out-of-fold probabilities, bounded
    below by ``low`` and above by :data:`MAX_THRESHOLD`."""
    thresholds = np.full(y.shape[1], 0.5)
    for j in range(y.shape[1]):
        if y[:, j].sum() == 0:
            continue
        f1 = [_f1(y[:, j], oof[:, j] >= t) for t in THRESHOLD_GRID]
        thresholds[j] = THRESHOLD_GRID[int(np.argmax(f1))]
    return np.clip(thresholds, low, MAX_THRESHOLD)


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = float(np.sum(truth & predicted))
    denom = float(truth.sum() + predicted.sum())
    return 2 * tp / denom if denom else 0.0
