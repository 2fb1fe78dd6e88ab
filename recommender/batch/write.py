"""Output rows: one per input message, as CSV, JSON Lines or Parquet, written as they come."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..suggestion import Suggestion
from .read import Item

COLUMNS = ("id", "subject", "sender", "language", "tags", "tag_probabilities", "anger",
           "anger_level", "anger_flags", "template", "tentative", "alternatives", "rule",
           "reply_subject", "reply", "missing_fields", "explanation", "error", "error_kind")
OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
                  ".pq": "parquet"}


def row_of(item: Item, s: Suggestion) -> dict[str, Any]:
    """The output row of a processed message (lists as ``|``-joined text, dicts as JSON)."""
    return {
        "id": item.id, "subject": s.subject, "sender": s.sender, "language": s.language,
        "tags": "|".join(s.tags), "tag_probabilities": json.dumps(s.tags),
        "anger": s.anger, "anger_level": s.anger_level_name,
        "anger_flags": "|".join(s.anger_flags), "template": s.template or "",
        "tentative": "yes" if s.tentative else "",
        "alternatives": "|".join(a.template for a in s.alternatives), "rule": s.rule or "",
        "reply_subject": s.reply_subject, "reply": s.reply,
        "missing_fields": "|".join(s.missing_fields), "explanation": s.explanation,
        "error": "", "error_kind": "",
    }


def error_row(item: Item) -> dict[str, Any]:
    """The output row of a message that could not be processed: its id and the reason."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(id=item.id, anger=None, error=item.error or "unknown error",
               error_kind=item.error_kind or "error")
    return row


class Writer:
    """Stream rows to ``path`` in the format its suffix names."""

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = Path(path)
        self.fmt = fmt or OUTPUT_FORMATS.get(self.path.suffix.lower())
        if self.fmt not in ("csv", "jsonl", "parquet"):
            raise InputError(f"{self.path}: output must end in .csv, .jsonl or .parquet")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = None
        self._csv = None
        self._parquet = None

    def __enter__(self) -> "Writer":
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            fields = [pa.field(c, pa.float64() if c == "anger" else pa.string()) for c in COLUMNS]
            self._schema = pa.schema(fields)
            self._parquet = pq.ParquetWriter(self.path, self._schema)
        else:
            self._fh = open(self.path, "w", newline="", encoding="utf-8")
            if self.fmt == "csv":
                self._csv = csv.DictWriter(self._fh, COLUMNS)
                self._csv.writeheader()
        return self

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.fmt == "csv":
            self._csv.writerows(rows)
        elif self.fmt == "jsonl":
            self._fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        else:
            import pyarrow as pa

            self._parquet.write_table(pa.Table.from_pylist(rows, schema=self._schema))

    def __exit__(self, *exc) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._fh is not None:
            self._fh.close()
