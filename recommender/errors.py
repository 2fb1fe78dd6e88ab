"""Errors raised by ``recommender``.

Every message says what went wrong, where, and what to do about it, so that the command line
can print it as one line (see :mod:`recommender.cli`).
"""

from __future__ import annotations

import warnings


class RecommenderError(Exception):
    """Base class of every error this package raises on purpose."""


class ModelError(RecommenderError):
    """A model file is missing, corrupt, tampered with or from an incompatible version."""


class NotFittedError(RecommenderError):
    """A component was used before ``fit`` was called."""


class RulesError(RecommenderError):
    """A rules file is malformed: unknown key, duplicate id, missing template, bad value."""


class TemplateError(RecommenderError):
    """A template library is malformed or a template cannot be rendered."""


class ConfigError(RecommenderError):
    """A configuration or context value is invalid."""


class CorpusError(RecommenderError):
    """A labelled corpus record is malformed."""


class InputError(RecommenderError):
    """An input message cannot be read at all (not even as text)."""


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """Emit ``message`` as a ``UserWarning`` the first time it is seen in this process."""
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)
