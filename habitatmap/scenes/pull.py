"""Pull scenes: read only the area's window of each asset onto one grid, mask clouds, write COGs.

Each scene becomes one float32 COG of surface reflectance (Collection 2 scale and offset applied,
NaN where QA_PIXEL flags fill, cloud, dilated cloud, shadow, cirrus or snow, or outside the area).
``manifest.json`` records the grid, the settings and every finished scene with its checksum, so a
second run skips what is done; a scene in progress is written to ``<name>.tif.part`` and renamed
only when complete and valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pystac
import shapely
from shapely.geometry import shape

from habitatmap.area import Area
from habitatmap.errors import AssetError, HabitatmapError, InputDataError, reason
from habitatmap.geodesy import lonlat_bounds, parse_crs, raster_operation
from habitatmap.grid import Grid, utm_epsg
from habitatmap.io.atomic import clean_own_leftovers, sha256_file, write_json
from habitatmap.io.lock import FolderLock
from habitatmap.io.paths import resolve_inside
from habitatmap.io.raster import cog_writer, open_raster
from habitatmap.io.text import read_json
from habitatmap.provenance import Provenance
from habitatmap.scenes.access import (
    RetryPolicy,
    check_href,
    gdal_env,
    remote_size,
    sign_href,
)
from habitatmap.scenes.defaults import DEFAULT_BANDS
from habitatmap.scenes.items import (
    BandAsset,
    band_assets,
    item_epsg,
    item_platform,
    item_transform,
    qa_asset,
    standalone_item,
    unique_items,
)
from habitatmap.scenes.qa import unusable_mask

#: Most cells of a pull's grid (2**34: a 131 072 px square, about 3900 km at 30 m).
MAX_GRID_CELLS = 2**34

__all__ = [
    "MANIFEST",
    "MAX_GRID_CELLS",
    "PullResult",
    "PullSettings",
    "SceneOutcome",
    "load_manifest",
    "plan_grid",
    "pull_scenes",
    "safe_name",
    "scene_path",
]

MANIFEST = "manifest.json"
_KIND = "habitatmap.scenes.pull"

#: progress(item_id, blocks_done, blocks_total)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PullSettings:
    """How to pull.

    Attributes
    ----------
    bands
        ``eo:bands`` common names to keep, in output order.
    crs
        ``auto`` (the items' UTM zone if they share one, else the area's) or anything pyproj reads.
    resolution
        Pixel size in CRS units.
    keep_snow
        Keep snow/ice pixels (winter snow-leopard work); cloud, shadow and fill are always masked.
    workers
        Scenes pulled at the same time, each in its own worker process.
    block
        Rows/columns read per request batch; memory per worker grows with its square.
    retry
        HTTP retries and backoff.
    allow_ballpark
        Accept a zero-shift datum step when moving the area into the grid CRS.
    requester_pays
        Read ``s3://`` assets of requester-pays buckets (Earth Search's Landsat) with the user's
        AWS credentials; the transfer is billed to that account.
    """

    bands: tuple[str, ...] = DEFAULT_BANDS
    crs: str = "auto"
    resolution: float = 30.0
    keep_snow: bool = False
    workers: int = 2
    block: int = 1024
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    allow_ballpark: bool = False
    requester_pays: bool = False


@dataclass
class SceneOutcome:
    """What happened to one scene."""

    id: str
    status: str  # "done", "skipped" (already done) or "failed"
    file: Path | None = None
    clear_fraction: float | None = None
    error: str | None = None


@dataclass
class PullResult:
    """The grid, the manifest and each scene's outcome."""

    grid: Grid
    manifest: Path
    outcomes: list[SceneOutcome]
    not_overlapping: list[str]

    @property
    def failed(self) -> list[SceneOutcome]:
        """Scenes that could not be pulled."""
        return [o for o in self.outcomes if o.status == "failed"]

    def raise_for_failures(self) -> None:
        """Raise :class:`~habitatmap.errors.CatalogError` naming the first failed scene, if any (for
        callers that need every scene; the others are done and a second run retries the rest)."""
        if self.failed:
            from habitatmap.errors import CatalogError

            first = self.failed[0]
            raise CatalogError(f"{first.id}: {first.error} ({len(self.failed)} of {len(self.outcomes)} "
                               "scenes failed; run again to retry them)")


def safe_name(item_id: str) -> str:
    """A file name for an item id: no path separators, no leading dots, distinct ids stay distinct."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", item_id).lstrip(".")[:120] or "item"
    if name != item_id:
        name += "-" + hashlib.sha256(item_id.encode()).hexdigest()[:8]
    return name


def _overlapping(items: Sequence[pystac.Item], area: Area) -> tuple[list[pystac.Item], list[str]]:
    footprint = area.lonlat
    keep, skip = [], []
    for item in items:
        if item.geometry is not None and shape(item.geometry).intersects(footprint):
            keep.append(item)
        else:
            skip.append(item.id)
    return keep, skip


def plan_grid(items: Sequence[pystac.Item], area: Area, settings: PullSettings) -> tuple[Grid, Area]:
    """The one grid of this pull, and the area in its CRS.

    With ``crs="auto"`` the grid takes the items' common UTM zone (no resampling) or, when they
    differ, the UTM zone of the area's centre. The pixel lattice follows the items' own grid when
    CRS and resolution match, so values are copied, not resampled.
    """
    epsgs = {item_epsg(i) for i in items}
    if settings.crs == "auto":
        if len(epsgs) == 1 and None not in epsgs:
            target = f"EPSG:{epsgs.pop()}"
        else:
            c = area.lonlat.centroid
            target = f"EPSG:{utm_epsg(c.x, c.y)}"
    else:
        target = parse_crs(settings.crs)
    local = area.to_crs(target, allow_ballpark=settings.allow_ballpark)
    # Millimetres are plenty; rounding keeps the manifest short and its geometry exactly reusable.
    local = Area(shapely.from_wkt(shapely.to_wkt(local.geometry, rounding_precision=3)), local.crs,
                 local.source, local.operation)
    anchor = (0.0, 0.0)
    for item in items:
        # Item-level or per-asset: either way the lattice the pixels are on, so they are copied.
        t = item_transform(item, settings.resolution)
        if t and f"EPSG:{item_epsg(item)}" == local.crs:
            anchor = (t[2], t[5])
            break
    w, s, e, n = local.geometry.bounds
    cells = math.ceil((e - w) / settings.resolution) * math.ceil((n - s) / settings.resolution)
    if cells > MAX_GRID_CELLS:  # before any work: a tiny --resolution would run for days
        raise InputDataError(f"{area.source}: at --resolution {settings.resolution:g} the grid would have "
                             f"{cells:.3g} cells, more than the {MAX_GRID_CELLS:.3g} a pull handles; give a "
                             "coarser --resolution (Landsat's is 30 m) or a smaller area.")
    grid = Grid.from_bounds(local.crs, local.geometry.bounds, settings.resolution, anchor=anchor)
    return grid, local


def _settings_doc(grid: Grid, local: Area, settings: PullSettings) -> dict[str, Any]:
    return {
        "grid": grid.to_dict(),
        "bands": list(settings.bands),
        "mask": {"fill": True, "cloud": True, "dilated_cloud": True, "cloud_shadow": True,
                 "cirrus": True, "snow": not settings.keep_snow},
        "area": {"source": local.source, "crs": local.crs,
                 "wkt": shapely.to_wkt(local.geometry, rounding_precision=3),
                 "operation": local.operation.to_dict() if local.operation else None},
    }


def load_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the ``manifest.json`` of a pull folder.

    Raises
    ------
    InputDataError
        If the folder has no readable manifest.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise InputDataError(
            f"{folder}: no {MANIFEST} here; pass a folder written by 'habitatmap scenes pull'.")
    doc = read_json(path, what="pull manifest", fix="pull the scenes again into a new folder")
    if not isinstance(doc, dict) or doc.get("kind") != _KIND or not isinstance(doc.get("settings"), dict):
        raise InputDataError(
            f"{path}: not a habitatmap pull manifest; pass a folder written by 'scenes pull'.")
    scenes = doc.get("scenes", [])
    if not isinstance(scenes, list):
        raise InputDataError(f"{path}: 'scenes' is not a list; pull the scenes again into a new folder.")
    for i, entry in enumerate(scenes):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("id", "file")) \
                or not isinstance(entry.get("datetime", ""), str):
            raise InputDataError(f"{path}: scene entry {i + 1} is not a record with text 'id', 'file' and "
                                 "'datetime'; pull the scenes again into a new folder.")
    return doc


def scene_path(folder: str | os.PathLike[str], entry: dict[str, Any]) -> Path:
    """The file of a manifest entry, which must be a plain file name inside the pull folder.

    Raises
    ------
    InputDataError
        For an entry naming an absolute path, ``..``, a virtual path or a link out of the folder.
    """
    name = entry.get("file") if isinstance(entry, dict) else None
    return resolve_inside(folder, str(name or ""), what="scene file", listed_in=Path(folder) / MANIFEST)


def _comparable(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings that decide the pixels (not how the area file was named)."""
    area = {k: v for k, v in settings.get("area", {}).items() if k != "source"}
    return {**settings, "area": area}


class _Manifest:
    """The manifest, rewritten atomically whenever a scene finishes."""

    def __init__(self, folder: Path, settings: dict[str, Any], source: str) -> None:
        self.folder = folder
        self.path = folder / MANIFEST
        self.record_ = Provenance("scenes.pull", parameters=settings)
        self.record_.add_input("items", source, checksum=False)
        area = settings.get("area") or {}
        self.record_.add_operation("area of interest", area.get("operation"))
        self.doc: dict[str, Any] = {"kind": _KIND, "items": source, "settings": settings, "scenes": [],
                                    "failed": []}
        if self.path.exists():
            old = load_manifest(folder)
            if _comparable(old.get("settings", {})) != _comparable(settings):
                raise InputDataError(
                    f"{folder}: holds scenes pulled with other settings (area, grid, bands or "
                    "masking); pull into a new --out folder or delete this one."
                )
            self.doc["scenes"] = [e for e in old.get("scenes", []) if isinstance(e, dict)]

    def done(self, item_id: str) -> dict[str, Any] | None:
        for entry in self.doc["scenes"]:
            if entry.get("id") == item_id:
                f = scene_path(self.folder, entry)
                if f.is_file() and sha256_file(f) == entry.get("sha256"):
                    return entry
        return None

    def record(self, entry: dict[str, Any] | None, failure: dict[str, str] | None = None) -> None:
        if entry is not None:
            scenes = [e for e in self.doc["scenes"] if e["id"] != entry["id"]] + [entry]
            self.doc["scenes"] = sorted(scenes, key=lambda e: (e["datetime"], e["id"]))
            self.doc["failed"] = [f for f in self.doc["failed"] if f["id"] != entry["id"]]
        if failure is not None:
            self.doc["failed"] = sorted(
                [f for f in self.doc["failed"] if f["id"] != failure["id"]] + [failure],
                key=lambda f: f["id"])
        self.write()

    def write(self) -> None:
        rec = self.record_
        rec.inputs = rec.inputs[:1] + [{"role": "scene", "id": e["id"]} for e in self.doc["scenes"]]
        rec.outputs = [{"path": e["file"], "sha256": e["sha256"]} for e in self.doc["scenes"]]
        rec.finish()
        # No clock in the ledger: a resumed pull ends byte-identical to an uninterrupted one.
        write_json(self.path, {**self.doc, "provenance": rec.to_dict(timings=False)})


def _open_asset(asset: BandAsset, item_id: str, retry: RetryPolicy, requester_pays: bool = False):
    href = check_href(asset.href, item_id=item_id, asset=asset.key, requester_pays=requester_pays)
    href = sign_href(href)
    if asset.size is not None:
        size = remote_size(href, retry)
        if size is not None and size != asset.size:
            raise AssetError(
                f"item {item_id}, asset {asset.key} ({asset.href}): the file is {size} bytes but "
                f"the item says {asset.size}; it is truncated or was replaced, so re-download or "
                "re-publish it."
            )
    try:
        return open_raster(href, what="asset", remote=True, s3=requester_pays)
    except InputDataError as err:
        text = str(err)
        if href.startswith("s3://") and ("AWS_SECRET_ACCESS_KEY" in text or "credentials" in text.lower()
                                         or "HTTP response code: 403" in text or "Access Denied" in text):
            raise AssetError(f"item {item_id}, asset {asset.key} ({href}): S3 refused the read; set your "
                             "AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) "
                             "for an account that accepts requester-pays charges.") from None
        raise AssetError(f"item {item_id}, asset {asset.key}: {err}") from None




class _Reader:
    """Reads grid windows from one asset: plain windowed reads when the asset lies on the grid's
    pixel lattice (values copied, only the tiles needed are fetched), a nearest-neighbour warp with
    the datum-safe operation otherwise."""

    def __init__(self, src: Any, grid: Grid, nodata: float, *, allow_ballpark: bool, what: str) -> None:
        self.src, self.nodata, self.grid = src, nodata, grid
        self.src_grid = Grid.from_dataset(src)
        self.offset = self.src_grid.offset_in(grid)
        self.pipeline = None
        if self.offset is None:
            self.pipeline, self.operation = raster_operation(
                self.src_grid.crs, grid.crs, area=lonlat_bounds(self.src_grid.bounds, self.src_grid.crs),
                allow_ballpark=allow_ballpark, what=what)

    def read(self, win: Any) -> np.ndarray:
        """The window's values; ``nodata`` where the asset has no pixels."""
        import rasterio
        from rasterio.windows import Window

        from habitatmap.geodesy import warp

        if self.offset is None:
            out, _ = warp(rasterio.band(self.src, 1), self.src_grid, self.grid.subgrid(win),
                          nodata=self.nodata, pipeline=self.pipeline or "")
            return out
        out = np.full((win.height, win.width), self.nodata, dtype=self.src.dtypes[0])
        r0, c0 = win.row_off - self.offset[0], win.col_off - self.offset[1]
        r1, c1 = max(r0, 0), max(c0, 0)
        r2, c2 = min(r0 + win.height, self.src.height), min(c0 + win.width, self.src.width)
        if r2 > r1 and c2 > c1:
            out[r1 - r0:r2 - r0, c1 - c0:c2 - c0] = self.src.read(
                1, window=Window(c1, r1, c2 - c1, r2 - r1))
        return out

    def close(self) -> None:
        self.src.close()


def _pull_one(item: pystac.Item, grid: Grid, local: Area, settings: PullSettings, dest: Path,
              progress: Progress | None) -> float:
    """Write one scene's COG at ``dest``; return its clear fraction inside the area."""
    import rasterio

    bands = band_assets(item, settings.bands)
    qa = qa_asset(item)
    windows = list(grid.blocks(settings.block))
    inside_total = 0
    clear_total = 0
    record = Provenance("scenes.scene", parameters={
        "grid": grid.to_dict(), "bands": list(settings.bands), "keep_snow": settings.keep_snow})
    for asset in [*bands.values(), qa]:
        record.add_input(asset.name, asset.href, checksum=False, id=item.id, asset=asset.key,
                         **({"file:checksum": asset.checksum} if asset.checksum else {}))
    tags = {
        "STAC_ITEM": item.id, "DATETIME": item.datetime.isoformat() if item.datetime else "",
        "PLATFORM": item_platform(item),
        "PRODUCT": "physical values (Collection 2 scale and offset applied: reflectance, kelvin for "
                   "thermal bands); NaN = masked",
        "MASKED": "fill, cloud, dilated cloud, cloud shadow, cirrus"
                  + ("" if settings.keep_snow else ", snow"),
        **record.finish().tags(),
    }
    with gdal_env(settings.retry, requester_pays=settings.requester_pays), cog_writer(
        dest, grid=grid, count=len(bands), dtype="float32", nodata=float("nan"),
        band_descriptions=list(bands), tags=tags, resampling="average",
        band_tags=[{"STAC_ASSET": b.key, "HREF": b.href} for b in bands.values()],
    ) as dst:
        readers: dict[str, _Reader] = {}
        try:
            for asset in [qa, *bands.values()]:
                nodata = asset.nodata if asset.nodata is not None else (1 if asset is qa else 0)
                readers[asset.name] = _Reader(_open_asset(asset, item.id, settings.retry,
                                                          settings.requester_pays), grid, nodata,
                                              allow_ballpark=settings.allow_ballpark,
                                              what=f"item {item.id}, asset {asset.key}")
            for n, win in enumerate(windows, start=1):
                inside = grid.inside(local.geometry, win)
                out = np.full((len(bands), win.height, win.width), np.nan, dtype=np.float32)
                if inside.any():
                    current = qa
                    try:
                        qa_block = readers["qa_pixel"].read(win)
                        bad = unusable_mask(qa_block, mask_snow=not settings.keep_snow) | ~inside
                        for i, asset in enumerate(bands.values()):
                            current = asset
                            dn = readers[asset.name].read(win)
                            bad |= dn == readers[asset.name].nodata
                            out[i] = (dn.astype(np.float32) * np.float32(asset.scale)
                                      + np.float32(asset.offset))
                    except rasterio.errors.RasterioError as err:
                        raise AssetError(
                            f"item {item.id}, asset {current.key} ({current.href}): reading failed "
                            f"({reason(err)}); the file may be truncated or corrupt."
                        ) from None
                    out[:, bad] = np.nan
                    inside_total += int(inside.sum())
                    clear_total += int((~bad).sum())
                dst.write(out, window=win)
                if progress is not None:
                    progress(item.id, n, len(windows))
        finally:
            for reader in readers.values():
                reader.close()
    return clear_total / inside_total if inside_total else 0.0


def _entry(item: pystac.Item, file: Path, fraction: float, settings: PullSettings) -> dict[str, Any]:
    assets = {**band_assets(item, settings.bands), "qa_pixel": qa_asset(item)}
    return {
        "id": item.id,
        "datetime": item.datetime.isoformat() if item.datetime else "",
        "platform": item_platform(item),
        "wrs_path": str(item.properties.get("landsat:wrs_path", "")),
        "wrs_row": str(item.properties.get("landsat:wrs_row", "")),
        "cloud_cover": item.properties.get("eo:cloud_cover"),
        "file": file.name,
        "sha256": sha256_file(file),
        "clear_fraction": round(fraction, 6),
        "assets": {name: {"key": a.key, "href": a.href, "file:size": a.size, "file:checksum": a.checksum,
                          "scale": a.scale, "offset": a.offset}
                   for name, a in assets.items()},
    }


def pull_scenes(
    items: Sequence[pystac.Item],
    area: Area,
    out_dir: str | os.PathLike[str],
    settings: PullSettings | None = None,
    *,
    source: str = "",
    progress: Progress | None = None,
    prune: bool = False,
) -> PullResult:
    """Pull the area's window of every item onto one grid, masked, one COG per scene.

    Parameters
    ----------
    items
        STAC items (Landsat Collection 2 Level-2).
    area
        Area of interest; items that do not intersect it are skipped.
    out_dir
        Output folder (created). Re-running into it resumes.
    settings
        Grid, bands, masking and concurrency.
    source
        Where the items came from (recorded in the manifest).
    progress
        Called as ``progress(item_id, blocks_done, blocks_total)`` (in this process).
    prune
        Drop the scenes of an earlier pull into ``out_dir`` that are not among ``items`` (their
        files too): a workflow whose search changed composites only the scenes it asks for now.

    Returns
    -------
    PullResult
        Failed scenes are reported there; the others are still written.

    Raises
    ------
    InputDataError
        If no item overlaps the area, or the folder holds a pull with other settings.
    """
    settings = settings or PullSettings()
    # One output file per id: a repeated id is pulled once, two different items with it are refused.
    items = unique_items(list(items), source or "the items")
    items, skipped = _overlapping(items, area)
    if not items:
        raise InputDataError(
            f"{area.source}: no item{(' of ' + source) if source else ''} overlaps this area; "
            "search again with this area, or check the area file and its CRS."
        )
    for item in items:  # fail fast on a band missing from an item, before any download
        band_assets(item, settings.bands)
        qa_asset(item)
    grid, local = plan_grid(items, area, settings)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputDataError(f"{folder}: is a file, but --out must be a folder; choose a folder name.")
    folder.mkdir(parents=True, exist_ok=True)
    with FolderLock(folder):
        clean_own_leftovers(folder)
        manifest = _Manifest(folder, _settings_doc(grid, local, settings), source)
        outcomes: dict[str, SceneOutcome] = {}
        todo: list[tuple[pystac.Item, Path]] = []
        for item in items:
            entry = manifest.done(item.id)
            if entry is not None:
                outcomes[item.id] = SceneOutcome(item.id, "skipped", scene_path(folder, entry),
                                                 entry["clear_fraction"])
                if progress is not None:
                    progress(item.id, 1, 1)
            else:
                todo.append((item, resolve_inside(folder, safe_name(item.id) + ".tif", what="scene file")))

        def finish(item: pystac.Item, dest: Path, status: str, value: Any) -> None:
            if status == "done":
                manifest.record(_entry(item, dest, value, settings))
                outcomes[item.id] = SceneOutcome(item.id, "done", dest, value)
            else:
                manifest.record(None, {"id": item.id, "error": value})
                outcomes[item.id] = SceneOutcome(item.id, "failed", error=value)

        area_doc = (shapely.to_wkt(local.geometry, rounding_precision=3), local.crs, local.source)
        from habitatmap.parallel import active_client

        client = active_client()
        if client is not None and todo:  # a workflow's one client: no second pool
            _pull_on_client(client, todo, grid, area_doc, settings, progress, finish)
        elif settings.workers <= 1 or len(todo) <= 1:
            for item, dest in todo:
                finish(item, dest, *_pull_task(standalone_item(item), grid, area_doc, settings, dest,
                                               progress))
        else:
            _pull_in_processes(todo, grid, area_doc, settings, progress, finish)
        if prune:
            wanted = {i.id for i in items}
            for entry in [e for e in manifest.doc["scenes"] if e["id"] not in wanted]:
                scene_path(folder, entry).unlink(missing_ok=True)
            manifest.doc["scenes"] = [e for e in manifest.doc["scenes"] if e["id"] in wanted]
            manifest.doc["failed"] = [f for f in manifest.doc["failed"] if f["id"] in wanted]
        manifest.write()
    return PullResult(grid, manifest.path, [outcomes[i.id] for i in items], skipped)


def _pull_task(item_doc: dict, grid: Grid, area_doc: tuple[str, str, str], settings: PullSettings,
               dest: Path, progress: Progress | None) -> tuple[str, Any]:
    """Pull one scene; return ("done", clear fraction) or ("failed", the error sentence)."""
    item = pystac.Item.from_dict(item_doc)
    local = Area(shapely.from_wkt(area_doc[0]), area_doc[1], area_doc[2])
    shapely.prepare(local.geometry)
    try:
        return "done", _pull_one(item, grid, local, settings, dest, progress)
    except HabitatmapError as err:
        return "failed", str(err)


_QUEUE: Any = None


def _worker_init(queue: Any) -> None:
    from habitatmap.parallel import raise_on_sigterm

    global _QUEUE
    _QUEUE = queue
    raise_on_sigterm()  # a killed worker still removes its staging files
    if sys.platform.startswith("linux"):  # die with the parent: no orphan keeps writing after a kill
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _queued_progress(item_id: str, done: int, total: int) -> None:
    _QUEUE.put((item_id, done, total))


def _pull_in_worker(item_doc: dict, grid: Grid, area_doc: tuple[str, str, str], settings: PullSettings,
                    dest: Path) -> tuple[str, Any]:
    return _pull_task(item_doc, grid, area_doc, settings, dest, _queued_progress)


def _pull_on_client(client, todo, grid, area_doc, settings, progress, finish) -> None:
    """Scenes as tasks of the run's dask client. Workers in other processes pull as many scenes
    at once as there are worker threads; an in-process (threads) cluster pulls one at a time,
    because concurrent GDAL writers in one process corrupted its heap (see _pull_in_processes)."""
    from habitatmap.parallel import map_unordered, separate_processes

    width = sum(client.nthreads().values()) if separate_processes(client) else 1
    tasks = [(standalone_item(item), grid, area_doc, settings, dest, None) for item, dest in todo]
    by_dest = {dest: item for item, dest in todo}
    for dest, status, value in map_unordered(client, _pull_returning_dest, tasks, max_in_flight=width):
        finish(by_dest[dest], dest, status, value)
        if progress is not None:
            progress(by_dest[dest].id, 1, 1)


def _pull_returning_dest(item_doc: dict, grid: Grid, area_doc: tuple[str, str, str], settings: PullSettings,
                         dest: Path, progress: Progress | None) -> tuple[Path, str, Any]:
    return (dest, *_pull_task(item_doc, grid, area_doc, settings, dest, progress))


def _pull_in_processes(todo, grid, area_doc, settings, progress, finish) -> None:
    """Scenes in parallel worker processes: GDAL state is never shared between concurrent pulls
    (concurrent reads and COG writes in threads of one process corrupted GDAL's heap here)."""
    import multiprocessing as mp
    import queue as queue_mod
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = mp.get_context("spawn")
    updates = ctx.Queue()

    def drain() -> None:
        while True:
            try:
                msg = updates.get_nowait()
            except queue_mod.Empty:
                return
            if progress is not None:
                progress(*msg)

    with ProcessPoolExecutor(max_workers=min(settings.workers, len(todo)), mp_context=ctx,
                             initializer=_worker_init, initargs=(updates,)) as pool:
        futures = {pool.submit(_pull_in_worker, standalone_item(item), grid, area_doc, settings, dest):
                   (item, dest) for item, dest in todo}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            drain()
            for fut in done:
                item, dest = futures[fut]
                finish(item, dest, *fut.result())
        drain()
