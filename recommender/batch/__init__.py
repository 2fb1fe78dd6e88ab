"""Batch: the single-e-mail path applied to a whole export, in streamed chunks.

Every input message yields exactly one output row, in input order: a suggestion, or an error
row saying what went wrong. Chunks are processed by :meth:`Recommender.suggest_many`; when a
chunk fails, its messages are retried one by one so one bad message costs only its own row.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from ..recommender import Recommender
from .read import Columns, Item, read_items, row_item
from .summary import Summary
from .write import COLUMNS, Writer, error_row, row_of

__all__ = ["Columns", "Summary", "process", "run", "run_dask", "suggest_frame", "suggest_dask"]

#: Messages per chunk: large enough to vectorise the tagger, small enough to keep memory flat.
CHUNK_SIZE = 256


def process(rec: Recommender, items: list[Item]) -> list[dict[str, Any]]:
    """Output rows of one chunk, in order (errors isolated to their own row)."""
    rows: list[dict[str, Any] | None] = [None] * len(items)
    todo = [i for i, item in enumerate(items) if item.error is None]
    for i, item in enumerate(items):
        if item.error is not None:
            rows[i] = error_row(item)
    try:
        done = rec.suggest_many([items[i].message for i in todo],
                                [items[i].context for i in todo])
    except Exception:  # find the culprit(s): retry one by one
        done = None
    for n, i in enumerate(todo):
        item = items[i]
        try:
            s = done[n] if done is not None else rec.suggest(item.message, item.context)
            rows[i] = row_of(item, s)
        except Exception as exc:  # any failure of one message becomes its error row
            item.error = f"{type(exc).__name__}: {exc}"
            item.error_kind = getattr(exc, "kind", None) or type(exc).__name__
            rows[i] = error_row(item)
    return rows  # type: ignore[return-value]


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- parallel workers: each loads the model once ----------------------------------------------
_WORKER_REC: Recommender | None = None


def _init_worker(model: str | None, config: Any, rules: str | None) -> None:
    global _WORKER_REC
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _WORKER_REC = Recommender.load(model, config=config, rules=rules)


def _work(items: list[Item]) -> list[dict[str, Any]]:
    assert _WORKER_REC is not None
    return process(_WORKER_REC, items)


def _ordered_parallel(chunks: Iterator[list[Item]], jobs: int, init_args: tuple
                      ) -> Iterator[tuple[list[Item], list[dict[str, Any]]]]:
    """Process chunks in worker processes, yielding results in input order with a bounded
    number of chunks in flight (memory stays flat whatever the export size)."""
    # Each worker tokenises on one core (the pretrained vectors' tokenizer would otherwise
    # start a thread per core in every worker, and warn when forked after using them).
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=init_args) as pool:
        pending: list = []
        for chunk in chunks:
            pending.append((chunk, pool.submit(_work, chunk)))
            if len(pending) >= 2 * jobs:
                done_chunk, future = pending.pop(0)
                yield done_chunk, future.result()
        for done_chunk, future in pending:
            yield done_chunk, future.result()


def run(source: str | Path, output: str | Path, *, model: str | None = None,
        config: Any = None, rules: str | None = None, jobs: int = 1, fmt: str | None = None,
        columns: Columns | None = None, chunk_size: int = CHUNK_SIZE,
        progress: bool | None = None, pattern: str = "*.eml") -> Summary:
    """Suggest replies for every message of ``source`` and write one row each to ``output``.

    Parameters
    ----------
    source : mbox file, folder of ``.eml`` files, or a CSV / JSON Lines / Parquet table
    output : ``.csv``, ``.jsonl`` or ``.parquet`` path
    model, config, rules : as for :meth:`Recommender.load`
    jobs : worker processes (1 = in this process)
    fmt : input format when the path does not tell
    columns : table column roles and context mapping (detected when ``None``)
    progress : show a progress bar (default: only when stderr is a terminal)

    Returns
    -------
    Summary of the run (counts, needs-a-human, errors, incidents).
    """
    from tqdm import tqdm

    summary = Summary()
    items = read_items(source, fmt, columns, pattern,
                       resolved=lambda found: setattr(summary, "columns", found.describe()))
    chunks = _chunks(items, chunk_size)
    if jobs > 1:
        results = _ordered_parallel(chunks, jobs, (model, config, rules))
    else:
        rec = Recommender.load(model, config=config, rules=rules)
        results = ((chunk, process(rec, chunk)) for chunk in chunks)
    show = sys.stderr.isatty() if progress is None else progress
    with Writer(output) as writer, tqdm(unit=" msg", disable=not show, file=sys.stderr,
                                        desc="messages") as bar:
        for chunk, rows in results:
            writer.write(rows)
            for item, row in zip(chunk, rows):
                summary.add(row, item.date)
            bar.update(len(chunk))
    return summary


def suggest_frame(df: pd.DataFrame, rec: Recommender | None = None,
                  columns: Columns | None = None) -> pd.DataFrame:
    """Suggestions for every row of ``df``, as a DataFrame with the batch output columns.

    Column roles are detected from the names (``text``/``body``…, ``subject``, ``from``,
    ``id``) unless given in ``columns``; context columns (``order_id``, ``order_date``, …)
    flow into the templates. The result has ``df``'s index and one row per input row.

    Examples
    --------
    >>> out = suggest_frame(pd.DataFrame({"text": ["my parcel is late", ""]}))
    >>> list(out["template"]), list(out["error_kind"])
    (['delivery_delay', ''], ['', 'empty'])
    """
    rec = rec or Recommender.load()
    cols = (columns or Columns()).resolve([str(c) for c in df.columns])
    records = df.to_dict("records")
    rows: list[dict[str, Any]] = []
    for chunk in _chunks((row_item(i, r, cols) for i, r in enumerate(records)), CHUNK_SIZE):
        rows += process(rec, chunk)
    return pd.DataFrame(rows, columns=list(COLUMNS), index=df.index)


# -- dask ----------------------------------------------------------------------------------
_DASK_RECS: dict[tuple, Recommender] = {}


def _frame_partition(part: pd.DataFrame, model: str | None, config: Any,
                     columns: Columns | None) -> pd.DataFrame:
    key = (model, repr(config))
    if key not in _DASK_RECS:  # one model per worker process
        _DASK_RECS[key] = Recommender.load(model, config=config)
    return suggest_frame(part, _DASK_RECS[key], columns)


def suggest_dask(ddf, model: str | None = None, config: Any = None,
                 columns: Columns | None = None):
    """:func:`suggest_frame` mapped over the partitions of a Dask DataFrame (lazy)."""
    meta = pd.DataFrame({c: pd.Series(dtype="float64" if c == "anger" else "object")
                         for c in COLUMNS})
    return ddf.map_partitions(_frame_partition, model, config, columns, meta=meta)


def run_dask(source: str | Path, output: str | Path, *, model: str | None = None,
             config: Any = None, jobs: int = 2, fmt: str | None = None,
             columns: Columns | None = None, scheduler: str | None = None) -> Summary:
    """:func:`run` for a CSV / JSON Lines / Parquet table on Dask: a local cluster of ``jobs``
    workers, or the scheduler at ``scheduler``; output written a partition at a time."""
    from ..errors import RecommenderError
    from .read import csv_dialect, detect_format, text_encoding
    from .write import Writer

    try:
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise RecommenderError("the dask engine needs dask: pip install 'recommender[dask]'"
                               ) from None
    fmt = fmt or detect_format(source)

    def read_csv(path: str):
        encoding = text_encoding(Path(path))
        return dd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding,
                           sep=csv_dialect(Path(path), encoding).delimiter)

    readers = {"csv": read_csv,
               "parquet": dd.read_parquet, "jsonl": lambda p: dd.read_json(p, lines=True)}
    if fmt not in readers:
        raise RecommenderError(f"the dask engine reads csv, jsonl or parquet tables, not {fmt}; "
                               "use --engine local for mail files")
    cluster = None if scheduler else LocalCluster(n_workers=jobs, threads_per_worker=1)
    table = readers[fmt](str(source))
    summary = Summary(columns=(columns or Columns()).resolve([str(c) for c in table.columns])
                      .describe())
    try:
        with Client(scheduler or cluster):
            out = suggest_dask(table, model, config, columns).persist()
            with Writer(output) as writer:  # one partition at a time, in input order
                for i in range(out.npartitions):
                    rows = out.partitions[i].compute().to_dict("records")
                    writer.write(rows)
                    for row in rows:
                        summary.add(row)
    finally:
        if cluster is not None:
            cluster.close()
    return summary
