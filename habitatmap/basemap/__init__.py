"""The unified 1:100000 base map: national layers read and moved datum-safely, one schema through a
mapping, cross-border slivers, both national sheet nomenclatures, printable sheets, QGIS styles."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "Basemap": "build",
    "BasemapResult": "build",
    "LINE_STYLES": "styles",
    "LayerInfo": "layers",
    "Located": "sheets",
    "Mapping": "mapping",
    "SCHEMA": "mapping",
    "SLIVER_SEARCH_M": "slivers",
    "SYSTEMS": "sheets",
    "Sheet": "sheets",
    "SheetMapResult": "sheetmap",
    "ZONE_COLOURS": "styles",
    "build_basemap": "build",
    "frames_touching": "sheets",
    "generalise": "build",
    "harmonise": "mapping",
    "layer_styles_table": "styles",
    "load_mapping": "mapping",
    "locate": "sheets",
    "parse_sheet": "sheets",
    "qml_for": "styles",
    "read_basemap": "build",
    "read_layer": "layers",
    "render_sheet": "sheetmap",
    "repair": "layers",
    "sheet_at": "sheets",
    "sheet_frames": "sheets",
    "sheet_grid": "sheets",
    "sheets_in_bounds": "sheets",
    "sliver_report": "slivers",
    "to_project_crs": "layers",
    "write_basemap": "build",
})
