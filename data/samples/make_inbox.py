"""Build data/samples/inbox.mbox: a sample inbox of 300 messages for `make demo`.

The messages are records of our own corpus (data/corpus/en.jsonl), dressed as real mail:
dates over one week, a mix of plain, HTML-only, multipart/alternative, quoted-printable and
base64 bodies, a few attachments, and an outage incident (many `outage` messages on one day).
Deterministic: run `python data/samples/make_inbox.py` to rebuild the same file.
"""

from __future__ import annotations

import hashlib
import html
import json
import mailbox
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus" / "en.jsonl"
OUT = HERE / "inbox.mbox"
SIZE = 300
INCIDENT_DAY = 4  # days after the start when the outage cluster lands
START = datetime(2026, 11, 16, 7, 0, tzinfo=timezone.utc)


def rank(record_id: str) -> int:
    return int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16)


def message(record: dict, n: int, when: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = record["from"] or f"customer{n}@example.net"
    msg["To"] = "support@nordcart.example"
    msg["Subject"] = record["subject"] or record["body"].split("\n")[0][:60]
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<sample{n:04d}@nordcart-demo.example>"
    body = record["body"]
    style = n % 10
    if style == 0:  # HTML-only mail
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
        msg.set_content(f"<html><body>{paragraphs}</body></html>", subtype="html")
    elif style in (1, 2):  # text + HTML alternative
        msg.set_content(body)
        msg.add_alternative(f"<html><body><pre>{html.escape(body)}</pre></body></html>",
                            subtype="html")
    elif style == 3:
        msg.set_content(body, cte="quoted-printable")
    elif style == 4:
        msg.set_content(body, cte="base64")
    else:
        msg.set_content(body)
    if n % 37 == 0:
        msg.add_attachment(b"%PDF-1.4 sample receipt", maintype="application",
                           subtype="pdf", filename="receipt.pdf")
    for i, part in enumerate(msg.walk()):  # fixed boundaries keep the file reproducible
        if part.is_multipart():
            part.set_boundary(f"==sample{n:04d}-{i}==")
    return msg


def main() -> None:
    records = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    records.sort(key=lambda r: rank(r["id"]))
    outage = [r for r in records if "outage" in r["tags"]][:30]
    others = [r for r in records if "outage" not in r["tags"]][:SIZE - len(outage)]
    OUT.unlink(missing_ok=True)
    box = mailbox.mbox(OUT)
    chosen = [(r, False) for r in others] + [(r, True) for r in outage]
    chosen.sort(key=lambda pair: rank("x" + pair[0]["id"]))
    for n, (record, incident) in enumerate(chosen):
        day = INCIDENT_DAY if incident else rank(record["id"]) % 7
        when = START + timedelta(days=day, minutes=rank("t" + record["id"]) % 720)
        entry = mailbox.mboxMessage(message(record, n, when))
        entry.set_from("customer@example.net", when.timetuple())
        box.add(entry)
    box.flush()
    box.close()
    print(f"wrote {len(chosen)} messages to {OUT}")


if __name__ == "__main__":
    main()
