"""Benchmark the batch end to end against VADER on the same messages, in the same process.

    python benchmarks/batch_throughput.py                # 100,000 messages, 2 jobs
    python benchmarks/batch_throughput.py --size 1000000 # memory must not grow with size

It writes a synthetic mbox export (bodies of our own corpus, varied and dressed as mail),
runs `recommender.batch.run` on it, and prints messages per second, peak RSS of the main
process and of the largest worker, and the throughput of VADER's `polarity_scores` alone on the
same message texts (single process) with the ratio between the two.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

from recommender import corpus
from recommender.batch import run
from recommender.batch.read import read_items
from recommender.config import load_config
from recommender.parse import parse

GREETINGS = ["", "Hi,\n\n", "Hello team,\n\n", "Dear Sir or Madam,\n\n", "hey\n"]
CLOSINGS = ["", "\n\nThanks,\nAlex", "\n\nRegards,\nMaria Tamm", "\n\nSent from my phone"]


def write_export(path: Path, size: int, seed: int = 0) -> None:
    """An mbox of ``size`` messages built from corpus bodies with random framing."""
    rng = random.Random(seed)
    bodies = [r["body"] for r in corpus.load("en")]
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with open(path, "wb") as fh:
        for n in range(size):
            msg = EmailMessage()
            msg["From"] = f"customer{n}@example.net"
            msg["Subject"] = f"Ticket {n}"
            msg["Date"] = format_datetime(start + timedelta(seconds=37 * n))
            msg["Message-ID"] = f"<bench{n}@example.net>"
            body = rng.choice(GREETINGS) + rng.choice(bodies) + rng.choice(CLOSINGS)
            msg.set_content(body, cte="quoted-printable" if n % 5 == 0 else "8bit")
            fh.write(b"From bench@example.net Sun Nov  1 00:00:00 2026\n")
            fh.write(msg.as_bytes().replace(b"\nFrom ", b"\n>From ") + b"\n")


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def vader_rate(path: Path, limit: int) -> tuple[float, int]:
    """VADER polarity_scores on the same messages' texts (parsing not timed)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    texts = []
    for item in read_items(path):
        texts.append(parse(item.message).full_text)
        if len(texts) >= limit:
            break
    start = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return len(texts) / (time.perf_counter() - start), len(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--vader-sample", type=int, default=20_000,
                        help="messages of the same export timed with VADER")
    parser.add_argument("--without-vectors", action="store_true",
                        help="run English without the pretrained word vectors (word_vectors: "
                             "false), as where wordllama is not installed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        export, out = Path(tmp) / "export.mbox", Path(tmp) / "out.csv"
        write_export(export, args.size)
        size_mb = export.stat().st_size / 2**20
        start = time.perf_counter()
        config = load_config(word_vectors=False) if args.without_vectors else None
        summary = run(export, out, config=config, jobs=args.jobs, progress=False)
        elapsed = time.perf_counter() - start
        rate = summary.rows / elapsed
        vader, n_vader = vader_rate(export, args.vader_sample)
    print(f"messages:            {summary.rows:,} ({size_mb:,.0f} MB mbox), errors "
          f"{sum(summary.errors.values())}")
    print(f"recommender batch:   {rate:,.0f} messages/s end to end with {args.jobs} jobs "
          f"({elapsed:,.1f} s: read, parse, tag, grade, rules, render, write; English word "
          f"vectors {'off' if args.without_vectors else 'on'})")
    print(f"VADER baseline:      {vader:,.0f} messages/s (polarity_scores only, 1 process, "
          f"first {n_vader:,} messages)")
    print(f"ratio:               {rate / vader:.2f} x VADER")
    print(f"peak RSS:            main {peak_rss_mb(resource.RUSAGE_SELF):,.0f} MB, largest "
          f"worker {peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
