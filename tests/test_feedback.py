from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from assistant.errors import DataError
from assistant.feedback import FeedbackStore


def _save_many(path: str, worker: int, count: int) -> None:
    store = FeedbackStore(path)
    for i in range(count):
        store.save(message=f"message {worker}-{i}", final_label="not_arrived",
                   predicted_label="other", confidence=0.4, order_id=str(i), reply="Dear…")


def test_save_and_export(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    first = store.save(message="parcel came empty", final_label="empty_package",
                       predicted_label="missing_item", confidence=0.51, order_id="1043",
                       reply="Hello", language="en", agent="Mia")
    store.save(message="parcel came empty", final_label="missing_item")  # corrected later
    assert first == 1 and store.count() == 2
    row = store.frame().iloc[0]
    assert (row["message"], row["predicted_label"], row["final_label"], row["order_id"]) == (
        "parcel came empty", "missing_item", "empty_package", "1043")
    assert row["created"].endswith("+00:00")
    assert store.labelled().values.tolist() == [["parcel came empty", "missing_item"]]
    assert store.export_csv(tmp_path / "out.csv") == 1
    assert pd.read_csv(tmp_path / "out.csv").columns.tolist() == ["text", "label"]


def test_wal_mode(tmp_path):
    import sqlite3

    FeedbackStore(tmp_path / "f.sqlite3")
    with sqlite3.connect(tmp_path / "f.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("kwargs,match", [({"message": " ", "final_label": "x"}, "empty"),
                                          ({"message": "hi", "final_label": ""}, "scenario")])
def test_refuses_incomplete_rows(tmp_path, kwargs, match):
    with pytest.raises(DataError, match=match):
        FeedbackStore(tmp_path / "f.sqlite3").save(**kwargs)


def test_bad_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match="cannot open the feedback database"):
        FeedbackStore(blocker / "f.sqlite3")


def test_many_threads_lose_nothing(tmp_path):
    path = str(tmp_path / "f.sqlite3")
    FeedbackStore(path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda w: _save_many(path, w, 25), range(8)))
    frame = FeedbackStore(path).frame()
    assert len(frame) == 200 and frame["message"].nunique() == 200


def test_many_processes_lose_nothing(tmp_path):
    path = str(tmp_path / "f.sqlite3")
    FeedbackStore(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_many, args=(path, w, 30)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert FeedbackStore(path).count() == 120
