"""QGIS styles (QML in the GeoPackage's ``layer_styles`` table) for the monitoring layers: grid
cells as outlines labelled with their ids, stations as points, and the summary's cells graduated by
their relative abundance index."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from itertools import pairwise
from typing import Any

__all__ = ["RAI_BREAKS", "qml_for", "styles_table"]

#: Class breaks of the relative abundance index (detections per 100 trap-nights) on summary maps.
RAI_BREAKS = (0.0, 0.5, 1.0, 2.0, 5.0, 1e9)
_RAI_COLOURS = ("255,255,204,220", "161,218,180,220", "65,182,196,220", "44,127,184,220", "37,52,148,220")


def _marker(parent: ET.Element, name: str, colour: str) -> None:
    from habitatmap.basemap.styles import _opt

    sym = ET.SubElement(
        parent, "symbol", type="marker", name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    layer = ET.SubElement(
        sym, "layer", attrib={"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"}
    )
    _opt(
        layer,
        {
            "name": "circle",
            "color": colour,
            "outline_color": "255,255,255,255",
            "size": "2.4",
            "size_unit": "MM",
            "outline_width": "0.3",
        },
    )


def qml_for(layer: str, *, lang: str = "en") -> str:
    """The QGIS style of a monitoring layer (``cells``, ``stations``, ``summary_cells``)."""
    from habitatmap.basemap.styles import _fill_symbol, _labels

    root = ET.Element("qgis", version="3.22", styleCategories="Symbology|Labeling")
    if layer == "cells":
        r = ET.SubElement(
            root, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0"
        )
        _fill_symbol(ET.SubElement(r, "symbols"), "0", "0,0,0,0", outline="30,30,30,255", width="0.25")
        _labels(root, "cell_id")
    elif layer == "stations":
        r = ET.SubElement(
            root, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0"
        )
        _marker(ET.SubElement(r, "symbols"), "0", "211,47,47,255")
        _labels(root, "station_id")
    elif layer == "summary_cells":
        r = ET.SubElement(
            root,
            "renderer-v2",
            type="graduatedSymbol",
            attr="rai",
            graduatedMethod="GraduatedColor",
            symbollevels="0",
            enableorderby="0",
            forceraster="0",
        )
        ranges, syms = ET.SubElement(r, "ranges"), ET.SubElement(r, "symbols")
        for i, (lo, hi) in enumerate(pairwise(RAI_BREAKS)):
            text = f"{lo:g} - {hi:g}" if hi < 1e8 else f">= {lo:g}"
            ET.SubElement(
                ranges, "range", lower=f"{lo}", upper=f"{hi}", symbol=str(i), label=text, render="true"
            )
            _fill_symbol(syms, str(i), _RAI_COLOURS[i], outline="90,90,90,255", width="0.2")
    else:
        raise ValueError(f"no style for layer {layer!r}")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


def styles_table(layers: list[str], *, lang: str = "en") -> Any:
    """Rows of the ``layer_styles`` table, one default style per layer."""
    import pandas as pd

    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return pd.DataFrame(
        [
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": name,
                "f_geometry_column": "geom",
                "styleName": f"habitatmap {name}",
                "styleQML": qml_for(name, lang=lang),
                "styleSLD": "",
                "useAsDefault": True,
                "description": f"habitatmap default style for {name}",
                "owner": "",
                "ui": "",
                "update_time": now,
            }
            for name in layers
        ]
    )
