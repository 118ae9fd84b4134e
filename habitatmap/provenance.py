"""One provenance record for every product: what went in, how, with what software, what came out.

A :class:`Provenance` holds the product kind, the software and library versions, the inputs with
their SHA-256 (or STAC item ids), the parameters, the random seeds, the datum operations used, the
outputs with their SHA-256 and the timings. It is written

* as ``provenance.json`` in every output folder (see :class:`habitatmap.io.OutputFolder`),
* as the ``HABITATMAP_PROVENANCE`` metadata tag of every COG (without the COG's own checksum, which
  the file cannot hold, and without timings, so the same inputs give byte-identical files), and
* as the ``provenance`` table of every GeoPackage.

:meth:`Provenance.canonical_hash` hashes what decides the result (product, inputs' checksums,
parameters, seeds, habitatmap version) and nothing that does not (paths, timings, outputs): the
workflow runner uses it as the cache key of a step.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from habitatmap import __version__

__all__ = ["PROVENANCE_TAG", "SCHEMA", "Provenance", "canonical_json", "software_versions"]

#: Schema identifier written in every record.
SCHEMA = "habitatmap-provenance/1"
#: Metadata tag holding the record in a GeoTIFF.
PROVENANCE_TAG = "HABITATMAP_PROVENANCE"

_CORE = ("numpy", "rasterio", "pyproj", "shapely", "pyogrio")


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def software_versions(*extra: str) -> dict[str, str]:
    """Versions of habitatmap, Python, GDAL, PROJ and the core libraries (plus ``extra``
    distributions, e.g. ``"scikit-learn"``), as a dict."""
    import pyproj
    import rasterio

    out = {"habitatmap": __version__, "python": platform.python_version(),
           "gdal": rasterio.__gdal_version__, "proj": pyproj.proj_version_str}
    for dist in (*_CORE, *extra):
        v = _version(dist)
        if v is not None:
            out[dist] = v
    return out


def _plain(value: Any) -> Any:
    """JSON-ready form: numbers stay numbers (non-finite ones become strings), paths strings."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_plain(v) for v in items]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical_json(value: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces) of ``value``."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Provenance:
    """The provenance record of one product.

    Attributes
    ----------
    product
        What the product is, e.g. ``composite`` or ``corridors.leastcost``.
    parameters
        The options that decide the result.
    inputs
        One dict per input: ``role``, ``path`` (as given), ``sha256`` (files) or ``id`` (STAC items).
    seeds
        Random seeds by name.
    operations
        Datum operations used, each with ``what`` it moved.
    outputs
        ``path`` (relative to the product's folder) and ``sha256`` of each output file.
    software
        Versions of habitatmap, Python, GDAL, PROJ and libraries.
    timings
        ``started``, ``finished`` (UTC ISO 8601) and ``seconds``.
    parts
        Records of the steps of a composite product (the demo's steps).
    """

    product: str
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    seeds: dict[str, int] = field(default_factory=dict)
    operations: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    software: dict[str, str] = field(default_factory=software_versions)
    timings: dict[str, Any] = field(default_factory=lambda: {"started": _now()})
    parts: list[Provenance] = field(default_factory=list)
    _t0: float = field(default_factory=time.perf_counter, repr=False, compare=False)

    def add_input(self, role: str, path: str | os.PathLike[str] | None = None, *,
                  sha256: str | None = None, checksum: bool = True, **extra: Any) -> Provenance:
        """Record an input: a file (checksummed unless ``sha256`` is given or ``checksum`` is off)
        or another kind of input given by ``extra`` fields (e.g. ``id=`` of a STAC item)."""
        from habitatmap.io.atomic import sha256_file

        entry: dict[str, Any] = {"role": role}
        if path is not None:
            entry["path"] = os.fspath(path)
            p = Path(path)
            if sha256 is None and checksum and p.is_file():
                sha256 = sha256_file(p)
        if sha256 is not None:
            entry["sha256"] = sha256
        entry.update({k: _plain(v) for k, v in extra.items()})
        self.inputs.append(entry)
        return self

    def add_operation(self, what: str, operation: Any) -> Provenance:
        """Record the datum operation used to move ``what`` (nothing when ``operation`` is None)."""
        if operation is not None:
            self.operations.append({"what": what, **_plain(operation)})
        return self

    def set_outputs(self, outputs: dict[str, str | os.PathLike[str]]) -> Provenance:
        """Record the outputs (name -> file; folders are listed with their files) with SHA-256."""
        from habitatmap.io.atomic import sha256_file

        self.outputs = []
        for name, path in sorted(outputs.items()):
            p = Path(path)
            if p.is_dir():
                for f in sorted(x for x in p.rglob("*") if x.is_file()):
                    self.outputs.append({"path": f"{name}/{f.relative_to(p).as_posix()}",
                                         "sha256": sha256_file(f)})
            elif p.is_file():
                self.outputs.append({"path": name, "sha256": sha256_file(p)})
        self.finish()
        return self

    def finish(self) -> Provenance:
        """Stamp the finishing time and duration."""
        self.timings["finished"] = _now()
        self.timings["seconds"] = round(time.perf_counter() - self._t0, 3)
        return self

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """The record as a JSON-ready dict.

        ``timings=False`` leaves the clock out (an empty ``timings``), so that a record embedded in a
        product makes the same inputs give byte-identical files.
        """
        doc = {"schema": SCHEMA, "product": self.product, "software": dict(self.software),
               "inputs": _plain(self.inputs), "parameters": _plain(self.parameters),
               "seeds": _plain(self.seeds), "operations": _plain(self.operations),
               "outputs": _plain(self.outputs), "timings": _plain(self.timings) if timings else {},
               "cache_key": self.canonical_hash()}
        if self.parts:
            doc["parts"] = [p.to_dict(timings=timings) for p in self.parts]
        return doc

    def to_json(self, *, timings: bool = True) -> str:
        """The record as compact JSON text (for a GeoTIFF tag or a GeoPackage table)."""
        return json.dumps(self.to_dict(timings=timings), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Provenance:
        """Inverse of :meth:`to_dict`."""
        return cls(product=doc["product"], parameters=dict(doc.get("parameters", {})),
                   inputs=list(doc.get("inputs", [])), seeds=dict(doc.get("seeds", {})),
                   operations=list(doc.get("operations", [])), outputs=list(doc.get("outputs", [])),
                   software=dict(doc.get("software", {})), timings=dict(doc.get("timings", {})),
                   parts=[cls.from_dict(p) for p in doc.get("parts", [])])

    def canonical_hash(self) -> str:
        """SHA-256 of what decides the result: product, parameters, seeds, the inputs' checksums
        (or ids) by role, and the habitatmap version. Paths, timings and outputs do not count."""
        # A checksummed (or identified) input counts by content, not by where it lies.
        inputs = sorted(({k: v for k, v in i.items() if k != "path"} if ("sha256" in i or "id" in i)
                         else dict(i) for i in self.inputs), key=canonical_json)
        key = {"product": self.product, "parameters": self.parameters, "seeds": self.seeds,
               "inputs": inputs, "habitatmap": self.software.get("habitatmap", __version__)}
        return hashlib.sha256(canonical_json(key).encode("utf-8")).hexdigest()

    def tags(self) -> dict[str, str]:
        """GeoTIFF metadata tags carrying the record (without timings: same inputs, same bytes)."""
        return {PROVENANCE_TAG: self.to_json(timings=False)}
