"""Real mail from ../shared/emails: nothing crashes, nothing is lost, quotes are stripped.

Skipped when ../shared is absent.
"""

import re
from pathlib import Path

import pandas as pd
import pytest

from recommender.batch import run
from recommender.parse import html_to_text, parse, split_quoted

pytestmark = pytest.mark.shared
EMAILS = Path(__file__).resolve().parent.parent.parent / "shared" / "emails"
TALON = EMAILS / "talon_fixtures"


@pytest.fixture(scope="module")
def emails() -> Path:
    if not EMAILS.is_dir():
        pytest.skip(f"{EMAILS} not found")
    return EMAILS


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_shared_message_gives_exactly_one_row(emails, tmp_path):
    files = sorted(p for p in emails.rglob("*") if p.is_file())
    out = tmp_path / "all.csv"
    summary = run(emails, out, pattern="*", jobs=2, progress=False)
    frame = pd.read_csv(out, keep_default_na=False)
    assert len(frame) == len(files) == summary.rows
    assert frame["id"].tolist() == [str(p.relative_to(emails)) for p in files]
    crashed = frame[~frame["error_kind"].isin(["", "empty", "InputError"])]
    assert crashed.empty, crashed[["id", "error"]].head().to_string()


def _standard_replies():
    if not TALON.is_dir():
        return []
    return sorted((TALON / "standard_replies").glob("*.eml"))


@pytest.mark.parametrize("path", _standard_replies(), ids=lambda p: p.name)
def test_talon_standard_replies(emails, path):
    expected_file = path.with_name(path.stem + "_reply_text")
    expected = expected_file.read_text().strip() if expected_file.exists() else "Hello"
    mail = parse(path.read_bytes())
    reply = f"{mail.text}\n\n{mail.signature}" if mail.signature else mail.text
    assert _squash(reply) == _squash(expected)


@pytest.mark.parametrize("path", sorted((TALON / "html_replies").glob("*.html"))
                         if TALON.is_dir() else [], ids=lambda p: p.name)
def test_talon_html_replies(emails, path):
    newest, quoted = split_quoted(html_to_text(path.read_text(encoding="utf-8",
                                                              errors="replace")))
    assert _squash(newest) == _squash("Hi. I am fine.\n\nThanks,\nAlex")
    assert quoted
