"""Output rows: one per input message, as CSV, JSON Lines, Parquet or an Excel workbook, written
as they come."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..suggestion import Suggestion
from .read import Item

COLUMNS = ("id", "subject", "sender", "language", "tags", "tag_probabilities", "anger",
           "anger_level", "anger_flags", "template", "tentative", "alternatives", "rule",
           "reply_subject", "reply", "missing_fields", "explanation", "error", "error_kind")
OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
                  ".pq": "parquet", ".xlsx": "xlsx"}


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
    """Stream rows to ``path`` in the format its suffix names.

    CSV is written as UTF-8 with a byte-order mark: without it, Excel on Windows reads the
    file in the system's code page, and "Müller", "Pasūtījums" and "€" come out garbled.
    Excel workbooks (``.xlsx``) are written row by row (openpyxl's write-only mode)."""

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = Path(path)
        self.fmt = fmt or OUTPUT_FORMATS.get(self.path.suffix.lower())
        if self.fmt not in ("csv", "jsonl", "parquet", "xlsx"):
            raise InputError(f"{self.path}: output must end in .csv, .jsonl, .parquet or .xlsx")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = None
        self._csv = None
        self._parquet = None
        self._book = None

    def __enter__(self) -> "Writer":
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            fields = [pa.field(c, pa.float64() if c == "anger" else pa.string()) for c in COLUMNS]
            self._schema = pa.schema(fields)
            self._parquet = pq.ParquetWriter(self.path, self._schema)
        elif self.fmt == "xlsx":
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("suggestions")
            self._sheet.append(list(COLUMNS))
        else:
            encoding = "utf-8-sig" if self.fmt == "csv" else "utf-8"
            self._fh = open(self.path, "w", newline="", encoding=encoding)
            if self.fmt == "csv":
                self._csv = csv.DictWriter(self._fh, COLUMNS)
                self._csv.writeheader()
        return self

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.fmt == "csv":
            self._csv.writerows({c: _inert(v) for c, v in row.items()} for row in rows)
        elif self.fmt == "jsonl":
            self._fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        elif self.fmt == "xlsx":
            for row in rows:
                self._sheet.append([self._cell(row[c]) for c in COLUMNS])
        else:
            import pyarrow as pa

            self._parquet.write_table(pa.Table.from_pylist(rows, schema=self._schema))

    def __exit__(self, *exc) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._book is not None:
            self._book.save(self.path)
        if self._fh is not None:
            self._fh.close()

    def _cell(self, value: Any) -> Any:
        """A worksheet cell: text stays text even when it starts with "=" (openpyxl would
        store a formula), without the characters XML forbids, cut to Excel's limit."""
        if not isinstance(value, str):
            return value
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, _NOT_IN_XML.sub("\ufffd", value)[:_CELL_CHARS])
        cell.data_type = "s"
        return cell


#: Characters a worksheet cannot hold (XML 1.0 forbids most control characters), which
#: customers' subjects and broken mail can contain.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Most characters an Excel cell holds.
_CELL_CHARS = 32767
_FORMULA = re.compile(r"[=+@\t\r]|-(?![\d.]+$)")


def _inert(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text starting like a formula ("=HYPERLINK(...)",
    "+1+cmd", "@SUM(...)") gets a leading apostrophe, as OWASP advises for CSV injection;
    a negative number stays as it is."""
    return "'" + value if isinstance(value, str) and _FORMULA.match(value) else value
