"""The offline web map: the base map, the habitat map and the corridors in one HTML file.

Layer names, the legend heading and the current scale come from the label catalogue
(:mod:`habitatmap.legend.labels`) in the chosen language. Vectors are moved to WGS 84 and rasters to
Web Mercator with the datum-safe operations of :mod:`habitatmap.geodesy` (a zero-shift step from an
older datum only with ``allow_ballpark``). Every attribute value shown in a tooltip or popup is
HTML-escaped (folium does not); ``online_basemap`` adds an OpenStreetMap layer, the only remote
content the file can then request.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation, to_crs
from habitatmap.legend.labels import label
from habitatmap.legend.model import Legend, check_language
from habitatmap.webmap.images import current_image, habitat_image, ratio_image
from habitatmap.webmap.offline import escape_frame, offline_map, write_offline

__all__ = ["PATH_STYLE", "WebMapResult", "build_webmap"]


def _css(rgba: str) -> tuple[str, float]:
    r, g, b, a = (int(v) for v in rgba.split(","))
    return f"#{r:02x}{g:02x}{b:02x}", round(a / 255, 3)


def _line_style(layer: str) -> dict[str, Any]:
    """A Leaflet path style from the shared QGIS styles (habitatmap.vector_styles): same colours,
    widths from mm at 96 dpi, dashes where QGIS dashes."""
    from habitatmap.basemap.styles import LINE_STYLES

    colour, width_mm, dash = LINE_STYLES[layer]
    css, opacity = _css(colour)
    style: dict[str, Any] = {"color": css, "opacity": opacity,
                             "weight": max(1.0, float(width_mm) * 96 / 25.4),
                             "fill": layer == "parks", "fillOpacity": 0.03}
    if dash == "dash":
        style["dashArray"] = "6 4"
    return style


def _zone_style(feature: dict[str, Any]) -> dict[str, Any]:
    from habitatmap.basemap.styles import ZONE_COLOURS

    fill, alpha = _css(ZONE_COLOURS.get(feature["properties"].get("zone_class", ""), "150,150,150,80"))
    return {"color": "#787878", "weight": 1, "fillColor": fill, "fillOpacity": alpha}


PATH_STYLE = {"color": "#00e5ff", "weight": 3}


@dataclass
class WebMapResult:
    """What :func:`build_webmap` wrote."""

    path: Path
    layers: list[str] = field(default_factory=list)
    classes: list[int] = field(default_factory=list)
    size_bytes: int = 0
    operations: dict[str, DatumOperation | None] = field(default_factory=dict)


def build_webmap(basemap: str | os.PathLike[str], out: str | os.PathLike[str], legend: Legend, *,
                 habitat: str | os.PathLike[str] | None = None,
                 corridors: str | os.PathLike[str] | None = None, lang: str = "en",
                 online_basemap: bool = False, allow_ballpark: bool = False,
                 zoning: str | os.PathLike[str] | None = None,
                 omniscape: str | os.PathLike[str] | None = None,
                 burns: Sequence[str | os.PathLike[str]] = (),
                 change: str | os.PathLike[str] | None = None) -> WebMapResult:
    """Write one self-contained HTML map of the base map and, when given, habitat and corridors.

    Parameters
    ----------
    basemap
        A GeoPackage from ``habitatmap basemap`` (layers parks, zones, border and the sheet grids).
    out
        The HTML file to write.
    legend
        Colours and names of the habitat classes.
    habitat
        A habitat map COG (shown as an image in the legend's colours).
    corridors
        A folder holding ``cum_current.tif`` (from ``corridors circuit``) and/or
        ``corridors.gpkg`` (from ``corridors leastcost``), or a demo output folder with ``circuit/``
        and ``leastcost/`` inside.
    lang
        Language of layer names, the legend and attributes: en, ru, zh or mn.
    online_basemap
        Add an OpenStreetMap layer (the only content fetched from the internet).
    zoning
        A folder from ``zoning compare``: its ``zoning.gpkg`` adds the shared protection levels
        and the mismatched border segments.
    omniscape
        A folder from ``corridors omniscape`` (or an Omniscape project folder): its
        ``normalized_cum_currmap.tif`` adds normalised current (impeded to channelled flow).
    burns
        Folders from ``change burn``: each ``severity.tif`` adds a burn severity layer.
    change
        A folder from ``change habitat``: its ``change.tif`` adds the changed pixels, a colour per
        from-to pair (the largest pairs in the legend).
    allow_ballpark
        Accept a zero-shift datum step for layers or rasters on an older datum.

    Raises
    ------
    InputDataError, GeodesyError
        Unreadable inputs; only a ballpark datum step available without ``allow_ballpark``.
    """
    from habitatmap.basemap.build import read_basemap
    from habitatmap.io.atomic import check_output_folder

    lang = check_language(lang)
    out = Path(out)
    check_output_folder(out)
    layers = read_basemap(basemap, [name for name, _ in _vector_fields(lang)])
    corridor_files = _corridor_files(corridors) if corridors is not None else (None, None)
    normalized = _normalized_file(omniscape) if omniscape is not None else None
    fmap = offline_map()
    result = WebMapResult(out)
    bounds: list[list[float]] = []
    if online_basemap:
        import folium

        folium.TileLayer("OpenStreetMap", name=label("osm", lang)).add_to(fmap)
    if habitat is not None:
        bounds += _add_habitat(fmap, result, habitat, legend, lang, allow_ballpark)
    bounds += _add_vectors(fmap, result, layers, lang, allow_ballpark, str(basemap))
    _add_corridors(fmap, result, *corridor_files, lang, allow_ballpark)
    if normalized is not None:
        _add_normalized(fmap, result, normalized, lang, allow_ballpark)
    if zoning is not None:
        _add_zoning(fmap, result, Path(zoning) / "zoning.gpkg", lang, allow_ballpark)
    palettes = [_add_burn(fmap, result, Path(b), lang, allow_ballpark) for b in burns]
    if change is not None:
        palettes.append(_add_change(fmap, result, Path(change), lang, allow_ballpark))
    if palettes:
        from branca.element import Element

        fmap.get_root().html.add_child(Element(
            '<div id="hm-change-legends" style="position:fixed;top:90px;left:10px;z-index:1000;'
            'max-height:40%;overflow:auto">' + "".join(palettes) + "</div>"))
    _finish(fmap, result, legend, lang, bounds)
    write_offline(fmap, out)  # OpenStreetMap tiles are requested by Leaflet, not by the page
    result.size_bytes = out.stat().st_size
    return result


def _vector_fields(lang: str) -> list[tuple[str, list[str]]]:
    name_field = {"en": "name_en", "ru": "name_ru", "zh": "name_zh", "mn": "name_en", "kk": "name_ru"}[lang]
    park_field = {"en": "park_en", "ru": "park_ru", "zh": "park_zh", "mn": "park_en", "kk": "park_ru"}[lang]
    return [("parks", [name_field, "country"]),
            ("zones", [park_field, "zone_national", "zone_class", "country"]),
            ("border", []), ("sheets_sk42", ["code"]), ("sheets_gbt13989", ["code"])]


def _add_habitat(fmap: Any, result: WebMapResult, habitat: str | os.PathLike[str], legend: Legend, lang: str,
                 allow_ballpark: bool) -> list[list[float]]:
    import folium

    classes, rgba_img, hb, op = habitat_image(habitat, legend, allow_ballpark=allow_ballpark)
    result.operations[str(habitat)] = op
    folium.raster_layers.ImageOverlay(rgba_img, bounds=hb, name=label("habitat_map", lang), opacity=0.8,
                                      interactive=False).add_to(fmap)
    result.classes = classes
    result.layers.append(label("habitat_map", lang))
    return hb


def _add_vectors(fmap: Any, result: WebMapResult, layers: dict[str, Any], lang: str, allow_ballpark: bool,
                 source: str) -> list[list[float]]:
    import folium

    bounds: list[list[float]] = []
    for layer, fields in _vector_fields(lang):
        if layer not in layers or layers[layer].empty:
            continue
        gdf, op = to_crs(layers[layer], "EPSG:4326", allow_ballpark=allow_ballpark, what=f"{source}:{layer}")
        result.operations[layer] = op
        shown = [f for f in fields if f in gdf.columns]
        style_fn = _zone_style if layer == "zones" else (lambda _f, s=_line_style(layer): s)
        sheet = layer.startswith("sheets")
        folium.GeoJson(
            escape_frame(gdf, shown).to_json(), name=label(layer, lang), style_function=style_fn,
            # Sheet codes are labels on the map; other layers show their attributes on hover and click.
            tooltip=folium.GeoJsonTooltip(fields=shown, labels=False, permanent=True, direction="center",
                                          class_name="hm-sheet-code") if sheet and shown
            else (folium.GeoJsonTooltip(fields=shown) if shown else None),
            popup=folium.GeoJsonPopup(fields=shown) if shown and not sheet else None).add_to(fmap)
        result.layers.append(label(layer, lang))
        if not sheet:  # whole sheets reach far beyond the area: not for the view
            b = gdf.total_bounds
            bounds += [[b[1], b[0]], [b[3], b[2]]]
    return bounds


def _add_zoning(fmap: Any, result: WebMapResult, gpkg: Path, lang: str, allow_ballpark: bool) -> None:
    """The shared protection levels (filled by level) and the mismatched border segments."""
    import folium

    from habitatmap.io.vector import read_vector
    from habitatmap.zoning.report import LEVEL_COLOURS

    if not gpkg.is_file():
        raise InputDataError(f"{gpkg}: not found; pass the folder of 'habitatmap zoning compare'.")
    levels, _ = read_vector(f"{gpkg}:levels", what="zoning levels")
    levels, op = to_crs(levels, "EPSG:4326", allow_ballpark=allow_ballpark, what=f"{gpkg}:levels")
    result.operations["levels"] = op
    shown = [f for f in ("country", "park", "zone_value", "level", "iucn") if f in levels.columns]

    def level_style(feature: dict) -> dict:
        colour = LEVEL_COLOURS.get(int(feature["properties"].get("level") or 5), "#bdbdbd")
        return {"color": "#555555", "weight": 0.6, "fillColor": colour, "fillOpacity": 0.55}

    folium.GeoJson(escape_frame(levels, shown).to_json(), name=label("protection_level", lang),
                   style_function=level_style, tooltip=folium.GeoJsonTooltip(fields=shown)).add_to(fmap)
    result.layers.append(label("protection_level", lang))
    mism, _ = read_vector(f"{gpkg}:mismatch", what="zoning mismatch")
    if len(mism):
        mism, _ = to_crs(mism, "EPSG:4326", allow_ballpark=allow_ballpark, what=f"{gpkg}:mismatch")
        fields = [c for c in mism.columns if c.startswith("level_") or c in ("from_km", "to_km", "conflicts")]
        folium.GeoJson(escape_frame(mism, fields).to_json(), name=label("mismatch", lang),
                       style_function=lambda _f: {"color": "#d32f2f", "weight": 6, "opacity": 0.9},
                       tooltip=folium.GeoJsonTooltip(fields=fields)).add_to(fmap)
        result.layers.append(label("mismatch", lang))


def _add_corridors(fmap: Any, result: WebMapResult, current: Path | None, paths: Path | None, lang: str,
                   allow_ballpark: bool) -> None:
    import folium
    from branca.element import Element

    from habitatmap.io.vector import read_vector

    if current is not None:
        img, cb, vmax, op = current_image(current, allow_ballpark=allow_ballpark)
        result.operations[str(current)] = op
        folium.raster_layers.ImageOverlay(img, bounds=cb, name=label("current", lang), opacity=0.85,
                                          interactive=False).add_to(fmap)
        result.layers.append(label("current", lang))
        scale = _scale_html("hm-current-scale", label("current", lang), "inferno", ["0", f"{vmax:.3g} A"], 30)
        fmap.get_root().html.add_child(Element(scale))
    if paths is not None:
        p, _ = read_vector(f"{paths}:paths", what="least-cost paths")
        p, op = to_crs(p, "EPSG:4326", allow_ballpark=allow_ballpark, what=f"{paths}:paths")
        result.operations[str(paths)] = op
        if not p.empty:
            fields = [f for f in ("name_a", "name_b", "lcd", "path_length_m", "cost_to_euclidean")
                      if f in p.columns]
            folium.GeoJson(escape_frame(p, fields).to_json(), name=label("paths", lang),
                           style_function=lambda _f: PATH_STYLE,
                           tooltip=folium.GeoJsonTooltip(fields=fields),
                           popup=folium.GeoJsonPopup(fields=fields)).add_to(fmap)
            result.layers.append(label("paths", lang))


def _swatches(items: list[tuple[tuple[int, int, int, int], str]]) -> str:
    """Legend rows: a colour square and its name (escaped)."""
    return "".join(
        f'<div class="hm-legend-item"><span style="display:inline-block;width:14px;height:14px;'
        f'background:rgb({r},{g},{b});margin-right:6px;border:1px solid #555"></span>'
        f"{html.escape(name)}</div>"
        for (r, g, b, _a), name in items)


def _palette_html(title: str, items: list[tuple[tuple[int, int, int, int], str]]) -> str:
    return (f'<div class="hm-palette" style="background:white;padding:8px 10px;border:1px solid #888;'
            f'font:12px sans-serif;margin-bottom:6px"><b>{html.escape(title)}</b>{_swatches(items)}</div>')


def _raster_in(folder: Path, name: str, command: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise InputDataError(f"{folder}: no {name}; pass the folder of 'habitatmap {command}'.")
    return path


def _add_burn(fmap: Any, result: WebMapResult, folder: Path, lang: str, allow_ballpark: bool) -> str:
    """A fire's severity classes in their colours; returns the legend block."""
    import folium

    from habitatmap.io.raster import read_category_names
    from habitatmap.io.text import read_json
    from habitatmap.webmap.images import palette_image

    path = _raster_in(folder, "severity.tif", "change burn")
    shown, colours, uri, bounds, op = palette_image(path, allow_ballpark=allow_ballpark, what="burn severity")
    result.operations[str(path)] = op
    record = folder / "provenance.json"
    fire = read_json(record, what="burn provenance").get("parameters", {}).get("fire", {}) \
        if record.is_file() else {}
    name = f"{label('burn_severity', lang)} {fire.get('fire_date') or folder.name}"
    folium.raster_layers.ImageOverlay(uri, bounds=bounds, name=name, opacity=0.85,
                                      interactive=False).add_to(fmap)
    result.layers.append(name)
    names = read_category_names(path)
    return _palette_html(name, [(colours[c], names.get(c, str(c))) for c in sorted(shown)])


def _add_change(fmap: Any, result: WebMapResult, folder: Path, lang: str, allow_ballpark: bool,
                top: int = 8) -> str:
    """The pixels whose class changed, a colour per from-to pair; returns the legend block (the
    ``top`` largest pairs)."""
    import folium

    from habitatmap.io.raster import read_category_names
    from habitatmap.webmap.images import palette_image

    path = _raster_in(folder, "change.tif", "change habitat")
    shown, colours, uri, bounds, op = palette_image(
        path, allow_ballpark=allow_ballpark, what="habitat change",
        keep=lambda codes: codes // 100 != codes % 100)
    result.operations[str(path)] = op
    name = label("habitat_change", lang)
    folium.raster_layers.ImageOverlay(uri, bounds=bounds, name=name, opacity=0.9, interactive=False,
                                      show=False).add_to(fmap)
    result.layers.append(name)
    names = read_category_names(path)
    largest = sorted(shown, key=lambda c: -shown[c])[:top]
    return _palette_html(name, [(colours[c], names.get(c, str(c))) for c in largest])


def _normalized_file(folder: str | os.PathLike[str]) -> Path:
    path = Path(folder) / "normalized_cum_currmap.tif"
    if not path.is_file():
        raise InputDataError(f"{folder}: no normalized_cum_currmap.tif; pass the folder of 'corridors "
                             "omniscape' (with flow potential).")
    return path


def _add_normalized(fmap: Any, result: WebMapResult, path: Path, lang: str, allow_ballpark: bool) -> None:
    """Omniscape's normalised current on a diverging ramp: below 1 impeded, above 1 channelled."""
    import folium
    from branca.element import Element

    img, nb, op = ratio_image(path, allow_ballpark=allow_ballpark)
    result.operations[str(path)] = op
    name = label("normalized_current", lang)
    folium.raster_layers.ImageOverlay(img, bounds=nb, name=name, opacity=0.85, interactive=False,
                                      show=False).add_to(fmap)
    result.layers.append(name)
    scale = _scale_html("hm-normalized-scale", name, "RdBu_r",
                        [f"{label('impeded', lang)} ¼", "1", f"4 {label('channelled', lang)}"], 100)
    fmap.get_root().html.add_child(Element(scale))


def _finish(fmap: Any, result: WebMapResult, legend: Legend, lang: str, bounds: list[list[float]]) -> None:
    import folium
    from branca.element import Element

    if result.classes:
        fmap.get_root().html.add_child(Element(_legend_html(legend, result.classes, lang,
                                                            label("habitat_classes", lang))))
    folium.LayerControl(collapsed=False).add_to(fmap)
    if bounds:
        arr = np.array(bounds)
        fmap.fit_bounds([[float(arr[:, 0].min()), float(arr[:, 1].min())],
                         [float(arr[:, 0].max()), float(arr[:, 1].max())]])


def _corridor_files(corridors: str | os.PathLike[str]) -> tuple[Path | None, Path | None]:
    folder = Path(corridors)
    cur = next((p for p in (folder / "cum_current.tif", folder / "circuit" / "cum_current.tif")
                if p.is_file()), None)
    paths = next((p for p in (folder / "corridors.gpkg", folder / "leastcost" / "corridors.gpkg")
                  if p.is_file()), None)
    if cur is None and paths is None:
        raise InputDataError(f"{folder}: no cum_current.tif or corridors.gpkg; pass the folder of "
                             "'corridors circuit' or 'corridors leastcost'.")
    return cur, paths


def _legend_html(legend: Legend, codes: list[int], lang: str, title: str) -> str:
    rows = _swatches([(legend.by_code(c).rgba, legend.by_code(c).name(lang)) for c in codes])
    return (f'<div id="hm-legend" style="position:fixed;bottom:70px;left:10px;z-index:1000;'
            f'background:white;padding:8px 10px;border:1px solid #888;font:12px sans-serif;'
            f'max-height:50%;overflow:auto">'
            f"<b>{html.escape(title)}</b>{rows}</div>")


def _scale_html(element_id: str, title: str, cmap: str, ticks: list[str], bottom_px: int) -> str:
    """A colour scale box (one per raster layer): the ramp and its tick labels, all text escaped."""
    import matplotlib

    ramp = matplotlib.colormaps[cmap]
    stops = ", ".join(matplotlib.colors.to_hex(ramp(t)) for t in np.linspace(0, 1, 9))
    spans = "".join(f"<span>{html.escape(t)}</span>" for t in ticks)
    return (f'<div id="{element_id}" style="position:fixed;bottom:{bottom_px}px;right:10px;z-index:1000;'
            f'background:white;padding:8px 10px;border:1px solid #888;font:12px sans-serif">'
            f"<b>{html.escape(title)}</b>"
            f'<div style="width:160px;height:12px;background:linear-gradient(to right, {stops})"></div>'
            f'<div style="display:flex;justify-content:space-between">{spans}</div></div>')
