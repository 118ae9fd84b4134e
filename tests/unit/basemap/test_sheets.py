"""1:100000 sheet nomenclature (SK-42, GB/T 13989) against the worked examples and the formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from habitatmap.basemap.sheets import (
    SYSTEMS,
    Located,
    Sheet,
    frames_touching,
    locate,
    parse_sheet,
    sheet_at,
    sheet_frames,
    sheet_grid,
    sheets_in_bounds,
)
from habitatmap.errors import GeodesyError, InputDataError

# ../shared/design.md section 3
WORKED = [((131.25, 43.1667), "K-52-35", "K52D003011"), ((130.36, 42.87), "K-52-45", "K52D004009"),
          ((89.60, 49.75), "M-45-84", "M45D007012"), ((116.474, 39.908), "J-50-5", "J50D001005")]


def _by_formula(lon: float, lat: float) -> tuple[str, str]:
    """The design notes' formulas, written out independently of habitatmap.basemap.sheets."""
    letter = chr(ord("A") + math.floor(lat / 4))
    col = math.floor(lon / 6) + 31
    lat_top = (math.floor(lat / 4) + 1) * 4
    lon_west = (col - 31) * 6
    i = math.floor((lat_top - lat) / (1 / 3))
    j = math.floor((lon - lon_west) / 0.5)
    return f"{letter}-{col}-{12 * i + j + 1}", f"{letter}{col:02d}D{i + 1:03d}{j + 1:03d}"


@pytest.mark.parametrize(("lonlat", "sk42", "gbt"), WORKED)
def test_worked_examples(lonlat, sk42, gbt):
    assert sheet_at(*lonlat, "sk42").code == sk42
    assert sheet_at(*lonlat, "gbt13989").code == gbt
    assert parse_sheet(sk42).in_system("gbt13989").code == gbt
    assert parse_sheet(gbt).in_system("sk42").code == sk42
    w, s, e, n = parse_sheet(sk42).bounds
    assert w <= lonlat[0] < e and s <= lonlat[1] < n and e - w == 0.5 and n - s == pytest.approx(1 / 3)


def test_random_points_match_the_formulas():
    rng = np.random.default_rng(7)
    for lon, lat in zip(rng.uniform(70, 140, 2000), rng.uniform(20, 59.9, 2000), strict=True):
        sk, gb = _by_formula(lon, lat)
        assert sheet_at(lon, lat, "sk42").code == sk
        assert sheet_at(lon, lat, "gbt13989").code == gb
        assert parse_sheet(sk).code == sk and parse_sheet(gb).code == gb


def test_sheet_edges_are_half_open():
    assert sheet_at(131.0, 43.0, "sk42").code == "K-52-35"  # the sheet whose SW corner it is
    assert sheet_at(130.99999, 42.99999, "sk42").code == "K-52-46"
    assert sheet_at(131.0, 44.0, "sk42").code.startswith("L-52-")


def test_frames_tile_without_gaps_or_overlaps():
    bounds = (129.7, 42.1, 132.3, 44.6)  # across a million-sheet boundary (44 N)
    sheets = sheets_in_bounds(bounds, "sk42")
    frames = [box(*sh.bounds) for sh in sheets]
    union = shapely.union_all(frames)
    assert sum(f.area for f in frames) == pytest.approx(union.area, rel=1e-12)
    assert union.symmetric_difference(box(129.5, 42.0, 132.5, 44 + 2 / 3)).area < 1e-12
    assert len({sh.code for sh in sheets}) == len(sheets) == 6 * 8
    assert sheets[0].code == "L-52-128"  # north-west first: 44 deg 40' N, 129 deg 30' E
    assert sheets[-1].code == "K-53-61"  # south-east last: 42 deg N, 132 deg E, next million sheet


@pytest.mark.parametrize("code", ["K-52-145", "K-61-1", "K52D013001", "K52C003011", "52-K-35", ""])
def test_bad_codes(code):
    with pytest.raises(InputDataError, match="not a 1:100000 sheet code"):
        parse_sheet(code)


def test_out_of_range():
    with pytest.raises(InputDataError, match="longitude first"):
        sheet_at(43.0, 131.0, "sk42")
    with pytest.raises(InputDataError, match="north of 60"):
        sheet_at(90.0, 61.0, "sk42")
    with pytest.raises(InputDataError, match="unknown sheet system"):
        sheet_at(90.0, 50.0, "utm")


def test_locate_moves_the_point_into_each_datum():
    found = locate(131.25, 43.1667)
    assert found["sk42"].sheet.code == "K-52-35" and found["gbt13989"].sheet.code == "K52D003011"
    op = found["sk42"].operation
    assert "Pulkovo 1942 to WGS 84 (20)" in op.description and not op.ballpark
    # Pulkovo 1942 longitudes here are ~0.0011 deg (about 90 m) west of WGS 84's.
    dlon = found["sk42"].lonlat[0] - 131.25
    assert -0.0015 < dlon < -0.0007
    assert found["gbt13989"].operation.ballpark  # WGS 84 -> CGCS2000: ITRF-aligned, allowed


def test_frames_are_built_in_their_datum_and_reprojected():
    area = box(130.6, 42.85, 130.85, 43.02)
    sk, op_sk = sheet_frames(area, "EPSG:4326", "EPSG:32652", "sk42")
    gb, op_gb = sheet_frames(area, "EPSG:4326", "EPSG:32652", "gbt13989")
    assert op_gb.ballpark  # CGCS2000 -> WGS 84: both ITRF-aligned, a recorded zero shift
    assert sk["code"].tolist() == ["K-52-34", "K-52-46"]
    assert gb["code"].tolist() == ["K52D003010", "K52D004010"] == sk["other_code"].tolist()
    assert "Pulkovo 1942 to WGS 84 (20)" in op_sk.description
    # The same sheet numbers sit ~100 m apart on the ground: SK-42 frames are in Pulkovo 1942.
    shift = sk.geometry.iloc[0].centroid.distance(gb.geometry.iloc[0].centroid)
    assert 60 < shift < 150
    assert sk.is_valid.all() and len(sk.geometry.iloc[0].exterior.coords) > 100  # densified


def test_older_datum_with_only_a_ballpark_is_refused():
    # Beijing 1954 (EPSG:4214) has only a ballpark step to CGCS2000 here.
    with pytest.raises(GeodesyError, match="--allow-ballpark"):
        locate(131.25, 43.1667, crs="EPSG:4214")
    found = locate(131.25, 43.1667, crs="EPSG:4214", allow_ballpark=True)
    assert found["gbt13989"].operation.ballpark


def test_sheet_objects_grids_and_touching_frames():
    from habitatmap.area import area_from_bbox

    sh = sheet_at(131.25, 43.1667, "sk42")
    assert isinstance(sh, Sheet) and sh.code == "K-52-35" and sh.in_system("gbt13989").code == "K52D003011"
    assert sh.crs == SYSTEMS["sk42"][1] == "EPSG:4284" and len(sh.frame().exterior.coords) > 100
    hit = locate(131.25, 43.1667)["sk42"]
    assert isinstance(hit, Located) and hit.sheet.code == "K-52-35" and "(20)" in hit.operation.description
    touching = frames_touching(box(130.45, 42.95, 130.55, 43.05), "sk42")
    assert sorted(s.code for s in touching) == ["K-52-33", "K-52-34", "K-52-45", "K-52-46"]
    crs, layers = sheet_grid(area_from_bbox("130.45,42.95,130.55,43.05"))
    assert crs == "EPSG:32652" and set(layers) == {"sheets_sk42", "sheets_gbt13989"}
    assert "(20)" in layers["sheets_sk42"]["operation"].iloc[0]
