"""Metric functions: small, pure, and tested against hand-computed cases."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .taxonomy import ANGER_LEVELS, TAGS


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


def round_floats(obj: Any) -> Any:
    """Floats rounded to 4 places (NaN becomes None), recursively, for stable JSON."""
    if isinstance(obj, float):
        return None if math.isnan(obj) else round(obj, 4)
    if isinstance(obj, dict):
        return {k: round_floats(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [round_floats(v) for v in obj]
    return obj


def confused_with(gold: Sequence[set[str]], pred: Sequence[set[str]],
                  tags: Sequence[str] = TAGS) -> dict[str, dict[str, int]]:
    """For each tag, the wrong tags predicted on the rows where it was missed."""
    out: dict[str, Counter] = {t: Counter() for t in tags}
    for g, p in zip(gold, pred):
        for tag in g - p:
            if tag in out:
                out[tag].update(p - g or {"(none)"})
    return {t: dict(c.most_common()) for t, c in out.items() if c}


def expected_calibration_error(probabilities: Sequence[float], outcomes: Sequence[bool],
                               bins: int = 10) -> tuple[float, list[dict[str, float]]]:
    """ECE over equal-width probability bins, and the bins (for a reliability diagram)."""
    p = np.asarray(probabilities, float)
    y = np.asarray(outcomes, float)
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (p >= lo) & ((p < hi) if b < bins - 1 else (p <= hi))
        if mask.any():
            conf, acc = float(p[mask].mean()), float(y[mask].mean())
            ece += mask.sum() / len(p) * abs(acc - conf)
            table.append({"low": lo, "high": hi, "count": int(mask.sum()),
                          "confidence": conf, "accuracy": acc})
    return float(ece), table


def risk_coverage(confidence: Sequence[float], correct: Sequence[bool],
                  steps: int = 10) -> list[dict[str, float]]:
    """Accuracy on the most confident share of rows, for shares 1/steps … 1 (abstaining on
    the rest)."""
    order = np.argsort(-np.asarray(confidence, float), kind="stable")
    hits = np.asarray(correct, float)[order]
    if not len(hits):
        return []
    out = []
    for k in range(1, steps + 1):
        n = max(1, round(len(hits) * k / steps))
        out.append({"coverage": n / len(hits), "accuracy": float(hits[:n].mean())})
    return out


def level_confusion(gold: Sequence[int], pred: Sequence[int]) -> list[list[int]]:
    """Anger level confusion matrix, rows gold, columns predicted."""
    matrix = [[0] * len(ANGER_LEVELS) for _ in ANGER_LEVELS]
    for g, p in zip(gold, pred):
        matrix[g][p] += 1
    return matrix


def rule_summary(fired: Sequence[Sequence[str]], chosen: Sequence[str | None],
                 chosen_ok: Sequence[bool | None], templates: dict[str, str]
                 ) -> dict[str, dict[str, Any]]:
    """Per rule: how often it fires, wins, overlaps another rule, conflicts with a rule that
    suggests a different template, and how often its wins were acceptable (snorkel-style)."""
    n = len(fired)
    stats: dict[str, Counter] = {r: Counter() for r in templates}
    for rules, winner, ok in zip(fired, chosen, chosen_ok):
        for rule in rules:
            s = stats.setdefault(rule, Counter())
            s["fires"] += 1
            others = [r for r in rules if r != rule]
            s["overlaps"] += bool(others)
            s["conflicts"] += any(templates.get(r) != templates.get(rule) for r in others)
            if rule == winner:
                s["chosen"] += 1
                if ok is not None:
                    s["judged"] += 1
                    s["acceptable"] += bool(ok)
    return {r: {"template": templates.get(r), "coverage": s["fires"] / n if n else 0.0,
                "fires": s["fires"], "chosen": s["chosen"], "overlaps": s["overlaps"],
                "conflicts": s["conflicts"],
                "acceptable_when_chosen": s["acceptable"] / s["judged"] if s["judged"]
                else float("nan")} for r, s in stats.items()}
