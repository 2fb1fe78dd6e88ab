"""Shared fixtures. Tests never download anything; the shipped model is in ../models."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def rec():
    from recommender import Recommender

    return Recommender.load()


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    path = SHARED / "eval"
    if not path.is_dir():
        pytest.skip(f"{path} not found: real evaluation data is only available beside the repo")
    return path
