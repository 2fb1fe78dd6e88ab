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
import re
from dataclasses import dataclass
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import corpus
from .errors import InputError
from .metrics import (confused_with, expected_calibration_error, false_tag_rate, hit_at_k,
                      level_confusion, pearson, prf, risk_coverage, round_floats, rule_summary,
                      spearman, tag_metrics, top1_hit)
from .taxonomy import LANGUAGES

SHARED_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


# -- runners ----------------------------------------------------------------------------------
def _suggest(rec, texts: list, contexts: list | None = None, progress: bool = False) -> list:
    """``suggest_many`` in chunks, with a progress bar on request (the single path)."""
    from tqdm import tqdm

    contexts = contexts or [None] * len(texts)
    out = []
    with tqdm(total=len(texts), disable=not progress, unit=" msg", desc="evaluating") as bar:
        for start in range(0, len(texts), 256):
            out += rec.suggest_many(texts[start:start + 256], contexts[start:start + 256])
            bar.update(min(256, len(texts) - start))
    return out


def evaluate_corpus(rec, records: list[dict[str, Any]], progress: bool = False
                    ) -> dict[str, Any]:
    """Tags, anger, templates, rules, fields and calibration on our corpus format.

    The result's ``rows`` hold one dict per record for reports (left out of JSON output).
    """
    texts = [corpus.text_of(r) for r in records]
    out = _suggest(rec, texts, [r.get("context") for r in records], progress)
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
    pairs = [(s.tag_scores[t], t in g) for s, g in zip(out, gold) for t in s.tag_scores]
    ece, reliability = expected_calibration_error([p for p, _ in pairs], [y for _, y in pairs])
    confidence = [max(s.tag_scores.values()) for s in out]
    top_hit = [max(s.tag_scores, key=s.tag_scores.get) in g for s, g in zip(out, gold)]
    rule_templates = {r.id: r.template for r in rec.rules.rules}
    rows = [{"id": r["id"], "text": t, "gold_tags": sorted(g), "pred_tags": sorted(p),
             "tag_scores": s.tag_scores, "confidence": c, "correct": g == p,
             "gold_anger": r["anger"], "anger_level": s.anger_level, "anger": s.anger,
             "gold_templates": r["templates"], "template": s.template,
             "explanation": s.explanation}
            for r, t, g, p, s, c in zip(records, texts, gold, pred, out, confidence)]
    return round_floats({
        "n": len(records),
        "tags": tag_metrics(gold, pred),
        "confused_with": confused_with(gold, pred),
        "false_tag_rate": false_tag_rate([pred[i] for i, r in enumerate(records)
                                          if not r["tags"]]),
        "top1_hit": top1_hit([gold[i] for i in complaints], [out[i].tag_scores
                                                             for i in complaints]),
        "calibration": {"ece": ece, "bins": reliability},
        "risk_coverage": risk_coverage([confidence[i] for i in complaints],
                                       [top_hit[i] for i in complaints]),
        "anger": {"level_accuracy": float(np.mean([s.anger_level == g
                                                    for s, g in zip(out, levels)])),
                  "mae_levels": float(np.mean([abs(s.anger_level - g)
                                               for s, g in zip(out, levels)])),
                  "pearson_score_vs_level": pearson([s.anger for s in out], levels),
                  "spearman_score_vs_level": spearman([s.anger for s in out], levels),
                  "confusion": level_confusion(levels, [s.anger_level for s in out])},
        "templates": {"hit@1": hit_at_k([r["templates"] for r in records], ranked, 1),
                      "hit@3": hit_at_k([r["templates"] for r in records], ranked, 3),
                      "abstain_rate": float(np.mean([s.template is None for s in out]))},
        "rules": rule_summary([s.rules_fired for s in out], [s.rule for s in out],
                              [s.template in r["templates"] if r["templates"] and s.template
                               else None for r, s in zip(records, out)], rule_templates),
        "fields": fields,
        "missing_marker_rate": float(np.mean([bool(s.missing_fields) for s in out
                                              if s.template])) if any(
            s.template for s in out) else float("nan"),
        "rows": rows,
    })


def _same_field(name: str, gold: str, pred: str) -> bool:
    g, p = gold.strip().lower().lstrip("#"), pred.strip().lower().lstrip("#")
    if name == "customer_name":
        return g == p or g.split()[0] == p.split()[0]
    return g == p


def real_dev_gold(frame: pd.DataFrame) -> list[set[str]]:
    """The acceptable tags of each row of a real_dev-style frame (``gold_tags``: tag ids
    joined by ``|``; empty for a row where no tag should be predicted)."""
    return [set(filter(None, str(g).split("|"))) if isinstance(g, str) else set()
            for g in frame["gold_tags"]]


def evaluate_real_dev(rec, frame: pd.DataFrame, progress: bool = False) -> dict[str, Any]:
    """Top-1 hit on complaint rows and false-tag rate on non-complaints, overall and by source."""
    texts = frame["text"].fillna("").astype(str).tolist()
    out = _suggest(rec, texts, progress=progress)
    gold = real_dev_gold(frame)
    complaint = frame["is_complaint"].astype(int).to_numpy() == 1
    result: dict[str, Any] = {"n": len(frame), "by_source": {}}

    def share(flags: list[bool]) -> float:
        return float(np.mean(flags)) if flags else float("nan")

    def figures(mask: np.ndarray) -> dict[str, Any]:
        idx = np.flatnonzero(mask & complaint)
        non = np.flatnonzero(mask & ~complaint)
        return {"complaints": len(idx), "non_complaints": len(non),
                "top1_hit": top1_hit([gold[i] for i in idx], [out[i].tag_scores for i in idx]),
                "false_tag_rate": false_tag_rate([set(out[i].tags) for i in non]),
                "any_gold_tag_predicted": share([bool(gold[i] & set(out[i].tags)) for i in idx]),
                # what a support lead sees: complaints left without a reply, replies that are
                # tentative drafts, and non-complaints that got a reply anyway
                "complaints_abstained": share([out[i].template is None for i in idx]),
                "complaints_tentative": share([out[i].tentative for i in idx]),
                "non_complaints_with_reply": share([out[i].template is not None for i in non])}

    result.update(figures(np.ones(len(frame), bool)))
    sources = frame["source"] if "source" in frame else pd.Series(["all"] * len(frame))
    for source in sorted(sources.astype(str).unique()):
        result["by_source"][source] = figures((sources.astype(str) == source).to_numpy())
    idx = np.flatnonzero(complaint)
    confidence = [max(s.tag_scores.values()) for s in out]
    top = [max(s.tag_scores, key=s.tag_scores.get) for s in out]
    result["risk_coverage"] = risk_coverage([confidence[i] for i in idx],
                                            [top[i] in gold[i] for i in idx])
    result["rows"] = [
        {"id": str(rid), "text": t, "gold_tags": sorted(g), "pred_tags": sorted(s.tags),
         "tag_scores": s.tag_scores, "confidence": c,
         "correct": (top_tag in g) if is_c else not s.tags, "explanation": s.explanation}
        for rid, t, g, s, c, top_tag, is_c in zip(
            frame["id"] if "id" in frame else frame.index, texts, gold, out, confidence, top,
            complaint)]
    return round_floats(result)


def evaluate_ratings(rec, frame: pd.DataFrame, column: str, progress: bool = False
                     ) -> dict[str, Any]:
    """Correlation of the anger score with a numeric human rating column."""
    texts = frame["text"].fillna("").astype(str).tolist()
    out = _suggest(rec, texts, progress=progress)
    scores = [s.anger for s in out]
    gold = frame[column].astype(float).tolist()
    means = pd.Series(scores).groupby(pd.Series(gold).round(1)).mean()
    return round_floats({"n": len(frame), "pearson": pearson(scores, gold),
                         "spearman": spearman(scores, gold),
                         "mean_score_by_rating": {str(k): float(v) for k, v in means.items()},
                         "rows": [{"id": str(i), "text": t, "gold_rating": g, "anger": a,
                                   "explanation": s.explanation}
                                  for i, t, g, a, s in zip(frame.index, texts, gold, scores,
                                                           out)]})


# -- files ------------------------------------------------------------------------------------
@dataclass
class Gold:
    """Gold columns of a user's own labelled table (any table the batch reader reads)."""

    text: str | None = None
    tags: str | None = None
    anger: str | None = None
    templates: str | None = None
    fields: dict[str, str] | None = None  # field name -> column


def _split_labels(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if value is None or value != value:
        return []
    text = str(value).strip().strip("[]")
    return [v.strip().strip("'\"") for v in re.split(r"[|,;]", text) if v.strip().strip("'\"")]


def _frame(path: Path) -> pd.DataFrame:
    if path.suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if path.suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_csv(path, keep_default_na=False)


def _gold_records(frame: pd.DataFrame, gold: Gold, path: Path) -> list[dict[str, Any]]:
    """A labelled table as records of our corpus format (anger as a level 0–3)."""
    from .batch.read import Columns

    text = Columns(text=gold.text).resolve([str(c) for c in frame.columns]).text
    records = []
    for i, row in enumerate(frame.to_dict("records")):
        level = row.get(gold.anger) if gold.anger else None
        fields = {name: str(row[col]) for name, col in (gold.fields or {}).items()
                  if row.get(col) not in (None, "") and row.get(col) == row.get(col)}
        records.append({"id": str(row.get("id", i)), "subject": "", "from": "",
                        "body": str(row.get(text) or ""), "fields": fields,
                        "tags": _split_labels(row.get(gold.tags)) if gold.tags else [],
                        "anger": int(level) if level not in (None, "") else 0,
                        "templates": _split_labels(row.get(gold.templates))
                        if gold.templates else []})
    if not records:
        raise InputError(f"{path}: no rows")
    return records


def read_table(path: str | Path, gold: Gold | None = None) -> tuple[str, Any]:
    """Read an evaluation file and recognise its kind from its columns (or ``gold``)."""
    kind, rows = _read_table(Path(path), gold)
    if len(rows) == 0:
        raise InputError(f"{path}: no rows to evaluate")
    return kind, rows


def _read_table(path: Path, gold: Gold | None) -> tuple[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    if gold is not None and (gold.tags or gold.templates or gold.anger or gold.fields):
        frame = _frame(path)
        wanted = (gold.tags, gold.anger, gold.templates, *(gold.fields or {}).values())
        missing = [c for c in wanted if c and c not in frame.columns]
        if missing:
            raise InputError(f"{path}: gold column(s) {missing} not found")
        if gold.anger and not gold.tags and not gold.templates and \
                pd.to_numeric(frame[gold.anger], errors="coerce").between(0, 1).all():
            text = gold.text or next((c for c in frame.columns if str(c).lower() == "text"),
                                     None)
            return "ratings", frame.rename(columns={text: "text", gold.anger: "score"})
        return "corpus", _gold_records(frame, gold, path)
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
                     "severity), WASSA ratings (.txt), or name your gold columns with "
                     "--gold-tags / --gold-anger / --gold-templates")


def evaluate_file(rec, path: str | Path, split: str | None = None,
                  progress: bool = False, gold: Gold | None = None) -> dict[str, Any]:
    """Evaluate ``rec`` on one file of any recognised kind (or with the ``gold`` columns)."""
    kind, data = read_table(path, gold)
    if kind == "corpus":
        if split:
            data = [r for r in data if r.get("split") == split]
        result = evaluate_corpus(rec, data, progress)
    elif kind == "real_dev":
        result = evaluate_real_dev(rec, data, progress)
    elif kind == "severity":
        result = evaluate_ratings(rec, data, "severity", progress)
    else:
        result = evaluate_ratings(rec, data, "score", progress)
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


def without_rows(result: Any) -> Any:
    """The result without its per-row details (for JSON and screens)."""
    if isinstance(result, dict):
        return {k: without_rows(v) for k, v in result.items() if k != "rows"}
    return result


def dumps(result: dict[str, Any]) -> str:
    return json.dumps(without_rows(result), indent=2, ensure_ascii=False, sort_keys=True)


def compare(results: dict[str, Any], other, name: str, split: str | None = None) -> None:
    """Add to each corpus result the ``other`` model's per-tag F1 and the difference."""
    for r in results.values():
        if r.get("kind") != "corpus" or "file" not in r:
            continue
        theirs = evaluate_file(other, r["file"], split)
        r["compare"] = {"model": name, "other_micro_f1": theirs["tags"]["micro"]["f1"],
                        "per_tag_f1": {t: {"this": v["f1"],
                                           "other": theirs["tags"]["per_tag"][t]["f1"],
                                           "difference": round(
                                               v["f1"] - theirs["tags"]["per_tag"][t]["f1"], 4)}
                                       for t, v in r["tags"]["per_tag"].items()}}
