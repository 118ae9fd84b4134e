"""Writing a zoning comparison: CSVs, a GeoPackage styled for QGIS, charts and ``report.md``.

The GeoPackage holds ``levels`` (the zones with their zone type and shared level), ``border_segments``
(every segment with the level facing it on each side), ``mismatch`` and ``conflicts`` (the
segments that differ by two levels or more, or where an activity prohibited on one side is allowed
facing it) and ``gaps`` (high-value habitat outside levels 1-2), each with a default QGIS style in
``layer_styles``. ``report.md`` has the tables in the chosen language and two charts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from habitatmap.legend.labels import label

__all__ = ["LEVEL_COLOURS", "ZoningComparison", "qml_for", "write_comparison"]

#: Fill colours of the levels (1 strictest, dark green, to 4, pale yellow; 5 "no zone" grey).
LEVEL_COLOURS = {1: "#1b5e20", 2: "#66bb6a", 3: "#c5e1a5", 4: "#fff59d", 5: "#bdbdbd"}


@dataclass
class ZoningComparison:
    """Everything a comparison found, ready to write."""

    levels: Any  # GeoDataFrame of the zones with levels (equal-area CRS)
    areas: Any  # DataFrame of level_areas
    crs: str  # the equal-area CRS of the areas
    by_level: Any = None  # RasterByLevel or None
    segments: Any = None  # GeoDataFrame of border_comparison or None
    change: Any = None  # DataFrame of level_change or None
    species: str | None = None
    notes: list[str] = field(default_factory=list)


def _rgba(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


def qml_for(layer: str, *, lang: str = "en") -> str:
    """The QGIS style (QML) of a layer of the comparison's GeoPackage."""
    from habitatmap.basemap.styles import _fill_symbol, _line_symbol

    root = ET.Element("qgis", version="3.22", styleCategories="Symbology")
    if layer == "levels":
        r = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr="level", symbollevels="0",
                          enableorderby="0", forceraster="0")
        cats, syms = ET.SubElement(r, "categories"), ET.SubElement(r, "symbols")
        for i, level in enumerate((1, 2, 3, 4)):
            ET.SubElement(cats, "category", value=str(level), symbol=str(i),
                          label=label(f"level_{level}", lang), render="true")
            _fill_symbol(syms, str(i), _rgba(LEVEL_COLOURS[level]), outline="90,90,90,255", width="0.2")
    elif layer in ("mismatch", "conflicts", "border_segments"):
        colour, width, style = {"mismatch": ("211,47,47,255", "1.2", "solid"),
                                "conflicts": ("255,143,0,255", "0.9", "dash"),
                                "border_segments": ("80,80,80,255", "0.4", "solid")}[layer]
        r = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0",
                          forceraster="0")
        _line_symbol(ET.SubElement(r, "symbols"), "0", colour, width, style)
    elif layer == "gaps":
        r = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0",
                          forceraster="0")
        _fill_symbol(ET.SubElement(r, "symbols"), "0", "123,31,162,140", outline="123,31,162,255",
                     width="0.3")
    else:
        raise ValueError(f"no style for layer {layer!r}")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body


def _styles(layers: list[str], lang: str) -> Any:
    import pandas as pd

    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return pd.DataFrame([{"f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                          "f_geometry_column": "geom", "styleName": f"habitatmap {name}",
                          "styleQML": qml_for(name, lang=lang), "styleSLD": "", "useAsDefault": True,
                          "description": f"habitatmap default style for {name}", "owner": "", "ui": "",
                          "update_time": now} for name in layers])


def _md_table(frame: Any, headers: dict[str, str]) -> str:
    cols = list(headers)
    lines = ["| " + " | ".join(headers[c] for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            cells.append("" if v is None or (isinstance(v, float) and v != v) else str(v).replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _chart_language(lang: str) -> tuple[str, dict[str, Any]]:
    """The language the charts can be labelled in, and the font arguments: matplotlib's default
    font holds Latin and Cyrillic (en, ru, mn, kk); Chinese needs an installed CJK font, else the
    charts fall back to English."""
    if lang != "zh":
        return lang, {}
    from habitatmap.basemap.sheetmap import _cjk_font

    family = _cjk_font()
    return ("zh", {"fontfamily": family}) if family else ("en", {})


def _chart(result: ZoningComparison, dest: Path, lang: str = "en") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lang, font = _chart_language(lang)

    totals = result.areas[result.areas["park"] == "(all)"]
    countries = sorted(set(totals["country"]))
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=110)
    left = {c: 0.0 for c in countries}
    for level in (1, 2, 3, 4):
        vals = [float(totals[(totals["country"] == c) & (totals["level"] == level)]["share_pct"].sum())
                for c in countries]
        ax.barh(countries, vals, left=[left[c] for c in countries], color=LEVEL_COLOURS[level],
                edgecolor="#555", label=label(f"level_{level}", lang))
        for c, v in zip(countries, vals, strict=True):
            left[c] += v
    ax.set_xlabel(label("share_pct", lang), **font)
    ax.set_xlim(0, 100)
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.25),
              prop={"family": font["fontfamily"]} if font else None)
    ax.set_title(label("protection_level", lang), **font)
    fig.tight_layout()
    fig.savefig(dest)
    plt.close(fig)


def _current_chart(table: Any, dest: Path, lang: str = "en") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lang, font = _chart_language(lang)

    fig, ax = plt.subplots(figsize=(5, 2.8), dpi=110)
    levels = list(table["level"])
    ax.bar([label(f"level_{lv}", lang) for lv in levels], list(table["share_pct"].fillna(0)),
           color=[LEVEL_COLOURS.get(lv, "#bdbdbd") for lv in levels], edgecolor="#555")
    ax.set_ylabel(label("share_pct", lang), **font)
    ax.set_title(label("current_by_level", lang), **font)
    ax.tick_params(axis="x", labelsize=7)
    if font:
        for t in ax.get_xticklabels():
            t.set_fontfamily(font["fontfamily"])
    fig.tight_layout()
    fig.savefig(dest)
    plt.close(fig)


def _markdown(result: ZoningComparison, legend: Any, lang: str, files: list[str]) -> str:
    t = lambda key: label(key, lang)  # noqa: E731 - a short alias keeps the tables readable
    level_name = {lv: t(f"level_{lv}") for lv in range(6)}
    out = [f"# {t('zoning_report')}", "",
           f"{t('equal_area')}: `{result.crs}`", ""]
    areas = result.areas.assign(level=result.areas["level"].map(level_name))
    if f"park_{lang}" in result.levels.columns:  # the protected areas' names in the report's language
        names_of = dict(zip(result.levels["park"], result.levels[f"park_{lang}"], strict=True))
        areas["park"] = [names_of.get(p, p) if p != "(all)" else p for p in areas["park"]]
    out += [f"## {t('protection_level')}", "", _md_table(areas, {
        "country": t("country"), "park": t("protected_area"), "level": t("protection_level"),
        "area_ha": t("area_ha"), "share_pct": t("share_pct")}), "", "![](levels.png)", ""]
    names = legend.names(lang)
    keys = {c.key: names[c.code] for c in legend.classes}
    if result.by_level is not None:
        hab = result.by_level.habitat.assign(level=result.by_level.habitat["level"].map(level_name),
                                             **{"class": result.by_level.habitat["class"].map(keys)})
        out += [f"## {t('habitat_by_level')}", "", _md_table(hab, {
            "level": t("protection_level"), "class": t("class"), "area_ha": t("area_ha"),
            "share_pct": t("share_pct")}), ""]
        if result.species is not None:
            gaps = result.by_level.gaps.assign(**{"class": result.by_level.gaps["class"].map(keys)})
            out += [f"## {t('gaps')} ({result.species})", "", _md_table(gaps, {
                "class": t("class"), "area_ha": t("area_ha")}), ""]
        if result.by_level.current is not None:
            cur = result.by_level.current.assign(level=result.by_level.current["level"].map(level_name))
            out += [f"## {t('current_by_level')}", "", _md_table(cur, {
                "level": t("protection_level"), "share_pct": t("share_pct")}), "", "![](current.png)", ""]
    if result.segments is not None:
        seg = result.segments
        countries = sorted(c[len("level_"):] for c in seg.columns if c.startswith("level_"))
        shown = seg.assign(**{f"level_{c}": seg[f"level_{c}"].map(level_name) for c in countries})
        headers = {"segment": "#", "from_km": "km", "to_km": "km", "length_km": t("length_km")}
        for c in countries:
            headers[f"level_{c}"] = f"{t('protection_level')} {c}"
            headers[f"depth_l1_{c}_km"] = f"{t('depth_l1')} {c}"
        headers["conflicts"] = t("conflicts")
        mism = shown[shown["mismatch"]]
        out += [f"## {t('border_mismatch')}", "",
                f"{t('mismatch')}: {len(mism)} / {len(seg)}, "
                f"{round(float(mism['length_km'].sum()), 3)} km", ""]
        out += [_md_table(mism if len(mism) else shown.head(0), headers), ""]
        conf = shown[shown["conflicts"] != ""]
        out += [f"### {t('conflicts')}", "", f"{len(conf)} / {len(seg)}", ""]
        if len(conf):
            out += [_md_table(conf, headers), ""]
        out += [f"### {t('depth_l1')}", ""]
        for c in countries:
            d = seg[f"depth_l1_{c}_km"].dropna()
            out.append(f"- {c}: {round(float(d.min()), 3) if len(d) else '—'}")
        out.append("")
    if result.change is not None:
        ch = result.change.assign(from_level=result.change["from_level"].map(level_name),
                                  to_level=result.change["to_level"].map(level_name))
        out += [f"## {t('level_change')}", "", _md_table(ch, {
            "from_level": f"{t('protection_level')} ({t('before')})",
            "to_level": f"{t('protection_level')} ({t('after')})",
            "area_ha": t("area_ha")}), ""]
    out += [f"- {n}" for n in result.notes]
    out += ["", " · ".join(f"`{f}`" for f in files), ""]
    return "\n".join(out)


def write_comparison(result: ZoningComparison, folder: Path, legend: Any, *, lang: str = "en",
                     record: Any = None) -> list[str]:
    """Write the comparison into ``folder``; returns the file names."""
    from habitatmap.geodesy import to_crs
    from habitatmap.io.atomic import write_text_atomic
    from habitatmap.io.vector import write_layers

    files: list[str] = []
    result.areas.to_csv(folder / "level_areas.csv", index=False)
    files.append("level_areas.csv")
    layers: dict[str, Any] = {"levels": result.levels}
    if result.by_level is not None:
        result.by_level.habitat.to_csv(folder / "habitat_by_level.csv", index=False)
        files.append("habitat_by_level.csv")
        if result.species is not None:
            result.by_level.gaps.to_csv(folder / "gaps.csv", index=False)
            files.append("gaps.csv")
            layers["gaps"] = result.by_level.gap_polygons
        if result.by_level.current is not None:
            result.by_level.current.to_csv(folder / "current_by_level.csv", index=False)
            _current_chart(result.by_level.current, folder / "current.png", lang)
            files += ["current_by_level.csv", "current.png"]
    if result.segments is not None:
        seg = result.segments
        seg.drop(columns="geometry").to_csv(folder / "border_segments.csv", index=False)
        files.append("border_segments.csv")
        layers["border_segments"] = seg
        layers["mismatch"] = seg[seg["mismatch"]]
        layers["conflicts"] = seg[seg["conflicts"] != ""]
    if result.change is not None:
        result.change.to_csv(folder / "level_change.csv", index=False)
        files.append("level_change.csv")
    # The GeoPackage is on the areas' equal-area CRS, so that QGIS measures what the report
    # measured; the gaps come on the habitat map's grid and are moved to it.
    if "gaps" in layers and layers["gaps"].crs != result.levels.crs:
        layers["gaps"], _ = to_crs(layers["gaps"], result.levels.crs, what="gap polygons")
    write_layers(folder / "zoning.gpkg", {**layers, "layer_styles": _styles(list(layers), lang)},
                 layer_options={"layer_styles": {"FID": "id"}}, provenance=record)
    files.append("zoning.gpkg")
    _chart(result, folder / "levels.png", lang)
    files.append("levels.png")
    countries = sorted(set(result.levels["country"]))
    if len(countries) == 2:
        from habitatmap.webmap.compare import build_compare

        cols = ["country", "park", "zone_value", "zone_id", "level", "iucn", "geometry"]
        sides = [(f"{c}: {label('protection_level', lang)}",
                  result.levels[result.levels["country"] == c][cols]) for c in countries]
        overlay = None
        if result.segments is not None and result.segments["mismatch"].any():
            mism = result.segments[result.segments["mismatch"]]
            keep = [c for c in mism.columns if c.startswith("level_") or c in ("segment", "from_km", "to_km",
                                                                                "conflicts")]
            overlay = (label("mismatch", lang), mism[[*keep, "geometry"]])
        build_compare(sides[0], sides[1], folder / "swipe.html", legend, lang=lang, colour_field="level",
                      colours={str(k): v for k, v in LEVEL_COLOURS.items()}, overlay=overlay)
        files.append("swipe.html")
    write_text_atomic(folder / "report.md", _markdown(result, legend, lang, files))
    files.append("report.md")
    return files
