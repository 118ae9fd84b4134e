"""Swipe comparison of two layers on one offline page (e.g. Russian and Chinese zoning).

Each side draws into its own Leaflet pane, clipped at the slider's position. Vector layers are moved
to WGS 84 and rasters to Web Mercator datum-safely; every value, column name and file name that
reaches the page is escaped for HTML, and the data are handed to the page's script as JSON with
``</`` broken so that no string can close the script.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.errors import InputDataError
from habitatmap.geodesy import DatumOperation, to_crs
from habitatmap.legend.model import Legend, check_language
from habitatmap.webmap.images import habitat_image
from habitatmap.webmap.offline import escape_frame, offline_map, write_offline

__all__ = ["CompareResult", "build_compare", "compare_layer"]

#: Most attribute columns a side shows in its tooltips.
MAX_FIELDS = 8


@dataclass
class CompareResult:
    """What :func:`build_compare` wrote: the page and the datum operation used for each side."""

    path: Path
    operations: dict[str, DatumOperation | None] = field(default_factory=dict)


def compare_layer(spec: str | tuple[str, Any], legend: Legend, *, allow_ballpark: bool = False
                  ) -> tuple[str, dict[str, Any], list[list[float]], DatumOperation | None]:
    """``("geojson" | "image", payload, bounds, operation)`` for one side of a comparison: a
    ``FILE[:LAYER]`` or a ``(label, GeoDataFrame)`` pair."""
    from habitatmap.io.paths import split_layer
    from habitatmap.io.vector import read_vector

    if isinstance(spec, tuple):
        return _frame_side(spec[1], spec[0], allow_ballpark)
    path, _layer = split_layer(spec)
    if not path.exists():
        raise InputDataError(f"{spec}: file not found; pass FILE[:LAYER] of a vector layer or a raster.")
    if path.suffix.lower() in (".tif", ".tiff"):
        classes, img, bounds, op = habitat_image(path, legend, allow_ballpark=allow_ballpark)
        return "image", {"url": img, "classes": classes}, bounds, op
    gdf, info = read_vector(spec, what="layer")
    return _frame_side(gdf, info.source, allow_ballpark)


def _frame_side(gdf: Any, source: str, allow_ballpark: bool
                ) -> tuple[str, dict[str, Any], list[list[float]], DatumOperation | None]:
    gdf, op = to_crs(gdf, "EPSG:4326", allow_ballpark=allow_ballpark, what=source)
    columns = [c for c in gdf.columns if c != "geometry"][:MAX_FIELDS]
    data = escape_frame(gdf, columns)
    b = gdf.total_bounds
    payload = {"data": json.loads(data.to_json()), "fields": columns}
    return "geojson", payload, [[b[1], b[0]], [b[3], b[2]]], op


def build_compare(left: str | tuple[str, Any], right: str | tuple[str, Any], out: str | os.PathLike[str],
                  legend: Legend, *, lang: str = "en", allow_ballpark: bool = False,
                  colour_field: str | None = None, colours: dict[str, str] | None = None,
                  overlay: tuple[str, Any] | None = None) -> CompareResult:
    """Write an offline HTML page comparing two layers with a swipe: drag the slider to reveal one or
    the other.

    Parameters
    ----------
    left, right
        ``FILE[:LAYER]`` of vector layers (e.g. Russian and Chinese zoning) or habitat map rasters,
        or ``(label, GeoDataFrame)`` pairs.
    out
        The HTML file.
    legend
        Colours of habitat classes (for rasters).
    lang
        Language of the page's labels.
    allow_ballpark
        Accept a zero-shift datum step for layers on an older datum.
    colour_field, colours
        Fill vector features by this field's value (value -> ``#rrggbb``) instead of one colour a side.
    overlay
        ``(label, GeoDataFrame)`` of lines drawn over both sides, unclipped (e.g. mismatched
        border segments).

    Returns
    -------
    CompareResult
        The page written and the operation that moved each side (``None`` when none was needed).
    """
    from branca.element import Element

    from habitatmap.io.atomic import check_output_folder

    check_language(lang)
    out = Path(out)
    check_output_folder(out)
    sides = {"left": compare_layer(left, legend, allow_ballpark=allow_ballpark),
             "right": compare_layer(right, legend, allow_ballpark=allow_ballpark)}
    fmap = offline_map()
    bounds = np.array([p for _, _, b, _ in sides.values() for p in b])
    fmap.fit_bounds([[float(bounds[:, 0].min()), float(bounds[:, 1].min())],
                     [float(bounds[:, 0].max()), float(bounds[:, 1].max())]])
    payload: dict[str, Any] = {
        side: {"kind": kind, "bounds": b, **content,
               "label": spec[0] if isinstance(spec, tuple) else Path(spec).name}
        for (side, (kind, content, b, _)), spec in zip(sides.items(), (left, right), strict=True)}
    if colour_field is not None:
        for side in ("left", "right"):
            payload[side]["colour_field"] = html.escape(colour_field)
            payload[side]["colours"] = {html.escape(str(k)): v for k, v in (colours or {}).items()}
    if overlay is not None:
        _, content, _, _ = _frame_side(overlay[1], overlay[0], allow_ballpark)
        payload["overlay"] = {**content, "label": overlay[0],
                              "labels": [html.escape(f) for f in content["fields"]]}
    for side in payload.values():  # column names reach the page as HTML too
        if "fields" in side:
            side["labels"] = [html.escape(f) for f in side["fields"]]
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    map_var = fmap.get_name()
    fmap.get_root().html.add_child(Element(
        '<div id="hm-swipe" style="position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:1000;'
        'background:white;padding:6px 10px;border:1px solid #888;font:12px sans-serif">'
        f'<span id="hm-left-label">{html.escape(payload["left"]["label"])}</span> '
        '<input id="hm-slider" type="range" min="0" max="1000" value="500" style="width:240px"> '
        f'<span id="hm-right-label">{html.escape(payload["right"]["label"])}</span></div>'))
    fmap.get_root().script.add_child(Element(_SWIPE_JS.replace("__DATA__", data).replace("__MAP__", map_var)))
    return CompareResult(write_offline(fmap, out), {(spec[0] if isinstance(spec, tuple) else spec): side[3]
                                                    for spec, side in zip((left, right), sides.values(),
                                                                          strict=True)})


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
        style: function (f) {
          if (d.colours) {  // by a field's value; values were HTML-escaped when the page was written
            var fill = d.colours[String(f.properties[d.colour_field])] || "#bdbdbd";
            return {color: "#555", weight: 1, fillColor: fill, fillOpacity: 0.7};
          }
          return {color: colours[side], weight: 2, fillOpacity: 0.25};
        },
        onEachFeature: function (f, layer) {
          // Values were HTML-escaped when the page was written.
          var rows = d.fields.map(function (k, i) {
            return "<b>" + d.labels[i] + "</b>: " + (f.properties[k] || "");
          });
          if (rows.length) { layer.bindTooltip(rows.join("<br>")); }
        }
      }).addTo(map);
    }
  });
  if (data.overlay) {
    map.createPane("hm-overlay");  // not "overlay": Leaflet's own overlayPane has that class name
    map.getPane("hm-overlay").style.zIndex = 430;
    L.geoJSON(data.overlay.data, {
      pane: "hm-overlay", renderer: L.svg({pane: "hm-overlay"}),
      style: function () { return {color: "#d32f2f", weight: 5, opacity: 0.9}; },
      onEachFeature: function (f, layer) {
        var o = data.overlay;  // labels and values were HTML-escaped when the page was written
        var rows = o.fields.map(function (k, i) {
          return "<b>" + o.labels[i] + "</b>: " + (f.properties[k] || "");
        });
        if (rows.length) { layer.bindTooltip(rows.join("<br>")); }
      }
    }).addTo(map);
  }
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
