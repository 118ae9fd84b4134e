"""Property-based fuzzing of every parser the project owns or wraps.

The property: a parser given anything returns a result or raises the project's own error
(:class:`habitatmap.errors.HabitatmapError`), never another exception. Inputs are real documents
(the bundled legend, mapping, crosswalk, site file, a real STAC item, Circuitscape's own cases)
mutated at random, plus raw text, so that most examples reach deep into the parser.

The default run makes ``FUZZ_EXAMPLES`` examples per parser (part of ``make test``); the ``slow``
run makes ``FUZZ_EXAMPLES_SLOW``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habitatmap.errors import HabitatmapError
from tests.conftest import ROOT, SAMPLE

FUZZ_EXAMPLES = int(os.environ.get("HABITATMAP_FUZZ_EXAMPLES", "200"))
FUZZ_EXAMPLES_SLOW = 5000
CASES = ROOT / "tests" / "conformance" / "circuitscape" / "input" / "raster"

# Scalars that break naive parsers: NaN, infinities, huge and tiny numbers, booleans, None, long,
# empty and control-character strings, markup.
nasty_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "nan", "inf", "-1", "0", "1e999", "\x00", "\u2028", "<script>", "../../x",
                     "/vsizip/x", "x" * 300]),
    st.text(max_size=40),
)
nasty_values = st.recursive(nasty_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=8)


def _paths(doc, prefix=()):
    """Every path to a node of a JSON-like document."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _replace(doc, path, value):
    if not path:
        return value
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def mutations(doc, n=3):
    """A strategy of ``doc`` with up to ``n`` nodes replaced by nasty values (or deleted)."""
    paths = list(_paths(doc))

    @st.composite
    def mutate(draw):
        out = doc
        for _ in range(draw(st.integers(min_value=1, max_value=n))):
            current = list(_paths(out))
            path = draw(st.sampled_from(current if current else paths))
            if path and draw(st.booleans()) and isinstance(_get(out, path[:-1]), dict):
                out = copy.deepcopy(out)
                del _get(out, path[:-1])[path[-1]]
            else:
                out = _replace(out, path, draw(nasty_values))
        return out

    return mutate()


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def ours(call, *args, **kwargs):
    """Run a parser: a result, or the project's own error; anything else fails the example."""
    try:
        return call(*args, **kwargs)
    except HabitatmapError as err:
        text = str(err)
        assert text and "\n" not in text and len(text) < 2000, text[:300]
        return None


_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def fuzz(strategy, share: float = 1.0):
    """``@given(strategy)`` with the default run's example budget (times ``share``, for parsers
    slow per example); a ``<name>_long`` twin marked ``slow`` makes ``FUZZ_EXAMPLES_SLOW`` examples."""
    def wrap(test):
        fast = settings(max_examples=max(10, int(FUZZ_EXAMPLES * share)), deadline=None, database=None,
                        suppress_health_check=_QUIET)(given(strategy)(test))
        long = settings(max_examples=FUZZ_EXAMPLES_SLOW, deadline=None, database=None,
                        suppress_health_check=_QUIET)(given(strategy)(test))
        globals()[f"{test.__name__}_long"] = pytest.mark.slow(long)
        return fast

    return wrap


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _yaml_text(doc) -> str:
    try:
        return yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:  # e.g. a key PyYAML cannot represent: fall back to JSON, which is YAML
        return json.dumps(doc, default=str)


# --- YAML: legend, mapping, crosswalk, site; and raw YAML ---------------------------------------------

LEGEND_DOC = yaml.safe_load((ROOT / "styles" / "legend.yaml").read_text(encoding="utf-8"))
MAPPING_DOC = yaml.safe_load((ROOT / "workflows" / "tumen_mapping.yaml").read_text(encoding="utf-8"))
CROSSWALK_DOC = yaml.safe_load((ROOT / "styles" / "crosswalks" / "ru_forest_inventory.yaml")
                               .read_text(encoding="utf-8"))
SITE_DOC = yaml.safe_load((ROOT / "workflows" / "tumen.yaml").read_text(encoding="utf-8"))


@fuzz(mutations(LEGEND_DOC), share=0.4)
def test_legend_files(workdir, doc):
    from habitatmap.legend.model import load_legend

    p = workdir / "legend.yaml"
    p.write_text(_yaml_text(doc), encoding="utf-8")
    ours(load_legend, p)


@fuzz(mutations(MAPPING_DOC))
def test_mapping_files(workdir, doc):
    from habitatmap.basemap.mapping import load_mapping

    p = workdir / "mapping.yaml"
    p.write_text(_yaml_text(doc), encoding="utf-8")
    m = ours(load_mapping, p)
    if m is not None:
        for spec in list(m.layers)[:2]:
            ours(m.for_layer, spec)


@fuzz(mutations(CROSSWALK_DOC), share=0.4)
def test_crosswalk_files(workdir, doc):
    from habitatmap.legend.crosswalk import load_crosswalk
    from habitatmap.legend.model import load_legend

    p = workdir / "crosswalk.yaml"
    p.write_text(_yaml_text(doc), encoding="utf-8")
    ours(load_crosswalk, p, load_legend())


@fuzz(mutations(SITE_DOC))
def test_site_files(workdir, doc):
    from habitatmap.workflow.site import load_site

    p = workdir / "workflows" / "site.yaml"
    p.parent.mkdir(exist_ok=True)
    p.write_text(_yaml_text(doc), encoding="utf-8")
    ours(load_site, p)


YAML_CHARS = [*"ab: -[]{}&*!|>'\"#\n\t?,%@`~\\0123.", "\u2028", "\x00"]


@fuzz(st.text(alphabet=st.sampled_from(YAML_CHARS), max_size=200))
def test_raw_yaml_text(text):
    from habitatmap.io.yaml import parse_yaml

    ours(parse_yaml, text, where="fuzz.yaml")


# --- Circuitscape .ini and its text and grid inputs ------------------------------------------------------

INI = (CASES / "pairwise" / "1" / "sgVerify1.ini").read_text()
INI_KEYS = ["scenario", "habitat_file", "point_file", "output_file", "use_polygons", "polygon_file",
            "use_mask", "mask_file", "connect_four_neighbors_only", "habitat_map_is_resistances",
            "use_included_pairs", "included_pairs_file", "data_type", "source_file", "ground_file"]


@fuzz(st.lists(st.tuples(st.sampled_from(INI_KEYS), st.one_of(nasty_scalars.map(str), st.sampled_from(
    ["pairwise", "advanced", "one-to-all", "True", "False", "cellmap.asc", "points.asc", "out/x.out"]))),
    max_size=6))
def test_circuitscape_ini(workdir, changes):
    from habitatmap.corridors.circuitscape.config import load_config

    (workdir / "out").mkdir(exist_ok=True)
    for name in ("cellmap.asc", "points.asc", "polygons.asc"):
        target = workdir / name
        if not target.exists():
            target.write_bytes((CASES / "pairwise" / "1" / name).read_bytes())
    lines = INI.replace("input/raster/pairwise/1/", "").replace("output/", "out/").splitlines()
    for key, value in changes:
        value = value.replace("\n", " ").replace("\r", " ")
        lines = [f"{key} = {value}" if ln.split("=")[0].strip().lower() == key else ln for ln in lines]
    ini = workdir / "fuzz.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ours(load_config, ini, base=workdir)


@fuzz(st.text(max_size=300))
def test_circuitscape_ini_raw_text(workdir, text):
    from habitatmap.corridors.circuitscape.config import read_config

    ini = workdir / "raw.ini"
    ini.write_bytes(text.encode("utf-8", "surrogatepass"))
    ours(read_config, ini)


header_value = st.one_of(st.sampled_from(["3", "0", "-1", "nan", "inf", "1e10", "2.5", "abc", "", "200000"]),
                         st.integers(-5, 10).map(str), st.floats(allow_nan=True).map(repr))


@fuzz(st.tuples(header_value, header_value, header_value, header_value, header_value, header_value,
                st.lists(st.sampled_from(["1", "0", "-9999", "nan", "x", "1e400", "2", ""]), max_size=20)))
def test_ascii_grids(workdir, parts):
    from habitatmap.corridors.circuitscape.files import read_grid

    ncols, nrows, xll, yll, cell, nodata, cells = parts
    text = (f"ncols {ncols}\nnrows {nrows}\nxllcorner {xll}\nyllcorner {yll}\ncellsize {cell}\n"
            f"NODATA_value {nodata}\n" + " ".join(cells) + "\n")
    p = workdir / "grid.asc"
    p.write_text(text)
    g = ours(read_grid, p)
    if g is not None:
        assert g.data.shape == (g.grid.height, g.grid.width)


line = st.lists(st.one_of(st.sampled_from(["1", "2", "0.5", "-1", "nan", "inf", "1e999", "x", "mode", "min",
                                           "max", "include", "exclude", "3"]), st.integers(-3, 5).map(str)),
                max_size=4).map(" ".join)


@fuzz(st.lists(line, max_size=8))
def test_point_pair_and_strength_lists(workdir, lines):
    from habitatmap.corridors.circuitscape.files import (
        AsciiGrid,
        read_cell_values,
        read_pairs,
        read_points,
        read_strengths,
        read_text_rows,
    )
    from habitatmap.grid import Grid

    p = workdir / "list.txt"
    p.write_text("\n".join(lines) + "\n")
    import numpy as np
    from affine import Affine

    habitat = AsciiGrid(np.ones((3, 3)), Grid("", Affine(1.0, 0.0, 0.0, 0.0, -1.0, 3.0), 3, 3), -9999.0)
    ours(read_text_rows, p)
    ours(read_points, p, habitat, p)
    ours(read_cell_values, p, habitat, p)
    ours(read_pairs, p)
    ours(read_strengths, p)


# --- STAC items ---------------------------------------------------------------------------------------

ITEM_PATH = next(iter(sorted((SAMPLE / "stac").rglob("L*_T1.json"))))
ITEM_DOC = json.loads(ITEM_PATH.read_text())
for _a in ITEM_DOC["assets"].values():
    _a["href"] = str((ITEM_PATH.parent / _a["href"]).resolve())


def _json_safe(doc):
    """JSON cannot hold NaN or infinity: a mutated float that is one becomes text."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return str(doc)
    if isinstance(doc, dict):
        return {str(k): _json_safe(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_json_safe(v) for v in doc]
    return doc


@fuzz(st.lists(mutations(ITEM_DOC, n=4), min_size=1, max_size=3))
def test_stac_items(workdir, docs):
    from habitatmap.area import area_from_bbox
    from habitatmap.scenes.items import band_assets, load_items, qa_asset, summarize_item
    from habitatmap.scenes.pull import PullSettings, plan_grid

    p = workdir / "items.json"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [_json_safe(d) for d in docs]}))
    items = ours(load_items, p)
    for item in items or []:
        ours(summarize_item, item)
        ours(band_assets, item)
        ours(qa_asset, item)
    if items:
        ours(plan_grid, items, area_from_bbox("130.70,42.92,130.72,42.935"), PullSettings())


@fuzz(st.text(max_size=200))
def test_items_file_raw_text(workdir, text):
    from habitatmap.scenes.items import load_items

    p = workdir / "raw.json"
    p.write_bytes(text.encode("utf-8", "surrogatepass"))
    ours(load_items, p)


# --- small text parsers: options and CSV -------------------------------------------------------------------

OPTION_TEXT = st.one_of(st.text(max_size=40), st.lists(st.one_of(st.floats(), st.integers(-1000, 1000)
                                                               .map(float)), max_size=5)
                       .map(lambda v: ",".join(map(str, v))))


@fuzz(OPTION_TEXT)
def test_option_parsers(text):
    from habitatmap.area import area_from_bbox
    from habitatmap.basemap.sheets import parse_sheet
    from habitatmap.composite.spec import parse_months
    from habitatmap.corridors.resistance import parse_barrier
    from habitatmap.io.paths import check_local_path, split_layer
    from habitatmap.values import number

    ours(area_from_bbox, text)
    ours(parse_sheet, text)
    ours(parse_months, text)
    ours(parse_barrier, text)
    ours(number, text, what="x", minimum=0)
    ours(check_local_path, text)
    if "\x00" not in text:
        ours(split_layer, text)


CRS_TEXT = st.sampled_from(["EPSG:4326", "epsg:28422", "+proj=utm +zone=52", "auto", "EPSG:0",
                           "EPSG:99999999", "PROJCS[", '{"type": 1}'])


@fuzz(st.one_of(OPTION_TEXT, CRS_TEXT), share=0.1)
def test_crs_option(text):
    """PROJ's parser is slow on some junk (a database search), hence a quarter of the examples."""
    from habitatmap.geodesy import parse_crs

    ours(parse_crs, text)


@fuzz(st.lists(st.lists(st.one_of(st.sampled_from(["130.8", "42.95", "forest", "", "nan", "1e999",
                                                   '"', ",", "\n", "x"]), st.text(max_size=6)),
                        min_size=1, max_size=4), min_size=1, max_size=6))
def test_csv_samples(workdir, rows):
    """Training samples as CSV (GDAL's CSV driver reads X/Y columns as points)."""
    import csv

    from habitatmap.io.vector import read_vector

    p = workdir / "samples.csv"
    with p.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["X", "Y", "habitat", "note"][: max(len(r) for r in rows)])
        w.writerows(rows)
    ours(read_vector, p, what="training samples", assume_crs="EPSG:4326")


DATUM_DOC = {"datum": "Beijing 1954", "to": "WGS 84", "method": "coordinate_frame", "tx": -12.7,
             "ty": 130.3, "tz": 54.8, "rx": 0.71, "ry": -1.52, "rz": 2.06, "ds": -3.2, "accuracy_m": 1.5,
             "area": [129.5, 41.9, 131.5, 43.6], "source": "illustration"}


@fuzz(mutations(DATUM_DOC))
def test_datum_parameter_files(workdir, doc):
    """--datum-params files: a parameter set or one of our errors, and a usable set moves a point."""
    from habitatmap.datums import load_datum_params
    from habitatmap.geodesy import datum_parameters, transformer_for

    p = workdir / "params.yaml"
    p.write_text(_yaml_text(doc), encoding="utf-8")
    params = ours(load_datum_params, p)
    if params is not None:
        with datum_parameters([params]):
            t = ours(transformer_for, "EPSG:21422", "EPSG:4326", area=(130.3, 42.5, 130.9, 43.0))
        if t is not None:
            x, y = t[0].transform(22549000.0, 4741000.0)
            assert math.isfinite(x) and math.isfinite(y)


_SITE: dict[str, object] = {}


def _site_server():
    """One loopback static-file server for every example (stopping one per example costs 0.5 s)."""
    if not _SITE:
        import threading
        from functools import partial
        from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        root = Path(tempfile.mkdtemp(prefix="fuzz-site-"))
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        _SITE.update(root=root, url=f"http://127.0.0.1:{httpd.server_address[1]}")
    return _SITE["root"], _SITE["url"]


@fuzz(mutations({"type": "Catalog", "id": "c", "stac_version": "1.0.0", "description": "d",
                 "links": [{"rel": "item", "href": "i.json"}, {"rel": "child", "href": "sub/c.json"}]}))
def test_remote_static_catalogs(workdir, doc):
    """A static catalog fetched over HTTP: items or one of our errors (served from loopback)."""
    import uuid

    from habitatmap.scenes.access import RetryPolicy
    from habitatmap.scenes.remote import RemoteJson, read_remote_static_items

    root, url = _site_server()
    name = uuid.uuid4().hex
    (root / name).mkdir()
    (root / name / "catalog.json").write_text(json.dumps(doc, default=str), encoding="utf-8")
    fetch = RemoteJson(RetryPolicy(retries=0))
    try:
        ours(read_remote_static_items, f"{url}/{name}/catalog.json", fetch)
    finally:
        fetch.close()
