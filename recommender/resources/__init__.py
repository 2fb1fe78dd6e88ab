"""Data files shipped with the package: templates, rules, configuration, lexicons.

Everything is read with :mod:`importlib.resources`, so it works from a wheel or a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """Path-like handle of a packaged data file, e.g. ``resource("rules.yaml")``."""
    node = files(__name__)
    for part in parts:
        node = node / part
    return node


def read_lines(*parts: str) -> list[str]:
    """Non-empty, non-comment lines of a packaged text file (``[]`` when it does not exist).

    A comment line starts with ``"# "`` (or is a lone ``"#"``), so that hashtag entries such
    as ``#fail`` stay data.
    """
    node = resource(*parts)
    if not node.is_file():
        return []
    lines = (ln.strip() for ln in node.read_text(encoding="utf-8").splitlines())
    return [ln for ln in lines if ln and ln != "#" and not ln.startswith("# ")]
