"""The Dask engine for batch classification: partitioned inputs, a cluster of workers.

Same results as the local engine (each partition goes through the same ``Classifier``); the
model is scattered to the workers once. With no scheduler address a local ``distributed``
cluster is started for the run.

>>> run_dask(["s3://bucket/exports/*.parquet"], "out/", model=model,
...          scheduler="tcp://10.0.0.5:8786")                      # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .atomic import write_table_csv
from .batch import BatchSummary, Classifier, rename_clashes
from .errors import DataError
from .model import Model
from .optional import require
from .tables import TEXT_COLUMNS, find_column


def _process_partition(frame: pd.DataFrame, model: Model, column: str, folder: str,
                       as_csv: bool, partition_info: dict | None = None) -> pd.DataFrame:
    """Classify one partition, write it as one part file, return its label tally."""
    results = Classifier(model, jobs=1).results(frame[column]).set_axis(frame.index)
    out = pd.concat([frame, results], axis=1)
    number = (partition_info or {}).get("number", 0)
    if as_csv:
        with open(Path(folder) / f"part-{number:05d}.csv", "w", encoding="utf-8",
                  newline="") as fh:
            write_table_csv(out, fh)
    else:
        out.to_parquet(Path(folder) / f"part-{number:05d}.parquet", index=False)
    grouped = results.groupby("label")["needs_review"]
    return pd.DataFrame({"rows": grouped.size(), "review": grouped.sum().astype("int64")})


def _read(inputs: Sequence[str], blocksize: str):
    dd = require("dask.dataframe", "dask", "--engine dask")

    kinds = {Path(str(p).split("?")[0]).suffix.lower() for p in inputs}
    paths = [os.path.join(p, "*") if _is_dir(p) else p for p in inputs]
    if kinds <= {".parquet"} or all(_is_dir(p) and _has(p, ".parquet") for p in inputs):
        return dd.read_parquet(paths if len(paths) > 1 else paths[0])
    if kinds <= {".csv", ".tsv"} or all(_is_dir(p) for p in inputs):
        sep = "\t" if kinds == {".tsv"} else ","
        if any(_is_dir(p) for p in inputs):
            paths = [os.path.join(p, "*.csv") if _is_dir(p) else p for p in inputs]
        return dd.read_csv(paths, sep=sep, dtype=str, keep_default_na=False, na_values=[],
                           blocksize=blocksize, on_bad_lines="skip", encoding="utf-8-sig")
    raise DataError("the dask engine reads CSV, TSV or Parquet (files, folders, globs or "
                    "fsspec URLs); convert other inputs or use the local engine")


def _is_dir(path: str) -> bool:
    return "://" not in path and Path(path).is_dir()


def _has(path: str, suffix: str) -> bool:
    return any(p.suffix == suffix for p in Path(path).iterdir())


def run_dask(inputs: Sequence[str], output: str, *, model: Model,
             text_column: str | None = None, scheduler: str | None = None,
             workers: int | None = None, blocksize: str = "32MB",
             notes: list[str] | None = None) -> BatchSummary:
    """Classify partitioned inputs on a Dask cluster into a folder of Parquet or CSV parts.

    ``output`` is a folder; parts are CSV when it ends in ``.csv``, else Parquet. It is
    written beside itself under a temporary name and renamed when every part is done.
    Malformed CSV rows are skipped by the readers (use the local engine to list them).
    """
    dist = require("dask.distributed", "dask", "--engine dask")
    notes = notes if notes is not None else []
    target = Path(output)
    as_csv = target.suffix.lower() == ".csv"
    if "://" in output:
        raise DataError("write the dask engine's output to a local or mounted folder")
    if target.is_file() or (target.is_dir() and any(target.iterdir())):
        raise DataError(f"{output} already exists; choose a new output folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    client, cluster = _connect(dist, scheduler, workers)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial"))
    try:
        totals = _classify(client, inputs, model, text_column=text_column, blocksize=blocksize,
                           folder=tmp, as_csv=as_csv, notes=notes)
        if target.exists():
            target.rmdir()
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary = BatchSummary(output=str(target),
                           counts=Counter({k: int(v) for k, v in totals["rows"].items()}),
                           needs_review=int(totals["review"].sum()))
    summary.rows = int(totals["rows"].sum())
    summary.seconds = time.perf_counter() - start
    return summary


def _connect(dist, scheduler: str | None, workers: int | None):
    """(client, local cluster or None): the scheduler at ``scheduler``, else a local cluster
    of ``workers`` processes (one per core by default) started for the run."""
    if scheduler:
        try:
            return dist.Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; check the "
                            "address (tcp://HOST:8786) and that the scheduler runs") from None
    cluster = dist.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                processes=True, dashboard_address=None)
    return dist.Client(cluster), cluster


def _classify(client, inputs: Sequence[str], model: Model, *, text_column: str | None,
              blocksize: str, folder: Path, as_csv: bool, notes: list[str]) -> pd.DataFrame:
    """Classify every partition into a part file in ``folder``; the rows and reviews per label."""
    frame = _read(list(inputs), blocksize)
    column = find_column(frame.columns, text_column, TEXT_COLUMNS, role="text",
                         path=", ".join(inputs))
    renames = rename_clashes(frame.columns, notes)
    frame = frame.rename(columns=renames)
    column = renames.get(column, column)
    [model_future] = client.scatter([model], broadcast=True)
    meta = pd.DataFrame({"rows": pd.Series(dtype="int64"),
                         "review": pd.Series(dtype="int64")})
    tallies = frame.map_partitions(_process_partition, model_future, column, str(folder),
                                   as_csv, meta=meta).compute()
    return tallies.groupby(level=0).sum()
