"""Evaluate: measure a recommender on labelled data and return the figures as data.

Metric functions are plain and small (tested on hand-computed cases); the ``evaluate_*``
runners call :meth:`Recommender.suggest_many` — the same path users get — and compare with
gold labels. Files are recognised by their columns: our corpus (``.jsonl`` with ``tags``),
``real_dev.csv`` (``gold_tags``, ``is_complaint``), WASSA anger ratings (TSV: id, text,
emotion, score) and severity files (``severity``).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import corpus
from .errors import InputError
from .taxonomy import LANGUAGES, TAGS

SHARED_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


# -- metric functions -----------------------------------------------------------------------
def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def tag_metrics(gold: Sequence[set[str]], pred: Sequence[set[str]],
                tags: Sequence[str] = TAGS) -> dict[str, Any]:
    """Per-tag precision/recall/F1/support plus micro and macro averages."""
    per_tag, totals = {}, Counter()
    for tag in tags:
        tp = sum(tag in g and tag in p for g, p in zip(gold, pred))
        fp = sum(tag not in g and tag in p for g, p in zip(gold, pred))
        fn = sum(tag in g and tag not in p for g, p in zip(gold, pred))
        p, r, f = prf(tp, fp, fn)
        per_tag[tag] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
        totals.update(tp=tp, fp=fp, fn=fn)
    micro = prf(totals["tp"], totals["fp"], totals["fn"])
    present = [t for t in tags if per_tag[t]["support"] > 0]
    macro = [float(np.mean([per_tag[t][k] for t in present])) if present else 0.0
             for k in ("precision", "recall", "f1")]
    return {"per_tag": per_tag,
            "micro": dict(zip(("precision", "recall", "f1"), micro)),
            "macro": dict(zip(("precision", "recall", "f1"), macro))}


def top1_hit(gold: Sequence[set[str]], scores: Sequence[dict[str, float]]) -> float:
    """Share of rows whose highest-scoring tag is among the acceptable gold tags."""
    if not gold:
        return float("nan")
    return float(np.mean([max(s, key=s.get) in g for g, s in zip(gold, scores)]))


def false_tag_rate(pred: Sequence[set[str]]) -> float:
    """Share of (non-complaint) rows on which any tag was predicted."""
    return float(np.mean([bool(p) for p in pred])) if pred else float("nan")


def hit_at_k(gold: Sequence[Sequence[str]], ranked: Sequence[Sequence[str]], k: int) -> float:
    """Share of rows whose top-``k`` ranked items include an acceptable gold item."""
    rows = [(set(g), list(r)[:k]) for g, r in zip(gold, ranked) if g]
    return float(np.mean([bool(g & set(r)) for g, r in rows])) if rows else float("nan")


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    return pearson(pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy())


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if math.isnan(obj) else round(obj, 4)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    return obj


# -- runners ----------------------------------------------------------------------------------
def evaluate_corpus(rec, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Tags, anger, templates and fields on records of our corpus format."""
    out = rec.suggest_many([corpus.text_of(r) for r in records], [r.get("context") for r in
                                                                   records])
    gold = [set(r["tags"]) for r in records]
    pred = [set(s.tags) for s in out]
    levels = [r["anger"] for r in records]
    ranked = [[s.template, *[a.template for a in s.alternatives]] if s.template else []
              for s in out]
    field_counts: dict[str, Counter] = defaultdict(Counter)
    for r, s in zip(records, out):
        for name in ("customer_name", "order_id", "tracking_number", "amount", "carrier"):
            g, p = r["fields"].get(name), s.fields.get(name) if s.field_sources.get(
                name) == "email" else None
            if g and p:
                field_counts[name]["tp" if _same_field(name, g, p) else "fp"] += 1
                field_counts[name]["fn"] += 0 if _same_field(name, g, p) else 1
            elif g:
                field_counts[name]["fn"] += 1
            elif p:
                field_counts[name]["fp"] += 1
    fields = {n: dict(zip(("precision", "recall", "f1"), prf(c["tp"], c["fp"], c["fn"])))
              for n, c in field_counts.items()}
    complaints = [i for i, r in enumerate(records) if r["tags"]]
    return _round({
        "n": len(records),
        "tags": tag_metrics(gold, pred),
        "false_tag_rate": false_tag_rate([pred[i] for i, r in enumerate(records)
                                          if not r["tags"]]),
        "top1_hit": top1_hit([gold[i] for i in complaints], [out[i].tag_scores
                                                             for i in complaints]),
        "anger": {"level_accuracy": float(np.mean([s.anger_level == g
                                                    for s, g in zip(out, levels)])),
                  "mae_levels": float(np.mean([abs(s.anger_level - g)
                                               for s, g in zip(out, levels)])),
                  "pearson_score_vs_level": pearson([s.anger for s in out], levels)},
        "templates": {"hit@1": hit_at_k([r["templates"] for r in records], ranked, 1),
                      "hit@3": hit_at_k([r["templates"] for r in records], ranked, 3),
                      "abstain_rate": float(np.mean([s.template is None for s in out]))},
        "fields": fields,
        "missing_marker_rate": float(np.mean([bool(s.missing_fields) for s in out
                                              if s.template])) if any(
            s.template for s in out) else float("nan"),
    })


def _same_field(name: str, gold: str, pred: str) -> bool:
    g, p = gold.strip().lower().lstrip("#"), pred.strip().lower().lstrip("#")
    if name == "customer_name":
        return g == p or g.split()[0] == p.split()[0]
    return g == p


def evaluate_real_dev(rec, frame: pd.DataFrame) -> dict[str, Any]:
    """Top-1 hit on complaint rows and false-tag rate on non-complaints, overall and by source."""
    out = rec.suggest_many(frame["text"].fillna("").astype(str).tolist())
    gold = [set(filter(None, str(g).split("|"))) if isinstance(g, str) else set()
            for g in frame["gold_tags"]]
    complaint = frame["is_complaint"].astype(int).to_numpy() == 1
    result: dict[str, Any] = {"n": len(frame), "by_source": {}}

    def figures(mask: np.ndarray) -> dict[str, Any]:
        idx = np.flatnonzero(mask & complaint)
        non = np.flatnonzero(mask & ~complaint)
        return {"complaints": len(idx), "non_complaints": len(non),
                "top1_hit": top1_hit([gold[i] for i in idx], [out[i].tag_scores for i in idx]),
                "false_tag_rate": false_tag_rate([set(out[i].tags) for i in non]),
                "any_gold_tag_predicted": float(np.mean([bool(gold[i] & set(out[i].tags))
                                                         for i in idx])) if len(idx) else
                float("nan")}

    result.update(figures(np.ones(len(frame), bool)))
    for source in sorted(frame["source"].unique()):
        result["by_source"][source] = figures((frame["source"] == source).to_numpy())
    return _round(result)


def evaluate_ratings(rec, frame: pd.DataFrame, column: str) -> dict[str, Any]:
    """Correlation of the anger score with a numeric human rating column."""
    out = rec.suggest_many(frame["text"].fillna("").astype(str).tolist())
    scores = [s.anger for s in out]
    gold = frame[column].astype(float).tolist()
    means = pd.Series(scores).groupby(pd.Series(gold).round(1)).mean()
    return _round({"n": len(frame), "pearson": pearson(scores, gold),
                   "spearman": spearman(scores, gold),
                   "mean_score_by_rating": {str(k): float(v) for k, v in means.items()}})


# -- files ------------------------------------------------------------------------------------
def read_table(path: str | Path) -> tuple[str, Any]:
    """Read an evaluation file and recognise its kind from its columns."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    if path.suffix == ".jsonl":
        return "corpus", corpus.read(path)
    if path.suffix == ".txt" or path.suffix == ".tsv":
        frame = pd.read_csv(path, sep="\t", header=None, quoting=csv.QUOTE_NONE,
                            names=["id", "text", "emotion", "score"], dtype={"text": str})
        return "ratings", frame
    frame = pd.read_csv(path)
    cols = set(frame.columns)
    if {"text", "gold_tags", "is_complaint"} <= cols:
        return "real_dev", frame
    if {"text", "severity"} <= cols:
        return "severity", frame
    raise InputError(f"{path}: unrecognised columns {sorted(cols)}; expected our corpus "
                     "(.jsonl), real_dev (text, gold_tags, is_complaint), severity (text, "
                     "severity) or WASSA ratings (.txt)")


def evaluate_file(rec, path: str | Path, split: str | None = None) -> dict[str, Any]:
    """Evaluate ``rec`` on one file of any recognised kind."""
    kind, data = read_table(path)
    if kind == "corpus":
        if split:
            data = [r for r in data if r.get("split") == split]
        result = evaluate_corpus(rec, data)
    elif kind == "real_dev":
        result = evaluate_real_dev(rec, data)
    elif kind == "severity":
        result = evaluate_ratings(rec, data, "severity")
    else:
        result = evaluate_ratings(rec, data, "score")
    return {"kind": kind, "file": str(path), **({"split": split} if split else {}), **result}


def standard_suite(rec) -> dict[str, Any]:
    """The figures the README quotes: corpus test splits and, when present, ../shared/eval."""
    results = {f"corpus_test_{lang}": evaluate_file(rec, path, "test")
               for lang in LANGUAGES
               if (path := corpus.DEFAULT_CORPUS_DIR / f"{lang}.jsonl").is_file()}
    shared = {"real_dev": SHARED_EVAL / "real_dev.csv",
              "wassa_anger_dev": SHARED_EVAL / "anger" / "anger-ratings-0to1.dev.gold.txt",
              "wassa_anger_train": SHARED_EVAL / "anger" / "anger-ratings-0to1.train.txt",
              "severity_dev": SHARED_EVAL / "severity_dev.csv"}
    for name, path in shared.items():
        results[name] = evaluate_file(rec, path) if path.is_file() else {
            "skipped": f"{path} not found"}
    return results


def dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False)
