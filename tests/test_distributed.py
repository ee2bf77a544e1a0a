"""The Dask engine gives the same rows as the local engine, on a real 2-worker cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from assistant.batch import run_batch
from assistant.distributed import run_dask
from assistant.errors import DataError


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    test = pd.read_csv("data/test.csv", dtype=str, keep_default_na=False)
    big = pd.concat([test] * 6, ignore_index=True)
    big["text"] = big["text"] + " (ref " + big.index.astype(str) + ")"
    big.loc[::97, "text"] = ""
    big.loc[5, "text"] = "=cmd|' /C calc'!A0 my parcel is empty"
    big.insert(0, "row_id", big.index.astype(str))
    for i in range(3):
        big.iloc[i::3].to_csv(folder / f"part{i}.csv", index=False)
    return folder, len(big)


def test_dask_matches_local(partitioned, tmp_path, default_model):
    folder, rows = partitioned
    summary = run_dask([str(folder)], str(tmp_path / "out"), model=default_model, workers=2)
    local = run_batch([str(folder)], str(tmp_path / "local.parquet"), model=default_model,
                      jobs=1)
    assert summary.rows == local.rows == rows
    assert summary.counts == local.counts
    assert summary.needs_review == local.needs_review
    got = pd.read_parquet(tmp_path / "out").sort_values("row_id").reset_index(drop=True)
    want = pd.read_parquet(tmp_path / "local.parquet").sort_values("row_id").reset_index(
        drop=True)
    assert got.columns.tolist() == want.columns.tolist()
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert not list(tmp_path.glob(".out.*"))


def test_dask_csv_parts_are_formula_safe(partitioned, tmp_path, default_model):
    folder, rows = partitioned
    run_dask([str(folder / "part*.csv")], str(tmp_path / "out.csv"), model=default_model,
             workers=2)
    parts = sorted((tmp_path / "out.csv").glob("part-*.csv"))
    frame = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts])
    assert len(frame) == rows
    assert "'=cmd|' /C calc'!A0 my parcel is empty" in frame["label_original"].tolist() + \
        frame["text"].tolist()


def test_dask_refuses_existing_output(partitioned, tmp_path, default_model):
    folder, _ = partitioned
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("precious")
    with pytest.raises(DataError, match="already exists"):
        run_dask([str(folder)], str(tmp_path / "out"), model=default_model, workers=1)
    assert (tmp_path / "out" / "keep.txt").read_text() == "precious"
