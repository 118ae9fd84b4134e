"""Offline interactive web maps: one self-contained HTML file (folium + Leaflet inlined).

Leaflet's script, stylesheet and images come from the ``xstatic-leaflet`` package and are inlined,
and folium's CDN references (jQuery, Bootstrap, Font Awesome, ...) are dropped, so the map opens in a
field office with no internet. ``online_basemap`` adds an OpenStreetMap layer, the only remote
content the file can then request.

Every attribute value shown in a tooltip or popup is HTML-escaped here: folium puts them into the
page as HTML without escaping.

The habitat map and the corridor current are reprojected to Web Mercator (nearest neighbour for
classes, average for current) and downsampled so their longer side is at most :data:`MAX_IMAGE_PX`
pixels, then embedded as PNG images.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import InputDataError
from habitatmap.legend import Legend, check_language

__all__ = ["MAX_IMAGE_PX", "WebMapResult", "build_compare", "build_webmap"]

#: Longest side, in pixels, of the habitat and current images embedded in a web map. A whole
#: Landsat-scene habitat map (7681 x 7821 px) then makes a 2.1 MB page (measured), and 2048 px is
#: finer than a screen shows at the overview zoom.
MAX_IMAGE_PX = 2048

LAYER_TITLES = {
    "en": {"habitat": "Habitat map", "parks": "National parks", "zones": "Park zones",
           "border": "State border",
           "sheets_sk42": "1:100000 sheets (SK-42)", "sheets_gbt13989": "1:100000 sheets (GB/T 13989)",
           "current": "Corridor current", "paths": "Least-cost paths", "legend": "Habitat classes",
           "osm": "OpenStreetMap"},
    "ru": {"habitat": "Карта местообитаний", "parks": "Национальные парки", "zones": "Зоны парков",
           "border": "Государственная граница", "sheets_sk42": "Листы 1:100000 (СК-42)",
           "sheets_gbt13989": "Листы 1:100000 (GB/T 13989)", "current": "Ток по коридорам",
           "paths": "Пути наименьшей стоимости", "legend": "Классы местообитаний", "osm": "OpenStreetMap"},
    "zh": {"habitat": "栖息地图", "parks": "国家公园", "zones": "功能分区", "border": "国界",
           "sheets_sk42": "1:10万图幅（SK-42）", "sheets_gbt13989": "1:10万图幅（GB/T 13989）",
           "current": "廊道电流", "paths": "最小成本路径", "legend": "栖息地类型", "osm": "OpenStreetMap"},
    "mn": {"habitat": "Амьдрах орчны зураг", "parks": "Үндэсний паркууд", "zones": "Паркийн бүсүүд",
           "border": "Улсын хил", "sheets_sk42": "1:100000 хуудас (SK-42)",
           "sheets_gbt13989": "1:100000 хуудас (GB/T 13989)", "current": "Коридорын гүйдэл",
           "paths": "Хамгийн бага зардлын зам", "legend": "Амьдрах орчны ангилал", "osm": "OpenStreetMap"},
}

def _css(rgba: str) -> tuple[str, float]:
    r, g, b, a = (int(v) for v in rgba.split(","))
    return f"#{r:02x}{g:02x}{b:02x}", round(a / 255, 3)


def _line_style(layer: str) -> dict[str, Any]:
    """A Leaflet path style from the shared QGIS styles (habitatmap.vector_styles): same colours,
    widths from mm at 96 dpi, dashes where QGIS dashes."""
    from habitatmap.vector_styles import LINE_STYLES

    colour, width_mm, dash = LINE_STYLES[layer]
    css, opacity = _css(colour)
    style: dict[str, Any] = {"color": css, "opacity": opacity,
                             "weight": max(1.0, float(width_mm) * 96 / 25.4),
                             "fill": layer == "parks", "fillOpacity": 0.03}
    if dash == "dash":
        style["dashArray"] = "6 4"
    return style


def _zone_style(feature: dict[str, Any]) -> dict[str, Any]:
    from habitatmap.vector_styles import ZONE_COLOURS

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


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from xstatic-leaflet, images inlined as data URIs."""
    import xstatic.pkg.leaflet as xl

    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        img = base / "images" / match.group(1)
        if not img.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode()})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return js, css


def _offline_map(**options: Any) -> Any:
    """A folium map with no CDN references, Leaflet's script and stylesheet inlined instead."""
    import folium
    from branca.element import Element

    fmap = folium.Map(tiles=None, control_scale=True, **options)
    fmap.default_js = []
    fmap.default_css = []
    js, css = _leaflet_assets()
    fmap.get_root().header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css", index=0)
    fmap.get_root().header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js", index=1)
    return fmap


def _write_offline(fmap: Any, out: Path) -> Path:
    """Render and write the page atomically, refusing one that would load a resource over http(s)."""
    from habitatmap.errors import OutputError
    from habitatmap.io import write_text_atomic

    page = fmap.get_root().render()
    remote = re.findall(r"""<(?:script|link|img)\b[^>]*(?:src|href)=["'](https?://[^"']+)""", page)
    if remote:  # a folium element brought its own CDN link: fail rather than ship a broken offline map
        raise OutputError(f"{out}: the page would load {remote[0]} from the internet; please report "
                          "this as a bug (web maps must work offline).")
    return write_text_atomic(out, page)


def _png(rgba: np.ndarray) -> str:
    import matplotlib.image

    buf = io.BytesIO()
    matplotlib.image.imsave(buf, rgba, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _to_mercator(path: str | os.PathLike[str],
                 resampling: str) -> tuple[np.ndarray, list[list[float]], float]:
    """Band 1 of a raster in Web Mercator, at most MAX_IMAGE_PX on its longer side; bounds in lat/lon."""
    import rasterio
    from pyproj import Transformer
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject

    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise InputDataError(f"{path}: not a readable raster ({err}); pass a GeoTIFF such as "
                             "habitat.tif or cum_current.tif.") from None
    if src.crs is None:
        src.close()
        raise InputDataError(f"{path}: the raster has no coordinate system, so it cannot be placed on "
                             "the map; write it with one.")
    with src:
        transform, width, height = calculate_default_transform(src.crs, "EPSG:3857", src.width, src.height,
                                                               *src.bounds)
        scale = max(width, height) / MAX_IMAGE_PX
        if scale > 1:
            width, height = round(width / scale), round(height / scale)
            transform = transform * transform.scale(scale, scale)
        nodata = src.nodata
        dst = np.full((height, width), nodata if nodata is not None else np.nan,
                      dtype=np.float32 if src.dtypes[0].startswith("float") else src.dtypes[0])
        reproject(rasterio.band(src, 1), dst, dst_transform=transform, dst_crs="EPSG:3857",
                  dst_nodata=nodata, resampling=getattr(Resampling, resampling))
    left, top = transform.c, transform.f
    right, bottom = left + width * transform.a, top + height * transform.e
    to_ll = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (w, e), (s, n) = to_ll.transform([left, right], [bottom, top])
    return dst, [[s, w], [n, e]], float(nodata) if nodata is not None else float("nan")


def _escaped(gdf: Any, fields: list[str]) -> Any:
    """Only the displayed fields, every value escaped for HTML (missing values shown as empty)."""
    out = gdf[[f for f in fields if f in gdf.columns] + ["geometry"]].copy()
    for f in out.columns:
        if f != "geometry":
            out[f] = [html.escape("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
                      for v in out[f]]
    return out


def build_webmap(basemap: str | os.PathLike[str], out: str | os.PathLike[str], legend: Legend, *,
                 habitat: str | os.PathLike[str] | None = None,
                 corridors: str | os.PathLike[str] | None = None, lang: str = "en",
                 online_basemap: bool = False) -> WebMapResult:
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
    """
    import folium
    import geopandas as gpd
    import pyogrio
    from branca.element import Element

    from habitatmap.io import check_output_folder

    lang = check_language(lang)
    titles = LAYER_TITLES[lang]
    out = Path(out)
    check_output_folder(out)
    basemap = Path(basemap)
    if not basemap.is_file():
        raise InputDataError(f"{basemap}: base map not found; build it with 'habitatmap basemap'.")
    try:
        available = {name for name, _ in pyogrio.list_layers(basemap)}
    except Exception as err:  # pyogrio raises DataSourceError subclasses
        raise InputDataError(f"{basemap}: not a readable GeoPackage ({err}); pass the file "
                             "'habitatmap basemap' wrote.") from None

    fmap = _offline_map()
    if online_basemap:
        folium.TileLayer("OpenStreetMap", name=titles["osm"]).add_to(fmap)
    result = WebMapResult(out)
    bounds: list[list[float]] = []

    if habitat is not None:
        classes, rgba_img, hb = _habitat_image(habitat, legend)
        folium.raster_layers.ImageOverlay(rgba_img, bounds=hb, name=titles["habitat"], opacity=0.8,
                                          interactive=False).add_to(fmap)
        result.classes = classes
        result.layers.append(titles["habitat"])
        bounds += hb

    name_field = {"en": "name_en", "ru": "name_ru", "zh": "name_zh", "mn": "name_en"}[lang]
    park_field = {"en": "park_en", "ru": "park_ru", "zh": "park_zh", "mn": "park_en"}[lang]
    vector = [("parks", [name_field, "country"]),
              ("zones", [park_field, "zone_national", "zone_class", "country"]),
              ("border", []), ("sheets_sk42", ["code"]), ("sheets_gbt13989", ["code"])]
    for layer, fields in vector:
        if layer not in available:
            continue
        gdf = gpd.read_file(basemap, layer=layer).to_crs("EPSG:4326")
        if gdf.empty:
            continue
        shown = [f for f in fields if f in gdf.columns]
        data = _escaped(gdf, shown)
        style_fn = _zone_style if layer == "zones" else (lambda _f, s=_line_style(layer): s)
        sheet = layer.startswith("sheets")
        gj = folium.GeoJson(
            data.to_json(), name=titles[layer], style_function=style_fn,
            # Sheet codes are labels on the map; other layers show their attributes on hover and click.
            tooltip=folium.GeoJsonTooltip(fields=shown, labels=False, permanent=True, direction="center",
                                          class_name="hm-sheet-code") if sheet and shown
            else (folium.GeoJsonTooltip(fields=shown) if shown else None),
            popup=folium.GeoJsonPopup(fields=shown) if shown and not sheet else None)
        gj.add_to(fmap)
        result.layers.append(titles[layer])
        if not layer.startswith("sheets"):  # whole sheets reach far beyond the area: not for the view
            b = gdf.total_bounds
            bounds += [[b[1], b[0]], [b[3], b[2]]]

    if corridors is not None:
        folder = Path(corridors)
        cur = next((p for p in (folder / "cum_current.tif", folder / "circuit" / "cum_current.tif")
                    if p.is_file()), None)
        paths = next((p for p in (folder / "corridors.gpkg", folder / "leastcost" / "corridors.gpkg")
                      if p.is_file()), None)
        if cur is None and paths is None:
            raise InputDataError(f"{folder}: no cum_current.tif or corridors.gpkg; pass the folder of "
                                 "'corridors circuit' or 'corridors leastcost'.")
        if cur is not None:
            img, cb, vmax = _current_image(cur)
            folium.raster_layers.ImageOverlay(img, bounds=cb, name=titles["current"], opacity=0.85,
                                              interactive=False).add_to(fmap)
            result.layers.append(titles["current"])
            fmap.get_root().html.add_child(Element(_ramp_html(titles["current"], vmax)))
        if paths is not None:
            p = gpd.read_file(paths, layer="paths").to_crs("EPSG:4326")
            if not p.empty:
                fields = [f for f in ("name_a", "name_b", "lcd", "path_length_m", "cost_to_euclidean")
                          if f in p.columns]
                folium.GeoJson(_escaped(p, fields).to_json(), name=titles["paths"],
                               style_function=lambda _f: PATH_STYLE,
                               tooltip=folium.GeoJsonTooltip(fields=fields),
                               popup=folium.GeoJsonPopup(fields=fields)).add_to(fmap)
                result.layers.append(titles["paths"])

    if result.classes:
        fmap.get_root().html.add_child(Element(_legend_html(legend, result.classes, lang, titles["legend"])))
    folium.LayerControl(collapsed=False).add_to(fmap)
    if bounds:
        arr = np.array(bounds)
        fmap.fit_bounds([[float(arr[:, 0].min()), float(arr[:, 1].min())],
                         [float(arr[:, 0].max()), float(arr[:, 1].max())]])
    _write_offline(fmap, out)  # OpenStreetMap tiles are requested by Leaflet, not by the page
    result.size_bytes = out.stat().st_size
    return result


def _habitat_image(path: str | os.PathLike[str], legend: Legend) -> tuple[list[int], str, list[list[float]]]:
    arr, bounds, nodata = _to_mercator(path, "nearest")
    codes = [int(c) for c in np.unique(arr) if int(c) != legend.nodata and (np.isnan(nodata) or c != nodata)]
    rgba = np.zeros((*arr.shape, 4), dtype=np.uint8)
    cmap = legend.colormap()
    for c in codes:
        if c in cmap:
            rgba[arr == c] = cmap[c]
    known = [c for c in codes if c in cmap]
    return known, _png(rgba), bounds


def _current_image(path: Path) -> tuple[str, list[list[float]], float]:
    import matplotlib

    arr, bounds, _ = _to_mercator(path, "average")
    finite = np.isfinite(arr) & (arr > 0)
    vmax = float(np.quantile(arr[finite], 0.99)) if finite.any() else 1.0
    norm = np.clip(np.where(finite, arr, 0) / vmax, 0, 1)
    rgba = (matplotlib.colormaps["inferno"](norm) * 255).astype(np.uint8)
    rgba[..., 3] = np.where(finite, 200, 0)
    return _png(rgba), bounds, vmax


def _legend_html(legend: Legend, codes: list[int], lang: str, title: str) -> str:
    rows = []
    for c in codes:
        cls = legend.by_code(c)
        r, g, b, _a = cls.rgba
        rows.append(f'<div class="hm-legend-item"><span style="display:inline-block;width:14px;'
                    f'height:14px;background:rgb({r},{g},{b});margin-right:6px;border:1px solid #555"></span>'
                    f"{html.escape(cls.name(lang))}</div>")
    return (f'<div id="hm-legend" style="position:fixed;bottom:70px;left:10px;z-index:1000;'
            f'background:white;padding:8px 10px;border:1px solid #888;font:12px sans-serif;'
            f'max-height:50%;overflow:auto">'
            f"<b>{html.escape(title)}</b>{''.join(rows)}</div>")


def _ramp_html(title: str, vmax: float) -> str:
    import matplotlib

    ramp = matplotlib.colormaps["inferno"]
    stops = ", ".join(matplotlib.colors.to_hex(ramp(t)) for t in np.linspace(0, 1, 8))
    return (f'<div id="hm-current-scale" style="position:fixed;bottom:30px;right:10px;z-index:1000;'
            f'background:white;padding:8px 10px;border:1px solid #888;font:12px sans-serif">'
            f"<b>{html.escape(title)}</b>"
            f'<div style="width:160px;height:12px;background:linear-gradient(to right, {stops})"></div>'
            f'<div style="display:flex;justify-content:space-between"><span>0</span>'
            f"<span>{vmax:.3g} A</span></div></div>")


def _layer_for_compare(spec: str, legend: Legend) -> tuple[str, dict[str, Any], list[list[float]]]:
    """('geojson' | 'image', payload, bounds) for one side of a comparison."""
    from habitatmap.aoi import split_layer

    path, _layer = split_layer(spec)
    if not path.exists():
        raise InputDataError(f"{spec}: file not found; pass FILE[:LAYER] of a vector layer or a raster.")
    if path.suffix.lower() in (".tif", ".tiff"):
        classes, img, bounds = _habitat_image(path, legend)
        return "image", {"url": img, "classes": classes}, bounds
    from habitatmap.boundaries import read_layer

    gdf, _ = read_layer(spec)
    gdf = gdf.to_crs("EPSG:4326")
    fields = [c for c in gdf.columns if c != "geometry"][:8]
    data = _escaped(gdf, fields)
    b = gdf.total_bounds
    return "geojson", {"data": json.loads(data.to_json()), "fields": fields}, [[b[1], b[0]], [b[3], b[2]]]


def build_compare(left: str, right: str, out: str | os.PathLike[str], legend: Legend, *,
                  lang: str = "en") -> Path:
    """Write an offline HTML page comparing two layers with a swipe: drag the slider to reveal one or
    the other.

    Parameters
    ----------
    left, right
        ``FILE[:LAYER]`` of vector layers (e.g. Russian and Chinese zoning) or habitat map rasters.
    out
        The HTML file.
    legend
        Colours of habitat classes (for rasters).
    lang
        Language of the page's labels.
    """
    from branca.element import Element

    from habitatmap.io import check_output_folder

    check_language(lang)
    out = Path(out)
    check_output_folder(out)
    sides = {"left": _layer_for_compare(left, legend), "right": _layer_for_compare(right, legend)}
    fmap = _offline_map()
    bounds = np.array([p for _, _, b in sides.values() for p in b])
    fmap.fit_bounds([[float(bounds[:, 0].min()), float(bounds[:, 1].min())],
                     [float(bounds[:, 0].max()), float(bounds[:, 1].max())]])
    payload = {side: {"kind": kind, "bounds": b, **content,
                      "label": html.escape(Path(spec.split(":")[0]).name + (":" + spec.split(":", 1)[1]
                                                                              if ":" in spec else ""))}
               for (side, (kind, content, b)), spec in zip(sides.items(), (left, right), strict=True)}
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    map_var = fmap.get_name()
    fmap.get_root().html.add_child(Element(
        '<div id="hm-swipe" style="position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:1000;'
        'background:white;padding:6px 10px;border:1px solid #888;font:12px sans-serif">'
        f'<span id="hm-left-label">{payload["left"]["label"]}</span> '
        '<input id="hm-slider" type="range" min="0" max="1000" value="500" style="width:240px"> '
        f'<span id="hm-right-label">{payload["right"]["label"]}</span></div>'))
    fmap.get_root().script.add_child(Element(_SWIPE_JS.replace("__DATA__", data).replace("__MAP__", map_var)))
    return _write_offline(fmap, out)


# Our own swipe, run once the page has loaded (after folium has made the map): each side draws into
# its own pane with its own SVG renderer, and the panes are clipped at the slider's position, in
# layer coordinates, whenever the slider or the map moves.
_SWIPE_JS = """
window.addEventListener("load", function () {
  var map = __MAP__, data = __DATA__;
  var colours = {left: "#1565c0", right: "#c62828"};
  ["left", "right"].forEach(function (side) {
    map.createPane(side);
    map.getPane(side).style.zIndex = side === "left" ? 410 : 420;
    var d = data[side];
    if (d.kind === "image") {
      L.imageOverlay(d.url, d.bounds, {pane: side, opacity: 0.85}).addTo(map);
    } else {
      L.geoJSON(d.data, {
        pane: side, renderer: L.svg({pane: side}),
        style: function () { return {color: colours[side], weight: 2, fillOpacity: 0.25}; },
        onEachFeature: function (f, layer) {
          // Values were HTML-escaped when the page was written.
          var rows = d.fields.map(function (k) { return "<b>" + k + "</b>: " + (f.properties[k] || ""); });
          if (rows.length) { layer.bindTooltip(rows.join("<br>")); }
        }
      }).addTo(map);
    }
  });
  var slider = document.getElementById("hm-slider");
  function clip() {
    var nw = map.containerPointToLayerPoint([0, 0]);
    var se = map.containerPointToLayerPoint(map.getSize());
    var x = nw.x + map.getSize().x * slider.value / 1000;
    map.getPane("left").style.clip = "rect(" + [nw.y, x, se.y, nw.x].join("px,") + "px)";
    map.getPane("right").style.clip = "rect(" + [nw.y, se.x, se.y, x].join("px,") + "px)";
  }
  ["mousedown", "touchstart", "pointerdown"].forEach(function (e) {
    slider.addEventListener(e, function (ev) { ev.stopPropagation(); map.dragging.disable(); });
  });
  ["mouseup", "touchend", "pointerup"].forEach(function (e) {
    slider.addEventListener(e, function () { map.dragging.enable(); });
  });
  slider.addEventListener("input", clip);
  map.on("move zoom resize", clip);
  clip();
});
"""
