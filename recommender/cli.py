"""Command line: parse arguments, call the library, print. Nothing else lives here."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

from .errors import RecommenderError

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"


def _context(pairs: list[str] | None) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for pair in pairs or []:
        if pair.lstrip().startswith("{"):
            context.update(json.loads(pair))
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise RecommenderError(f"--context expects key=value or a JSON object, got {pair!r}")
        context[key.strip()] = value.strip()
    return context


def _load(args):
    from .recommender import Recommender

    return Recommender.load(args.model, config=args.config, rules=getattr(args, "rules", None))


def format_suggestion(s) -> str:
    """Human-readable block for one suggestion."""
    from .lang import written_in

    tags = ", ".join(f"{t} {p:.2f}" for t, p in s.tags.items()) or (
        "none" if s.language_supported else f"none ({written_in(s.language)})")
    lines = [f"Tags:      {tags}",
             f"Anger:     {s.anger:.2f} ({s.anger_level_name})"
             + (f"  flags: {', '.join(s.anger_flags)}" if s.anger_flags else ""),
             f"Template:  {s.template or '(abstain)'}"
             + (" (tentative)" if s.tentative else "")
             + (f"  [rule {s.rule}]" if s.rule else "")]
    if s.alternatives:
        lines.append("Also:      " + ", ".join(f"{a.template} {a.score:.2f}"
                                                for a in s.alternatives))
    if s.missing_fields:
        lines.append("Missing:   " + ", ".join(s.missing_fields))
    lines.append("Why:       " + textwrap.fill(s.explanation, 88,
                                                subsequent_indent=" " * 11))
    if s.reply:
        lines += ["", f"Subject: {s.reply_subject}", "", s.reply]
    return "\n".join(lines)


def _read_message(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def cmd_suggest(args) -> int:
    """One file: its suggestion. Several: each under a ``==> file <==`` header (JSON: a list
    of objects with a ``file`` key); a file that cannot be read or scored is reported on
    stderr, the others go on, and the exit status is 1."""
    rec = _load(args)
    context = _context(args.context)
    if len(args.files) == 1:
        s = rec.suggest(_read_message(args.files[0]), context)
        print(json.dumps(s.to_dict(), indent=2, ensure_ascii=False) if args.json
              else format_suggestion(s))
        return 0
    results, failed, shown = [], 0, 0
    for name in args.files:
        try:
            s = rec.suggest(_read_message(name), context)
        except (RecommenderError, OSError) as exc:
            failed += 1
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            print(f"recommender: error: {name}: {reason}", file=sys.stderr)
            continue
        if args.json:
            results.append({"file": name, **s.to_dict()})
        else:
            print(f"{chr(10) if shown else ''}==> {name} <==\n{format_suggestion(s)}")
            shown += 1
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if failed else 0


def cmd_train(args) -> int:
    from .train import train

    languages = tuple(args.lang) if args.lang else None
    extra = []
    if args.feedback:
        from .notebook import feedback_records

        extra = feedback_records(args.feedback)
    rec, metrics = train(args.out, languages, args.corpus_dir, extra=extra)
    if args.feedback:  # those in languages not trained here are left out, with a warning
        print(f"{rec.meta['extra_records']} of {len(extra)} reviewed suggestions from "
              f"{args.feedback} added to training")
    print(f"model written to {args.out}")
    for lang, m in metrics.items():
        print(f"{lang} test split: tag micro-F1 {m['tags']['micro']['f1']:.3f}, macro-F1 "
              f"{m['tags']['macro']['f1']:.3f}, anger level accuracy "
              f"{m['anger']['level_accuracy']:.3f}, template hit@1 "
              f"{m['templates']['hit@1']:.3f}")
    return 0


def cmd_templates(args) -> int:
    from .render import TemplateLibrary

    lib = TemplateLibrary(args.lang)
    if args.action == "list":
        for tid in lib.ids():
            spec, lang, _ = lib.spec(tid)
            print(f"{tid:24} {spec.group:15} {spec.title}" + (f"  ({lang})" if lang !=
                                                               args.lang else ""))
        return 0
    if not args.id:
        raise RecommenderError("`templates show` needs a template id")
    spec, _, _ = lib.spec(args.id)
    print(f"{args.id} ({spec.group}): {spec.title}\nvariables: "
          f"{', '.join(sorted(lib.variables(args.id)))}\n\nSubject: {spec.subject}\n\n{spec.body}")
    return 0


def cmd_rules(args) -> int:
    from .render import TemplateLibrary
    from .rules import RuleSet

    rules = RuleSet.load(args.file, TemplateLibrary("en").ids())
    print(f"{rules.source}: {len(rules.rules)} rules OK")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import Gold, compare, dumps, evaluate_file, standard_suite, without_rows

    rec = _load(args)
    progress = sys.stderr.isatty()
    fields = dict(pair.split("=", 1) for pair in args.gold_field or [] if "=" in pair)
    gold = Gold(args.text_col, args.gold_tags, args.gold_anger, args.gold_templates, fields)
    if args.files:
        result = {Path(f).name: evaluate_file(rec, f, args.split, progress, gold)
                  for f in args.files}
    else:
        result = standard_suite(rec)
    if args.compare:
        from .recommender import Recommender

        compare(result, Recommender.load(args.compare, config=args.config), args.compare,
                args.split)
    if args.cv:
        from .train import add_cross_validation

        add_cross_validation(result, args.cv)
    if args.out_dir:
        from .report import write_report

        for name, r in result.items():
            if "skipped" in r:
                continue
            target = Path(args.out_dir) if len(result) == 1 else Path(args.out_dir) / name
            print(f"report: {write_report(r, target)}", file=sys.stderr)
    if args.update_readme:
        update_readme(Path(args.update_readme), result)
    print(dumps(result) if args.json else summarise(without_rows(result)))
    return 0


README_START, README_END = "<!-- figures:start -->", "<!-- figures:end -->"


def update_readme(path: Path, results: dict[str, Any]) -> None:
    """Replace the README section between the figure markers with freshly measured figures."""
    text = path.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise RecommenderError(f"{path}: markers {README_START} / {README_END} not found")
    block = ("\n".join([README_START, "Measured by `make figures` "
                        "(`recommender evaluate --update-readme README.md`); do not edit by hand.",
                        "", "```", summarise(results), "```", README_END]))
    head, rest = text.split(README_START, 1)
    path.write_text(head + block + rest.split(README_END, 1)[1], encoding="utf-8")


def summarise(results: dict[str, Any]) -> str:
    """One line per evaluated file with its headline figures."""
    lines = []
    for name, r in results.items():
        if "skipped" in r:
            lines.append(f"{name:22} skipped: {r['skipped']}")
        elif r["kind"] == "corpus":
            lines.append(f"{name:22} n={r['n']:<5} tag micro-F1 {r['tags']['micro']['f1']:.3f}"
                         f"  macro-F1 {r['tags']['macro']['f1']:.3f}  anger acc "
                         f"{r['anger']['level_accuracy']:.3f}  template hit@1 "
                         f"{r['templates']['hit@1']:.3f}")
            if "compare" in r:
                diffs = ", ".join(f"{t} {v['difference']:+.3f}" for t, v in
                                  r["compare"]["per_tag_f1"].items())
                lines.append(f"  vs {r['compare']['model']}: micro-F1 "
                             f"{r['compare']['other_micro_f1']:.3f}; per-tag F1 difference: "
                             f"{diffs}")
            if "cross_validation" in r:
                cv = r["cross_validation"]["mean"]
                lines.append(f"  {r['cross_validation']['k']}-fold CV: tag micro-F1 "
                             f"{cv['tag_micro_f1']:.3f}, anger acc "
                             f"{cv['anger_level_accuracy']:.3f}; learning curve micro-F1 "
                             + ", ".join(f"{p['fraction']:.0%} {p['tag_micro_f1']:.3f}"
                                         for p in r["learning_curve"]))
        elif r["kind"] == "real_dev":
            lines.append(f"{name:22} n={r['n']:<5} top-1 hit {r['top1_hit']:.3f}  "
                         f"false-tag rate {r['false_tag_rate']:.3f}  complaints without a reply "
                         f"{r['complaints_abstained']:.3f} (tentative drafts "
                         f"{r['complaints_tentative']:.3f})")
            for src, f in r["by_source"].items():
                hit = "  -  " if f["top1_hit"] is None else f"{f['top1_hit']:.3f}"
                ftr = "  -  " if f["false_tag_rate"] is None else f"{f['false_tag_rate']:.3f}"
                lines.append(f"  {src:20} top-1 hit {hit}  false-tag rate {ftr}")
        else:
            lines.append(f"{name:22} n={r['n']:<5} pearson {r['pearson']:.3f}  spearman "
                         f"{r['spearman']:.3f}")
    return "\n".join(lines)


def cmd_corpus(args) -> int:
    from . import corpus

    for lang, n in corpus.build(args.dir).items():
        records = corpus.load(lang, directory=args.dir)
        stats = corpus.describe(records)
        second = corpus.agreement(records, lang, args.dir)
        if second is not None:
            stats["second_annotator"] = second
        print(f"{lang}: {n} records")
        print(json.dumps(stats, indent=2))
    return 0


def cmd_batch(args) -> int:
    from .batch import Columns, run, run_dask

    mapping = {}
    for pair in args.context_map or []:
        column, sep, key = pair.partition("=")
        if not sep or not key:
            raise RecommenderError(f"--context-map expects COLUMN=FIELD, got {pair!r}")
        mapping[column] = key
    columns = Columns(args.text_col, args.raw_col, args.subject_col, args.from_col, args.id_col,
                      args.date_col, mapping)
    if args.engine == "dask":
        summary = run_dask(args.input, args.output, model=args.model, config=args.config,
                           jobs=args.jobs, fmt=args.format, columns=columns,
                           scheduler=args.scheduler)
    else:
        summary = run(args.input, args.output, model=args.model, config=args.config,
                      rules=args.rules, jobs=args.jobs, fmt=args.format, columns=columns,
                      pattern=args.pattern)
    print(summary.render())
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary.to_dict(), indent=2) + "\n",
                                           encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from .batch import run

    inbox, out = SAMPLES_DIR / "inbox.mbox", Path("out") / "demo.csv"
    if not inbox.is_file():
        raise RecommenderError(f"sample inbox {inbox} not found")
    summary = run(inbox, out, model=args.model, config=args.config)
    print(f"Sample inbox {inbox.name} -> {out}\n" + "=" * 88)
    print(summary.render())
    rec = _load(args)
    for path in sorted(SAMPLES_DIR.glob("*.eml"))[:3]:
        s = rec.suggest(path.read_bytes())
        print("=" * 88 + f"\n{path.name}: {s.subject or '(no subject)'}\n" + "-" * 88)
        print(format_suggestion(s))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recommender", description=(
        "Tag complaint e-mails, grade anger and suggest a prefilled reply."))
    sub = parser.add_subparsers(dest="command", required=True)

    def model_options(p):
        p.add_argument("--model", help="model directory (default: the shipped model)")
        p.add_argument("--config", help="YAML settings of your team (company, agent, policies)")

    p = sub.add_parser("suggest", help="suggest a reply for e-mails (files or - for stdin)")
    p.add_argument("files", nargs="+", metavar="file",
                   help="plain-text or raw .eml message, '-' reads stdin")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--context", action="append", metavar="KEY=VALUE",
                   help="context fact (repeatable) or a JSON object, e.g. order_date=2026-01-05")
    p.add_argument("--rules", help="YAML rules file replacing the default rules")
    model_options(p)
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("train", help="rebuild the model from data/ (deterministic)")
    p.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "models"))
    p.add_argument("--feedback", help="review decisions (JSON Lines from the notebook review "
                   "panel) to add as labelled examples")
    p.add_argument("--lang", action="append", help="train only this language (repeatable; "
                   "default: every corpus in data/corpus)")
    p.add_argument("--corpus-dir", default=str(Path(__file__).resolve().parent.parent
                                                / "data" / "corpus"))
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("templates", help="list templates or show one")
    p.add_argument("action", choices=["list", "show"])
    p.add_argument("id", nargs="?")
    p.add_argument("--lang", default="en")
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("rules", help="validate a rules file")
    p.add_argument("action", choices=["check"])
    p.add_argument("file", nargs="?", help="rules file (default: the packaged rules)")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("evaluate", help="measure on labelled files (default: standard suite)")
    p.add_argument("files", nargs="*", help="corpus .jsonl, real_dev-style .csv, WASSA .txt, "
                   "severity .csv")
    p.add_argument("--split", help="only this split of a corpus file (train/test)")
    p.add_argument("--text-col", help="message column of your own table")
    p.add_argument("--gold-tags", metavar="COL", help="gold tags column (list or a|b|c)")
    p.add_argument("--gold-anger", metavar="COL", help="gold anger column: level 0-3, or a "
                   "0-1 rating (then correlations are reported)")
    p.add_argument("--gold-templates", metavar="COL", help="acceptable templates column")
    p.add_argument("--gold-field", action="append", metavar="FIELD=COL",
                   help="gold value of a field, e.g. order_id=Order (repeatable)")
    p.add_argument("--json", action="store_true", help="print all figures as JSON")
    p.add_argument("-o", "--out-dir", help="write metrics.json, report.html, PNG plots and "
                   "errors.csv here (a folder per file when several)")
    p.add_argument("--cv", type=int, metavar="K", help="also K-fold cross-validate training on "
                   "each corpus file, with a learning curve (25/50/75/100 %%)")
    p.add_argument("--compare", metavar="MODEL", help="also evaluate this model directory and "
                   "show the per-tag difference")
    p.add_argument("--update-readme", metavar="README",
                   help="rewrite the figures section of this README with the results")
    model_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("corpus", help="merge, validate and split the labelled corpora")
    p.add_argument("dir", nargs="?", default=str(Path(__file__).resolve().parent.parent
                                                 / "data" / "corpus"))
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("batch", help="suggest replies for a whole inbox export", description=(
        "Read an mbox, a folder of .eml files, or a CSV / JSON Lines / Parquet / Excel table and "
        "write one row per message (CSV, JSON Lines, Parquet or Excel, from the output name). "
        "Table columns named like order_id, order_date, customer_name, tracking_url, refund_date, "
        "delivery_date, product, language (and every template variable or rule flag) flow into "
        "the reply context; map others with --context-map COLUMN=FIELD."))
    p.add_argument("input", help="mbox file, folder of .eml files, .csv, .jsonl, .parquet or "
                                 ".xlsx")
    p.add_argument("-o", "--output", required=True,
                   help="output .csv, .jsonl, .parquet or .xlsx")
    p.add_argument("--format", choices=["mbox", "eml", "csv", "jsonl", "parquet", "xlsx"],
                   help="input format when the name does not tell")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", help="address of an existing Dask scheduler (dask engine)")
    p.add_argument("--text-col", help="column with the plain message text")
    p.add_argument("--raw-col", help="column with the raw RFC 5322 message")
    p.add_argument("--subject-col")
    p.add_argument("--from-col")
    p.add_argument("--id-col")
    p.add_argument("--date-col", help="column with the message date (for incident detection)")
    p.add_argument("--context-map", action="append", metavar="COLUMN=FIELD",
                   help="send an export column into the reply context (repeatable)")
    p.add_argument("--pattern", default="*.eml", help="file pattern inside a folder")
    p.add_argument("--summary-json", help="also write the summary as JSON here")
    p.add_argument("--rules", help="YAML rules file replacing the default rules")
    model_options(p)
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("demo", help="run the batch on the bundled sample inbox (out/demo.csv)")
    model_options(p)
    p.set_defaults(func=cmd_demo)
    return parser


def _warning_line(message, category, filename, lineno, line=None) -> str:
    """Warnings as one line on stderr, like errors ("recommender: warning: ...")."""
    return f"recommender: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    formatwarning, warnings.formatwarning = warnings.formatwarning, _warning_line
    try:
        return args.func(args)
    except RecommenderError as exc:
        print(f"recommender: error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"recommender: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"recommender: error: --context is not valid JSON ({exc.msg})", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        warnings.formatwarning = formatwarning


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
