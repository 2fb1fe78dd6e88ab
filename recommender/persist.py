"""Model files: a joblib file plus a JSON sidecar that vouches for it.

The sidecar records the format version, library versions, the SHA-256 of the joblib file and
of the training corpus, and the metrics measured when it was trained. Loading checks all of it
before unpickling, so a missing, truncated, tampered or incompatible file fails with a message
that says what to do instead of an obscure traceback. (The hash protects against damage and
accidental edits, not against an attacker who can rewrite both files: only load model files
you trust, as with any pickle.)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import sklearn
import spacy

from . import vectors
from .errors import ModelError

FORMAT_VERSION = 1
MODEL_NAME = "recommender.joblib"
SIDECAR_NAME = "recommender.json"
#: Mantissa bits of float32 that :func:`compact_floats` keeps (of 23): a relative error of at
#: most 2**-16 (1.5e-5) per coefficient, and coefficients that compress to 16 % fewer bytes.
KEPT_MANTISSA_BITS = 15


def compact_floats(values: np.ndarray) -> np.ndarray:
    """``values`` as float32, rounded to :data:`KEPT_MANTISSA_BITS` mantissa bits.

    Fitted coefficients are the bulk of the model file, and their last mantissa bits are
    noise that zlib cannot compress. Zeroed, they took 3.1 MB (16 %) off the model file, and
    tag probabilities moved by less than 1e-4 (checked in tests/test_tag.py).

    Examples
    --------
    >>> third = compact_floats(np.array([1 / 3]))
    >>> third.dtype, bool(abs(third[0] * 3 - 1) <= 2 ** -16)
    (dtype('float32'), True)
    """
    dropped = 23 - KEPT_MANTISSA_BITS
    half, mask = np.uint32(1 << (dropped - 1)), np.uint32((0xFFFFFFFF << dropped) & 0xFFFFFFFF)
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    return ((bits + half) & mask).view(np.float32)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def part_name(name: str) -> str:
    """File name of the part ``name`` of a model (see :func:`save`)."""
    return f"recommender.{name}.joblib"


def save(obj: Any, directory: str | Path, meta: dict[str, Any],
         parts: dict[str, Any] | None = None) -> Path:
    """Write ``obj``, each of ``parts`` (in a file of its own, vouched for by the sidecar like
    the main one) and the sidecar into ``directory``; returns the main joblib path."""
    from . import __version__

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_NAME
    # zlib, not lzma: 7 % more bytes, but it decompresses in 0.2 s instead of 1.7 s. Each file
    # of the shipped model stays under 20 MB: the shared et / lv / sl tagger (mostly its
    # coefficients) and the English model without the word vectors are parts of their own.
    joblib.dump(obj, path, compress=("zlib", 6))
    hashes = {}
    for name, part in (parts or {}).items():
        joblib.dump(part, directory / part_name(name), compress=("zlib", 6))
        hashes[name] = sha256_of(directory / part_name(name))
    sidecar = {
        "format_version": FORMAT_VERSION,
        "recommender_version": __version__,
        "scikit_learn_version": sklearn.__version__,
        "spacy_version": spacy.__version__,
        # not checked on loading; recorded because their builds move fitted numbers a little
        # (stop 23: the shared tagger's probabilities by up to 4e-4 in a fresh environment)
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "word_vectors": vectors.source(),
        "model_sha256": sha256_of(path),
        "parts_sha256": hashes,
        **meta,
    }
    (directory / SIDECAR_NAME).write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")
    return path


def read_sidecar(directory: str | Path) -> dict[str, Any]:
    side = Path(directory) / SIDECAR_NAME
    if not side.is_file():
        raise ModelError(f"{side}: sidecar missing; a model directory needs {MODEL_NAME} and "
                         f"{SIDECAR_NAME} (rebuild with `recommender train`)")
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{side}: sidecar is not valid JSON ({exc})") from None


def load(directory: str | Path) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Verify and load the model in ``directory``; returns ``(obj, sidecar, parts)``."""
    directory = Path(directory)
    path = directory / MODEL_NAME
    if not path.is_file():
        raise ModelError(f"{path}: model file not found (build it with `recommender train`)")
    meta = read_sidecar(directory)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path}: model format {meta.get('format_version')} is not supported "
                         f"by this version (expects {FORMAT_VERSION}); retrain with "
                         "`recommender train`")
    files = {None: (path, meta.get("model_sha256"))} | {
        name: (directory / part_name(name), digest)
        for name, digest in (meta.get("parts_sha256") or {}).items()}
    for file, digest in files.values():
        if not file.is_file():
            raise ModelError(f"{file}: part of the model named in {SIDECAR_NAME} not found "
                             "(rebuild with `recommender train`)")
        if sha256_of(file) != digest:
            raise ModelError(f"{file}: checksum does not match {SIDECAR_NAME}; the file is "
                             "corrupt or was modified. Retrain with `recommender train`")
    built = meta.get("scikit_learn_version", "?")
    if _minor(built) != _minor(sklearn.__version__):
        raise ModelError(f"{path}: trained with scikit-learn {built}, but {sklearn.__version__} "
                         "is installed; install the version the model was built with or "
                         "retrain with `recommender train`")
    loaded = {}
    for name, (file, _) in files.items():
        try:
            loaded[name] = joblib.load(file)
        except Exception as exc:  # unpickling errors come in every type
            raise ModelError(f"{file}: cannot be read ({type(exc).__name__}: {exc}); retrain "
                             "with `recommender train`") from None
    obj = loaded.pop(None)
    return obj, meta, loaded
