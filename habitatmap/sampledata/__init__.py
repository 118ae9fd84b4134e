"""Deterministic generator of the bundled Tumen sample (synthetic data).

``generate(out_dir)`` writes, from one seed:

* ``truth_habitat.tif``: the truth habitat map (legend codes) the scenes were synthesised from;
* ``truth_habitat_2022.tif`` and ``truth_burn_severity.tif``: the same after the sample's fire of
  :data:`~habitatmap.sampledata.habitat.FIRE_DATE` (burned ground where the canopy did not
  survive), and the fire's severity (0-100 %); the scenes after that date show the fire;
* ``stac/``: a static STAC catalog with a ``landsat-c2-l2`` collection of six Landsat 7/8/9 scenes
  (two seasons, two years) as per-band COGs, with clouds, shadows, cirrus, scene-edge fill and
  Landsat 7 SLC-off gaps flagged in ``QA_PIXEL``;
* ``boundaries/``: a Russian park and its zones (EPSG:28422 Shapefiles, CP1251), a Chinese park and
  its zones (EPSG:4511 GeoPackage, Chinese names) and the border line (WGS 84 GeoJSON);
* ``samples/``: training points (legend keys, ~3% label noise) and a stratified random validation
  sample;
* ``metadata.json``: what is synthetic, the seed, software versions and SHA-256 of every file.

The same seed and library versions give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.windows import Window

from habitatmap.geodesy import to_crs
from habitatmap.grid import Grid
from habitatmap.io.atomic import OutputFolder, sha256_file
from habitatmap.sampledata.grid import UTM_EPSG, tumen_grid
from habitatmap.sampledata.spectra import SceneSpec

__all__ = ["DEFAULT_SEED", "GENERATOR_VERSION", "SCENES", "generate", "verify"]

DEFAULT_SEED = 20211001
GENERATOR_VERSION = "1"
SAMPLE_CRS = f"EPSG:{UTM_EPSG}"
FIXED_DATE = "2026-01-01"  # written where formats would otherwise stamp today's date

#: The six acquisitions: two seasons (summer, autumn) in two years, Landsat 7, 8 and 9.
SCENES: tuple[SceneSpec, ...] = (
    SceneSpec("landsat-7", "2021-06-14", "20210710", 115, 30, "summer", 0.06, 65.2, 135.4,
              (10, 4), slc_off=True),
    SceneSpec("landsat-8", "2021-06-22", "20210630", 115, 30, "summer", 0.22, 66.0, 136.1, (10, 4)),
    SceneSpec("landsat-8", "2021-09-26", "20211001", 114, 30, "autumn", 0.03, 42.3, 158.2,
              (2, 18), edge=True),
    SceneSpec("landsat-9", "2022-06-17", "20220627", 115, 30, "summer", 0.38, 66.3, 134.2, (10, 4)),
    SceneSpec("landsat-8", "2022-09-11", "20220920", 115, 30, "autumn", 0.15, 47.1, 152.0, (10, 4)),
    SceneSpec("landsat-9", "2022-10-05", "20221012", 114, 30, "autumn", 0.10, 38.4, 160.3,
              (2, 18), cirrus=True),
)


def _versions() -> dict[str, str]:
    import pyogrio
    import pyproj
    import rasterio
    import shapely

    return {
        "numpy": np.__version__, "rasterio": rasterio.__version__,
        "gdal": rasterio.__gdal_version__, "pyogrio": pyogrio.__version__,
        "pyogrio_gdal": pyogrio.__gdal_version_string__, "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str, "shapely": shapely.__version__,
    }


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _footprint(grid: Grid, valid: np.ndarray) -> tuple[dict[str, Any], list[float], list[float]]:
    """Valid-data footprint (GeoJSON, WGS 84), its bbox and the projected bbox."""
    import geopandas as gpd
    import rasterio.features
    import shapely
    from shapely.geometry import shape

    polys = [shape(g) for g, v in rasterio.features.shapes(valid.astype(np.uint8), mask=valid,
                                                           transform=grid.transform) if v == 1]
    geom = shapely.union_all(polys).simplify(30.0)
    frame = gpd.GeoDataFrame(geometry=[geom], crs=UTM_EPSG)
    wgs = to_crs(frame, 4326, what="sample footprint", densify=False)[0].geometry.iloc[0]
    wgs = shapely.set_precision(wgs, 1e-7)
    return (json.loads(shapely.to_geojson(wgs)), [round(v, 7) for v in wgs.bounds],
            list(grid.bounds))


def _write_vectors(root: Path, layers: dict[str, Any]) -> None:
    from habitatmap.io.vector import write_vector

    bdir = root / "boundaries"
    bdir.mkdir(parents=True)
    for name in ("ru_leopard_np", "ru_leopard_np_zones"):
        write_vector(bdir / f"{name}.shp", layers[name], driver="ESRI Shapefile", encoding="cp1251",
                     layer_options={"DBF_DATE_LAST_UPDATE": FIXED_DATE}, fixed_date=FIXED_DATE)
    gpkg = bdir / "cn_tlnp.gpkg"
    write_vector(gpkg, layers["cn_park"], layer="国家公园范围", driver="GPKG", fixed_date=FIXED_DATE)
    write_vector(gpkg, layers["cn_zones"], layer="功能分区", driver="GPKG", fixed_date=FIXED_DATE)
    write_vector(bdir / "border_wgs84.geojson", layers["border"], driver="GeoJSON",
                 layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "7"}, fixed_date=FIXED_DATE)
    sdir = root / "samples"
    sdir.mkdir()
    write_vector(sdir / "training_points.gpkg", layers["training"], layer="training_points", driver="GPKG",
                 fixed_date=FIXED_DATE)
    write_vector(sdir / "validation_points.gpkg", layers["validation"], layer="validation_points",
                 driver="GPKG", fixed_date=FIXED_DATE)


def generate(
    out_dir: str | os.PathLike[str], *, seed: int = DEFAULT_SEED, size: int = 640,
    scene_size: int | None = None, scenes: Sequence[SceneSpec] | None = None,
) -> Path:
    """Generate the Tumen sample into ``out_dir`` (replaced atomically) and return its path.

    Parameters
    ----------
    out_dir
        Folder to create (an existing one is replaced only once the new one is complete).
    seed
        Random seed; the bundled sample uses :data:`DEFAULT_SEED`.
    size
        Master grid size in pixels (640 = 19.2 km); tests use smaller grids for speed.
    scene_size
        Size of each scene window (default ``size - 20``; scenes are offset windows of the grid).
    scenes
        The acquisitions (default :data:`SCENES`, the bundled sample's six); tests add others,
        e.g. a Landsat 5 TM scene.
    """
    from habitatmap.io.raster import write_cog
    from habitatmap.legend import load_legend
    from habitatmap.sampledata import catalog, habitat, spectra, terrain, vectors

    legend = load_legend()
    rng = np.random.default_rng(seed)
    grid = tumen_grid(size)
    ssize = scene_size or size - 20
    ter = terrain.make_terrain(rng, grid.shape)
    land = habitat.make_landscape(rng, ter)
    texture = terrain.fractal_noise(rng, grid.shape, 3.0).astype(np.float32)
    keys = {c.code: c.key for c in legend.classes}
    synthetic_tag = {"SYNTHETIC": catalog.SYNTHETIC_NOTE, "HABITATMAP_SEED": str(seed)}

    out = Path(out_dir)
    # The folder is the generator's own product: its files are replaced, anything else in it stays.
    with OutputFolder(out, product="sampledata") as folder:
        root = folder.staging
        write_cog(root / "truth_habitat.tif", land.habitat, grid=grid,
                  nodata=legend.nodata, colormap=legend.colormap(), resampling="nearest",
                  band_descriptions=["habitat (legend code)"],
                  tags={**synthetic_tag, "LEGEND_ID": legend.id, "LEGEND_VERSION": legend.version})

        # The fire draws from a generator of its own, so every other file stays as it was.
        severity = habitat.make_fire(np.random.default_rng([seed, 2022]), ter, land)
        after = habitat.after_fire(land.habitat, severity)
        write_cog(root / "truth_habitat_2022.tif", after, grid=grid,
                  nodata=legend.nodata, colormap=legend.colormap(), resampling="nearest",
                  band_descriptions=["habitat (legend code)"],
                  tags={**synthetic_tag, "LEGEND_ID": legend.id, "LEGEND_VERSION": legend.version,
                        "FIRE_DATE": habitat.FIRE_DATE})
        write_cog(root / "truth_burn_severity.tif", np.round(severity * 100).astype(np.uint8), grid=grid,
                  nodata=None, resampling="average", band_descriptions=["burn severity (%)"],
                  tags={**synthetic_tag, "FIRE_DATE": habitat.FIRE_DATE})

        items = []
        cdir = root / "stac" / "landsat-c2-l2"
        for spec in (SCENES if scenes is None else scenes):
            off = (min(spec.offset[0], size - ssize), min(spec.offset[1], size - ssize))
            spec_eff = dataclasses.replace(spec, offset=off)
            burn = severity if spec.date > habitat.FIRE_DATE else None
            scene = spectra.make_scene(rng, land.habitat, ter, spec_eff, texture, (ssize, ssize), burn)
            sgrid = grid.subgrid(Window(off[1], off[0], ssize, ssize))
            idir = cdir / catalog.item_id(spec)
            idir.mkdir(parents=True)
            files: dict[str, tuple[int, str]] = {}
            band_info = catalog.OLI_BANDS if spec.oli else catalog.ETM_BANDS
            for key, arr in scene.dn.items():
                path = idir / catalog.asset_filename(spec, key)
                write_cog(path, arr, grid=sgrid, nodata=0,
                          band_descriptions=[f"{band_info[key][0]} {key}"], tags=synthetic_tag,
                          scales=[spectra.SCALE], offsets=[spectra.OFFSET], resampling="average")
                files[key] = (path.stat().st_size, sha256_file(path))
            qpath = idir / catalog.asset_filename(spec, "qa_pixel")
            write_cog(qpath, scene.qa, grid=sgrid, nodata=1,
                      band_descriptions=["QA_PIXEL"], tags=synthetic_tag, resampling="nearest")
            files["qa_pixel"] = (qpath.stat().st_size, sha256_file(qpath))
            edge_valid = scene.dn["blue"] > 0
            if spec.slc_off:  # SLC-off gaps are holes in the data, not in the footprint
                edge_valid = np.ones_like(edge_valid)
            geom, bbox, pbbox = _footprint(sgrid, edge_valid)
            t = sgrid.transform
            item = catalog.make_item(spec, geometry=geom, bbox=bbox, proj_bbox=pbbox,
                                     shape=(ssize, ssize), transform=[t.a, t.b, t.c, t.d, t.e, t.f],
                                     cloud_cover=scene.cloud_cover, files=files)
            _write_json(idir / f"{item['id']}.json", item)
            items.append(item)
        _write_json(cdir / "collection.json", catalog.make_collection(items))
        _write_json(root / "stac" / "catalog.json", catalog.make_catalog())

        border = vectors.border_line(grid, ter)
        ru_park, ru_zones, cn_park, cn_zones = vectors.parks_and_zones(rng, grid, ter, land, border)
        margin = max(20, size - ssize)
        train, valid, stats = vectors.sample_points(rng, grid, land.habitat, keys, margin=margin)
        _write_vectors(root, {
            "ru_leopard_np": vectors.to_russian_crs(ru_park),
            "ru_leopard_np_zones": vectors.to_russian_crs(ru_zones),
            "cn_park": to_crs(cn_park, vectors.CN_EPSG, what="sample Chinese park", densify=False)[0],
            "cn_zones": to_crs(cn_zones, vectors.CN_EPSG, what="sample Chinese zones", densify=False)[0],
            "border": vectors.border_frame(border),
            "training": train, "validation": valid,
        })

        codes, counts = np.unique(land.habitat, return_counts=True)
        files_meta = {
            p.relative_to(root).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(root.rglob("*")) if p.is_file()
        }
        _write_json(root / "metadata.json", {
            "name": "habitatmap Tumen transboundary sample",
            "synthetic": True,
            "description": (
                "Synthetic data for tests and the demo. Terrain, habitats, Landsat scenes, park "
                "and zone boundaries, the border line and field samples are all generated; the "
                "boundaries are illustrative and not official; the Landsat items imitate the "
                "format of USGS Collection 2 Level-2 but are not observations."),
            "licence": "CC0-1.0",
            "generator": "habitatmap.sampledata.generate", "generator_version": GENERATOR_VERSION,
            "seed": seed, "grid": {"crs": SAMPLE_CRS, "resolution_m": 30, "width": size,
                                   "height": size, "bounds": list(grid.bounds)},
            "habitat_pixels": {keys[int(c)]: int(n) for c, n in zip(codes, counts, strict=True)},
            "fire": {"date": habitat.FIRE_DATE, "burned_pixels": int((severity > 0).sum()),
                     "stand_replacing_pixels": int((severity >= habitat.STAND_REPLACING).sum()),
                     "note": "a synthetic fire between the 2021 and 2022 scenes; the scenes after "
                             "its date show it"},
            "training": stats,
            "datum_operations": {
                "boundaries/ru_leopard_np*.shp": f"WGS 84 -> EPSG:28422 via '{vectors.PULKOVO_OP}'",
                "boundaries/cn_tlnp.gpkg": "WGS 84 -> EPSG:4511 (CGCS2000, ITRF-aligned: null shift)",
            },
            "software": _versions(),
            "files": files_meta,
        })
    return out


def verify(sample_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a sample folder against the SHA-256 sums in its ``metadata.json``; return the metadata.

    Raises
    ------
    InputDataError
        Naming the first missing or changed file and how to restore it.
    """
    from habitatmap.errors import InputDataError

    root = Path(sample_dir)
    meta_path = root / "metadata.json"
    if not meta_path.is_file():
        raise InputDataError(
            f"{root}: no sample data here (metadata.json missing); run `make sample-data` "
            "or pass the folder that holds it."
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for rel, info in meta["files"].items():
        p = root / rel
        if not p.is_file():
            raise InputDataError(
                f"{p}: sample file missing; restore it with `git checkout -- {root}` "
                "or regenerate with `make sample-data`."
            )
        if sha256_file(p) != info["sha256"]:
            raise InputDataError(
                f"{p}: contents differ from metadata.json; restore it with `git checkout -- {root}` "
                "or regenerate with `make sample-data`."
            )
    return meta
