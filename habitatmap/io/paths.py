"""Which paths the project reads: plain local files (or http(s) URLs where a remote asset is
expected), never a GDAL virtual path, and files named by a manifest or a config kept inside their
folder."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from habitatmap.errors import InputDataError
from habitatmap.values import quote

__all__ = ["check_local_path", "file_url_path", "resolve_inside", "split_layer"]

# GDAL opens more than files: /vsizip/, /vsicurl/, /vsis3/, ... in any case and with doubled or
# back slashes, and connection strings such as NETCDF:"f":var, GPKG:file:table or PG:dbname=...
#: Longest file name and path that common file systems take (ext4, NTFS, APFS: 255; Linux PATH_MAX).
_MAX_NAME = 255
_MAX_PATH = 4096
_CONNECTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]+:(?![\\/]{2})")


def _is_virtual(text: str) -> bool:
    t = re.sub(r"/+", "/", text.replace("\\", "/"))
    return bool(t) and posixpath.normpath(t).lower().startswith("/vsi")


def check_local_path(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """``path`` as a :class:`Path` if it names a plain local file or folder; refuse GDAL syntax.

    Refused in any spelling: GDAL virtual file systems (``/vsizip/``, ``/VSICURL/``, ``//vsis3/``,
    ``/./vsimem/``, ``file:///vsizip/...``) and driver connection strings (``NETCDF:"f":v``,
    ``PG:...``). A Windows drive letter (``C:``) is a plain path.

    Raises
    ------
    InputDataError
        Naming the path and what to give instead.
    """
    text = os.fspath(path)
    if text.lower().startswith("file:"):
        text = file_url_path(text)
    if "\x00" in text:
        raise InputDataError(f"{quote(text)}: a path with a NUL character names no file; give a plain "
                             "file path.")
    if len(text.encode("utf-8", "surrogatepass")) > _MAX_PATH or \
            any(len(part.encode("utf-8", "surrogatepass")) > _MAX_NAME for part in Path(text).parts):
        raise InputDataError(f"{quote(text)}: the path or one of its names is too long for a file "
                             f"system (names up to {_MAX_NAME} bytes, paths up to {_MAX_PATH}); give a "
                             "shorter path.")
    if _is_virtual(text):
        raise InputDataError(f"{text}: GDAL virtual paths are not read as {what}s; give a plain file "
                             "path (unzip archives first, download remote files).")
    if _CONNECTION.match(text) and not (len(text) > 1 and text[1] == ":" and os.name == "nt"):
        raise InputDataError(f"{text}: looks like a GDAL connection string, which is not read as a "
                             f"{what}; give a plain file path.")
    return Path(text)


def file_url_path(url: str) -> str:
    """The local path of a ``file:`` URL (``file:///a/b`` -> ``/a/b``).

    Raises
    ------
    InputDataError
        For a ``file:`` URL naming another host.
    """
    parsed = urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        raise InputDataError(f"{url}: a file URL on another host ({parsed.netloc}) cannot be read; "
                             "copy the file here or give an http(s) URL.")
    return unquote(parsed.path)


def resolve_inside(folder: str | os.PathLike[str], name: str, *, what: str = "file",
                   listed_in: str | os.PathLike[str] | None = None) -> Path:
    """The path of ``name`` (from a manifest or a config) inside ``folder``, refusing escapes.

    Absolute names, ``..`` components, GDAL virtual paths and symbolic links leading out of the
    folder are refused: a manifest must not make the project read ``/etc/passwd``.

    Raises
    ------
    InputDataError
        Naming the listing file, the entry and the fix.
    """
    base = Path(folder).resolve()
    where = f"{listed_in}" if listed_in is not None else f"{folder}"
    text = str(name)
    if not text or _is_virtual(text) or os.path.isabs(text) or Path(text).is_absolute() \
            or re.match(r"^[A-Za-z]:", text) or any(p == ".." for p in Path(text).parts):
        raise InputDataError(f"{where}: the {what} {quote(text)} is not a plain name inside "
                             f"{folder}; entries must name files in that folder, so regenerate it.")
    target = (base / text).resolve()
    if target != base and base not in target.parents:
        raise InputDataError(f"{where}: the {what} {quote(text)} leads outside {folder} (through a "
                             "symbolic link); entries must name files in that folder.")
    return target


def split_layer(spec: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Split ``FILE[:LAYER]`` into the file and the optional layer name.

    A Windows drive (``C:\\data\\x.gpkg``) is not mistaken for a layer separator.
    """
    text = os.fspath(spec)
    path = Path(text)
    if path.exists() or ":" not in text:
        return path, None
    file, layer = text.rsplit(":", 1)
    if len(file) == 1 and file.isalpha():  # "C:" + path with no layer
        return path, None
    return Path(file), (layer or None)
