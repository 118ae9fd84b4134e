"""One writer per output folder: an advisory lock held for the whole run.

On POSIX systems the lock is ``flock`` on the folder itself, so no lock file is left behind and a
crashed run's lock is released by the operating system. Elsewhere a ``.habitatmap.lock`` file made
with exclusive creation stands in, with the owner's PID so a dead owner's lock can be taken over.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from habitatmap.errors import OutputError

__all__ = ["FolderLock"]

_LOCK_FILE = ".habitatmap.lock"


class FolderLock:
    """An exclusive lock on an output folder.

    Parameters
    ----------
    folder
        The folder (it must exist).
    wait
        Block until the lock is free instead of refusing at once.
    timeout
        With ``wait``: give up after this many seconds.
    """

    def __init__(self, folder: str | os.PathLike[str], *, wait: bool = False, timeout: float = 3600.0):
        self.folder = Path(folder)
        self.wait = wait
        self.timeout = timeout
        self._fd: int | None = None
        self._file: Path | None = None

    def _busy(self) -> OutputError:
        return OutputError(f"{self.folder}: another habitatmap run is writing into this folder; wait "
                           "for it to finish, or choose another output folder.")

    def acquire(self) -> None:
        """Take the lock, or raise :class:`OutputError` naming the folder."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            self._acquire_file()
            return
        fd = os.open(self.folder, os.O_RDONLY)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not self.wait or time.monotonic() > deadline:
                    os.close(fd)
                    raise self._busy() from None
                time.sleep(0.2)
        self._fd = fd

    def _acquire_file(self) -> None:  # pragma: no cover - exercised on Windows only
        path = self.folder / _LOCK_FILE
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                self._file = path
                return
            except FileExistsError:
                try:
                    os.kill(int(path.read_text()), 0)
                    owner_alive = True
                except (OSError, ValueError):
                    owner_alive = False
                if not owner_alive:
                    path.unlink(missing_ok=True)  # its owner is gone: take it over
                    continue
                if not self.wait or time.monotonic() > deadline:
                    raise self._busy() from None
                time.sleep(0.2)

    def release(self) -> None:
        """Release the lock (safe to call twice)."""
        if self._fd is not None:
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._file is not None:
            self._file.unlink(missing_ok=True)
            self._file = None

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
