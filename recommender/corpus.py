"""Our labelled corpora: reading, validating, and the fixed train/test split.

``recommender corpus`` merges any ``parts/<lang>_*.jsonl`` files into
``<lang>.jsonl``, validates every record and (re)assigns the split. See
``data/corpus/README.md`` for the record schema.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .render import TemplateLibrary
from .taxonomy import ANGER_LEVELS, TAGS

#: Share of records in the test split (by hash of the id, so the split never moves).
TEST_PERCENT = 20
REQUIRED = {"id": str, "subject": str, "from": str, "body": str, "tags": list, "anger": int,
            "templates": list, "fields": dict, "domain": str, "register": str}
OPTIONAL = {"split": str, "context": dict}
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "corpus"
#: Folder of the groups that a language's own tagger and, since stop 25, its anger detector
#: learn from, but not the shared tagger (``own_tagger/<lang>_<group>.jsonl``; see
#: :class:`recommender.tag.Blend` and :func:`recommender.train.train`).
OWN_TAGGER_DIR = "own_tagger"


def assign_split(record_id: str) -> str:
    """``"test"`` for a fixed 20 % of ids, ``"train"`` for the rest."""
    bucket = int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_PERCENT else "train"


def validate(record: Any, where: str, templates: set[str]) -> dict[str, Any]:
    """Check one record against the schema; raise :class:`CorpusError` naming ``where``."""
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    for key, kind in REQUIRED.items():
        if not isinstance(record.get(key), kind):
            raise CorpusError(f"{where}: key {key!r} missing or not {kind.__name__}")
    unknown = set(record) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise CorpusError(f"{where}: unknown key(s) {sorted(unknown)}")
    bad = set(record["tags"]) - set(TAGS)
    if bad:
        raise CorpusError(f"{where}: unknown tag(s) {sorted(bad)}")
    if not 0 <= record["anger"] < len(ANGER_LEVELS):
        raise CorpusError(f"{where}: anger must be 0-3")
    bad = set(record["templates"]) - templates
    if bad:
        raise CorpusError(f"{where}: unknown template(s) {sorted(bad)}")
    return record


def read(path: str | Path) -> list[dict[str, Any]]:
    """All records of a corpus file, validated."""
    path = Path(path)
    templates = set(TemplateLibrary("en").ids())
    records = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
            records.append(validate(record, f"{path}:{n}", templates))
    ids = Counter(r["id"] for r in records)
    dupes = [i for i, c in ids.items() if c > 1]
    if dupes:
        raise CorpusError(f"{path}: duplicate id(s) {dupes[:5]}")
    return records


def load(lang: str = "en", split: str | None = None,
         directory: str | Path = DEFAULT_CORPUS_DIR) -> list[dict[str, Any]]:
    """Records of ``<lang>.jsonl``, optionally only one split (``"train"`` or ``"test"``)."""
    path = Path(directory) / f"{lang}.jsonl"
    if not path.is_file():
        raise CorpusError(f"{path}: corpus not found")
    records = read(path)
    return [r for r in records if split is None or r.get("split", assign_split(r["id"])) == split]


def own_tagger_files(lang: str, directory: str | Path = DEFAULT_CORPUS_DIR) -> list[Path]:
    """The files of ``lang``'s own-tagger groups (:data:`OWN_TAGGER_DIR`), in name order."""
    return sorted((Path(directory) / OWN_TAGGER_DIR).glob(f"{lang}_*.jsonl"))


def load_own_tagger(lang: str, split: str | None = None,
                    directory: str | Path = DEFAULT_CORPUS_DIR) -> list[dict[str, Any]]:
    """Records of ``lang``'s own-tagger groups (:data:`OWN_TAGGER_DIR`), optionally only one
    split; none when the language has no such group."""
    return [r for path in own_tagger_files(lang, directory) for r in read(path)
            if split is None or r.get("split", assign_split(r["id"])) == split]


def text_of(record: dict[str, Any]) -> str:
    """The record as a raw message: headers when known, then the body."""
    head = []
    if record.get("from"):
        head.append(f"From: {record['from']}")
    if record.get("subject"):
        head.append(f"Subject: {record['subject']}")
    if head:
        head.append("Content-Type: text/plain; charset=utf-8")
        return "\n".join(head) + "\n\n" + record["body"]
    return record["body"]


def build(directory: str | Path) -> dict[str, int]:
    """Merge parts into per-language files, validate, assign splits; returns counts."""
    directory = Path(directory)
    counts = {}
    langs = {p.name.split("_")[0] for p in (directory / "parts").glob("*_*.jsonl")}
    langs |= {p.stem for p in directory.glob("*.jsonl")}
    for lang in sorted(langs):
        target = directory / f"{lang}.jsonl"
        records = read(target) if target.is_file() else []
        have = {r["id"] for r in records}
        for part in sorted((directory / "parts").glob(f"{lang}_*.jsonl")):
            records += [r for r in read(part) if r["id"] not in have]
        for r in records:
            r["split"] = assign_split(r["id"])
        records.sort(key=lambda r: r["id"])
        with open(target, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        counts[lang] = len(records)
    return counts


def agreement(records: list[dict[str, Any]], lang: str,
              directory: str | Path = DEFAULT_CORPUS_DIR) -> dict[str, Any] | None:
    """How far a second annotator, labelling some of ``records`` blind (without seeing their
    labels), agrees with them: ``agreement/<lang>.jsonl`` holds that annotator's ``id``,
    ``tags`` and ``anger``. ``None`` when there is no such file."""
    from .metrics import level_confusion, tag_metrics

    path = Path(directory) / "agreement" / f"{lang}.jsonl"
    if not path.is_file():
        return None
    second = {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    ours = {r["id"]: r for r in records}
    missing = sorted(set(second) - set(ours))
    if missing:
        raise CorpusError(f"{path}: ids not in the corpus: {missing[:5]}")
    ids = sorted(second)
    tags = tag_metrics([set(ours[i]["tags"]) for i in ids], [set(second[i]["tags"]) for i in ids])
    ours_levels, second_levels = [ours[i]["anger"] for i in ids], [second[i]["anger"] for i in ids]
    return {"records": len(ids),
            "tag_micro_f1": round(tags["micro"]["f1"], 4),
            "tag_macro_f1": round(tags["macro"]["f1"], 4),
            "same_tag_set": round(sum(set(ours[i]["tags"]) == set(second[i]["tags"])
                                      for i in ids) / len(ids), 4),
            "anger_level_accuracy": round(sum(a == b for a, b in zip(ours_levels, second_levels))
                                          / len(ids), 4),
            "anger_confusion": level_confusion(ours_levels, second_levels)}


def describe(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts that the corpus requirements are stated in."""
    tags = Counter(t for r in records for t in r["tags"])
    return {
        "records": len(records),
        "non_complaints": sum(not r["tags"] for r in records),
        "multi_issue": sum(len(r["tags"]) >= 2 for r in records),
        "per_tag": {t: tags.get(t, 0) for t in TAGS},
        "anger": dict(sorted(Counter(r["anger"] for r in records).items())),
        "split": dict(Counter(r.get("split") for r in records)),
        "register": dict(Counter(r["register"] for r in records)),
    }

