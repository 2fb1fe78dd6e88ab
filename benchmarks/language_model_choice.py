"""One model per language, or one multilingual model? Measure both on our corpus test splits.

    python benchmarks/language_model_choice.py

Prints tag micro/macro-F1 and anger level accuracy per language for: a tagger per language
with word n-grams only, per language with word and character n-grams, and one multilingual
tagger (every language's train split together, each tokenised by its own language's tokenizer,
with thresholds per language) with word and character n-grams. Anger is
per language in all variants (its lexicons are per language).

Each variant's English tagger is also run on the real texts of ``../shared/eval/real_dev.csv``
(top-1 hit on complaints, false-tag rate on non-complaints), when that file is present: the
only real text any of these taggers can be checked on, since it is all English.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender import corpus
from recommender.anger import AngerDetector
from recommender.evaluate import SHARED_EVAL, real_dev_gold, tag_metrics
from recommender.metrics import false_tag_rate, top1_hit
from recommender.nlp import get_nlp, tokenise
from recommender.parse import parse
from recommender.tag import Tagger
from recommender.train import (ANGER_SETTINGS, OWN_CALIBRATION_FOLDS, OWN_MIN_THRESHOLD, SHARED_C,
                               SHARED_CHAR_NGRAMS)

LANGS = ("en", "et", "lv", "sl")


def texts(records):
    return [parse(corpus.text_of(r)).full_text for r in records]


def main() -> None:
    train = {lang: corpus.load(lang, "train") for lang in LANGS}
    test = {lang: corpus.load(lang, "test") for lang in LANGS}
    x = {lang: texts(train[lang]) for lang in LANGS}
    xt = {lang: texts(test[lang]) for lang in LANGS}
    gold = {lang: [set(r["tags"]) for r in test[lang]] for lang in LANGS}
    real = real_dev()

    def report(name, taggers):
        for lang in LANGS:
            t = taggers[lang]
            docs = tokenise(get_nlp(lang), xt[lang])
            m = tag_metrics(gold[lang], [set(t.decide(p, lang))
                                         for p in t.predict_proba(xt[lang], docs)])
            print(f"{name:34} {lang}  micro-F1 {m['micro']['f1']:.3f}  "
                  f"macro-F1 {m['macro']['f1']:.3f}", flush=True)
        if real is not None:
            real_texts, gold_tags, complaint = real
            t = taggers["en"]
            proba = t.predict_proba(real_texts, tokenise(get_nlp("en"), real_texts))
            top1 = top1_hit([g for g, c in zip(gold_tags, complaint) if c],
                            [dict(zip(t.tags, p)) for p, c in zip(proba, complaint) if c])
            false = false_tag_rate([set(t.decide(p, "en")) for p, c in zip(proba, complaint)
                                    if not c])
            print(f"{name:34} real_dev (en)  top-1 hit {top1:.3f}  false-tag rate {false:.3f}",
                  flush=True)

    for name, kwargs in [("per language, words", {"char_ngrams": None}),
                         ("per language, words + chars 2-5", {"char_ngrams": (2, 5)})]:
        report(name, {lang: Tagger(lang=lang, calibration_folds=OWN_CALIBRATION_FOLDS,
                                   min_threshold=OWN_MIN_THRESHOLD, **kwargs).fit(
            x[lang], [r["tags"] for r in train[lang]]) for lang in LANGS})
    everything = [t for lang in LANGS for t in x[lang]]
    labels = [r["tags"] for lang in LANGS for r in train[lang]]
    multi = Tagger(lang="xx", char_ngrams=SHARED_CHAR_NGRAMS, cues=False, C=SHARED_C).fit(
        everything, labels, groups=[lang for lang in LANGS for _ in x[lang]],
        docs=[d for lang in LANGS for d in tokenise(get_nlp(lang), x[lang])])
    report("multilingual, words + chars 3-5", {lang: multi for lang in LANGS})
    for lang in LANGS:
        anger = AngerDetector(lang=lang, **ANGER_SETTINGS.get(lang, {})).fit(
            x[lang], [r["anger"] for r in train[lang]])
        levels = np.array([a.level for a in anger.grade_many(xt[lang])])
        acc = np.mean(levels == np.array([r["anger"] for r in test[lang]]))
        print(f"anger per language                 {lang}  level accuracy {acc:.3f}")


def real_dev():
    """Texts, gold tag sets and complaint flags of ``real_dev.csv``, or ``None`` (with a
    message) when ``../shared`` is not there."""
    path = SHARED_EVAL / "real_dev.csv"
    if not path.is_file():
        print(f"{path} not found: the real-text figures are skipped")
        return None
    frame = pd.read_csv(path)
    texts = [parse(t).full_text for t in frame["text"].fillna("").astype(str)]
    return texts, real_dev_gold(frame), (frame["is_complaint"].astype(int) == 1).tolist()


if __name__ == "__main__":
    main()
