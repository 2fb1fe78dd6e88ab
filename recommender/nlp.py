"""spaCy pipelines, created once per process.

A blank pipeline (``spacy.blank(lang)``: tokenizer and lexical attributes only) works out of the
box and is what the shipped model is trained with. A trained pipeline that is installed
(e.g. ``en_core_web_sm``) is used instead when named in the configuration; its lemmas then
become the tagger's tokens. Nothing is ever downloaded.
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.language import Language

from .errors import ConfigError

_DIGIT = re.compile(r"\d")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\w+")


def get_nlp(lang: str = "en", model: str | None = None) -> Language:
    """Return the pipeline for ``lang`` (blank) or the installed trained pipeline ``model``."""
    return _pipeline(lang, model or None)


@lru_cache(maxsize=8)
def _pipeline(lang: str, model: str | None) -> Language:
    if model:
        try:
            return spacy.load(model, exclude=["ner", "parser", "textcat"])
        except OSError as exc:
            raise ConfigError(
                f"spaCy pipeline {model!r} is not installed; install it with pip or remove "
                "'spacy_model' from the configuration to use the blank pipeline"
            ) from exc
    return spacy.blank(lang)


def make_doc(nlp: Language, text: str):
    """Tokenise ``text`` with ``nlp``'s tokenizer (no pipeline components)."""
    return nlp.make_doc(pad_lines(text))


def pipe(nlp: Language, texts, batch_size: int = 256):
    """Run ``nlp`` over ``texts`` (tokenizer and any trained components)."""
    return nlp.pipe((pad_lines(t) for t in texts), batch_size=batch_size)


def tokenise(nlp: Language, texts) -> list:
    """Docs of ``texts`` after :func:`normalise`: what the tagger and the anger detector
    read. The recommender tokenises each message once and gives the docs to both (the
    tokenizer was 0.15 ms of the 1.1 ms a message took, once for each)."""
    return list(pipe(nlp, (normalise(t) for t in texts)))


def normalise(text: str) -> str:
    """Replace what never generalises by placeholders of the same length, so that character
    offsets still point into ``text``: URLs by ``URL``, @handles (and the domains of e-mail
    addresses) by ``@U``, digits by 0."""
    text = _URL.sub(lambda m: " URL ".ljust(len(m.group())), text)
    text = _HANDLE.sub(_handle, text)
    return no_digits(text)


def _handle(match: re.Match) -> str:
    # Spaced off when it fits, so that "maria@example.com" is not read as one new token.
    size = len(match.group())
    return (" @U " if size >= 4 else "@U").ljust(size)


def no_digits(text: str) -> str:
    """Every digit written as 0 (same length). Lexicon phrases with numbers match any number of
    as many digits ("within 14 days" also matches "within 10 days"), and spaCy's vocabulary does
    not keep a new string for every order number it sees: with raw digits it grew by about
    one string a message, and the batch workers' memory with it."""
    return _DIGIT.sub("0", text)


def pad_lines(text: str) -> str:
    """``text`` as :func:`make_doc` tokenises it: character offsets of its docs point here."""
    # spaCy's tokenizer caches the pieces of text between spaces; a piece that spans a line
    # break ("closed.\n\nIt") is new every time and is split affix by affix. Padding line
    # breaks with spaces gives the same tokens (checked on every corpus and benchmark text)
    # and made tokenising mail bodies 4-6x faster (benchmarks/batch_throughput.py).
    return text.replace("\n", " \n ")


def tokens(doc) -> list[str]:
    """Normalised tokens of a ``Doc``: lemmas when the pipeline has them, else lower-case."""
    if doc.has_annotation("LEMMA"):
        return [t.lemma_.lower() for t in doc if not t.is_space]
    return [t.lower_ for t in doc if not t.is_space]
