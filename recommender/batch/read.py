"""Read inbox exports as a stream of :class:`Item`: mbox, a folder of ``.eml`` files, CSV,
JSON Lines or Parquet. A row or message that cannot be read still becomes an item, carrying
the reason in ``error``, so that every input row comes out of the batch.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, warn_once
from ..parse import Email, parse

FORMATS = ("mbox", "eml", "csv", "jsonl", "parquet", "xlsx")
#: Code pages spreadsheet programs save "CSV" in, in our markets (Western, Baltic, Central
#: European); the first wins a tie.
CODE_PAGES = ("cp1252", "cp1257", "cp1250")
_OUR_LETTERS = frozenset("õäöüšžāēīūčģķļņćđ" + "õäöüšžāēīūčģķļņćđ".upper())
_WESTERN_LETTERS = frozenset("éèêëàâáíìîïóòôúùûñçßøåæœ€£" + "éèêëàâáíìîïóòôúùûñçøåæœ".upper())
_SUFFIXES = {".mbox": "mbox", ".mbx": "mbox", ".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl",
             ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet",
             ".eml": "eml", ".xlsx": "xlsx", ".xlsm": "xlsx"}

# Column names recognised without flags (compared lower-case, without diacritics, with every
# run of spaces and punctuation as "_": "Ticket ID" is ticket_id, "Order #" is order, "Order
# No." is order_no, "Tellimuse nr." is tellimuse_nr, "Sporočilo" is sporocilo). English first,
# then Estonian, Latvian and Slovenian: exports from our markets often name columns in the
# local language.
TEXT_COLUMNS = ("text", "body", "message", "content", "description", "complaint",
                "email_body", "narrative", "customer_message", "msg", "comment",
                "sonum", "sonumi_sisu", "tekst", "sisu", "kiri", "kirja_sisu", "kaebus",
                "poordumine", "kusimus", "paring", "kirjeldus", "kommentaar",
                "zinojums", "zinojuma_teksts", "zina", "teksts", "saturs", "sudziba",
                "vestule", "jautajums", "pieprasijums", "atsauksme", "apraksts", "komentars",
                "sporocilo", "vsebina_sporocila", "besedilo", "vsebina", "pritozba",
                "vprasanje", "opis", "komentar")
RAW_COLUMNS = ("raw", "raw_message", "eml", "mime", "rfc822")
SUBJECT_COLUMNS = ("subject", "title", "email_subject", "topic",
                   "teema", "pealkiri", "kirja_teema",
                   "tema", "temats", "virsraksts",
                   "zadeva")
FROM_COLUMNS = ("from", "sender", "from_address", "email", "e_mail", "customer_email", "author",
                "requester", "requester_email", "requester_name", "contact", "contact_email",
                "saatja", "e_post", "e_posti_aadress", "saatja_e_post", "kliendi_e_post",
                "sutitajs", "e_pasts", "e_pasta_adrese", "klienta_e_pasts",
                "posiljatelj", "e_posta", "e_naslov", "e_postni_naslov", "elektronska_posta")
ID_COLUMNS = ("id", "message_id", "ticket_id", "ticket", "case_id", "uid")
DATE_COLUMNS = ("date", "received", "received_at", "created_at", "timestamp", "sent_at",
                "kuupaev", "loomise_kuupaev", "loodud", "saadetud", "aeg",
                "datums", "izveides_datums", "sanemsanas_datums", "izveidots", "nosutits",
                "sanemts", "laiks",
                "datum", "datum_prejema", "datum_ustvarjanja", "datum_in_cas", "ustvarjeno",
                "poslano", "prejeto", "cas")
#: Export columns that flow into the template context, by normalised name.
CONTEXT_ALIASES = {
    "order_id": "order_id", "order": "order_id", "order_number": "order_id",
    "order_no": "order_id", "order_ref": "order_id", "order_reference": "order_id",
    "booking": "order_id", "booking_reference": "order_id",
    "order_date": "order_date", "purchase_date": "order_date", "ordered_at": "order_date",
    "customer_name": "customer_name", "name": "customer_name", "customer": "customer_name",
    "full_name": "customer_name", "tracking_url": "tracking_url",
    "tracking_link": "tracking_url", "tracking_number": "tracking_number",
    "tracking": "tracking_number", "carrier": "carrier", "refund_date": "refund_date",
    "refunded_at": "refund_date", "refund_amount": "refund_amount", "amount": "amount",
    "delivery_date": "delivery_date", "expected_delivery": "delivery_date",
    "eta": "delivery_date", "product": "product", "item": "product",
    "language": "language", "lang": "language", "agent_name": "agent_name",
    "agent": "agent_name", "company": "company", "has_sla": "has_sla",
    "sla_percent": "sla_percent", "customer_at_fault": "customer_at_fault",
    "followup": "followup", "incident": "incident", "recall": "recall",
    "outside_return_window": "outside_return_window", "promotion_active": "promotion_active",
    "discount_code": "discount_code", "store_credit": "store_credit",
    **{name: key for key, names in {
        "order_id": ("tellimus", "tellimuse_nr", "tellimuse_number", "tellimuse_id",
                     "tellimisnumber",
                     "pasutijums", "pasutijuma_nr", "pasutijuma_numurs", "pasutijuma_id",
                     "narocilo", "st_narocila", "stevilka_narocila", "id_narocila",
                     "narocilo_st"),
        "order_date": ("tellimuse_kuupaev", "pasutijuma_datums", "datum_narocila"),
        "customer_name": ("nimi", "klient", "kliendi_nimi", "tellija", "ostja",
                          "vards", "klients", "klienta_vards", "vards_uzvards", "pasutitajs",
                          "pircejs",
                          "ime", "stranka", "ime_stranke", "ime_in_priimek", "kupec",
                          "narocnik"),
        "tracking_number": ("jalgimiskood", "jalgimisnumber",
                            "izsekosanas_numurs", "izsekosanas_kods",
                            "sledilna_stevilka", "stevilka_posiljke"),
        "tracking_url": ("jalgimislink", "izsekosanas_saite", "povezava_za_sledenje"),
        "delivery_date": ("tarnekuupaev", "piegades_datums", "datum_dostave"),
        "amount": ("summa", "znesek"),
        "product": ("toode", "produkts", "prece", "izdelek"),
        "language": ("keel", "valoda", "jezik"),
        "carrier": ("kuller", "vedaja", "kurjers", "parvadatajs", "dostavljavec", "prevoznik"),
        "company": ("ettevote", "uznemums", "podjetje"),
    }.items() for name in names},
}


@dataclass
class Item:
    """One input message: what to score, where it came from, or why it could not be read."""

    index: int
    id: str
    message: str | bytes | Email | None = None
    context: dict[str, Any] = field(default_factory=dict)
    date: str = ""
    error: str | None = None
    error_kind: str | None = None


@dataclass
class Columns:
    """Which table columns hold what. ``None`` means: detect from the column names."""

    text: str | None = None
    raw: str | None = None
    subject: str | None = None
    sender: str | None = None
    id: str | None = None
    date: str | None = None
    context: dict[str, str] = field(default_factory=dict)  # column -> context key
    #: Columns of the table that none of the roles above reads (filled by :meth:`resolve`).
    unread: list[str] = field(default_factory=list)

    def resolve(self, names: list[str]) -> "Columns":
        """Fill unset roles from ``names``; raise when no text or raw column can be found."""
        norm = {_norm(n): n for n in names}

        def pick(given: str | None, candidates: tuple[str, ...]) -> str | None:
            if given is not None:
                if given not in names:
                    raise InputError(f"column {given!r} not found; columns are {names}")
                return given
            return next((norm[c] for c in candidates if c in norm), None)

        out = Columns(pick(self.text, TEXT_COLUMNS) if not self.raw else None,
                      pick(self.raw, RAW_COLUMNS) if not self.text else None,
                      pick(self.subject, SUBJECT_COLUMNS), pick(self.sender, FROM_COLUMNS),
                      pick(self.id, ID_COLUMNS), pick(self.date, DATE_COLUMNS))
        if out.text is None and out.raw is None:
            raise InputError(f"no message column found among {names}; name it with "
                             "--text-col (plain text) or --raw-col (raw RFC 5322 message)")
        used = {out.text, out.raw, out.subject, out.sender, out.id, out.date}
        context = {n: CONTEXT_ALIASES[_norm(n)] for n in names
                   if _norm(n) in CONTEXT_ALIASES and n not in used}
        context.update(self.context)
        out.context = context
        out.unread = [n for n in names if n not in used and n not in context]
        return out

    def describe(self) -> str:
        """Which column was read as what, on one line (after :meth:`resolve`)."""
        roles = [(role, getattr(self, role)) for role in
                 ("text", "raw", "subject", "sender", "id", "date")]
        parts = [", ".join(f"{role} {column!r}" for role, column in roles if column)]
        if self.context:
            parts.append("context " + ", ".join(f"{column!r} -> {key}"
                                                for column, key in self.context.items()))
        if self.unread:
            parts.append("not read " + ", ".join(repr(column) for column in self.unread))
        return "; ".join(parts)


def _norm(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(name).lower())
                    if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "_", plain).strip("_")


def detect_format(path: str | Path) -> str:
    """Format from the path: a directory is ``eml``, otherwise the suffix decides."""
    path = Path(path)
    if path.is_dir():
        return "eml"
    suffixes = [s.lower() for s in path.suffixes]
    for suffix in reversed(suffixes):
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
    if path.is_file():
        with open(path, "rb") as fh:
            if fh.read(5) == b"From ":
                return "mbox"
    raise InputError(f"{path}: cannot tell the format from the name; pass --format "
                     f"({', '.join(FORMATS)})")


def read_items(path: str | Path, fmt: str | None = None,
               columns: Columns | None = None, pattern: str = "*.eml",
               resolved: Callable[[Columns], None] | None = None) -> Iterator[Item]:
    """Stream the messages of ``path`` as items, in input order; for a table, ``resolved`` is
    called with the column roles found in its header."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    fmt = fmt or detect_format(path)
    if fmt == "mbox":
        return _mbox(path)
    if fmt == "eml":
        return _eml_dir(path, pattern) if path.is_dir() else _eml_file(path)
    if fmt in ("csv", "jsonl", "parquet", "xlsx"):
        rows = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows,
                "xlsx": _xlsx_rows}[fmt](path)
        return _table_items(rows, columns or Columns(), resolved)
    raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# -- mail ------------------------------------------------------------------------------------
def _mail_item(index: int, raw: bytes, fallback_id: str) -> Item:
    head = raw[:16384].decode("latin-1")
    match = re.search(r"^message-id:\s*(.+)$", head, re.I | re.M)
    date = re.search(r"^date:\s*(.+)$", head, re.I | re.M)
    item = Item(index, match.group(1).strip() if match else fallback_id, raw,
                date=date.group(1).strip() if date else "")
    if not raw.strip():
        item.error, item.error_kind = "empty message", "empty"
    return item


def _mbox(path: Path) -> Iterator[Item]:
    """Split an mbox on its ``From `` lines without loading the whole file."""
    index, lines = 0, []
    with open(path, "rb") as fh:
        for line in fh:
            if line.startswith(b"From ") and (not lines or lines[-1].strip() == b""):
                if lines:
                    yield _mail_item(index, _unescape(lines), f"{path.name}#{index + 1}")
                    index += 1
                lines = []
                continue
            lines.append(line)
    if lines or index == 0:
        yield _mail_item(index, _unescape(lines), f"{path.name}#{index + 1}")


def _unescape(lines: list[bytes]) -> bytes:
    # mboxrd quoting: ">From " at the start of a body line stood for "From ".
    return b"".join(ln[1:] if re.match(rb"^>+From ", ln) else ln for ln in lines)


def _eml_file(path: Path, index: int = 0, root: Path | None = None) -> Item:
    name = str(path.relative_to(root)) if root else path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Item(index, name, None, error=f"{path}: {exc.strerror}", error_kind="unreadable")
    item = _mail_item(index, raw, name)
    item.id = name  # a folder export is addressed by file name
    return item


def _eml_dir(path: Path, pattern: str) -> Iterator[Item]:
    files = sorted(p for p in path.rglob(pattern) if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    for index, file in enumerate(files):
        yield _eml_file(file, index, path)


# -- tables ----------------------------------------------------------------------------------
def _csv_rows(path: Path) -> Iterator[dict[str, Any] | str]:
    """Rows as dicts; a malformed row is yielded as its error message instead."""
    csv.field_size_limit(sys.maxsize)
    encoding = text_encoding(path)
    if encoding != "utf-8-sig":
        warn_once(f"{path.name} is not UTF-8: read as {encoding}")
    with open(path, newline="", encoding=encoding, errors="replace") as fh:
        reader = csv.reader(fh, csv_dialect(path, encoding))
        header = next(reader, None)
        if header is None:
            return
        yield {"__header__": header}
        for number, row in enumerate(reader, 2):
            if len(row) != len(header):
                if not any(cell.strip() for cell in row):
                    continue  # blank line, not a row
                yield (f"{path.name} line {reader.line_num}: {len(row)} fields, "
                       f"header has {len(header)}")
                continue
            yield dict(zip(header, row))


def csv_dialect(path: Path, encoding: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect of ``path`` (delimiter ``,`` ``;`` tab or ``|``), sniffed from its start;
    Excel's when it cannot be told."""
    with open(path, newline="", encoding=encoding, errors="replace") as fh:
        sample = fh.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def text_encoding(path: Path, sample: int = 1 << 20) -> str:
    """The encoding of a text export: UTF-16 with its byte-order mark, ``utf-8-sig`` when the
    first ``sample`` bytes are UTF-8 (with or without a mark), else the spreadsheet code page
    (:data:`CODE_PAGES`) in which they read most like our languages.

    Read as UTF-8 with replacement characters, a cp1252 "CSV" turned "José Müller" into
    "Jos\ufffd M\ufffdller" and lost the name. charset-normalizer guessed cp775 for that file:
    a few accented letters are too little for a general detector, while the choice among three
    code pages is easy to make by the letters they give."""
    with open(path, "rb") as fh:
        head = fh.read(sample)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return max(CODE_PAGES, key=lambda page: _plausible(head.decode(page, errors="replace")))


def _plausible(text: str) -> int:
    """How much ``text``'s non-ASCII characters look like our languages' letters (2 each) or
    other Western European ones (1 each); anything else counts against it."""
    return sum(2 if c in _OUR_LETTERS else 1 if c in _WESTERN_LETTERS else -2
               for c in text if ord(c) > 127)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any] | str]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"{path.name} line {number}: not valid JSON ({exc.msg})"
                continue
            yield row if isinstance(row, dict) else f"{path.name} line {number}: not an object"


def _parquet_rows(path: Path) -> Iterator[dict[str, Any] | str]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=2048):
        yield from batch.to_pylist()


def _xlsx_rows(path: Path) -> Iterator[dict[str, Any] | str]:
    """The first worksheet's rows as dicts (its first non-empty row is the header), streamed."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise InputError(f"{path}: not a readable Excel .xlsx workbook ({exc}); an old .xls "
                         "file must be saved as .xlsx or CSV first") from None
    try:
        header = None
        for values in book.worksheets[0].iter_rows(values_only=True):
            if not any(v is not None and str(v).strip() for v in values):
                continue  # blank row
            if header is None:
                header = [str(v).strip() if v is not None else f"column {i + 1}"
                          for i, v in enumerate(values)]
                yield {"__header__": header}
                continue
            yield dict(zip(header, values))
    finally:
        book.close()


def _table_items(rows: Iterator[dict[str, Any] | str], columns: Columns,
                 report: Callable[[Columns], None] | None = None) -> Iterator[Item]:
    resolved: Columns | None = None
    index = 0
    for row in rows:
        header = row.get("__header__") if isinstance(row, dict) else None
        if isinstance(row, str):
            yield Item(index, f"row {index + 1}", error=row, error_kind="malformed_row")
            index += 1
            continue
        if resolved is None:
            resolved = columns.resolve(header if header is not None else list(row))
            if report is not None:
                report(resolved)
        if header is not None:
            continue
        yield row_item(index, row, resolved)
        index += 1


def row_item(index: int, row: dict[str, Any], cols: Columns) -> Item:
    """One table row as an item (also used by :func:`recommender.batch.suggest_frame`)."""
    def cell(name: str | None) -> str:
        value = row.get(name) if name else None
        return "" if value is None or value != value else str(value)  # None or NaN

    row_id = cell(cols.id) or f"row {index + 1}"
    context = {key: row[col] for col, key in cols.context.items()
               if row.get(col) is not None and row.get(col) == row.get(col) and row.get(col) != ""}
    item = Item(index, row_id, context=context, date=cell(cols.date))
    if cols.raw:
        item.message = cell(cols.raw)
    else:
        item.message = parse(cell(cols.text), subject=cell(cols.subject),
                             sender=cell(cols.sender))
    if not (cell(cols.raw) if cols.raw else cell(cols.text)).strip():
        item.error, item.error_kind = "empty message text", "empty"
    return item
