"""A starting mapping for a user's own national layers: their fields, sample values, a guessed
target and, for zone layers, the distinct zone names as a table to fill with shared classes.

``habitatmap basemap mapping`` writes it as a commented YAML file to edit; ``basemap`` without
``--mapping`` uses it only when every guess is certain (each layer's target and country known,
every zone name recognised), and otherwise refuses and names that command.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from habitatmap.errors import ConfigError

__all__ = ["ZONE_WORDS", "LayerSketch", "draft_mapping", "infer_mapping", "mapping_yaml", "sketch_layer"]

#: Words of national zone names and the shared class each means (lower case, matched as a part of
#: the name). Russia: 33-FZ art. 15 national-park zones; China: national-park interim measures
#: (2022) and the nature-reserve regulations (1994).
ZONE_WORDS: dict[str, str] = {
    "заповедн": "core",  # заповедная зона: strict protection
    "особо охраняем": "general_control",
    "рекреац": "general_control",
    "хозяйствен": "general_control",
    "культурного наследия": "general_control",
    "традиционного": "general_control",
    "核心": "core",  # 核心保护区 / 核心区
    "一般控制": "general_control",
    "缓冲": "general_control",
    "实验": "general_control",
    "strict": "core",
    "core": "core",
    "buffer": "general_control",
    "recreation": "general_control",
    "general control": "general_control",
}
_ZONE_CLASSES = {
    "core": {"en": "Core (strict protection)", "ru": "Ядро (строгая охрана)", "zh": "核心保护区"},
    "general_control": {"en": "General control (regulated use)", "ru": "Регулируемое использование",
                        "zh": "一般控制区"},
}
_ZONE_FIELD = re.compile(r"(zone|zona|зон|功能|分区|区划|类型)", re.IGNORECASE)
_NAME_FIELD = re.compile(r"^(name|nam|nm|название|наимен|имя|名称|名字|保护区名|park)", re.IGNORECASE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_CJK = re.compile(r"[\u4E00-\u9FFF]")
_MAX_SAMPLES = 5
_MAX_ZONES = 200


@dataclass
class LayerSketch:
    """What a layer holds and what habitatmap guesses about it."""

    spec: str
    key: str
    geometry: str
    features: int
    crs: str
    fields: dict[str, list[str]]
    target: str | None
    country: str | None
    field_map: dict[str, str]
    zone_field: str | None = None
    zone_values: list[str] = field(default_factory=list)
    zone_class: dict[str, str | None] = field(default_factory=dict)
    doubts: list[str] = field(default_factory=list)

    @property
    def certain(self) -> bool:
        """Whether every guess is safe to use without asking the user."""
        return not self.doubts


def _script(values: list[str]) -> str | None:
    text = " ".join(values)
    if _CJK.search(text):
        return "zh"
    if _CYRILLIC.search(text):
        return "ru"
    return "en" if re.search(r"[A-Za-z]", text) else None


def _country(crs: str, script: str | None) -> str | None:
    from habitatmap.geodesy import datum_name

    try:
        datum = datum_name(crs) if crs else ""
    except Exception:  # an odd CRS: no guess from it
        datum = ""
    if datum.startswith(("Pulkovo", "Geodezicheskaya")):
        return "RUS"
    if datum.startswith(("China", "Beijing", "Xian", "New Beijing")):
        return "CHN"
    # Mongolian is written in Cyrillic too: a Cyrillic name alone is not a country.
    return {"zh": "CHN"}.get(script or "")


def _zone_guess(value: str) -> str | None:
    low = value.lower()
    for word, cls in ZONE_WORDS.items():
        if word in low:
            return cls
    return None


def sketch_layer(spec: str | os.PathLike[str], *, encoding: str | None = None,
                 assume_crs: str | None = None) -> LayerSketch:
    """Read one layer and guess its mapping entry.

    Raises
    ------
    InputDataError
        If the layer cannot be read.
    """
    from habitatmap.basemap.layers import read_layer
    from habitatmap.io.paths import split_layer

    gdf, info = read_layer(spec, encoding=encoding, assume_crs=assume_crs)
    path, layer = split_layer(str(spec))
    key = path.name + (f":{layer}" if layer else "")
    kinds = sorted({g for g in gdf.geom_type.dropna().unique()})
    geometry = "/".join(kinds) or "none"
    fields: dict[str, list[str]] = {}
    for col in gdf.columns:
        if col == gdf.geometry.name:
            continue
        # As text first: list-valued fields (GeoJSON arrays) are not hashable.
        values = list(gdf[col].dropna().astype(str).unique()[:_MAX_ZONES])
        fields[str(col)] = values
    doubts: list[str] = []
    lines = all(k in ("LineString", "MultiLineString") for k in kinds) and kinds
    polygons = all(k in ("Polygon", "MultiPolygon") for k in kinds) and kinds
    zone_field = None
    target: str | None
    if lines:
        target = "border"
    elif polygons:
        candidates = [c for c, vals in fields.items()
                      if _ZONE_FIELD.search(c) and vals and sum(_zone_guess(v) is not None for v in vals) > 0]
        candidates += [c for c, vals in fields.items() if c not in candidates and len(vals) > 1
                       and all(_zone_guess(v) is not None for v in vals)]
        zone_field = candidates[0] if candidates else None
        target = "zones" if zone_field else "parks"
    else:
        target = None
        doubts.append(f"its geometry is {geometry}: a park or zone layer has polygons, a border lines")
    names = [c for c in fields if _NAME_FIELD.search(c) and c != zone_field]
    field_map: dict[str, str] = {}
    script = None
    for col in names[:1]:
        script = _script(fields[col])
        if target == "parks" and script:
            field_map[f"name_{script}"] = col
        elif target == "zones" and script:
            field_map[f"park_{script}"] = col
        elif target == "border":
            field_map[f"name_{script or 'en'}"] = col
    if target == "border":
        for col in fields:  # a border layer often carries all three names already
            m = re.fullmatch(r"name[_-]?(en|ru|zh)", col, re.IGNORECASE)
            if m:
                field_map[f"name_{m.group(1).lower()}"] = col
    if target in ("parks", "zones") and not field_map:
        doubts.append("no field looks like the park's name: map one under 'fields' or give it under "
                      "'constants'")
    country = _country(info.crs, script or _script([v for vals in fields.values() for v in vals[:3]]))
    if target in ("parks", "zones") and country is None:
        doubts.append("its country cannot be told from its CRS or names: give 'country' (RUS, CHN, MNG, KAZ)")
    zone_values: list[str] = []
    zone_class: dict[str, str | None] = {}
    if target == "zones" and zone_field:
        field_map["zone_national"] = zone_field
        zone_values = fields[zone_field]
        zone_class = {v: _zone_guess(v) for v in zone_values}
        unknown = [v for v, c in zone_class.items() if c is None]
        if unknown:
            doubts.append(f"{len(unknown)} zone name(s) are not recognised ({', '.join(unknown[:3])}): give "
                          "each its shared class under 'zone_class'")
    return LayerSketch(spec=str(spec), key=key, geometry=geometry, features=info.features, crs=info.crs,
                       fields={c: v[:_MAX_SAMPLES] for c, v in fields.items()}, target=target,
                       country=country, field_map=field_map, zone_field=zone_field, zone_values=zone_values,
                       zone_class=zone_class, doubts=doubts)


def draft_mapping(sketches: list[LayerSketch], mapping_id: str = "my-layers") -> dict[str, Any]:
    """The mapping document the sketches suggest (unknowns left empty for the user)."""
    layers: dict[str, Any] = {}
    for s in sketches:
        entry: dict[str, Any] = {"target": s.target or "parks"}
        if s.target != "border":
            entry["country"] = s.country
        entry["fields"] = dict(s.field_map)
        if s.target == "zones":
            entry["zone_class"] = {v: c for v, c in s.zone_class.items()}
        layers[s.key] = entry
    return {"mapping": {"id": mapping_id, "description": "inferred by habitatmap basemap mapping"},
            "zone_classes": _ZONE_CLASSES, "layers": layers}


def infer_mapping(specs: list[str], *, encoding: str | None = None, assume_crs: str | None = None):
    """A mapping for ``specs`` inferred from the layers, when every guess is certain.

    Returns
    -------
    (Mapping, list[LayerSketch])

    Raises
    ------
    ConfigError
        Naming the first layer with a doubt and ``habitatmap basemap mapping``.
    """
    from habitatmap.basemap.mapping import mapping_from_doc

    sketches = [sketch_layer(s, encoding=encoding, assume_crs=assume_crs) for s in specs]
    for s in sketches:
        if not s.certain:
            raise ConfigError(f"{s.spec}: cannot infer its mapping ({s.doubts[0]}); run 'habitatmap basemap "
                              "mapping --layer ... --out mapping.yaml', complete that file and pass it with "
                              "--mapping.")
    return mapping_from_doc(draft_mapping(sketches, "inferred"), Path("(inferred mapping)")), sketches


def mapping_yaml(sketches: list[LayerSketch]) -> str:
    """The draft as a commented YAML file: each layer's fields with sample values, the guesses,
    and what is left to fill (``null``)."""
    import yaml

    def dump(obj: Any) -> str:
        return yaml.safe_dump(obj, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)

    doc = draft_mapping(sketches)
    out = ["# Mapping of your layers onto habitatmap's shared schema, drafted by",
           "# 'habitatmap basemap mapping'.",
           "# Check every guess, fill every null, then: habitatmap basemap --mapping THIS_FILE --layer ...",
           "# Schema fields: parks: country, name_en, name_ru, name_zh, source;",
           "#   zones: country, park_en, park_ru, park_zh, zone_national, zone_class, source;",
           "#   border: name_en, name_ru, name_zh, source.",
           "# 'fields' maps a schema field to a field of your layer; 'constants' gives a fixed value.",
           dump({"mapping": doc["mapping"], "zone_classes": doc["zone_classes"]}).rstrip(), "layers:"]
    for s, (key, entry) in zip(sketches, doc["layers"].items(), strict=True):
        out.append(f"  # {s.spec}: {s.features} features, {s.geometry}, {s.crs or 'no CRS'}")
        for col, vals in s.fields.items():
            sample = ", ".join(v if len(v) <= 40 else v[:39] + "…" for v in vals)
            out.append(f"  #   field {col}: {sample}".replace("\n", " "))
        for doubt in s.doubts:
            out.append(f"  #   TO DO: {doubt}")
        body = dump({key: entry}).rstrip().splitlines()
        out += ["  " + line for line in body]
    return "\n".join(out) + "\n"
