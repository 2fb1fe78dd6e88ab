"""Language: which of our languages the customer wrote in, with a confidence.

Uses lingua (offline, built for short texts) restricted to the languages we answer in. On our
corpus test splits it was right on 100 % of whole messages and 99.8 % of first sentences, at
0.2–0.4 ms a text; py3langid was as accurate on whole messages but slower when restricted to
our four languages, and both were less accurate when allowed every language (see README).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .taxonomy import DEFAULT_LANGUAGE, LANGUAGES

#: Below this confidence the configured default language is used instead.
MIN_CONFIDENCE = 0.5
#: Characters of the newest text looked at: plenty for four languages, and fast (400 took
#: 1.8 ms a text, 200 takes 0.2 ms, same accuracy on our test splits).
MAX_CHARS = 200
#: The first ``FIRST_CHARS`` are looked at first; only when the detector is less sure than
#: ``SURE`` of them does it read up to ``MAX_CHARS``. On every corpus message and its first
#: sentence (11,140 texts) this changed 1 decision (to the right language) and cut
#: the time taken from 0.26 to 0.15 ms a text (both settings timed in one process).
FIRST_CHARS = 80
SURE = 0.95


@dataclass(frozen=True)
class Detected:
    """A detected language and how sure the detector is (0–1)."""

    language: str
    confidence: float


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect(text: str, languages: tuple[str, ...] = LANGUAGES,
           default: str = DEFAULT_LANGUAGE, min_confidence: float = MIN_CONFIDENCE) -> Detected:
    """The language of ``text`` among ``languages``; ``default`` when unsure or empty.

    Examples
    --------
    >>> detect("Minu pakk on juba kaks nädalat hiljaks jäänud!").language
    'et'
    """
    sample = text.strip()[:MAX_CHARS]
    if len(languages) == 1 or not any(c.isalpha() for c in sample):
        return Detected(default if len(languages) > 1 else languages[0], 0.0)
    detector = _detector(tuple(languages))
    values = detector.compute_language_confidence_values(sample[:FIRST_CHARS])
    if len(sample) > FIRST_CHARS and (not values or values[0].value < SURE):
        values = detector.compute_language_confidence_values(sample)
    if not values:
        return Detected(default, 0.0)
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    if best.value < min_confidence:
        return Detected(default, round(best.value, 4))
    return Detected(code, round(best.value, 4))
