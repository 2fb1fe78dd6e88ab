"""Report: write an evaluation's files — metrics.json, errors.csv, PNG plots, report.html.

The HTML is one self-contained page a support lead can read (plots inline); every value that
comes from data is HTML-escaped.
"""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path
from typing import Any

from .evaluate import dumps
from .taxonomy import ANGER_LEVELS, TAGS


def _plots(result: dict[str, Any], outdir: Path) -> list[tuple[str, str]]:
    """Draw what the result supports; returns ``(file name, caption)`` pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []

    def save(fig, name: str, caption: str) -> None:
        fig.tight_layout()
        fig.savefig(outdir / name, dpi=90)
        plt.close(fig)
        made.append((name, caption))

    rows = result.get("rows", [])
    if rows and "gold_tags" in rows[0] and result.get("kind") == "corpus":
        labels = [*TAGS, "(none)"]
        index = {t: i for i, t in enumerate(labels)}
        matrix = [[0] * len(labels) for _ in labels]
        for r in rows:
            for g in r["gold_tags"] or ["(none)"]:
                for p in r["pred_tags"] or ["(none)"]:
                    matrix[index[g]][index[p]] += 1
        fig, ax = plt.subplots(figsize=(7, 6))
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_xlabel("predicted tag")
        ax.set_ylabel("gold tag")
        save(fig, "confusion_matrix.png", "Gold tags against predicted tags")
    if rows and "confidence" in rows[0]:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        hits = [r["confidence"] for r in rows if r["correct"]]
        misses = [r["confidence"] for r in rows if not r["correct"]]
        ax.hist([hits, misses], bins=10, range=(0, 1), label=["right", "wrong"],
                color=["#4c9a5f", "#c0504d"])
        ax.set_xlabel("highest tag probability")
        ax.set_ylabel("messages")
        ax.legend()
        save(fig, "confidence_histogram.png", "Confidence of right and wrong predictions")
    bins = result.get("calibration", {}).get("bins")
    if bins:
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot([0, 1], [0, 1], "--", color="grey")
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-")
        ax.set_xlabel("predicted probability")
        ax.set_ylabel("observed frequency")
        ax.set_title(f"ECE {result['calibration']['ece']:.3f}")
        save(fig, "reliability.png", "Reliability of tag probabilities")
    if rows and ("gold_anger" in rows[0] or "gold_rating" in rows[0]):
        key = "gold_anger" if "gold_anger" in rows[0] else "gold_rating"
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.scatter([r[key] for r in rows], [r["anger"] for r in rows], s=8, alpha=0.4)
        ax.set_xlabel("gold anger level" if key == "gold_anger" else "human rating")
        ax.set_ylabel("predicted anger score")
        if key == "gold_anger":
            ax.set_xticks(range(len(ANGER_LEVELS)), ANGER_LEVELS)
        save(fig, "anger.png", "Predicted anger against the gold labels")
    curve = result.get("risk_coverage")
    if curve:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot([c["coverage"] for c in curve], [c["accuracy"] for c in curve], "o-")
        ax.set_xlabel("share of messages answered (most confident first)")
        ax.set_ylabel("top-1 accuracy")
        ax.set_ylim(0, 1.02)
        save(fig, "risk_coverage.png", "Risk–coverage: accuracy when abstaining on the rest")
    return made


def write_errors(result: dict[str, Any], path: Path) -> int:
    """Every wrong prediction, worst (most confident) first; returns how many."""
    wrong = [r for r in result.get("rows", []) if not r.get("correct", True)]
    wrong.sort(key=lambda r: -r.get("confidence", 0.0))
    columns = ["id", "text", "gold_tags", "pred_tags", "confidence", "tag_scores",
               "gold_anger", "anger_level", "gold_templates", "template", "explanation"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        for r in wrong:
            writer.writerow({k: "|".join(v) if isinstance(v, list) else
                             json.dumps(v) if isinstance(v, dict) else v for k, v in r.items()})
    return len(wrong)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else html.escape(str(v))
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _headline(result: dict[str, Any]) -> list[list[Any]]:
    kind = result.get("kind")
    if kind == "corpus":
        return [["messages", result["n"]], ["tag micro-F1", result["tags"]["micro"]["f1"]],
                ["tag macro-F1", result["tags"]["macro"]["f1"]],
                ["false-tag rate (non-complaints)", result["false_tag_rate"]],
                ["anger level accuracy", result["anger"]["level_accuracy"]],
                ["template hit@1", result["templates"]["hit@1"]],
                ["template hit@3", result["templates"]["hit@3"]],
                ["abstain rate", result["templates"]["abstain_rate"]],
                ["replies with a missing-field marker", result["missing_marker_rate"]],
                ["calibration error (ECE)", result["calibration"]["ece"]]]
    if kind == "real_dev":
        return [["messages", result["n"]], ["top-1 hit (complaints)", result["top1_hit"]],
                ["false-tag rate (non-complaints)", result["false_tag_rate"]],
                ["complaints without a reply", result["complaints_abstained"]],
                ["complaints with a tentative draft", result["complaints_tentative"]],
                ["non-complaints with a reply", result["non_complaints_with_reply"]]]
    return [["messages", result["n"]], ["Pearson r", result["pearson"]],
            ["Spearman ρ", result["spearman"]]]


def write_report(result: dict[str, Any], outdir: str | Path) -> Path:
    """Write all files of one evaluation into ``outdir``; returns the HTML path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "metrics.json").write_text(dumps(result) + "\n", encoding="utf-8")
    n_errors = write_errors(result, outdir / "errors.csv")
    plots = _plots(result, outdir)
    parts = [f"<h1>Evaluation of {html.escape(Path(str(result.get('file', ''))).name)}</h1>",
             f"<p>Kind: {html.escape(str(result.get('kind')))}. Wrong predictions: "
             f"{n_errors} (in <code>errors.csv</code>, worst first).</p>",
             "<h2>Summary</h2>", _table(["measure", "value"], _headline(result))]
    if result.get("kind") == "corpus":
        per_tag = result["tags"]["per_tag"]
        parts += ["<h2>Per tag</h2>", _table(
            ["tag", "precision", "recall", "F1", "support", "most often confused with"],
            [[t, v["precision"], v["recall"], v["f1"], v["support"],
              ", ".join(list(result["confused_with"].get(t, {}))[:3])]
             for t, v in per_tag.items()])]
        parts += ["<h2>Rules</h2>", _table(
            ["rule", "template", "coverage", "chosen", "overlaps", "conflicts",
             "acceptable when chosen"],
            [[r, v["template"], v["coverage"], v["chosen"], v["overlaps"], v["conflicts"],
              "–" if v["acceptable_when_chosen"] is None else v["acceptable_when_chosen"]]
             for r, v in result["rules"].items()])]
    if result.get("kind") == "real_dev":
        parts += ["<h2>By source</h2>", _table(
            ["source", "complaints", "top-1 hit", "non-complaints", "false-tag rate"],
            [[k, v["complaints"], "–" if v["top1_hit"] is None else v["top1_hit"],
              v["non_complaints"], "–" if v["false_tag_rate"] is None else
              v["false_tag_rate"]] for k, v in result["by_source"].items()])]
    for name, caption in plots:
        data = base64.b64encode((outdir / name).read_bytes()).decode("ascii")
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{name}">'
                     f"<figcaption>{html.escape(caption)} ({name})</figcaption></figure>")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>recommender evaluation"
            "</title><style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
            "padding:3px 8px;text-align:left}figure{display:inline-block;margin:1em}"
            "</style></head><body>" + "\n".join(parts) + "</body></html>")
    path = outdir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
