"""What the Estonian, Latvian and Slovenian taggers' blend costs, against the shared tagger alone.

    python benchmarks/blend_cost.py            # each language's test split, 15 rounds

Since stop 24 each of et, lv and sl blends the shared tagger with a tagger of its own
(``recommender.tag.Blend``). In one process, on the same messages, this prints for each language
the messages per second of the whole suggestion path (``Recommender.suggest_many``) with the
blend and with the shared tagger alone (its thresholds for that language, as shipped before),
the ratio between the two, and the peak memory after loading and after the runs.
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

from recommender import Recommender, corpus
from recommender.parse import parse


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def rates(recs: list[Recommender], texts: list[str], lang: str, rounds: int) -> list[float]:
    """Messages per second of each recommender, best of ``rounds``; the recommenders take
    turns within each round, so that a busy moment of the machine hits both alike."""
    contexts = [{"language": lang}] * len(texts)
    best = [float("inf")] * len(recs)
    for _ in range(rounds):
        for i, rec in enumerate(recs):
            start = time.perf_counter()
            rec.suggest_many(texts, contexts)
            best[i] = min(best[i], time.perf_counter() - start)
    return [len(texts) / b for b in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    before = peak_rss_mb()
    start = time.perf_counter()
    blended = Recommender.load()
    load_s = time.perf_counter() - start
    loaded = peak_rss_mb()
    alone = Recommender({lang: replace(m, tagger=getattr(m.tagger, "shared", m.tagger))
                         for lang, m in blended.models.items()}, blended.config)
    print(f"model loaded in {load_s:.1f} s; peak RSS {before:.0f} -> {loaded:.0f} MB")
    own = sum(1 for m in blended.models.values() if hasattr(m.tagger, "own"))
    print(f"{own} languages blend the shared tagger with their own\n")
    print(f"{'lang':5} {'messages':>8} {'shared alone /s':>16} {'blend /s':>9} {'ratio':>6}")
    for lang in ("et", "lv", "sl"):
        texts = [parse(corpus.text_of(r)).full_text for r in corpus.load(lang, "test")]
        base, new = rates([alone, blended], texts, lang, args.rounds)
        print(f"{lang:5} {len(texts):8d} {base:16.0f} {new:9.0f} {new / base:6.2f}")
    # each blend keeps a counter over both of its taggers' n-grams, built at its first use
    print(f"\npeak RSS after both runs of all three languages: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
