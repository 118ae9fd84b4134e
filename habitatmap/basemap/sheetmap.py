"""Printable 1:100000 map sheets from the base map (PDF or PNG at true scale).

The page is sized from the sheet frame: the frame, drawn in its own datum (Pulkovo 1942 for SK-42,
CGCS2000 for GB/T 13989) and moved to the base map's CRS with the datum operation for the area,
occupies exactly its ground size / 100000 on paper, with margins for graticule labels, a legend
panel, a scale bar, a north arrow, a title in the chosen language and a CRS/datum note.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from habitatmap.basemap.sheets import parse_sheet
from habitatmap.errors import ConfigError, InputDataError
from habitatmap.geodesy import DatumOperation, transform_geometries
from habitatmap.io.atomic import atomic_path
from habitatmap.legend.labels import label
from habitatmap.legend.model import Legend, check_language
from habitatmap.scale import MAP_SCALE

__all__ = ["SheetMapResult", "render_sheet"]

#: Page layout in millimetres.
MARGIN_MM = 22.0
TITLE_MM = 22.0
LEGEND_MM = 75.0
FOOTER_MM = 26.0
GRATICULE_STEP_MIN = 5  # tick every 5' of arc

_CJK_FILES = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "msyh", "simhei",
              "pingfang")


@dataclass(frozen=True)
class SheetMapResult:
    """What :func:`render_sheet` wrote."""

    path: Path
    code: str
    page_mm: tuple[float, float]
    map_mm: tuple[float, float]
    operation: DatumOperation | None


def _cjk_font() -> str | None:
    """Family name of an installed font with Chinese glyphs (registered with matplotlib), or None."""
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("-", "") for key in _CJK_FILES):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _dms(value: float) -> str:
    d = int(value)
    m = round((value - d) * 60)
    if m == 60:
        d, m = d + 1, 0
    return f"{d}°{m:02d}′"


def render_sheet(
    code: str,
    basemap: str | os.PathLike[str],
    out: str | os.PathLike[str],
    legend: Legend,
    *,
    lang: str = "en",
    allow_ballpark: bool = False,
) -> SheetMapResult:
    """Render one 1:100000 sheet of the base map to PDF or PNG at true scale.

    Raises
    ------
    InputDataError
        Unknown sheet code, base map missing or not covering the sheet, no font for the language.
    ConfigError
        Output not ``.pdf`` or ``.png``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from habitatmap.basemap.build import read_basemap

    check_language(lang)
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise ConfigError(f"{out}: not a .pdf or .png name; write the sheet as .pdf or .png.")
    sheet = parse_sheet(code)
    font = None
    if lang == "zh":
        font = _cjk_font()
        if font is None:
            raise InputDataError("no installed font has Chinese characters, so a Chinese sheet would "
                                 "print empty boxes; install one (Debian: apt install fonts-wqy-microhei "
                                 "or fonts-noto-cjk) or choose another --lang.")
    path = Path(basemap)
    layers = read_basemap(path, ["habitats", "zones", "parks", "border"])
    crs = layers["parks"].crs
    frame, op = transform_geometries(sheet.frame(), sheet.crs, crs, allow_ballpark=allow_ballpark,
                                     what=f"sheet {sheet.code} frame")
    x0, y0, x1, y1 = shapely.bounds(frame)
    if not any(len(g) and shapely.intersects(shapely.union_all(g.geometry.values), frame)
               for g in layers.values()):
        raise InputDataError(f"{path}: has nothing on sheet {sheet.code}; pick a sheet of the base map's "
                             "area (see 'habitatmap sheets locate').")
    map_w, map_h = (x1 - x0) / MAP_SCALE * 1000, (y1 - y0) / MAP_SCALE * 1000
    page_w = MARGIN_MM + map_w + MARGIN_MM + LEGEND_MM
    page_h = FOOTER_MM + map_h + TITLE_MM + MARGIN_MM
    text = {k: label(k, lang) for k in ("legend", "scale", "north", "park", "border", "km")}
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "font.size": 8}
    with plt.rc_context(rc):
        fig = plt.figure(figsize=(page_w / 25.4, page_h / 25.4))
        ax = fig.add_axes((MARGIN_MM / page_w, FOOTER_MM / page_h, map_w / page_w, map_h / page_h))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_axis_off()
        handles = []
        present: list[int] = []
        if "habitats" in layers and len(layers["habitats"]):
            hab = layers["habitats"].clip(frame)
            present = [c for c in legend.codes if c in set(hab["code"])]
            colours = {c.code: c.colour for c in legend.classes}
            if len(hab):
                hab.plot(ax=ax, color=[colours[c] for c in hab["code"]], linewidth=0)
            handles += [Patch(facecolor=colours[c], label=legend.by_code(c).name(lang)) for c in present]
        if "zones" in layers and len(layers["zones"]):
            zones = layers["zones"].clip(frame)
            if len(zones):
                zones.boundary.plot(ax=ax, color="#b71c1c", linewidth=0.6, linestyle=":")
        if len(layers["parks"]):
            parks = layers["parks"].clip(frame)
            if len(parks):
                parks.boundary.plot(ax=ax, color="#1b5e20", linewidth=1.2)
            handles.append(Patch(facecolor="none", edgecolor="#1b5e20", label=text["park"]))
        if "border" in layers and len(layers["border"]):
            border = layers["border"].clip(frame)
            if len(border):
                border.plot(ax=ax, color="black", linewidth=1.5, linestyle="--")
            handles.append(Patch(facecolor="none", edgecolor="black", linestyle="--", label=text["border"]))
        # Every layer was clipped to the frame (slightly trapezoidal in the map CRS) above.
        ax.plot(*np.asarray(frame.exterior.coords).T, color="black", linewidth=1.0, zorder=6)
        _graticule(ax, sheet, crs, allow_ballpark)
        fig.text(MARGIN_MM / page_w, 1 - (MARGIN_MM * 0.6) / page_h,
                 f"{sheet.code}   ({sheet.in_system('gbt13989' if sheet.system == 'sk42' else 'sk42').code})",
                 fontsize=16, fontweight="bold", va="top")
        fig.text(MARGIN_MM / page_w, 1 - (MARGIN_MM * 0.6 + 9) / page_h, legend.legend.title.get(lang),
                 fontsize=10, va="top")
        lx = (MARGIN_MM + map_w + MARGIN_MM) / page_w
        fig.text(lx, (FOOTER_MM + map_h) / page_h, text["legend"], fontsize=11, fontweight="bold", va="top")
        if handles:
            fig.legend(handles=handles, loc="upper left", frameon=False, fontsize=7, handlelength=1.6,
                       bbox_to_anchor=(lx, (FOOTER_MM + map_h - 6) / page_h))
        _scale_bar(fig, page_w, page_h, text)
        _north_arrow(fig, page_w, page_h, map_w, map_h, text)
        datum = "Pulkovo 1942" if sheet.system == "sk42" else "CGCS2000"
        note = (f"{text['scale']}.  Frame: {sheet.crs} ({datum}); "
                f"map: {crs.to_string()} ({crs.name}); frame moved with: "
                f"{op.description if op else 'none (same CRS)'}.")
        fig.text(MARGIN_MM / page_w, 6 / page_h, note, fontsize=6, va="bottom")
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=fmt, dpi=200 if fmt == "png" else None)
        plt.close(fig)
    return SheetMapResult(out, sheet.code, (round(page_w, 2), round(page_h, 2)), (map_w, map_h), op)


def _graticule(ax, sheet, crs, allow_ballpark: bool) -> None:
    from shapely.geometry import Point

    w, s, e, n = sheet.bounds
    steps_x = round((e - w) * 60 / GRATICULE_STEP_MIN)
    steps_y = round((n - s) * 60 / GRATICULE_STEP_MIN)
    pts, labels = [], []
    for i in range(steps_x + 1):
        lon = w + i * GRATICULE_STEP_MIN / 60
        pts += [Point(lon, s), Point(lon, n)]
        labels += [("x", _dms(lon), "bottom"), ("x", _dms(lon), "top")]
    for j in range(steps_y + 1):
        lat = s + j * GRATICULE_STEP_MIN / 60
        pts += [Point(w, lat), Point(e, lat)]
        labels += [("y", _dms(lat), "left"), ("y", _dms(lat), "right")]
    moved, _ = transform_geometries(np.array(pts, dtype=object), sheet.crs, crs,
                                    allow_ballpark=allow_ballpark, what=f"sheet {sheet.code} graticule",
                                    densify=False)
    xmin, xmax = ax.get_xlim()
    tick = (xmax - xmin) * 0.01
    for p, (axis, text, side) in zip(moved, labels, strict=True):
        x, y = p.x, p.y
        if axis == "x":
            dy = -tick if side == "bottom" else tick
            ax.plot([x, x], [y, y + dy], color="black", linewidth=0.6, zorder=7, clip_on=False)
            ax.text(x, y + 2.2 * dy, text, ha="center", va="top" if side == "bottom" else "bottom",
                    fontsize=6, zorder=7, clip_on=False)
        else:
            dx = -tick if side == "left" else tick
            ax.plot([x, x + dx], [y, y], color="black", linewidth=0.6, zorder=7, clip_on=False)
            ax.text(x + 2.2 * dx, y, text, ha="right" if side == "left" else "left", va="center",
                    fontsize=6, zorder=7, clip_on=False)


def _scale_bar(fig, page_w: float, page_h: float, text: dict[str, str]) -> None:
    # 5 km at 1:100000 = 50 mm, in 1 km (10 mm) segments.
    left, bottom, seg = MARGIN_MM, 14.0, 10.0
    for k in range(5):
        fig.patches.append(_rect(fig, (left + k * seg) / page_w, bottom / page_h, seg / page_w,
                                           2.0 / page_h, "black" if k % 2 == 0 else "white"))
        fig.text((left + k * seg) / page_w, (bottom + 3) / page_h, str(k), fontsize=6, ha="center")
    fig.text((left + 5 * seg) / page_w, (bottom + 3) / page_h, f"5 {text['km']}", fontsize=6, ha="center")
    fig.text((left + 5 * seg + 8) / page_w, bottom / page_h, text["scale"], fontsize=8, va="bottom")


def _rect(fig, x: float, y: float, w: float, h: float, colour: str):
    """A rectangle patch in figure coordinates."""
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, transform=fig.transFigure, facecolor=colour, edgecolor="black",
                     linewidth=0.5, figure=fig)


def _north_arrow(fig, page_w: float, page_h: float, map_w: float, map_h: float, text: dict[str, str]) -> None:
    x = (MARGIN_MM + map_w + MARGIN_MM + LEGEND_MM / 2) / page_w
    y0, y1 = (FOOTER_MM + 8) / page_h, (FOOTER_MM + 24) / page_h
    fig.add_artist(_arrow(fig, x, y0, y1))
    fig.text(x, y1 + 2 / page_h, text["north"], ha="center", va="bottom", fontsize=12, fontweight="bold")


def _arrow(fig, x: float, y0: float, y1: float):
    """A north arrow in figure coordinates."""
    from matplotlib.patches import FancyArrow

    return FancyArrow(x, y0, 0, y1 - y0, width=0.004, head_width=0.02, head_length=(y1 - y0) * 0.35,
                      transform=fig.transFigure, color="black", length_includes_head=True)
