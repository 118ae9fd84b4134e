"""One provenance record for every product, and its canonical hash (the workflow cache key)."""

from __future__ import annotations

import json

import numpy as np

from habitatmap import __version__
from habitatmap.geodesy import transformer_for
from habitatmap.provenance import PROVENANCE_TAG, SCHEMA, Provenance, canonical_json, software_versions


def test_software_versions_is_a_dict_of_the_stack():
    v = software_versions("scikit-learn")
    assert v["habitatmap"] == __version__ and {"python", "gdal", "proj", "numpy", "rasterio"} <= set(v)
    assert "scikit-learn" in v and all(isinstance(x, str) for x in v.values())


def test_record_schema(tmp_path):
    src = tmp_path / "in.tif"
    src.write_bytes(b"data")
    out = tmp_path / "out.csv"
    out.write_text("1")
    rec = Provenance("corridors.leastcost", parameters={"max_distance": None, "months": {6, 7}},
                     seeds={"model": 3})
    rec.add_input("resistance", src).add_input("scene", id="LC08_X", sha256="ab" * 32)
    _, op = transformer_for(28422, 32652, area=(130.6, 42.8, 130.9, 43.1))
    rec.add_operation("cores", op).add_operation("nothing moved", None)
    rec.set_outputs({"out.csv": out})
    doc = rec.to_dict()
    assert doc["schema"] == SCHEMA and doc["product"] == "corridors.leastcost"
    assert doc["inputs"][0]["sha256"] and doc["inputs"][1] == {"role": "scene", "id": "LC08_X",
                                                               "sha256": "ab" * 32}
    assert doc["operations"] == [{"what": "cores", **op.to_dict()}]
    assert doc["outputs"][0]["path"] == "out.csv" and len(doc["outputs"][0]["sha256"]) == 64
    assert doc["parameters"]["months"] == [6, 7] and doc["seeds"] == {"model": 3}
    assert {"started", "finished", "seconds"} <= set(doc["timings"])
    assert doc["cache_key"] == rec.canonical_hash()
    again = Provenance.from_dict(json.loads(json.dumps(doc)))
    assert again.canonical_hash() == rec.canonical_hash()
    assert json.loads(rec.tags()[PROVENANCE_TAG])["product"] == "corridors.leastcost"


def test_canonical_hash_depends_on_content_not_paths_or_timings(tmp_path):
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    r1 = Provenance("composite", parameters={"method": "median"}).add_input("scene", a)
    r2 = Provenance("composite", parameters={"method": "median"}).add_input("scene", b)
    r2.finish()
    assert r1.canonical_hash() == r2.canonical_hash()  # the same bytes elsewhere: same result
    r3 = Provenance("composite", parameters={"method": "medoid"}).add_input("scene", a)
    assert r3.canonical_hash() != r1.canonical_hash()
    b.write_bytes(b"changed")
    r4 = Provenance("composite", parameters={"method": "median"}).add_input("scene", b)
    assert r4.canonical_hash() != r1.canonical_hash()
    r5 = Provenance("composite", parameters={"method": "median"}, seeds={"x": 1}).add_input("scene", a)
    assert r5.canonical_hash() != r1.canonical_hash()


def test_set_outputs_lists_folders_by_file(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("x")
    rec = Provenance("p").set_outputs({"d": tmp_path / "d", "missing": tmp_path / "nope"})
    assert [o["path"] for o in rec.outputs] == ["d/x.txt"]


def test_canonical_json_is_deterministic_and_plain():
    assert canonical_json({"b": 1, "a": [np.int64(2), float("nan")]}) == '{"a":[2,"nan"],"b":1}'
    assert canonical_json({"p": __import__("pathlib").Path("/x")}) == '{"p":"/x"}'
