"""QGIS styles for the base map's layers, stored in the GeoPackage's ``layer_styles`` table so that
QGIS opens every layer styled (the table QGIS itself writes when a style is saved "in the database").

Habitat polygons use the legend's colours and class names in the chosen language; zones are
coloured by the shared zone class; parks, border and sheet frames have line styles with labels.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from habitatmap.legend.model import Legend

__all__ = ["LINE_STYLES", "ZONE_COLOURS", "layer_styles_table", "qml_for"]

#: Shared zone class -> fill colour (RGBA).
ZONE_COLOURS = {"core": "198,40,40,110", "general_control": "251,192,45,90"}
#: Line styles (colour "r,g,b,a", width in mm, "solid" | "dash"); the web map uses them too.
LINE_STYLES = {"parks": ("27,94,32,255", "0.8", "solid"), "border": ("0,0,0,255", "1.2", "dash"),
               "sheets_sk42": ("200,0,0,255", "0.3", "solid"),
               "sheets_gbt13989": ("0,70,200,255", "0.3", "dash"),
               "slivers": ("120,0,120,255", "0.4", "solid")}


def _opt(parent: ET.Element, values: dict[str, str]) -> None:
    opt = ET.SubElement(parent, "Option", type="Map")
    for k, v in values.items():
        ET.SubElement(opt, "Option", name=k, type="QString", value=v)


def _fill_symbol(parent: ET.Element, name: str, fill: str, outline: str = "60,60,60,255",
                 width: str = "0.1", style: str = "solid") -> None:
    sym = ET.SubElement(parent, "symbol", type="fill", name=name, alpha="1", clip_to_extent="1",
                        force_rhr="0")
    layer = ET.SubElement(sym, "layer", attrib={"class": "SimpleFill", "enabled": "1", "locked": "0",
                                                "pass": "0"})
    _opt(layer, {"color": fill, "outline_color": outline, "outline_width": width,
                 "outline_width_unit": "MM", "style": style, "outline_style": "solid"})


def _line_symbol(parent: ET.Element, name: str, colour: str, width: str, style: str) -> None:
    sym = ET.SubElement(parent, "symbol", type="line", name=name, alpha="1", clip_to_extent="1",
                        force_rhr="0")
    layer = ET.SubElement(sym, "layer", attrib={"class": "SimpleLine", "enabled": "1", "locked": "0",
                                                "pass": "0"})
    _opt(layer, {"line_color": colour, "line_width": width, "line_width_unit": "MM",
                 "line_style": style})


def _labels(root: ET.Element, field: str) -> None:
    lab = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    ET.SubElement(settings, "text-style", fieldName=field, fontSize="8", fontSizeUnit="Point",
                  textColor="40,40,40,255", isExpression="0")
    ET.SubElement(settings, "placement", placement="1")


def qml_for(layer: str, legend: Legend, *, lang: str = "en", zone_names: dict[str, str] | None = None) -> str:
    """The QML style of a base-map layer (``habitats``, ``zones``, ``parks``, ``border``,
    ``sheets_*``, ``slivers``)."""
    root = ET.Element("qgis", version="3.22", styleCategories="Symbology|Labeling")
    if layer == "habitats":
        r = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr="code", symbollevels="0",
                          enableorderby="0", forceraster="0")
        cats, syms = ET.SubElement(r, "categories"), ET.SubElement(r, "symbols")
        for i, c in enumerate(legend.classes):
            ET.SubElement(cats, "category", value=str(c.code), symbol=str(i), label=c.name(lang),
                          render="true")
            _fill_symbol(syms, str(i), ",".join(map(str, c.rgba)), outline="0,0,0,0", width="0")
    elif layer == "zones":
        r = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr="zone_class",
                          symbollevels="0", enableorderby="0", forceraster="0")
        cats, syms = ET.SubElement(r, "categories"), ET.SubElement(r, "symbols")
        for i, (key, colour) in enumerate(ZONE_COLOURS.items()):
            ET.SubElement(cats, "category", value=key, symbol=str(i),
                          label=(zone_names or {}).get(key, key), render="true")
            _fill_symbol(syms, str(i), colour, outline="120,120,120,255", width="0.2")
        _labels(root, "zone_national")
    elif layer in LINE_STYLES:
        colour, width, style = LINE_STYLES[layer]
        r = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0",
                          forceraster="0")
        syms = ET.SubElement(r, "symbols")
        if layer == "border":
            _line_symbol(syms, "0", colour, width, style)
        else:
            _fill_symbol(syms, "0", "0,0,0,0", outline=colour, width=width, style="no")
        label_field = {"parks": f"name_{lang}" if lang in ("en", "ru", "zh") else "name_en",
                       "sheets_sk42": "code", "sheets_gbt13989": "code", "slivers": "kind"}.get(layer)
        if label_field:
            _labels(root, label_field)
    else:
        raise ValueError(f"no style for layer {layer!r}")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


def layer_styles_table(layers: dict[str, Any] | list[str], legend: Legend, *, lang: str = "en",
                       zone_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows of the ``layer_styles`` table for the given layers (name -> GeoDataFrame), one default
    style per layer."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for name in layers:
        try:
            qml = qml_for(name, legend, lang=lang, zone_names=zone_names)
        except ValueError:
            continue
        rows.append({"f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                     "f_geometry_column": "geom",  # GDAL's geometry column name in a GeoPackage
                     "styleName": f"habitatmap {name}", "styleQML": qml, "styleSLD": "",
                     "useAsDefault": True, "description": f"habitatmap default style for {name}",
                     "owner": "", "ui": "", "update_time": now})
    return pd.DataFrame(rows)
