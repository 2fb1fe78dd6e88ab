"""Vectors: a text as the mean of pretrained token vectors (a static sentence embedding).

The English tagger and anger detector add these 256 numbers to their word features. They come
from outside our corpus, so they know that a "parcel", a "package" and a "delivery" are alike
even where our writers used only one of the words (measured in ``train.OWN_VECTOR_WEIGHT``).

The token vectors are WordLlama's ``l2_supercat`` (256 dimensions for the 32,000 tokens of the
LLaMA 2 tokenizer, MIT licence), which the ``wordllama`` wheel ships. Only its two data files are
read, with ``tokenizers`` and ``safetensors``: importing ``wordllama`` itself would configure the
root logger, and its loader looks for the tokenizer in a folder the wheel does not have and then
tries to download it. Nothing is ever downloaded here.

Where ``wordllama`` has no wheel (it is installed only where it has one: see ``pyproject.toml``),
:func:`available` is false, and a model trained with the vectors runs its version fitted
without them (``recommender.LanguageModel.without_vectors``), with a warning.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

PACKAGE = "wordllama"
WEIGHTS = ("weights", "l2_supercat_256.safetensors")
TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
#: Dimensions of a vector.
DIMENSIONS = 256


def _package_dir() -> Path | None:
    # The package's folder without importing it (its __init__ sets up logging).
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


@cache
def _table():
    """The tokenizer and the token vectors (float32), or ``None`` when they are not installed."""
    folder = _package_dir()
    if folder is None or not all((folder.joinpath(*p)).is_file() for p in (WEIGHTS, TOKENIZER)):
        return None
    from safetensors import safe_open
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder.joinpath(*TOKENIZER)))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    with safe_open(str(folder.joinpath(*WEIGHTS)), framework="np") as f:
        table = f.get_tensor("embedding.weight").astype(np.float32)
    return tokenizer, table


def source() -> str | None:
    """Which vectors these are (package, version and file), or ``None`` when not installed."""
    if not available():
        return None
    from importlib.metadata import version

    return f"{PACKAGE} {version(PACKAGE)} {WEIGHTS[-1]}"


def available() -> bool:
    """Whether the token vectors are installed."""
    return _table() is not None


def block(texts: Sequence[str], weight: float, hashtags_as_words: bool = False) -> csr_matrix:
    """The sentence vectors of ``texts`` times ``weight``, as a block of features; with
    ``hashtags_as_words``, a hashtag reads as its word ("#furious" as "furious")."""
    found = embed(texts)
    if hashtags_as_words:
        words = [_HASHTAG.sub("", text) for text in texts]
        changed = [i for i, (text, plain) in enumerate(zip(texts, words)) if text != plain]
        if changed:  # only those are embedded again; the rest keep the shared vectors
            found = found.copy()
            found[changed] = _embed([words[i] for i in changed])
    return csr_matrix(found * weight)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Each text as the mean of its tokens' vectors, scaled to length 1, shape
    ``(len(texts), DIMENSIONS)``; a text without tokens is all zeros.

    The same texts asked again (the tagger, then the anger detector) get the same array back,
    so it must not be modified. Raises ``LookupError`` when the vectors are not installed (see
    :func:`available`)."""
    global _last
    texts = tuple(texts)
    if _last is None or _last[0] != texts:  # the tagger and the anger detector both ask
        _last = (texts, _embed(texts))
    return _last[1]


def _embed(texts: Sequence[str]) -> np.ndarray:
    loaded = _table()
    if loaded is None:
        raise LookupError(f"the token vectors of the {PACKAGE!r} package are not installed")
    tokenizer, table = loaded
    ids = [_token_ids(text, tokenizer.model) for text in texts]
    lengths = np.array([len(i) for i in ids], dtype=np.int64)
    # Token counts as a sparse (texts x tokens) matrix: the sum of each text's token vectors
    # is one product, and a long text costs no more memory than its distinct tokens.
    columns = np.fromiter((i for row in ids for i in row), dtype=np.int64, count=lengths.sum())
    counts = csr_matrix((np.ones(len(columns)), columns,
                         np.concatenate([[0], np.cumsum(lengths)])), shape=(len(ids), len(table)))
    sums = np.asarray(counts @ table, dtype=np.float64)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)


# A "#" that starts a hashtag (followed by a letter: "#12345" is an order number).
_HASHTAG = re.compile(r"(?<![\w#])#(?=[^\W\d_])")
# The last texts embedded and their vectors.
_last: tuple[tuple[str, ...], np.ndarray] | None = None
# Token ids of each piece seen (a word with the spaces before it), up to _MAX_PIECES of them.
_pieces: dict[str, tuple[int, ...]] = {}
_MAX_PIECES = 200_000
# The tokenizer writes a space as "▁" and puts one before the text; it has no pre-tokenizer, so
# its BPE would run over the whole text as one word. No token and no merge joins a character
# to a "▁" after it, so a text's tokens are those of its pieces: runs of "▁" with the word
# that follows. Tokenised piece by piece with a cache, a corpus message takes 0.04 ms instead
# of 0.13 ms on one core, with the same ids (checked on all corpus and real texts in
# tests/test_vectors.py).
_PIECE = re.compile("▁*[^▁]+|▁+")


def _token_ids(text: str, model) -> list[int]:
    ids: list[int] = []
    if not text:  # nothing to prepend the first "▁" to
        return ids
    for piece in _PIECE.findall("▁" + text.replace(" ", "▁")):
        known = _pieces.get(piece)
        if known is None:
            known = tuple(token.id for token in model.tokenize(piece))
            if len(_pieces) < _MAX_PIECES:
                _pieces[piece] = known
        ids.extend(known)
    return ids
