"""One model per language, or one multilingual model? Measure both on our corpus test splits.

    python benchmarks/language_model_choice.py

Prints tag micro/macro-F1 and anger level accuracy per language for: a tagger per language
with word n-grams only, per language with word and character n-grams, and one multilingual
tagger (every language's train split together, each tokenised by its own language's tokenizer,
with thresholds per language) with word and character n-grams. Anger is
per language in all variants (its lexicons are per language).
"""

from __future__ import annotations

import numpy as np

from recommender import corpus
from recommender.anger import AngerDetector
from recommender.evaluate import tag_metrics
from recommender.nlp import get_nlp, tokenise
from recommender.parse import parse
from recommender.tag import Tagger
from recommender.train import ANGER_SETTINGS, SHARED_C, SHARED_CHAR_NGRAMS

LANGS = ("en", "et", "lv", "sl")


def texts(records):
    return [parse(corpus.text_of(r)).full_text for r in records]


def main() -> None:
    train = {lang: corpus.load(lang, "train") for lang in LANGS}
    test = {lang: corpus.load(lang, "test") for lang in LANGS}
    x = {lang: texts(train[lang]) for lang in LANGS}
    xt = {lang: texts(test[lang]) for lang in LANGS}
    gold = {lang: [set(r["tags"]) for r in test[lang]] for lang in LANGS}

    def report(name, taggers):
        for lang in LANGS:
            t = taggers[lang]
            docs = tokenise(get_nlp(lang), xt[lang])
            m = tag_metrics(gold[lang], [set(t.decide(p, lang))
                                         for p in t.predict_proba(xt[lang], docs)])
            print(f"{name:34} {lang}  micro-F1 {m['micro']['f1']:.3f}  "
                  f"macro-F1 {m['macro']['f1']:.3f}", flush=True)

    for name, kwargs in [("per language, words", {"char_ngrams": None}),
                         ("per language, words + chars 2-5", {"char_ngrams": (2, 5)})]:
        report(name, {lang: Tagger(lang=lang, **kwargs).fit(
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


if __name__ == "__main__":
    main()
