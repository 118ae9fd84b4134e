"""One writer per output folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from habitatmap.errors import OutputError
from habitatmap.io.lock import FolderLock


def test_a_second_lock_is_refused_with_one_sentence(tmp_path):
    with FolderLock(tmp_path), pytest.raises(OutputError, match=rf"{tmp_path.name}: another habitatmap run "
                                                                "is writing into this folder; wait for it"):
        FolderLock(tmp_path).acquire()
    assert list(tmp_path.iterdir()) == []  # no lock file left behind


def test_a_lock_held_by_another_process_is_refused(tmp_path):
    script = textwrap.dedent(f"""
        import time
        from habitatmap.io.lock import FolderLock
        with FolderLock({str(tmp_path)!r}):
            print("held", flush=True)
            time.sleep(30)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match="another habitatmap run"):
            FolderLock(tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait()
    with FolderLock(tmp_path):  # the dead process's lock went with it
        pass


def test_wait_takes_the_lock_once_it_is_free(tmp_path):
    first = FolderLock(tmp_path)
    first.acquire()
    threading.Timer(0.5, first.release).start()
    t0 = time.monotonic()
    with FolderLock(tmp_path, wait=True, timeout=10):
        assert time.monotonic() - t0 >= 0.4


def test_release_twice_is_harmless(tmp_path):
    lock = FolderLock(tmp_path)
    lock.acquire()
    lock.release()
    lock.release()
