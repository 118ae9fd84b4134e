"""Self-contained offline pages: folium maps with Leaflet inlined and no CDN, and their writer.

Leaflet's script, stylesheet and images come from the ``xstatic-leaflet`` package and are inlined,
and folium's CDN references (jQuery, Bootstrap, Font Awesome, ...) are dropped, so a map opens in a
field office with no internet. The writer refuses a page that would still load anything over
http(s).
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["escape_frame", "leaflet_assets", "offline_map", "write_offline"]


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from xstatic-leaflet, its images inlined as data URIs."""
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


def offline_map(**options: Any) -> Any:
    """A folium map with no CDN references, Leaflet's script and stylesheet inlined instead."""
    import folium
    from branca.element import Element

    fmap = folium.Map(tiles=None, control_scale=True, **options)
    fmap.default_js = []
    fmap.default_css = []
    js, css = leaflet_assets()
    fmap.get_root().header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css", index=0)
    fmap.get_root().header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js", index=1)
    return fmap


def write_offline(fmap: Any, out: Path) -> Path:
    """Render and write the page atomically, refusing one that would load a resource over http(s)."""
    from habitatmap.errors import OutputError
    from habitatmap.io.atomic import write_text_atomic

    page = fmap.get_root().render()
    remote = re.findall(r"""<(?:script|link|img)\b[^>]*(?:src|href)=["'](https?://[^"']+)""", page)
    if remote:  # a folium element brought its own CDN link: fail rather than ship a broken offline map
        raise OutputError(f"{out}: the page would load {remote[0]} from the internet; please report "
                          "this as a bug (web maps must work offline).")
    return write_text_atomic(out, page)


def escape_frame(gdf: Any, fields: list[str]) -> Any:
    """Only the displayed fields, every value escaped for HTML (missing values shown as empty).

    folium puts tooltip and popup values into the page as HTML without escaping them.
    """
    out = gdf[[f for f in fields if f in gdf.columns] + ["geometry"]].copy()
    for f in out.columns:
        if f != "geometry":
            out[f] = [html.escape("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
                      for v in out[f]]
    return out
