"""QGIS styles of the monitoring layers parse as QML and say what they draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from habitatmap.monitoring.styles import RAI_BREAKS, qml_for, styles_table


@pytest.mark.parametrize(
    "layer, renderer",
    [("cells", "singleSymbol"), ("stations", "singleSymbol"), ("summary_cells", "graduatedSymbol")],
)
def test_qml(layer, renderer):
    root = ET.fromstring(qml_for(layer).split("\n", 1)[1])
    assert root.find("renderer-v2").get("type") == renderer
    if layer == "summary_cells":
        assert len(root.findall(".//range")) == len(RAI_BREAKS) - 1
    table = styles_table([layer])
    assert list(table["f_table_name"]) == [layer] and table["useAsDefault"].all()
    with pytest.raises(ValueError):
        qml_for("nothing")
