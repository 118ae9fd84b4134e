"""A survey agency's own seven-parameter datum shifts (``--datum-params FILE``).

Beijing 1954 and Xian 1980 have no accurate public transformation to WGS 84 or CGCS2000: PROJ knows
only a zero-shift "ballpark" step, tens to hundreds of metres off. Provincial surveying bureaux hold
local Bursa-Wolf parameter sets; a user who has one writes it in a small YAML file and habitatmap
applies it (and records it, with its source, in provenance). This module reads and checks such a
file and builds the PROJ step; :mod:`habitatmap.geodesy` decides where it is used.

File format::

    datum: Beijing 1954          # the datum as PROJ names it, or its geographic CRS (EPSG:4214)
    to: WGS 84                   # WGS 84 or CGCS2000 (both ITRF-aligned, the hub of every path)
    method: coordinate_frame     # or position_vector: the sign convention of the rotations
    tx: -12.7                    # translations, metres
    ty: 130.3
    tz: 54.8
    rx: 0.71                     # rotations, arc-seconds
    ry: -1.52
    rz: 2.06
    ds: -3.2                     # scale difference, parts per million
    accuracy_m: 1.5              # optional: the accuracy the agency states
    area: [129.5, 41.9, 131.5, 43.6]  # optional: where the set is valid (W, S, E, N degrees)
    source: Jilin Provincial Bureau of Surveying, parameter set 2015-07 (agreement 12/2019)
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from habitatmap.errors import ConfigError
from habitatmap.values import quote, validation_problem

__all__ = ["DatumParams", "helmert_step", "load_datum_params"]

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
_Shift = Annotated[float, Field(ge=-2000, le=2000, allow_inf_nan=False)]  # metres
_Rotation = Annotated[float, Field(ge=-60, le=60, allow_inf_nan=False)]  # arc-seconds
_Scale = Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]  # ppm


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    datum: _Text
    to: Literal["WGS 84", "CGCS2000"] = "WGS 84"
    method: Literal["coordinate_frame", "position_vector"]
    tx: _Shift
    ty: _Shift
    tz: _Shift
    rx: _Rotation = 0.0
    ry: _Rotation = 0.0
    rz: _Rotation = 0.0
    ds: _Scale = 0.0
    accuracy_m: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    area: Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], Field(min_length=4, max_length=4)] \
        | None = None
    source: _Text


@dataclass(frozen=True)
class DatumParams:
    """One checked parameter set: the shift from ``datum`` to an ITRF-aligned datum."""

    datum: str
    to: str
    method: str
    tx: float
    ty: float
    tz: float
    rx: float
    ry: float
    rz: float
    ds: float
    accuracy_m: float | None
    area: tuple[float, float, float, float] | None
    source: str
    file: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for provenance."""
        return asdict(self)

    def matches(self, datum_name: str) -> bool:
        """Whether this set applies to a CRS whose datum is ``datum_name``."""
        return _norm(datum_name) == _norm(self.datum)

    def covers(self, area: tuple[float, float, float, float]) -> bool:
        """Whether ``area`` (W, S, E, N degrees) lies inside the set's stated area (if it has one)."""
        if self.area is None:
            return True
        w, s, e, n = self.area
        return area[0] >= w - 1e-9 and area[1] >= s - 1e-9 and area[2] <= e + 1e-9 and area[3] <= n + 1e-9


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def load_datum_params(path: str | os.PathLike[str]) -> DatumParams:
    """Read and check a datum parameter file.

    Raises
    ------
    ConfigError
        One sentence naming the file, the field and the fix.
    """
    from habitatmap.io.yaml import read_yaml

    p = Path(path)
    doc = read_yaml(p, what="datum parameter file", missing="write one as docs/geodesy.md shows")
    if isinstance(doc, dict):
        for key in ("tx", "ty", "tz", "rx", "ry", "rz", "ds", "accuracy_m"):
            if isinstance(doc.get(key), int) and not isinstance(doc.get(key), bool):
                doc[key] = float(doc[key])  # 12 is as good as 12.0
        if isinstance(doc.get("area"), list):
            doc["area"] = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                           for v in doc["area"]]
    try:
        checked = _Doc.model_validate(doc)
    except ValidationError as err:
        raise ConfigError(f"{p}: {validation_problem(err)}; correct it (the format is in "
                          "docs/geodesy.md).") from None
    datum = checked.datum
    if datum.upper().startswith("EPSG:"):
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            crs = CRS.from_user_input(datum)
            datum = (crs.geodetic_crs or crs).datum.name
        except (CRSError, AttributeError):
            raise ConfigError(f"{p}: datum: {quote(checked.datum)} is not a known CRS; give the datum "
                              "name (Beijing 1954) or its geographic CRS (EPSG:4214).") from None
    area = tuple(checked.area) if checked.area else None
    if area and not (-180 <= area[0] < area[2] <= 180 and -90 <= area[1] < area[3] <= 90):
        raise ConfigError(f"{p}: area: {list(area)} is not W, S, E, N in degrees; correct it.")
    return DatumParams(datum=datum, to=checked.to, method=checked.method, tx=checked.tx, ty=checked.ty,
                       tz=checked.tz, rx=checked.rx, ry=checked.ry, rz=checked.rz, ds=checked.ds,
                       accuracy_m=checked.accuracy_m, area=area, source=checked.source, file=str(p))


def helmert_step(params: DatumParams, a: float, rf: float, *, inverse: bool = False,
                 lat_first: bool = False) -> str:
    """PROJ pipeline steps applying ``params`` to geographic degrees on the ellipsoid (a, 1/f).

    The input and output are longitude, latitude in degrees (latitude first with ``lat_first``);
    heights are kept (``push``/``pop``), as PROJ does for 2-D datum shifts. ``inverse`` goes from
    the ITRF-aligned datum back to ``params.datum``.
    """
    ellps = f"+a={a!r} +rf={rf!r}" if rf else f"+a={a!r} +b={a!r}"
    hub = "+ellps=WGS84" if params.to == "WGS 84" else "+ellps=GRS80"  # CGCS2000's ellipsoid is GRS80's
    helm = (f"+proj=helmert +x={params.tx!r} +y={params.ty!r} +z={params.tz!r} +rx={params.rx!r} "
            f"+ry={params.ry!r} +rz={params.rz!r} +s={params.ds!r} +convention={params.method}")
    steps = ["+proj=unitconvert +xy_in=deg +xy_out=rad", "+proj=push +v_3", f"+proj=cart {ellps}",
             helm, f"+inv +proj=cart {hub}", "+proj=pop +v_3", "+proj=unitconvert +xy_in=rad +xy_out=deg"]
    if inverse:  # the reverse path: each step inverted, in reverse order
        steps = ["+proj=unitconvert +xy_in=deg +xy_out=rad", "+proj=push +v_3", f"+proj=cart {hub}",
                 "+inv " + helm, f"+inv +proj=cart {ellps}", "+proj=pop +v_3",
                 "+proj=unitconvert +xy_in=rad +xy_out=deg"]
    if lat_first:
        steps = ["+proj=axisswap +order=2,1", *steps, "+proj=axisswap +order=2,1"]
    return " ".join(f"+step {s}" for s in steps)
