"""Anger: an explainable 0–1 anger score from named signals with weights fitted on our corpus.

Each signal is a number measured on the text (lexicon hits, shouting, threats, …). Non-negative
weights fitted on the labelled corpus (a proportional-odds model of the levels, or a ridge
regression on level / 3) turn them into a score (so more of any anger signal never lowers it);
the level comes from cut points fitted on the same data. Every signal that moved the score is
returned as evidence with the words that triggered it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import hstack
from scipy.special import expit
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, cross_val_predict
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id

from . import vectors
from .errors import NotFittedError
from .nlp import get_nlp, make_doc, no_digits, normalise, pad_lines
from .persist import compact_floats
from .resources import read_lines
from .tag import char_ngrams, pickled_state, unpickled_state
from .taxonomy import ANGER_LEVELS

#: Phrase lists (one file each in ``resources/lexicons/<lang>/``) that become count signals.
PHRASE_SIGNALS = ("profanity", "sarcasm", "accusation", "confrontation", "rhetoric",
                  "formal_complaint", "urgency", "repeat_contact", "polite")
LEXICAL_SIGNALS = ("anger_words", "anger_peak", "intensified", *PHRASE_SIGNALS, "threat",
                   "shouting", "exclamation", "insistent_punctuation", "broken_sentences",
                   "negative_tone", "positive_tone")
#: ``wording`` is learned: a model over word n-grams (and optionally character n-grams) of our
#: corpus, fitted out of fold, whose evidence is the word n-grams that pushed it up. It catches
#: anger our lexicons miss ("what am I paying for exactly"), at some cost on text unlike our
#: corpus (see docs/measurements.md). The model is a multinomial logistic regression over the
#: four levels (its value: the expected level / 3) or a ridge regression on level / 3.
SIGNALS = (*LEXICAL_SIGNALS, "wording")
#: Most character n-grams the wording model keeps (when it uses them).
WORDING_CHAR_FEATURES = 30000

# Words written in capitals that are not shouting (carriers, currencies, common acronyms).
_NOT_SHOUTING = frozenset(
    "DHL UPS DPD GLS USPS TNT FEDEX EMS USD EUR GBP SEK NOK PLN CHF OK ID PIN IBAN SEPA VAT "
    "PDF URL FAQ SMS GPS USB TV PC ATM CEO SLA API VPN ISP LTE CVV EU UK USA ASAP TBH BTW "
    "FYI ETA AM PM RSVP KYC POS NFC OTP QR PS SIM ISA CRM GDPR NHS HMRC IMEI APR IRS ACH "
    "PNR".split()
)
_INSISTENT = re.compile(r"[?!]{2,}")
# Words of 3+ letters none of which is a-z (capitals of every alphabet: "NEPIEŅEMAMI",
# "ŠKANDAL"); :func:`_shouted` keeps those that are upper case. Letters joined to other
# letters or digits by "-" or "/" are a code, not shouting ("TSB-ORD-9921", "USB-C").
_CAPS_CANDIDATE = re.compile(r"(?<![\w/-])[^\W\d_a-z](?:[^\W\d_a-z]|'){2,}\b(?![/-]\w)")
_TERMINAL = re.compile(r"[.!?]+")
_DECIMAL = re.compile(r"(\d)[.,](\d)")
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")
_REPEATED = re.compile(r"(\w)\1+")
# A sentence of at most this many words counts as "short" ("Nothing. Again. Unbelievable.").
SHORT_SENTENCE_WORDS = 3
# Token windows before an anger word in which a negator cancels it ("not angry") or an
# intensifier strengthens it ("so angry"); the sizes VADER uses for the same purpose.
NEGATION_WINDOW = 3
INTENSIFIER_WINDOW = 2
# VADER's factor for a valence after a negator ("not good" is mildly negative).
NEGATED_VALENCE = -0.74
# Weight given to a fitted signal below which it is not shown as evidence.
MIN_EVIDENCE = 0.01


@dataclass
class Evidence:
    """One signal that moved the anger score: its value, contribution and triggering words."""

    signal: str
    value: float
    contribution: float
    matches: list[str] = field(default_factory=list)


@dataclass
class Anger:
    """The anger grade of one text."""

    score: float
    level: int
    flags: list[str]
    evidence: list[Evidence]
    threat_kinds: list[str] = field(default_factory=list)

    @property
    def level_name(self) -> str:
        return ANGER_LEVELS[self.level]


class Lexicons:
    """Anger lexicons of one language, compiled into spaCy phrase matchers."""

    def __init__(self, lang: str):
        self.lang = lang
        self.nlp = get_nlp(lang)
        self.weights: dict[str, float] = {}
        for line in read_lines("lexicons", lang, "anger.tsv"):
            term, _, weight = line.partition("\t")
            self.weights[self._key(term)] = float(weight)
        self.threat_kinds: dict[str, str] = {}
        # Numbers in threat phrases are literal ("1 star" is a threat, "5 stars" praise): the
        # numbers each phrase may be written with, by the key the matcher sees.
        self.threat_numbers: dict[str, set[tuple[str, ...]]] = {}
        for line in read_lines("lexicons", lang, "threats.tsv"):
            term, _, kind = line.partition("\t")
            self.threat_kinds[self._key(term)] = kind.strip()
            self.threat_numbers.setdefault(self._key(term), set()).add(
                tuple(_NUMBER.findall(term)))
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._add("anger", list(self.weights))
        self._add("threat", list(self.threat_kinds))
        for name in PHRASE_SIGNALS:
            self._add(name, [self._key(t) for t in read_lines("lexicons", lang, f"{name}.txt")])
        self.negators = frozenset(read_lines("lexicons", lang, "negation.txt"))
        self.intensifiers = frozenset(read_lines("lexicons", lang, "intensifiers.txt"))
        self.valence = valences(lang)
        # The same, by the hash of the word: ``token.lower`` is read without decoding a string.
        self.valence_ids = {get_string_id(w): v for w, v in self.valence.items()}
        self.negator_ids = frozenset(get_string_id(w) for w in self.negators)

    def _key(self, term: str) -> str:
        return " ".join(t.lower_ for t in self.nlp.make_doc(no_digits(term.strip())))

    @staticmethod
    def key_of(span) -> str:
        return " ".join(t.lower_ for t in span)

    def _add(self, label: str, terms: list[str]) -> None:
        if terms:
            self.matcher.add(label, list(self.nlp.tokenizer.pipe(terms)))

    def matches(self, doc, written: str | None = None) -> dict[str, list]:
        """Matched spans per lexicon; the longest of overlapping matches. With ``written``
        (the text the doc's character offsets point into), a threat must have the numbers
        its phrase is written with."""
        found: dict[str, list] = {}
        spans = [s for s in self.matcher(doc, as_spans=True)
                 if written is None or s.label_ != "threat" or self.as_written(s, written)]
        spans = sorted(spans, key=lambda s: (s.start, -(s.end - s.start)))
        taken: dict[str, int] = {}
        for span in spans:
            if span.start < taken.get(span.label_, 0):
                continue
            taken[span.label_] = span.end
            found.setdefault(span.label_, []).append(span)
        return found

    def as_written(self, span, written: str) -> bool:
        """Whether a threat ``span`` has the numbers its phrase is written with (``written``
        is the text the span's character offsets point into)."""
        numbers = tuple(_NUMBER.findall(written[span.start_char:span.end_char]))
        return numbers in self.threat_numbers.get(self.key_of(span), {numbers})

    def before(self, span, window: int, words: frozenset[str]) -> bool:
        """True when one of ``words`` occurs in the ``window`` tokens before ``span``."""
        doc = span.doc
        return any(t.lower_ in words for t in doc[max(0, span.start - window):span.start])


def valences(lang: str) -> dict[str, float]:
    """Word → valence (−4 very negative … +4 very positive) of a human-rated sentiment
    lexicon: VADER's for English (``vader_lexicon.txt`` of the installed ``vaderSentiment``
    package, rated by ten people each; MIT licence). There is none for the other languages,
    whose tone signals stay 0 (and get no weight)."""
    if lang != "en":
        return {}
    node = files("vaderSentiment") / "vader_lexicon.txt"
    if not node.is_file():
        raise FileNotFoundError(f"{node}: VADER's lexicon is missing; reinstall vaderSentiment")
    found = {}
    for line in node.read_text(encoding="utf-8").splitlines():
        word, _, rest = line.partition("\t")
        if rest:
            found[word] = float(rest.split("\t", 1)[0])
    return found


def _tone(doc, lex: Lexicons) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Negative and positive words of ``doc`` with their valences; a negator in the
    :data:`NEGATION_WINDOW` tokens before a word turns its valence (as VADER does)."""
    negative, positive = [], []
    lower = doc.to_array("LOWER").tolist()
    for i, key in enumerate(lower):
        value = lex.valence_ids.get(key)
        if value is None:
            continue
        if not lex.negator_ids.isdisjoint(lower[max(0, i - NEGATION_WINDOW):i]):
            value *= NEGATED_VALENCE
        token = doc[i]
        (negative if value < 0 else positive).append((token.text, abs(value)))
    return negative, positive


def _sentences(text: str) -> list[str]:
    """Pieces of each line that end in . ! or ? (greetings, sign-offs and subjects do not);
    split rather than matched so that time stays linear in the text length."""
    found = []
    for line in text.split("\n"):
        found += [p for p in _TERMINAL.split(line)[:-1] if _WORD.search(p)]
    return found


def _shouted(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """Words written in capitals, except the acronyms in :data:`_NOT_SHOUTING`, the team's
    ``names`` (in capitals: "IKEA", "BILLY"; :func:`recommender.config.not_shouting`) and
    redaction marks (one letter repeated: "XXXX", as exports with names and numbers removed
    write them; the CFPB narratives of ``real_dev.csv`` have 440)."""
    return [w for w in _CAPS_CANDIDATE.findall(text)
            if w.isupper() and w.strip("'") not in _NOT_SHOUTING and w.strip("'") not in names
            and not _REPEATED.fullmatch(w)]


def measure(text: str, lex: Lexicons, doc=None, names: frozenset[str] = frozenset()
            ) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Raw signal values of ``text`` and the words behind each; ``doc`` is ``text`` as
    :func:`recommender.nlp.tokenise` tokenises it with ``lex.nlp`` (made here when omitted);
    ``names`` are words in capitals that are not shouting (:func:`_shouted`)."""
    if doc is None:
        doc = make_doc(lex.nlp, normalise(text))
    written = pad_lines(text)  # same offsets as the doc: normalise keeps every length
    found = lex.matches(doc, written)
    found["anger"] = [s for s in found.get("anger", [])
                      if not lex.before(s, NEGATION_WINDOW, lex.negators)]
    hits = {label: [written[s.start_char:s.end_char] for s in spans]
            for label, spans in found.items()}
    weights = [lex.weights.get(lex.key_of(s), 0.0) for s in found["anger"]]
    intensified = [written[s.start_char:s.end_char] for s in found["anger"]
                   if lex.before(s, INTENSIFIER_WINDOW, lex.intensifiers) or s.text.isupper()]
    caps = _shouted(text, names)
    sentences = _sentences(_DECIMAL.sub(r"\1\2", text))
    short = [s.strip() for s in sentences if len(_WORD.findall(s)) <= SHORT_SENTENCE_WORDS]
    broken = len(short) if len(sentences) >= 3 and len(short) >= 2 else 0
    values = {
        "anger_words": math.log1p(sum(weights)),
        "anger_peak": max(weights, default=0.0),
        "intensified": math.log1p(len(intensified)),
        "threat": math.log1p(len(hits.get("threat", []))),
        "shouting": math.log1p(len(caps)),
        "exclamation": math.log1p(text.count("!")),
        "insistent_punctuation": math.log1p(len(_INSISTENT.findall(text))),
        "broken_sentences": math.log1p(broken),
    }
    for name in PHRASE_SIGNALS:
        values[name] = math.log1p(len(hits.get(name, [])))
    negative, positive = _tone(doc, lex) if lex.valence else ([], [])
    values["negative_tone"] = math.log1p(sum(v for _, v in negative))
    values["positive_tone"] = math.log1p(sum(v for _, v in positive))
    # Politeness and a positive tone are the calming signals: negated, so that every fitted
    # weight can be constrained to be non-negative and the score is monotone in every signal.
    values["polite"] = -values["polite"]
    values["positive_tone"] = -values["positive_tone"]
    words = {
        "anger_words": hits.get("anger", []),
        "anger_peak": [hits["anger"][weights.index(max(weights))]] if weights else [],
        "intensified": intensified,
        "threat": hits.get("threat", []), "shouting": caps,
        "exclamation": ["!"] * text.count("!"), "broken_sentences": short if broken else [],
        "insistent_punctuation": _INSISTENT.findall(text),
        "negative_tone": [w for w, _ in negative], "positive_tone": [w for w, _ in positive],
    }
    for name in PHRASE_SIGNALS:
        words[name] = hits.get(name, [])
    return values, words


class AngerDetector(BaseEstimator):
    """Score anger from named signals; weights and level cut points are fitted.

    Parameters
    ----------
    lang : language of the lexicons
    alpha : L2 penalty on the signal weights
    combine : how the signals are weighed: ``"ridge"`` (least squares on level / 3) or
        ``"ordinal"`` (a proportional-odds model of the levels, fitted by penalised maximum
        likelihood; its linear score is put on the 0-1 scale by a least-squares line)
    wording : ``"ridge"`` (regression on level / 3) or ``"logistic"`` (multinomial logistic
        regression over the levels; the value is the expected level / 3)
    wording_alpha : regularisation of the ridge wording model (strong by default, so that it
        stays one signal among many)
    wording_C : inverse regularisation of the logistic wording model
    char_ngrams : character n-gram range the wording model adds to word n-grams, or None
    vector_weight : weight of the pretrained sentence vector (:mod:`recommender.vectors`) that
        the wording model adds to its n-grams; 0 for none
    hashtags_as_words : whether that vector reads a hashtag as its word ("#furious" as
        "furious"; the word n-grams always do)

    Examples
    --------
    >>> texts = ["thanks, all good", "all good, thanks a lot",
    ...          "this is UNACCEPTABLE!!! I want my money back", "UNACCEPTABLE!!! money back NOW"]
    >>> d = AngerDetector().fit(texts, [0, 0, 3, 3])
    >>> d.grade("this is UNACCEPTABLE!!!").level >= 1
    True
    """

    def __init__(self, lang: str = "en", alpha: float = 1.0, combine: str = "ridge",
                 wording: str = "ridge", wording_alpha: float = 10.0, wording_C: float = 4.0,
                 char_ngrams: tuple[int, int] | None = None, vector_weight: float = 0.0,
                 hashtags_as_words: bool = True):
        self.lang = lang
        self.alpha = alpha
        self.combine = combine
        self.wording = wording
        self.wording_alpha = wording_alpha
        self.wording_C = wording_C
        self.char_ngrams = char_ngrams
        self.vector_weight = vector_weight
        self.hashtags_as_words = hashtags_as_words

    def _lexicons(self) -> Lexicons:
        if getattr(self, "_lex", None) is None:
            self._lex = Lexicons(self.lang)
        return self._lex

    def __getstate__(self):
        state = pickled_state(self.__dict__)
        state.pop("_lex", None)  # compiled matchers are rebuilt from the data files
        state.pop("_names", None)  # caches of the vectorizer's feature names
        state.pop("_shown", None)
        return state

    def __setstate__(self, state):
        # Files written before the wording model could be logistic have a ridge one, and
        # files written before the ordinal fit weighed the signals by ridge regression.
        self.__dict__.update({"wording": "ridge", "wording_C": 4.0, "combine": "ridge",
                              "vector_weight": 0.0, "hashtags_as_words": False,
                              **unpickled_state(state)})
        # Files written before a signal existed score as they did: that signal weighs 0.
        if "weights_" in self.__dict__:
            self.weights_ = {**dict.fromkeys(SIGNALS, 0.0), **self.weights_}

    def signals(self, texts: Sequence[str]) -> np.ndarray:
        """Lexical signal matrix, shape ``(n_texts, len(LEXICAL_SIGNALS))``."""
        lex = self._lexicons()
        return np.array([[measure(t, lex)[0][s] for s in LEXICAL_SIGNALS] for t in texts]
                        ).reshape(len(texts), len(LEXICAL_SIGNALS))

    def _bag(self, texts: Sequence[str], fit: bool = False):
        """Word n-gram columns, then character n-gram columns and the sentence vector (when the
        model has them)."""
        if fit:
            self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
            self.chars_ = char_ngrams(texts, self.char_ngrams, WORDING_CHAR_FEATURES
                                      ) if self.char_ngrams else None
            blocks = [self.vectorizer_.fit_transform(texts)]
            if self.chars_ is not None:
                blocks.append(self.chars_.transform(texts))
        else:
            blocks = [self.vectorizer_.transform(texts)]
            if getattr(self, "chars_", None) is not None:
                blocks.append(self.chars_.transform(texts))
        if self.vector_weight:
            blocks.append(vectors.block(texts, self.vector_weight, self.hashtags_as_words))
        return hstack(blocks).tocsr()

    def _wording(self, texts: Sequence[str]) -> list[tuple[float, list[str]]]:
        """Wording value of each text and the (up to 3) word n-grams that raised it most."""
        rows = self._bag(texts)
        values = _wording_values(self.wording_, rows)
        words = len(self.vectorizer_.vocabulary_)
        contrib = rows[:, :words].multiply(_wording_direction(self.wording_)[:words]).tocsr()
        if getattr(self, "_names", None) is None:
            self._names = self.vectorizer_.get_feature_names_out()
            self._shown = self._telling(self._names)
        out = []
        for i, value in enumerate(values):
            data = contrib.data[contrib.indptr[i]:contrib.indptr[i + 1]]
            cols = contrib.indices[contrib.indptr[i]:contrib.indptr[i + 1]]
            top = [j for j in np.argsort(-data) if data[j] > 0 and self._shown[cols[j]]][:3]
            out.append((float(value), [str(self._names[cols[j]]) for j in top]))
        return out

    def _telling(self, names: np.ndarray) -> np.ndarray:
        """Which word n-grams may be shown as evidence: not only function words or numbers
        ("and", "this", "90" raise the value too, but tell a reader nothing). Negators and
        intensifiers count as telling ("never again", "so")."""
        lex = self._lexicons()
        quiet = set(lex.nlp.Defaults.stop_words) - lex.negators - lex.intensifiers
        return np.array([any(w not in quiet and not w.isdigit() for w in name.split())
                         for name in names], dtype=bool)

    def fit(self, texts: Sequence[str], levels: Sequence[int]) -> "AngerDetector":
        """Fit the wording model, the signal weights and the cut points between levels."""
        if self.wording not in ("ridge", "logistic"):
            raise ValueError(f"wording must be 'ridge' or 'logistic', not {self.wording!r}")
        if self.combine not in ("ridge", "ordinal"):
            raise ValueError(f"combine must be 'ridge' or 'ordinal', not {self.combine!r}")
        texts, levels = list(texts), np.asarray(levels, dtype=int)
        y = levels / (len(ANGER_LEVELS) - 1)
        bag = self._bag(texts, fit=True)
        logistic = self.wording == "logistic" and len(set(levels)) > 1
        learner, target = ((LogisticRegression(C=self.wording_C, max_iter=3000), levels)
                           if logistic else (Ridge(alpha=self.wording_alpha), y))
        self.wording_ = clone(learner).fit(bag, target)
        # Out-of-fold wording values, so the signal weights see it as on unseen text. The
        # logistic model needs a few texts of each level in every fold's training part.
        if len(texts) >= 10 and (not logistic
                                 or np.unique(levels, return_counts=True)[1].min() >= 5):
            oof = cross_val_predict(learner, bag, target, method="predict_proba" if logistic
                                    else "predict", cv=KFold(5, shuffle=True, random_state=0))
            oof = oof @ _expected_level(self.wording_) if logistic else oof
        else:  # too few texts to hold any out: the fitted values stand in
            oof = _wording_values(self.wording_, bag)
        if logistic:  # compact: 1 MB less a language in the model file, values move < 1e-4
            self.wording_.coef_ = compact_floats(self.wording_.coef_)
        x = np.column_stack([self.signals(texts), oof])
        weights, intercept = self._signal_weights(x, levels)
        self.weights_ = dict(zip(SIGNALS, weights.round(6).tolist()))
        self.intercept_ = float(intercept)
        self.cuts_ = _fit_cuts(np.clip(x @ weights + intercept, 0, 1), levels)
        return self

    def _signal_weights(self, x: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, float]:
        """Non-negative weights and an intercept that turn the signals ``x`` into a score on
        the scale of level / 3.

        Least squares on level / 3 treats the four levels as evenly spaced; the ordinal model
        learns their spacing (measured in ``train.ANGER_SETTINGS``)."""
        y = levels / (len(ANGER_LEVELS) - 1)
        if self.combine == "ordinal" and len(set(levels)) > 1:
            w = _ordinal_weights(x, levels, self.alpha, len(ANGER_LEVELS))
            eta = x @ w
            if np.ptp(eta) > 0:
                slope, intercept = np.polyfit(eta, y, 1)
                if slope > 0:
                    return slope * w, float(intercept)
        # least squares on level / 3, also when the ordinal fit cannot rank the texts
        ridge = Ridge(alpha=self.alpha, positive=True).fit(x, y)
        return ridge.coef_, float(ridge.intercept_)

    def grade(self, text: str) -> Anger:
        """Score, level, flags and evidence of one text."""
        return self.grade_many([text])[0]

    def grade_many(self, texts: Sequence[str], docs: Sequence | None = None,
                   names: frozenset[str] = frozenset()) -> list[Anger]:
        """:meth:`grade` for many texts (the wording model runs once for all); ``docs`` are
        the texts tokenised by :func:`recommender.nlp.tokenise` with this language's
        pipeline, when the caller already has them; ``names`` are words in capitals that are
        names, not shouting (:func:`recommender.config.not_shouting`)."""
        if not hasattr(self, "weights_"):
            raise NotFittedError("this AngerDetector is not fitted yet; call fit() or load a model")
        texts = list(texts)
        docs = docs if docs is not None else [None] * len(texts)
        return [self._grade(t, w, d, names)
                for t, w, d in zip(texts, self._wording(texts), docs)]

    def _grade(self, text: str, wording: tuple[float, list[str]], doc=None,
               names: frozenset[str] = frozenset()) -> Anger:
        values, words = measure(text, self._lexicons(), doc, names)
        values["wording"], words["wording"] = wording
        raw = self.intercept_ + sum(self.weights_[s] * values[s] for s in SIGNALS)
        score = float(min(1.0, max(0.0, raw)))
        level = int(np.searchsorted(self.cuts_, score, side="right"))
        evidence = [
            Evidence(s, round(values[s], 4), round(self.weights_[s] * values[s], 4), words[s])
            for s in SIGNALS if abs(self.weights_[s] * values[s]) >= MIN_EVIDENCE
        ]
        evidence.sort(key=lambda e: -abs(e.contribution))
        lex = self._lexicons()
        kinds = sorted({lex.threat_kinds.get(lex._key(m), "other") for m in words["threat"]})
        flags = [f for f, on in (("threat", bool(words["threat"])),
                                 ("profanity", bool(words["profanity"])),
                                 ("urgent", bool(words["urgency"])),
                                 ("repeat_contact", bool(words["repeat_contact"]))) if on]
        return Anger(round(score, 4), level, flags, evidence, kinds)


def _expected_level(model: LogisticRegression) -> np.ndarray:
    """Each class of a logistic wording model as a share of the top level (level / 3)."""
    return np.asarray(model.classes_, dtype=float) / (len(ANGER_LEVELS) - 1)


def _wording_values(model, rows) -> np.ndarray:
    """The wording value of each row: expected level / 3 (logistic) or the prediction."""
    if isinstance(model, LogisticRegression):
        return model.predict_proba(rows) @ _expected_level(model)
    return model.predict(rows)


def _wording_direction(model) -> np.ndarray:
    """How much each feature raises the wording value, for the evidence: the coefficients of
    a ridge model; for a logistic model, each class's coefficients weighted by how far its
    level is above the average level."""
    if isinstance(model, LogisticRegression):
        if model.coef_.shape[0] == 1:  # two levels: one coefficient row, for the higher one
            return model.coef_[0]
        levels = _expected_level(model)
        return (levels - levels.mean()) @ model.coef_
    return model.coef_


def _ordinal_weights(x: np.ndarray, levels: np.ndarray, alpha: float,
                     n_levels: int) -> np.ndarray:
    """Non-negative weights ``w`` of a proportional-odds model of the levels,
    P(level <= k) = sigmoid(theta_k - x @ w), by maximum likelihood with an L2 penalty ``alpha``
    on ``w`` (L-BFGS-B with the analytic gradient). The thresholds are theta_0 and positive
    steps after it, so they stay in order; levels missing from ``levels`` are allowed."""
    n, p = x.shape
    rows = np.arange(n)
    to_theta = np.tril(np.ones((n_levels - 1, n_levels - 1)))  # (theta_0, steps) -> thetas
    upper, lower = levels + 1, levels  # columns of the padded cumulative probabilities

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, theta = params[:p], to_theta @ params[p:]
        cdf = np.hstack([np.zeros((n, 1)), expit(theta - (x @ w)[:, None]), np.ones((n, 1))])
        density = cdf * (1 - cdf)  # the sigmoid's derivative; 0 at the padded ends
        prob = np.clip(cdf[rows, upper] - cdf[rows, lower], 1e-12, None)
        d_eta = (density[rows, lower] - density[rows, upper]) / prob  # d log prob / d (x @ w)
        d_theta = np.zeros((n, n_levels + 1))
        d_theta[rows, upper] += density[rows, upper] / prob
        d_theta[rows, lower] -= density[rows, lower] / prob
        value = -np.log(prob).sum() + 0.5 * alpha * w @ w
        grad = np.concatenate([alpha * w - x.T @ d_eta,
                               -d_theta[:, 1:-1].sum(axis=0) @ to_theta])
        return value, grad

    start = np.concatenate([np.full(p, 0.5), [1.0], np.ones(n_levels - 2)])
    bounds = [(0.0, None)] * p + [(None, None)] + [(1e-3, None)] * (n_levels - 2)
    return minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds).x[:p]


def _fit_cuts(scores: np.ndarray, levels: np.ndarray) -> list[float]:
    """Cut points between consecutive levels that maximise accuracy on the training data."""
    cuts = [(k + 0.5) / (len(ANGER_LEVELS) - 1) for k in range(len(ANGER_LEVELS) - 1)]
    grid = np.linspace(0.02, 0.98, 97)
    for _ in range(2):  # coordinate ascent, two sweeps are enough for three cuts
        for i in range(len(cuts)):
            lo = cuts[i - 1] if i else 0.0
            hi = cuts[i + 1] if i + 1 < len(cuts) else 1.0
            best, best_acc = cuts[i], -1.0
            for c in grid[(grid > lo) & (grid < hi)]:
                trial = cuts[:i] + [float(c)] + cuts[i + 1:]
                acc = float(np.mean(np.searchsorted(trial, scores, side="right") == levels))
                if acc > best_acc:
                    best, best_acc = float(c), acc
            cuts[i] = best
    return [round(c, 4) for c in cuts]
