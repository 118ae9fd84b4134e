"""The one door out: atomic files, staged output folders, locks and clean-up of our own leftovers.

Every product is written to a temporary name in its destination folder and renamed into place only
when it is complete and valid, so an interrupted run never leaves a half-written output behind.
Temporary names are unique per process and carry its PID (``.habitat.tif.hm-4711-k2x9a.tif``), so
two runs never share one, and a later run removes only leftovers whose process has died. Nothing
else in a folder is ever deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from habitatmap.errors import OutputError

__all__ = [
    "OutputFolder",
    "atomic_path",
    "check_output_dir",
    "check_output_folder",
    "clean_own_leftovers",
    "is_own_leftover",
    "is_staging",
    "scratch_array",
    "scratch_folder",
    "sha256_file",
    "staging_path",
    "temporary_path",
    "write_failure",
    "write_json",
    "write_text_atomic",
]

_TAG = "hm"
_LEFTOVER = re.compile(rf"^\.(?P<name>.+)\.{_TAG}-(?P<pid>\d+)-[A-Za-z0-9_]+(?P<suffix>\..*)?$")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; outputs get the usual permissions instead.
_FILE_MODE = 0o666 & ~_current_umask()


def check_output_dir(path: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` unless ``path`` is, or can be created as, a writable folder
    (before long work whose results go there)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file, but an output folder is to be written there; "
                          "choose a folder name.")
    here = path if path.exists() else next((p for p in path.parents if p.exists()), Path("."))
    if not os.access(here, os.W_OK):
        where = "write in it" if here == path else f"create it in {here}"
        raise OutputError(f"{path}: cannot {where} (permission denied); choose a writable folder.")


def check_output_folder(dest: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` unless ``dest``'s folder exists and is writable."""
    dest = Path(dest)
    if not dest.parent.is_dir():
        raise OutputError(
            f"{dest}: the output folder {dest.parent} does not exist; create it or choose another path."
        )
    if not os.access(dest.parent, os.W_OK):
        raise OutputError(f"{dest}: cannot create files in {dest.parent} (permission denied); "
                          "choose a writable folder.")
    if dest.is_dir():
        raise OutputError(f"{dest}: is a folder, but a file is to be written there; give a file name.")


def _prefix(dest: Path) -> str:
    return f".{dest.name}.{_TAG}-{os.getpid()}-"


def staging_path(dest: str | os.PathLike[str], suffix: str | None = None) -> Path:
    """A new, unique, empty file beside ``dest`` for writing it (created, so the name is taken).

    The name starts with a dot, carries this process's PID, and ends with ``suffix`` (default:
    ``dest``'s own, so format detection by extension still works).
    """
    dest = Path(dest)
    check_output_folder(dest)
    try:
        fd, name = tempfile.mkstemp(prefix=_prefix(dest), suffix=dest.suffix if suffix is None else suffix,
                                    dir=dest.parent)
    except OSError as err:
        raise OutputError(f"{dest}: cannot create files in {dest.parent} ({err.strerror}); "
                          "choose a writable folder or free some disk space.") from None
    os.close(fd)
    return Path(name)


#: Free space below which a failed write is reported as a full disk.
FULL_DISK_BYTES = 4 * 1024 * 1024


def write_failure(dest: str | os.PathLike[str], err: BaseException) -> OutputError:
    """One sentence for a failed write of ``dest``: says when the disk is full (GDAL and SQLite
    report a full disk as a write error of their own, not as ENOSPC), else why writing failed.
    """
    from habitatmap.errors import reason

    dest = Path(dest)
    free = None
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(dest.parent if dest.parent.exists() else Path.cwd()).free
    errno = getattr(err, "errno", None)
    if errno in (28, 122) or (free is not None and free < FULL_DISK_BYTES):
        left = f"{free / 1024:.0f} KB free" if free is not None else "no space left"
        return OutputError(f"{dest}: writing failed because the disk is full ({left}; {reason(err)}); free "
                           "some disk space or choose another folder, then run the command again.")
    return OutputError(f"{dest}: writing failed ({reason(err)}); check that the folder is writable and "
                       "has free space, then run the command again.")


@contextlib.contextmanager
def atomic_path(
    dest: str | os.PathLike[str],
    *,
    validate: Callable[[Path], None] | None = None,
) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it into place when the block succeeds.

    Parameters
    ----------
    dest
        Final path of the output.
    validate
        Optional check run on the temporary file before the rename; it raises to reject the file.

    Yields
    ------
    pathlib.Path
        The temporary path to write to (same folder, so the final rename is atomic).

    Raises
    ------
    OutputError
        When the folder is missing or read-only, or the disk fills up while writing.
    """
    dest = Path(dest)
    tmp = staging_path(dest)
    try:
        try:
            yield tmp
        except OSError as err:
            if err.errno in (28, 122, 27):  # ENOSPC, EDQUOT, EFBIG: name the file, not the errno
                raise write_failure(dest, err) from None
            raise
        if validate is not None:
            validate(tmp)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text_atomic(dest: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text to ``dest`` atomically and return the path."""
    dest = Path(dest)
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return dest


def write_json(dest: str | os.PathLike[str], doc: Any) -> Path:
    """Write ``doc`` as indented UTF-8 JSON to ``dest`` atomically and return the path."""
    return write_text_atomic(dest, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


@contextlib.contextmanager
def temporary_path(dest: str | os.PathLike[str], suffix: str) -> Iterator[Path]:
    """A scratch file name beside ``dest`` (same disk), deleted when the ``with`` block ends."""
    path = staging_path(dest, suffix)
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def scratch_folder(parent: str | os.PathLike[str]) -> Iterator[Path]:
    """A new scratch folder inside ``parent`` (a unique name of this process), deleted afterwards.

    For intermediate arrays of one run (e.g. memory-mapped distance grids) on the output's disk.
    """
    parent = Path(parent)
    try:
        path = Path(tempfile.mkdtemp(prefix=f".scratch.{_TAG}-{os.getpid()}-", dir=parent))
    except OSError as err:
        raise OutputError(f"{parent}: cannot create a scratch folder there ({err.strerror}); choose a "
                          "writable folder or free some disk space.") from None
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def scratch_array(path: str | os.PathLike[str], shape: tuple[int, ...], dtype: Any) -> Any:
    """A zero-filled array memory-mapped on disk (``.npy``), its blocks reserved up front.

    A memory map over a sparse file that the disk cannot fill kills the process with SIGBUS at the
    first write to a page it cannot back: reserving the blocks first turns a full disk into one
    :class:`~habitatmap.errors.OutputError` before any work is done.

    Raises
    ------
    OutputError
        When the disk has no room for the array.
    """
    import errno as errno_codes

    import numpy as np

    path = Path(path)
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    try:
        fd = os.open(path, os.O_RDWR)
        try:
            os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
        finally:
            os.close(fd)
    except AttributeError:  # no posix_fallocate (Windows, macOS): the OS allocates as it writes
        pass
    except OSError as err:
        if err.errno in (errno_codes.EOPNOTSUPP, errno_codes.EINVAL):  # the file system cannot reserve
            return arr
        del arr
        with contextlib.suppress(OSError):
            path.unlink()
        raise write_failure(path, err) from None
    return arr


def sha256_file(path: str | os.PathLike[str], *, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks so memory stays flat."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def is_staging(path: Path) -> bool:
    """True if ``path`` is a staging file or folder of a habitatmap process (finished or not)."""
    return bool(_LEFTOVER.match(path.name))


def is_own_leftover(path: Path) -> bool:
    """True if ``path`` is a temporary file or folder of a habitatmap process that has ended."""
    m = _LEFTOVER.match(path.name)
    return bool(m) and not _alive(int(m.group("pid")))


def clean_own_leftovers(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove what interrupted habitatmap runs left in ``folder``: only our temporary names, only
    those of processes that are gone. Returns what was removed."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if is_own_leftover(p):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            removed.append(p)
    return removed


class OutputFolder:
    """A folder that one run writes its products into.

    Entering it creates the folder (and its parents), takes the folder's lock (another run writing
    there gets one sentence), removes our own dead leftovers and opens a staging folder inside it.
    Products are written into :attr:`staging` (or with :meth:`stage`); when the ``with`` block ends
    without error, each one is renamed into place, the products an earlier run of the same product
    listed in ``record`` and this run did not make again are removed, and the record is written
    last. Nothing else in the folder is touched; on error the staging folder goes and the folder is
    as it was.

    Parameters
    ----------
    path
        The output folder.
    product
        Name of the product kind (e.g. ``corridors.leastcost``): earlier outputs are only replaced
        when the earlier record names the same kind.
    record
        File name of the provenance record written on commit (see :mod:`habitatmap.provenance`).
    wait
        Wait for another run's lock instead of refusing at once.
    """

    def __init__(self, path: str | os.PathLike[str], *, product: str, record: str = "provenance.json",
                 wait: bool = False) -> None:
        self.path = Path(path)
        self.product = product
        self.record_name = record
        self.wait = wait
        self.staging: Path = self.path
        self._lock: Any = None
        self._record: Any = None
        self._created: list[Path] = []

    def __enter__(self) -> OutputFolder:
        from habitatmap.io.lock import FolderLock

        check_output_dir(self.path)
        if not self.path.exists():
            self._created = [p for p in (self.path, *self.path.parents) if not p.exists()]
            self.path.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(self.path, wait=self.wait)
        self._lock.acquire()
        try:
            clean_own_leftovers(self.path)
            self.staging = Path(tempfile.mkdtemp(prefix=_prefix(self.path / "staging"), dir=self.path))
        except BaseException:
            self._lock.release()
            raise
        return self

    def stage(self, name: str) -> Path:
        """Path in the staging folder for the product ``name`` (a plain file name)."""
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"product names are plain file names, got {name!r}")
        return self.staging / name

    def set_record(self, record: Any) -> None:
        """The provenance record to write on commit (its ``outputs`` are filled in then)."""
        self._record = record

    def _earlier_outputs(self) -> list[str]:
        path = self.path / self.record_name
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(doc, dict) or doc.get("product") != self.product:
            return []
        names = [o.get("path") for o in doc.get("outputs", []) if isinstance(o, dict)]
        return [n for n in names if isinstance(n, str) and Path(n).name == n and not n.startswith(".")]

    def _commit(self) -> None:
        made = sorted(p.name for p in self.staging.iterdir())
        earlier = self._earlier_outputs()
        for name in made:  # check everything before the first rename
            target = self.path / name
            if target.is_dir() != (self.staging / name).is_dir() and target.exists():
                raise OutputError(f"{target}: something of another kind (file or folder) is in the way "
                                  f"of the product {name}; move it away and run the command again.")
        for name in made:
            target = self.path / name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(self.staging / name, target)
        for name in set(earlier) - set(made) - {self.record_name}:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                (self.path / name).unlink()
        if self._record is not None:
            self._record.set_outputs({name: self.path / name for name in made})
            write_json(self.path / self.record_name, self._record.to_dict())

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                try:
                    self._commit()
                except OSError as err:
                    if err.errno in (28, 122, 27):
                        raise write_failure(self.path, err) from None
                    raise
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._lock.release()
            if exc_type is not None:  # a failed run leaves no folder it made itself, if empty
                for p in self._created:
                    with contextlib.suppress(OSError):
                        p.rmdir()
