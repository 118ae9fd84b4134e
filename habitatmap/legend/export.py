"""Write the legend in the formats other GIS tools read.

* ``qml``  QGIS paletted-raster style (load with *Layer Properties > Style > Load Style*).
* ``sld``  OGC Styled Layer Descriptor 1.0 with a ``values`` ColorMap (GeoServer, QGIS, MapServer).
* ``clr``  GDAL colour text (``code R G B A label`` lines, ``nv`` for nodata), read by
  ``gdaldem color-relief -nearest_color_entry`` and ArcGIS-style ``.clr`` readers.
* ``json`` Every field of the legend with names in the chosen language, for web clients.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from habitatmap.errors import LegendError
from habitatmap.io.atomic import write_text_atomic
from habitatmap.legend.model import WORLDCOVER_CLASSES, Legend, check_language
from habitatmap.values import quote

__all__ = ["EXPORT_FORMATS", "export_legend", "render_legend", "to_clr", "to_json", "to_qml", "to_sld"]

EXPORT_FORMATS: tuple[str, ...] = ("qml", "sld", "clr", "json")

_SLD = "http://www.opengis.net/sld"
_OGC = "http://www.opengis.net/ogc"
_XLINK = "http://www.w3.org/1999/xlink"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _xml(root: ET.Element, doctype: str = "") -> str:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}{body}\n'


def to_qml(legend: Legend, lang: str = "en") -> str:
    """Return a QGIS paletted-raster style (QML) for band 1 of a classified raster."""
    root = ET.Element("qgis", {"version": "3.28.0", "styleCategories": "AllStyleCategories"})
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe, "rasterrenderer",
        {"type": "paletted", "band": "1", "opacity": "1", "alphaBand": "-1", "nodataColor": ""},
    )
    ET.SubElement(renderer, "rasterTransparency")
    palette = ET.SubElement(renderer, "colorPalette")
    for c in legend.classes:
        ET.SubElement(palette, "paletteEntry", {
            "value": str(c.code), "color": c.colour, "alpha": "255", "label": c.name(lang),
        })
    ET.SubElement(pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0", "gamma": "1"})
    ET.SubElement(pipe, "huesaturation", {"saturation": "0", "grayscaleMode": "0",
                                          "colorizeOn": "0"})
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    ET.SubElement(root, "blendMode").text = "0"
    return _xml(root, "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n")


def to_sld(legend: Legend, lang: str = "en") -> str:
    """Return an OGC SLD 1.0.0 raster style with one ColorMapEntry per class."""
    ET.register_namespace("sld", _SLD)
    ET.register_namespace("ogc", _OGC)
    ET.register_namespace("xlink", _XLINK)
    ET.register_namespace("xsi", _XSI)
    s = f"{{{_SLD}}}"
    root = ET.Element(f"{s}StyledLayerDescriptor", {
        "version": "1.0.0",
        f"{{{_XSI}}}schemaLocation":
            "http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd",
    })
    layer = ET.SubElement(root, f"{s}NamedLayer")
    ET.SubElement(layer, f"{s}Name").text = legend.id
    style = ET.SubElement(layer, f"{s}UserStyle")
    ET.SubElement(style, f"{s}Name").text = f"{legend.id}-{lang}"
    ET.SubElement(style, f"{s}Title").text = legend.legend.title.get(lang)
    rule = ET.SubElement(ET.SubElement(style, f"{s}FeatureTypeStyle"), f"{s}Rule")
    symb = ET.SubElement(rule, f"{s}RasterSymbolizer")
    ET.SubElement(symb, f"{s}Opacity").text = "1.0"
    cmap = ET.SubElement(symb, f"{s}ColorMap", {"type": "values"})
    ET.SubElement(cmap, f"{s}ColorMapEntry", {
        "color": "#000000", "quantity": str(legend.nodata), "opacity": "0", "label": "nodata",
    })
    for c in legend.classes:
        ET.SubElement(cmap, f"{s}ColorMapEntry", {
            "color": c.colour, "quantity": str(c.code), "opacity": "1.0", "label": c.name(lang),
        })
    return _xml(root)


def to_clr(legend: Legend, lang: str = "en") -> str:
    """Return GDAL colour text: ``code R G B A label`` per class and a transparent ``nv`` line.

    GDAL reads the first five tokens and ignores the label; no comment lines are written because
    GDAL's parser has no comment syntax.
    """
    lines = []
    for c in legend.classes:
        r, g, b, a = c.rgba
        lines.append(f"{c.code} {r} {g} {b} {a} {c.name(lang)}")
    lines.append("nv 0 0 0 0")
    return "\n".join(lines) + "\n"


def to_json(legend: Legend, lang: str = "en") -> str:
    """Return the legend as JSON, names in ``lang`` plus all languages under ``names``."""
    doc = {
        "legend": {
            "id": legend.id, "version": legend.version, "nodata": legend.nodata,
            "language": lang, "title": legend.legend.title.get(lang),
            "species": {k: {"scientific": v.scientific, "name": v.names.get(lang)}
                        for k, v in legend.legend.species.items()},
        },
        "classes": [
            {
                "code": c.code, "key": c.key, "name": c.name(lang),
                "names": c.names.model_dump(), "colour": c.colour, "rgba": list(c.rgba),
                "definition": c.definition,
                "worldcover": {"code": c.worldcover, "name": WORLDCOVER_CLASSES[c.worldcover]},
                "iucn": c.iucn.model_dump(exclude_none=True),
                "resistance": {sp: r.value for sp, r in c.resistance.items()},
            }
            for c in legend.classes
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


_RENDERERS = {"qml": to_qml, "sld": to_sld, "clr": to_clr, "json": to_json}


def render_legend(legend: Legend, fmt: str, *, lang: str = "en") -> str:
    """Return the legend rendered as ``fmt`` (one of :data:`EXPORT_FORMATS`) in ``lang``."""
    check_language(lang)
    try:
        renderer = _RENDERERS[fmt.lower()]
    except KeyError:
        raise LegendError(
            f"unknown export format {quote(fmt)}; choose one of {', '.join(EXPORT_FORMATS)}."
        ) from None
    return renderer(legend, lang)


def export_legend(
    legend: Legend, fmt: str, out: str | os.PathLike[str], *, lang: str = "en"
) -> Path:
    """Write the legend as ``fmt`` to ``out`` atomically and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from habitatmap.legend import load_legend
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "legend.clr"
    >>> export_legend(load_legend(), "clr", out).read_text().splitlines()[0]
    '11 27 94 32 255 Korean pine–broadleaf mixed forest'
    """
    return write_text_atomic(out, render_legend(legend, fmt, lang=lang))
