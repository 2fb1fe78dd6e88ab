"""Train: rebuild the shipped model from our own corpus, deterministically.

Only ``data/corpus/<lang>.jsonl`` (train split) is used for fitting; the test split gives the
metrics stored in the sidecar. Nothing from ``../shared`` is ever read here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from . import corpus
from .anger import AngerDetector
from .config import load_config
from .evaluate import evaluate_corpus
from .parse import parse
from .recommender import DEFAULT_MODEL_DIR, Recommender
from .tag import Tagger


def corpus_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit(records: list[dict[str, Any]], lang: str = "en",
        spacy_model: str | None = None, extra: list[dict[str, Any]] | None = None
        ) -> Recommender:
    """Fit tagger and anger detector on ``records`` (plus ``extra`` labelled examples)."""
    records = records + (extra or [])
    texts = [corpus.text_of(r) for r in records]
    # Score the same text the recommender scores at run time: parsed, quotes stripped.
    full = [parse(t).full_text for t in texts]
    tagger = Tagger(lang=lang, spacy_model=spacy_model).fit(full, [r["tags"] for r in records])
    anger = AngerDetector(lang=lang).fit(full, [r["anger"] for r in records])
    return Recommender(tagger, anger, load_config(language=lang))


def train(out: str | Path = DEFAULT_MODEL_DIR, lang: str = "en",
          corpus_dir: str | Path = corpus.DEFAULT_CORPUS_DIR,
          spacy_model: str | None = None) -> tuple[Recommender, dict[str, Any]]:
    """Fit on the train split, measure on the test split, save to ``out``."""
    path = Path(corpus_dir) / f"{lang}.jsonl"
    train_set = corpus.load(lang, "train", corpus_dir)
    test_set = corpus.load(lang, "test", corpus_dir)
    rec = fit(train_set, lang, spacy_model)
    metrics = evaluate_corpus(rec, test_set)
    meta = {"language": lang, "corpus_sha256": corpus_hash(path),
            "train_records": len(train_set), "test_records": len(test_set),
            "metrics_test_split": metrics}
    rec.save(out, meta)
    rec.meta = meta
    return rec, metrics
