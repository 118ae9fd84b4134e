"""Habitat change between two habitat maps: the from-to matrix, a change map, losses and gains.

Both maps must lie on one grid and use one legend (their ``LEGEND_ID`` / ``LEGEND_VERSION`` tags);
a map in another legend goes through a crosswalk first (``--crosswalk``: a YAML ``codes:`` table
from its codes to the shared legend's keys). The change map codes each pixel ``from x 100 + to``
(legend codes are below 100: ``1131`` is Korean pine forest become meadow), uint16 with a colour
per pair (unchanged pairs in pale grey, a change in a blend of the two classes' colours) and the
pairs' names in the chosen language. Areas are counted in strips, so memory stays flat. With a
reference sample of the change map (points labelled with the change they show), area-adjusted
estimates of each change with 95 % intervals come from the stratified estimators of Olofsson et
al. (2014), the change map's pairs being the strata (the accuracy of the habitat map uses the
same code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from habitatmap.errors import ConfigError, InputDataError

__all__ = [
    "CHANGE_MAP_TAG",
    "PRODUCT",
    "ChangeResult",
    "change_code",
    "change_colours",
    "read_crosswalk",
    "run_habitat_change",
    "split_code",
]

PRODUCT = "change.habitat"
#: The PRODUCT tag of a change map: how other tools (``accuracy design``) know its codes are pairs.
CHANGE_MAP_TAG = "habitat change (from x 100 + to)"


def change_code(before: np.ndarray, after: np.ndarray, nodata: int = 0) -> np.ndarray:
    """``from x 100 + to`` (uint16), 0 where either map has ``nodata``."""
    b = np.asarray(before, dtype=np.uint16)
    a = np.asarray(after, dtype=np.uint16)
    out = b * 100 + a
    out[(b == nodata) | (a == nodata)] = 0
    return out


def split_code(code: int) -> tuple[int, int]:
    """(from, to) legend codes of a change code."""
    return int(code) // 100, int(code) % 100


def change_colours(legend: Any, codes: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """A colour per change code: pale grey for no change, a 60/40 blend of the new and the old
    class's colours for a change."""
    out: dict[int, tuple[int, int, int, int]] = {0: (0, 0, 0, 0)}
    for code in codes:
        f, t = split_code(code)
        if f == t:
            out[code] = (225, 225, 225, 255)
            continue
        cf, ct = legend.by_code(f).rgba, legend.by_code(t).rgba
        out[code] = (*(round(0.6 * b + 0.4 * a) for a, b in zip(cf[:3], ct[:3], strict=True)), 255)
    return out


def read_crosswalk(path: str | os.PathLike[str], legend: Any) -> dict[int, int]:
    """A code crosswalk (YAML ``codes: {old code: shared legend key}``) as old code -> legend code."""
    from habitatmap.io.yaml import read_yaml

    doc = read_yaml(path, what="code crosswalk", missing="give the crosswalk file of the other legend")
    table = doc.get("codes") if isinstance(doc, dict) else None
    if not isinstance(table, dict) or not table:
        raise ConfigError(
            f"{path}: give a 'codes:' table from the other legend's codes to shared legend keys."
        )
    out = {}
    for k, v in table.items():
        try:
            out[int(k)] = legend.lookup(str(v)).code
        except (TypeError, ValueError):
            raise ConfigError(f"{path}: code {k!r} is not a whole number; fix that line.") from None
    return out


@dataclass
class ChangeResult:
    """What :func:`run_habitat_change` wrote and found."""

    out: Path
    matrix: pd.DataFrame
    changes: pd.DataFrame
    adjusted: pd.DataFrame | None
    changed_ha: float


def _legend_tag(ds: Any) -> tuple[str, str]:
    t = ds.tags()
    return t.get("LEGEND_ID", ""), t.get("LEGEND_VERSION", "")


def run_habitat_change(
    before: str | os.PathLike[str],
    after: str | os.PathLike[str],
    out: str | os.PathLike[str],
    legend: Any,
    *,
    reference: str | None = None,
    reference_field: str = "reference",
    zones: str | None = None,
    crosswalk: str | os.PathLike[str] | None = None,
    lang: str = "en",
    allow_ballpark: bool = False,
    rows_per_strip: int = 1024,
) -> ChangeResult:
    """Compare two habitat maps and write ``change.tif``, ``matrix.csv`` (from-to, ha),
    ``changes.csv`` (losses and gains of each class by country, park and zone), ``adjusted.csv``
    (with ``reference``) and ``report.md`` into ``out``.

    Parameters
    ----------
    before, after
        Habitat maps (uint8 codes of ``legend``) on one grid.
    legend
        The shared legend.
    reference, reference_field
        Points of a reference sample of the change map; ``reference_field`` holds the change each
        shows, as a change code (``1131``) or ``from_key>to_key``.
    zones
        Zone polygons (``FILE[:LAYER]``) for losses and gains by country, park and zone.
    crosswalk
        Codes of ``before``'s legend -> shared legend keys, when its legend differs.
    """
    from rasterio.windows import Window

    from habitatmap.change.zones import ZoneStrips
    from habitatmap.grid import Grid
    from habitatmap.io.atomic import OutputFolder
    from habitatmap.io.raster import cog_writer, open_raster, write_category_names
    from habitatmap.provenance import Provenance

    record = Provenance(PRODUCT, parameters={"lang": lang, "reference_field": reference_field})
    record.add_input("before", before)
    record.add_input("after", after)
    with (
        open_raster(before, what="earlier habitat map") as a,
        open_raster(after, what="later habitat map") as b,
    ):
        ga, gb = Grid.from_dataset(a), Grid.from_dataset(b)
        if not ga.same_as(gb):
            raise InputDataError(
                f"{before} and {after} are not on one grid ({ga.shape} on {ga.crs} and {gb.shape} "
                f"on {gb.crs}); map both onto the same grid (classify both on one grid) first."
            )
        grid = ga
        lut = np.arange(256, dtype=np.uint16)
        if _legend_tag(a) != _legend_tag(b):
            if crosswalk is None:
                raise InputDataError(
                    f"{before} uses legend {' '.join(_legend_tag(a)) or '(none named)'} and {after} "
                    f"{' '.join(_legend_tag(b)) or '(none named)'}; give --crosswalk from the first "
                    "to the second."
                )
            lut[:] = 0
            for old, new in read_crosswalk(crosswalk, legend).items():
                if 0 <= old < 256:
                    lut[old] = new
            record.add_input("crosswalk", crosswalk)
        pixel_ha = grid.pixel_area_m2(str(before)) / 1e4
        zone_strips = zone_table = None
        if zones is not None:
            zone_strips = ZoneStrips(zones, grid, allow_ballpark=allow_ballpark)
            zone_table, zop = zone_strips.table, zone_strips.operation
            record.add_input("zones", zones)
            if zop is not None:
                record.add_operation(f"zones {zones}", zop)
        codes = legend.codes
        nz = len(zone_table) + 1 if zone_table is not None else 1
        counts = np.zeros((nz, 100 * 100), dtype=np.int64)
        with OutputFolder(out, product=PRODUCT) as folder:
            stage = folder.staging
            strips = [
                Window(0, top, grid.width, min(rows_per_strip, grid.height - top))
                for top in range(0, grid.height, rows_per_strip)
            ]
            pairs = sorted({f * 100 + t for f in codes for t in codes})
            cmap = change_colours(legend, pairs)
            with cog_writer(
                stage / "change.tif",
                grid=grid,
                count=1,
                dtype="uint16",
                nodata=0,
                band_descriptions=["habitat_change_from_x100_plus_to"],
                tags={"PRODUCT": CHANGE_MAP_TAG},
                colormap=cmap,
            ) as dst:
                for w in strips:
                    old = lut[a.read(1, window=w)]
                    new = b.read(1, window=w).astype(np.uint16)
                    unknown = sorted((set(np.unique(old)) | set(np.unique(new))) - set(codes) - {0})
                    if unknown:
                        raise InputDataError(
                            f"{before if set(unknown) & set(np.unique(old)) else after} holds "
                            f"code(s) {unknown} the legend lacks; give --crosswalk or the right "
                            "legend."
                        )
                    ch = change_code(old, new)
                    dst.write(ch[np.newaxis], window=w)
                    zid = zone_strips.ids(w) if zone_strips is not None else np.zeros(ch.shape, int)
                    valid = ch > 0
                    flat = zid[valid].astype(np.int64) * 10000 + ch[valid]
                    counts += np.bincount(flat, minlength=counts.size).reshape(counts.shape)
            write_category_names(
                stage / "change.tif",
                {p: " → ".join(legend.by_code(c).name(lang) for c in split_code(p)) for p in pairs},
            )
            total = counts.sum(axis=0)
            keys = [legend.by_code(c).key for c in codes]
            matrix = pd.DataFrame(
                [[total[f * 100 + t] * pixel_ha for t in codes] for f in codes],
                index=pd.Index(keys, name="from"),
                columns=keys,
            ).round(4)
            matrix.to_csv(stage / "matrix.csv", lineterminator="\n")
            changes = _losses_gains(counts, codes, keys, zone_table, pixel_ha)
            changes.to_csv(stage / "changes.csv", index=False, lineterminator="\n")
            adjusted = None
            if reference is not None:
                adjusted = _adjusted(
                    reference,
                    reference_field,
                    stage / "change.tif",
                    total,
                    legend,
                    pixel_ha,
                    grid,
                    allow_ballpark,
                    record,
                )
                adjusted.to_csv(stage / "adjusted.csv", index=False, lineterminator="\n")
            changed_ha = float(sum(total[f * 100 + t] for f in codes for t in codes if f != t) * pixel_ha)
            _report(stage, matrix, changes, adjusted, changed_ha, lang)
            folder.set_record(record)
    return ChangeResult(Path(out), matrix, changes, adjusted, changed_ha)


def _losses_gains(
    counts: np.ndarray, codes: list[int], keys: list[str], zone_table: pd.DataFrame | None, pixel_ha: float
) -> pd.DataFrame:
    rows = []
    groups = [("(all)", "(all)", "(all)", counts.sum(axis=0))]
    if zone_table is not None:
        groups += [(z["country"], z["park"], z["zone"], counts[i + 1]) for i, z in zone_table.iterrows()]
    for country, park, zone, c in groups:
        for code, key in zip(codes, keys, strict=True):
            before = sum(c[code * 100 + t] for t in codes)
            after = sum(c[f * 100 + code] for f in codes)
            stable = c[code * 100 + code]
            if before or after:
                rows.append(
                    {
                        "country": country,
                        "park": park,
                        "zone": zone,
                        "class": key,
                        "before_ha": round(before * pixel_ha, 4),
                        "after_ha": round(after * pixel_ha, 4),
                        "loss_ha": round((before - stable) * pixel_ha, 4),
                        "gain_ha": round((after - stable) * pixel_ha, 4),
                        "net_ha": round((after - before) * pixel_ha, 4),
                    }
                )
    return pd.DataFrame(rows)


def _adjusted(
    reference: str,
    field: str,
    change_map: Path,
    total: np.ndarray,
    legend: Any,
    pixel_ha: float,
    grid: Any,
    allow_ballpark: bool,
    record: Any,
) -> pd.DataFrame:
    from habitatmap.geodesy import to_crs
    from habitatmap.habitat.accuracy.estimators import estimate
    from habitatmap.io.raster import open_raster
    from habitatmap.io.vector import read_vector

    frame, info = read_vector(reference, what="reference sample of the change map")
    if field not in frame.columns:
        raise InputDataError(
            f"The reference sample {reference} has no {field!r} column; name the column holding "
            "each point's change (1131 or korean_pine_broadleaf_forest>meadow_grassland)."
        )
    moved, op = to_crs(frame, grid.crs, allow_ballpark=allow_ballpark, what=f"reference {reference}")
    record.add_input("reference", info.source)
    if op is not None:
        record.add_operation(f"reference {reference}", op)

    def code_of(v: Any) -> int:
        text = str(v).strip()
        if ">" in text:
            f, t = (legend.lookup(s.strip()).code for s in text.split(">", 1))
            return f * 100 + t
        try:
            return int(float(text))
        except ValueError:
            raise InputDataError(
                f"The reference sample {reference} has {text!r} in {field}; write a change code "
                "(1131) or from_key>to_key."
            ) from None

    ref = np.array([code_of(v) for v in moved[field]])
    with open_raster(change_map, what="change map") as ds:
        mapped = np.array(
            [v[0] for v in ds.sample(list(zip(moved.geometry.x, moved.geometry.y, strict=True)))]
        )
    ok = mapped > 0
    if not ok.any():
        raise InputDataError(f"No point of {reference} falls on the change map; check its CRS and extent.")
    sizes = {str(int(c)): int(total[c]) for c in np.nonzero(total)[0]}
    acc = estimate(
        mapped[ok],
        ref[ok],
        mapped[ok],
        sizes,
        pixel_area_ha=pixel_ha,
        mapped_pixels={int(c): int(total[c]) for c in np.nonzero(total)[0]},
    )
    rows = []
    for i, c in enumerate(acc.classes):
        f, t = split_code(c)
        rows.append(
            {
                "code": c,
                "from": legend.by_code(f).key,
                "to": legend.by_code(t).key,
                "mapped_ha": round(float(total[c] * pixel_ha), 4),
                "adjusted_ha": round(float(acc.area_ha[i]), 4),
                "ci95_ha": round(float(acc.area_ci95_ha[i]), 4),
                "users_accuracy": round(float(acc.users_accuracy[i]), 4)
                if np.isfinite(acc.users_accuracy[i])
                else None,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["overall_accuracy"] = acc.overall_accuracy
    return out


def _report(
    stage: Path,
    matrix: pd.DataFrame,
    changes: pd.DataFrame,
    adjusted: pd.DataFrame | None,
    changed_ha: float,
    lang: str,
) -> None:
    lines = [
        "# Habitat change",
        "",
        f"- Area that changed class: **{changed_ha:.1f} ha**",
        "",
        "| class | before ha | after ha | loss ha | gain ha | net ha |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in changes[changes["zone"] == "(all)"].iterrows():
        lines.append(
            f"| {r['class']} | {r['before_ha']:.1f} | {r['after_ha']:.1f} | {r['loss_ha']:.1f} | "
            f"{r['gain_ha']:.1f} | {r['net_ha']:+.1f} |"
        )
    if adjusted is not None:
        lines += [
            "",
            "Area-adjusted estimates (stratified by the change map, Olofsson et al. 2014):",
            "",
            "| from | to | mapped ha | adjusted ha ± 95 % |",
            "|---|---|---|---|",
        ]
        for _, r in adjusted.iterrows():
            lines.append(
                f"| {r['from']} | {r['to']} | {r['mapped_ha']:.1f} | {r['adjusted_ha']:.1f} ± "
                f"{r['ci95_ha']:.1f} |"
            )
    (stage / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
