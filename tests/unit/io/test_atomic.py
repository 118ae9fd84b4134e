"""The one door out: atomic files, output folders that keep what they did not make, leftovers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from habitatmap.errors import OutputError
from habitatmap.io.atomic import (
    OutputFolder,
    atomic_path,
    check_output_dir,
    check_output_folder,
    clean_own_leftovers,
    is_own_leftover,
    is_staging,
    scratch_array,
    scratch_folder,
    sha256_file,
    staging_path,
    temporary_path,
    write_failure,
    write_json,
    write_text_atomic,
)
from habitatmap.provenance import Provenance


def test_atomic_path_keeps_old_file_when_writing_fails(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert dest.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_path_rejects_invalid_output(tmp_path):
    dest = tmp_path / "out.txt"

    def reject(p):
        raise OutputError(f"{p}: bad")

    with pytest.raises(OutputError), atomic_path(dest, validate=reject) as tmp:
        tmp.write_text("x")
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_a_full_disk_names_the_file_and_the_fix(tmp_path):
    dest = tmp_path / "big.bin"
    with pytest.raises(OutputError, match=r"big\.bin: writing failed because the disk is full \(.* free; No "
                                          r"space left on device\); free some disk space"), atomic_path(dest):
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_write_failure_says_disk_full_only_when_it_is(tmp_path, monkeypatch):
    import shutil

    err = write_failure(tmp_path / "x.tif", RuntimeError("TIFFAppendToStrip: Write error"))
    assert "check that the folder is writable" in str(err) and "x.tif" in str(err)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=1024))
    err = write_failure(tmp_path / "x.tif", RuntimeError("TIFFAppendToStrip: Write error"))
    assert "because the disk is full (1 KB free; TIFFAppendToStrip: Write error)" in str(err)


def test_scratch_array_reserves_its_blocks(tmp_path):
    import numpy as np

    arr = scratch_array(tmp_path / "a.npy", (100, 200), np.float32)
    arr[:] = 1.5
    arr.flush()
    assert os.stat(tmp_path / "a.npy").st_blocks * 512 >= 100 * 200 * 4  # allocated, not sparse
    assert np.load(tmp_path / "a.npy").sum() == 1.5 * 100 * 200


def test_staging_names_are_unique_per_process_and_hidden(tmp_path):
    dest = tmp_path / "habitat.tif"
    a, b = staging_path(dest), staging_path(dest)
    assert a != b and a.exists() and b.exists()
    for p in (a, b):
        assert p.name.startswith(f".habitat.tif.hm-{os.getpid()}-") and p.suffix == ".tif"
    assert staging_path(dest, ".part").suffix == ".part"


def test_write_text_and_json_atomically(tmp_path):
    assert write_text_atomic(tmp_path / "a.txt", "Тумэн 图们").read_text(encoding="utf-8") == "Тумэн 图们"
    doc = {"name": "豹", "n": 1}
    assert json.loads(write_json(tmp_path / "a.json", doc).read_text(encoding="utf-8")) == doc
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.txt"]


def test_temporary_path_is_removed_afterwards(tmp_path):
    with temporary_path(tmp_path / "x.tif", ".raw.tif") as p:
        p.write_text("scratch")
        assert p.parent == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_check_output_folder_says_what_is_wrong(tmp_path):
    check_output_folder(tmp_path / "fine.tif")
    with pytest.raises(OutputError, match=r"output folder .* does not exist; create it"):
        check_output_folder(tmp_path / "no" / "x.tif")
    (tmp_path / "dir.tif").mkdir()
    with pytest.raises(OutputError, match="is a folder, but a file is to be written there"):
        check_output_folder(tmp_path / "dir.tif")


def test_sha256_file(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(b"abc")
    assert sha256_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_our_leftovers_of_dead_processes_are_cleaned(tmp_path):
    dead = _dead_pid()
    ours_dead = tmp_path / f".scene.tif.hm-{dead}-abc12.stage.tif"
    ours_dead_dir = tmp_path / f".staging.hm-{dead}-x1y2"
    ours_alive = tmp_path / f".scene.tif.hm-{os.getpid()}-def34.tif"
    user_part = tmp_path / "download.tif.part"
    user_tmp = tmp_path / ".notes.tmp-1"
    for p in (ours_dead, ours_alive, user_part, user_tmp):
        p.write_text("x")
    ours_dead_dir.mkdir()
    assert is_own_leftover(ours_dead) and is_own_leftover(ours_dead_dir)
    assert not is_own_leftover(ours_alive) and not is_own_leftover(user_part)
    assert is_staging(ours_alive) and is_staging(ours_dead) and not is_staging(user_tmp)
    removed = clean_own_leftovers(tmp_path)
    assert sorted(p.name for p in removed) == sorted([ours_dead.name, ours_dead_dir.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [ours_alive.name, user_part.name, user_tmp.name])


def test_output_folder_keeps_unrelated_files_and_replaces_its_own(tmp_path):
    out = tmp_path / "corridors"
    out.mkdir()
    (out / "my_notes.txt").write_text("field notes")
    with OutputFolder(out, product="test.product") as f:
        (f.stage("a.csv")).write_text("1")
        (f.stage("b.csv")).write_text("1")
        f.set_record(Provenance("test.product"))
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv", "my_notes.txt", "provenance.json"]
    record = json.loads((out / "provenance.json").read_text())
    assert [o["path"] for o in record["outputs"]] == ["a.csv", "b.csv"]
    # A second run makes only a.csv: b.csv was this product's and goes; the notes stay.
    with OutputFolder(out, product="test.product") as f:
        (f.stage("a.csv")).write_text("2")
        f.set_record(Provenance("test.product"))
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "my_notes.txt", "provenance.json"]
    assert (out / "a.csv").read_text() == "2" and (out / "my_notes.txt").read_text() == "field notes"


def test_output_folder_of_another_product_removes_nothing_of_it(tmp_path):
    out = tmp_path / "o"
    with OutputFolder(out, product="one") as f:
        f.stage("x.csv").write_text("x")
        f.set_record(Provenance("one"))
    with OutputFolder(out, product="two") as f:
        f.stage("y.csv").write_text("y")
    assert sorted(p.name for p in out.iterdir()) == ["provenance.json", "x.csv", "y.csv"]


def test_output_folder_failure_leaves_the_folder_as_it_was(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "a.csv").write_text("old")
    with pytest.raises(RuntimeError), OutputFolder(out, product="p") as f:
        f.stage("a.csv").write_text("new")
        raise RuntimeError("solver failed")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv"] and (out / "a.csv").read_text() == "old"


def test_output_folder_refuses_a_file_in_the_way_and_a_file_as_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, but an output folder"), \
            OutputFolder(tmp_path / "file", product="p"):
        pass
    out = tmp_path / "o"
    (out / "maps").mkdir(parents=True)
    with pytest.raises(OutputError, match="in the way of the product maps"), \
            OutputFolder(out, product="p") as f:
        f.stage("maps").write_text("a file where a folder is")
    assert (out / "maps").is_dir()


def test_output_folder_is_locked_while_a_run_writes(tmp_path):
    out = tmp_path / "o"
    with OutputFolder(out, product="p"), \
            pytest.raises(OutputError, match="another habitatmap run is writing into this folder"), \
            OutputFolder(out, product="p"):
        pass
    with OutputFolder(out, product="p"):  # released
        pass


def test_stage_takes_plain_names_only(tmp_path):
    with OutputFolder(tmp_path / "o", product="p") as f:
        for bad in ("../x", "sub/x", ".hidden"):
            with pytest.raises(ValueError):
                f.stage(bad)


def test_scratch_folder_is_removed(tmp_path):
    with scratch_folder(tmp_path) as s:
        (s / "a.npy").write_bytes(b"1")
        assert s.parent == tmp_path and is_own_leftover(s) is False
    assert list(tmp_path.iterdir()) == []


def test_sigterm_mid_write_leaves_no_staging_file(tmp_path):
    """A batch scheduler's SIGTERM cleans up as Ctrl-C does (it used to leave staging files)."""
    script = textwrap.dedent(f"""
        import sys, time
        from habitatmap.io.atomic import atomic_path
        from habitatmap.parallel import raise_on_sigterm
        raise_on_sigterm()
        with atomic_path({str(tmp_path / 'out.bin')!r}) as tmp:
            tmp.write_bytes(b"partial")
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert len(list(tmp_path.iterdir())) == 1  # the staging file exists while writing
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "Terminated" in err
    time.sleep(0.1)
    assert list(tmp_path.iterdir()) == []


def test_check_output_dir(tmp_path, monkeypatch):
    check_output_dir(tmp_path / "new" / "deeper")  # may be created
    check_output_dir(tmp_path)  # exists
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file, but an output folder"):
        check_output_dir(tmp_path / "f")
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as an unprivileged user would see it
    with pytest.raises(OutputError, match=r"cannot create it in .* \(permission denied\)"):
        check_output_dir(tmp_path / "new")
    with pytest.raises(OutputError, match="cannot write in it"):
        check_output_dir(tmp_path)
