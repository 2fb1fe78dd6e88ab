"""Parse: turn plain text, a raw RFC 5322 message or an ``EmailMessage`` into an :class:`Email`.

The customer's newest text is what gets scored, so quoted earlier messages and the signature
are split off here; the signature is kept because it often carries the customer's name.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import parseaddr

from charset_normalizer import from_bytes

from .errors import InputError

HEADER_NAMES = frozenset(
    "from to cc subject date message-id received return-path mime-version content-type "
    "delivered-to reply-to sender x-mailer user-agent in-reply-to references".split()
)

# Lines that open a quoted earlier message; everything from there on is history. HTML mail
# converted to text often breaks these over several lines, hence the bounded [\s\S] spans.
_WROTE = (r"wrote|writes|napisal|napisala|napisał|написал|написала|schrieb|a écrit|escribió|"
          r"scrisse|kirjutas|rakstīja|rašė|skrev|kirjoitti")
_SENT = r"sent|date|gesendet|envoyé|enviado|saadetud|nosūtīts|poslano|отправлено|дата"
_QUOTE_OPENERS = re.compile(
    rf"""^[ \t>]*(
        (on|am|le|el|il|dne|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}})\b[^\n]{{0,200}}?
            (\n[^\n]{{0,200}}?){{0,5}}\b({_WROTE})\b[^\n]{{0,40}}:?[ \t]*$   # "On …, X wrote:"
      | \d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}},?\s+\d{{1,2}}:\d{{2}}[^\n]{{0,120}}
            (\n[^\n]{{0,120}}){{0,3}}?@[^\n]*(\n[^\n]{{0,3}})?:[ \t]*$   # "26.06.2014, 14:41, X <a@b>:"
      | [^\n]{{0,120}}\d{{1,2}}:\d{{2}}(:\d{{2}})?\s*[+-]\d{{4}}\s+(от|from)\b[^\n]*$
      | -{{2,}}\s*(original\s+message|forwarded\s+message|ursprüngliche\s+nachricht)\s*-{{2,}}
      | begin\s+forwarded\s+message:
      | _{{10,}}[ \t]*$                                         # Outlook web divider
      | (from|von|de|od|от|saatja|no|kimden)[ \t]*:[^\n]{{0,200}}
            ([\s\S]{{0,300}}?)^[ \t]*({_SENT})[ \t]*:            # Outlook header block
      | date:[^\n]*\n[ \t]*(subject|from|to)[ \t]*:              # header block, Date first
    )""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*>")

# A sign-off line ("Thanks,", "Kind regards") or the "-- " delimiter starts the signature.
_SIGNOFF = re.compile(
    r"""^\s*(
        --\s*$
      | (many\s+|best\s+|kind\s+|warm\s+)?(thanks|thank\s+you|regards|cheers|best|sincerely|
         yours(\s+(sincerely|truly|faithfully))?|br|kr|cordially|respectfully|rgds|thx)
         (\s+(in\s+advance|again|so\s+much|a\s+lot))?[,.!]*\s*$
      | (best|kind|warm)\s+(regards|wishes)[,.!]*\s*$
      | (--\s*)?sent\s+from\s+(my|yahoo|mail\s+for|outlook|gmail|samsung)\s.+$
      | (--\s*)?get\s+outlook\s+for\s+\S+\s*$
      | (--\s*)?(saadetud\s+minu|nosūtīts\s+no\s+mana|poslano\s+(iz|z)\s+(mojega|moje|mojga))\s.+$
      | (lugupidamisega|parimate\s+soovidega|tervitades|parimat|aitäh|tänan|tänades
         |ar\s+cieņu|ar\s+labākajiem\s+novēlējumiem|paldies|sveicieni|ar\s+sveicieniem
         |lep\s+pozdrav|lp|s\s+spoštovanjem|hvala|lepo\s+pozdravljeni|lepa\s+hvala)
         [,.!]*\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
#: A signature is short: a sign-off further than this many lines from the end is body text.
MAX_SIGNATURE_LINES = 6
#: Only this much of a body is read: customers' new text is short, and huge bodies (logs,
#: pasted data) must not cost minutes. Longer bodies are cut and marked ``truncated``.
MAX_BODY_CHARS = 50_000


@dataclass
class Email:
    """One incoming message, reduced to what the later steps need.

    Attributes
    ----------
    text : the customer's newest text (no quoted history, no signature)
    subject, sender_name, sender_address : from the headers, ``""`` when absent
    signature : the split-off signature block (kept for the name)
    quoted : the quoted earlier messages
    date : the ``Date`` header as written, ``""`` when absent
    attachments : number of attachments (not read)
    """

    text: str
    subject: str = ""
    sender_name: str = ""
    sender_address: str = ""
    signature: str = ""
    quoted: str = ""
    date: str = ""
    attachments: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def full_text(self) -> str:
        """Subject and newest text, the input of the tagger and the anger detector."""
        return f"{self.subject}\n{self.text}".strip() if self.subject else self.text


_BLOCKS = ("p", "div", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "pre", "section", "article", "header", "footer", "hr")
_HTML_START = re.compile(r"\s*<(!doctype\s+html|html|body|div|p|table)\b", re.I)
_HTML_TAG = re.compile(r"</?(p|br|div|span|table|tr|td|ul|ol|li|font|b|i|strong|em|a|html|body)"
                       r"\b[^<>]*>", re.I)


def parse(message: str | bytes | Message, subject: str = "", sender: str = "") -> Email:
    """Parse one message of any supported kind.

    Parameters
    ----------
    message : plain text, a raw RFC 5322 message (``str`` or ``bytes``) or a ``Message``
    subject, sender : used when ``message`` is plain text (e.g. columns of an export)

    Examples
    --------
    >>> e = parse("Hi,\\nmy parcel is late.\\n\\nThanks,\\nMaria")
    >>> e.text, e.signature
    ('Hi,\\nmy parcel is late.', 'Thanks,\\nMaria')
    """
    if isinstance(message, Message):
        return _from_message(message)
    if isinstance(message, (bytes, bytearray)):
        raw = bytes(message)
        if looks_like_rfc822(raw[:4096].decode("latin-1")):
            return _from_message(email.message_from_bytes(raw, policy=email.policy.compat32))
        message = decode_bytes(raw)
    if not isinstance(message, str):
        raise InputError(f"cannot read a message of type {type(message).__name__}; "
                         "pass text, bytes or an email.message.EmailMessage")
    if looks_like_rfc822(message):
        # Parsed as bytes: the str parser mangles non-ASCII bodies that declare no charset.
        raw = message.encode("utf-8", errors="surrogateescape")
        return _from_message(email.message_from_bytes(raw, policy=email.policy.compat32))
    if looks_like_html(message):  # an export's body column holding the HTML version
        message = html_to_text(message)
    return _from_text(message, subject=subject, sender=sender)


def looks_like_html(text: str) -> bool:
    """True when ``text`` is an HTML document or fragment rather than plain text: it starts
    with a tag, or has at least two tags of common elements ("<p>", "<br/>", "<div ...>"); a
    customer's "I got <3 items" or "<order 5521>" is plain text."""
    head = text[:20000]
    return bool(_HTML_START.match(head)) or len(_HTML_TAG.findall(head)) >= 2


def looks_like_rfc822(text: str) -> bool:
    """True when ``text`` starts with a block of mail headers followed by a blank line."""
    head = text.lstrip("\ufeff")[:4096]
    if head.startswith("From ") and "\n" in head:  # mbox "From " line
        head = head.split("\n", 1)[1]
    lines = head.splitlines()
    names = []
    for line in lines:
        if not line.strip():
            break
        if line[:1] in " \t":
            continue
        name, sep, _ = line.partition(":")
        if not sep or " " in name.strip():
            return False
        names.append(name.strip().lower())
    return len(names) >= 2 and any(n in HEADER_NAMES for n in names)


def decode_bytes(raw: bytes, declared: str | None = None) -> str:
    """Decode bytes with the declared charset, else a detected one, never failing.

    Strict UTF-8 is tried before a declared single-byte charset: mail clients often label
    UTF-8 as ISO-8859-1, and bytes that are valid UTF-8 are almost never meant as Latin-1.
    """
    single_byte = declared is None or re.match(r"(us-)?ascii|iso-?8859|latin|windows-125|cp125",
                                               declared, re.I)
    for charset in (("utf-8", declared) if single_byte else (declared, "utf-8")):
        if charset:
            try:
                return raw.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
    best = from_bytes(raw[:65536]).best()
    if best is not None:
        try:
            return raw.decode(best.encoding, errors="replace")
        except LookupError:
            pass
    return raw.decode("latin-1")


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header must not cost the message
        value = None
    if value is None:
        return ""
    if isinstance(value, Header):  # raw 8-bit bytes: UTF-8 (RFC 6532) or a legacy charset
        # Too short to detect a charset from: UTF-8, else the body's charset, else cp1252.
        legacy = _charset_of(msg) or "windows-1252"
        value = "".join(decode_bytes(chunk, legacy) if isinstance(chunk, bytes) else chunk
                        for chunk, _ in decode_header(value))
    if "=?" not in value:  # no RFC 2047 encoded word: nothing to decode (most headers)
        return value.strip()
    try:
        return str(make_header(decode_header(str(value)))).strip()
    except Exception:
        return str(value).strip()


def _charset_of(msg: Message) -> str | None:
    try:
        return msg.get_content_charset()
    except Exception:
        return None


def _part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    return decode_bytes(payload, part.get_content_charset())


def _body_of(msg: Message) -> tuple[str, int]:
    """Best text body and number of attachments."""
    plain, html, attachments = [], [], 0
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        ctype = part.get_content_type()
        if "attachment" in disposition or (part.get_filename() and not ctype.startswith("text/")):
            attachments += 1
            continue
        if ctype == "text/plain":
            plain.append(_part_text(part))
        elif ctype == "text/html":
            html.append(_part_text(part))
    if any(p.strip() for p in plain):
        return "\n".join(plain), attachments
    if html:
        return html_to_text("\n".join(html)), attachments
    return "", attachments


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, one block element per line."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title"]):
        tag.decompose()
    for quote in soup.find_all("blockquote"):
        if quote.parent is None:  # inside a blockquote already flattened
            continue
        quote.insert_before("\n")
        quote.string = "\n".join("> " + ln for ln in quote.get_text("\n").splitlines())
    # Line breaks where the browser makes them, not around inline tags: "my <b>order</b>?" is
    # one line ("my \norder\n?" read as three short broken sentences).
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for cell in soup.find_all(["td", "th"]):
        cell.append(" ")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.append("\n")
    text = re.sub(r"[ \t\r\f\v]*\n[ \t\r\f\v]*", "\n", soup.get_text())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _from_message(msg: Message) -> Email:
    body, attachments = _body_of(msg)
    name, address = parseaddr(_header(msg, "From"))
    parsed = _from_text(body, subject=_header(msg, "Subject"), sender="")
    parsed.sender_name, parsed.sender_address = name.strip().strip('"'), address
    parsed.date = _header(msg, "Date")
    parsed.attachments = attachments
    parsed.headers = {k: _header(msg, k) for k in ("Message-ID", "To", "In-Reply-To")
                      if msg.get(k) is not None}
    return parsed


def _from_text(text: str, subject: str = "", sender: str = "") -> Email:
    truncated = len(text) > MAX_BODY_CHARS
    text = text[:MAX_BODY_CHARS].replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    newest, quoted = split_quoted(text)
    newest, signature = split_signature(newest)
    # An export's sender column may hold a bare name ("Tamm, Kadri"), which parseaddr mangles.
    name, address = parseaddr(sender) if "@" in sender else (sender, "")
    return Email(text=newest, subject=subject.strip()[:1000],
                 sender_name=name.strip().strip('"'), sender_address=address,
                 signature=signature, quoted=quoted, truncated=truncated)


def split_quoted(text: str) -> tuple[str, str]:
    """Split ``text`` into the newest part and the quoted earlier messages.

    Top-posted replies keep what precedes the quote opener; a bottom-posted reply (nothing
    before the opener) keeps the unquoted lines that follow the quoted block.
    """
    match = _QUOTE_OPENERS.search(text)
    if match and text[:match.start()].strip():
        head, quoted = text[:match.start()], [text[match.start():]]
    elif match:
        head, quoted = text[match.end():], [text[:match.end()]]
    else:
        head, quoted = text, []
    kept = []
    for line in head.split("\n"):
        (quoted if _QUOTED_LINE.match(line) else kept).append(line)
    return "\n".join(kept).strip(), "\n".join(quoted).strip()


def split_signature(text: str) -> tuple[str, str]:
    """Split a trailing signature (from a sign-off line near the end) off ``text``."""
    lines = text.rstrip().split("\n")
    start = max(0, len(lines) - MAX_SIGNATURE_LINES)
    for i in range(start, len(lines)):
        if i > 0 and _SIGNOFF.match(lines[i]):
            return "\n".join(lines[:i]).strip(), "\n".join(lines[i:]).strip()
    return text.strip(), ""
