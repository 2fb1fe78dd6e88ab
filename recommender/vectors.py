"""Vectors: a text as the mean of pretrained token vectors (a static sentence embedding).

The English tagger and anger detector add these 256 numbers to their word features. They come from outside our
corpus, so they know that a "parcel", a "package" and a "delivery" are alike even where our
writers used only one of the words (measured in ``train.OWN_VECTOR_WEIGHT``).

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


def block(texts: Sequence[str], weight: float) -> csr_matrix:
    """The sentence vectors of ``texts`` times ``weight``, as a block of features."""
    return csr_matrix(embed(texts) * weight)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Each text as the mean of its tokens' vectors, scaled to length 1, shape
    ``(len(texts), DIMENSIONS)``; a text without tokens is all zeros.

    Raises ``LookupError`` when the vectors are not installed (see :func:`available`)."""
    loaded = _table()
    if loaded is None:
        raise LookupError(f"the token vectors of the {PACKAGE!r} package are not installed")
    tokenizer, table = loaded
    encodings = tokenizer.encode_batch(list(texts), add_special_tokens=False) if texts else []
    ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
    lengths = np.array([len(i) for i in ids], dtype=np.int64)
    # Token counts as a sparse (texts x tokens) matrix: the sum of each text's token vectors
    # is one product, and a long text costs no more memory than its distinct tokens.
    counts = csr_matrix((np.ones(lengths.sum()), np.clip(np.concatenate([[], *ids]).astype(
        np.int64), 0, len(table) - 1), np.concatenate([[0], np.cumsum(lengths)])),
        shape=(len(ids), len(table)))
    sums = np.asarray(counts @ table, dtype=np.float64)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
