"""The workflow cache: step records, remembered checksums, outputs that were deleted or edited."""

from __future__ import annotations

import os

from habitatmap.io.atomic import staging_path
from habitatmap.workflow import cache as cache_mod
from habitatmap.workflow.cache import (
    RUN_FOLDER,
    Checksums,
    StepRecord,
    folder_files,
    output_entries,
    outputs_problem,
    read_record,
    record_path,
    write_record,
)


def _record(**kw) -> StepRecord:
    base = {"step": "composite:summer", "kind": "composite", "key": "k", "params": {"months": "6-8"},
            "inputs": {}, "deps": {"pull": "d"}, "version": "0"}
    return StepRecord(**{**base, **kw})


def test_record_round_trip_and_path(tmp_path):
    rec = _record(outputs={"x.tif": {"size": 1, "mtime_ns": 2, "sha256": "ab"}}, facts={"n": 3})
    p = write_record(tmp_path, rec)
    expected = tmp_path / RUN_FOLDER / "steps" / "composite--summer.json"
    assert p == record_path(tmp_path, "composite:summer") == expected
    assert read_record(tmp_path, "composite:summer") == rec
    assert read_record(tmp_path, "other") is None
    p.write_text("{not json")
    assert read_record(tmp_path, "composite:summer") is None  # unreadable: the step runs again


def test_digest_sees_output_checksums_only(tmp_path):
    a = _record(outputs={"x": {"size": 1, "mtime_ns": 2, "sha256": "ab"}})
    b = _record(outputs={"x": {"size": 1, "mtime_ns": 99, "sha256": "ab"}}, finished="later")
    c = _record(outputs={"x": {"size": 1, "mtime_ns": 2, "sha256": "cd"}})
    assert a.digest() == b.digest() != c.digest()


def test_checksums_are_remembered_by_size_and_time(tmp_path, monkeypatch):
    f = tmp_path / "f.bin"
    f.write_bytes(b"abc")
    calls = []
    from habitatmap.io import atomic

    real = atomic.sha256_file
    monkeypatch.setattr(atomic, "sha256_file", lambda p, **k: calls.append(p) or real(p))
    sums = Checksums(tmp_path)
    first = sums.file(f)
    assert sums.file(f) == first and len(calls) == 1
    sums.save()
    assert Checksums(tmp_path).file(f) == first and len(calls) == 1  # remembered across runs
    f.write_bytes(b"abcd")
    os.utime(f, ns=(1, 1))
    assert Checksums(tmp_path).file(f) != first and len(calls) == 2


def test_source_of_a_shapefile_and_of_a_folder(tmp_path):
    sums = Checksums(tmp_path)
    for ext in (".shp", ".dbf", ".prj"):
        (tmp_path / f"parks{ext}").write_bytes(ext.encode())
    (tmp_path / "parks.txt").write_text("not part of it")
    before = sums.source(tmp_path / "parks.shp")
    (tmp_path / "parks.dbf").write_bytes(b"other attributes")
    assert sums.source(tmp_path / "parks.shp") != before  # a sibling file counts
    cat = tmp_path / "stac"
    (cat / "items").mkdir(parents=True)
    (cat / "catalog.json").write_text("{}")
    (cat / "items" / "a.json").write_text("{}")
    one = sums.source(cat)
    (cat / "items" / "b.json").write_text("{}")
    assert sums.source(cat) != one and sums.source(tmp_path / "absent") is None


def test_outputs_and_their_problems(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "one.txt").write_text("1")
    staging_path(tmp_path / "d" / "two.txt")  # another run's file being written: not an output
    (tmp_path / "top.txt").write_text("t")
    assert [p.name for p in folder_files(tmp_path / "d")] == ["one.txt"]
    sums = Checksums(tmp_path)
    entries = output_entries(tmp_path, ["d", "top.txt"], sums)
    assert set(entries) >= {"d/one.txt", "top.txt"}
    rec = _record(outputs=entries)
    assert outputs_problem(tmp_path, rec, sums) is None
    os.utime(tmp_path / "top.txt", ns=(5, 5))  # touched, same bytes: still fine
    assert outputs_problem(tmp_path, rec, sums) is None
    (tmp_path / "top.txt").write_text("edited")
    edited = "changed: its output top.txt was modified after it was written"
    assert outputs_problem(tmp_path, rec, sums) == edited
    (tmp_path / "d" / "one.txt").unlink()
    assert outputs_problem(tmp_path, rec, sums) == "missing: its output d/one.txt was deleted"
    assert cache_mod.RUN_FOLDER == ".habitatmap"
