"""Hostile numbers in every numeric option: NaN, infinity, negative, zero, huge, not a number, and
sizes that would make the work unbounded. One shared parser refuses them all the same way."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import ROOT, SAMPLE, Tree, refused

AOI = ROOT / "workflows" / "tumen_aoi.geojson"
STAC = SAMPLE / "stac" / "catalog.json"
TRAINING = SAMPLE / "samples" / "training_points.gpkg"


def _cases(products, out):
    cur = products / "circuit" / "cum_current.tif"
    border = f"{products / 'basemap.gpkg'}:border"
    res = products / "resistance_amur_leopard.tif"
    cores = f"{products / 'basemap.gpkg'}:zones"
    comp = products / "composite_summer.tif"
    items = products / "items.json"
    return {
        "segment-km-nan": (["corridors", "border", "--current", cur, "--border", border,
                            "--segment-km", "nan", "--out", out], "--segment-km"),
        "segment-km-inf": (["corridors", "border", "--current", cur, "--border", border,
                            "--segment-km", "inf", "--out", out], "--segment-km"),
        "segment-km-tiny": (["corridors", "border", "--current", cur, "--border", border, "--segment-km",
                             "1e-6", "--out", out], "at least one cell"),
        "segment-km-negative": (["corridors", "border", "--current", cur, "--border", border,
                                 "--segment-km", "-1", "--out", out], "--segment-km"),
        "pinch-share-2": (["corridors", "border", "--current", cur, "--border", border, "--pinch-share", "2",
                           "--out", out], "--pinch-share"),
        "max-distance-nan": (["corridors", "leastcost", "-r", res, "--cores", cores, "--max-distance", "nan",
                              "--out", out], "--max-distance"),
        "max-distance-negative": (["corridors", "leastcost", "-r", res, "--cores", cores, "--max-distance",
                                   "-1", "--out", out], "--max-distance"),
        "max-distance-inf": (["corridors", "leastcost", "-r", res, "--cores", cores, "--max-distance", "inf",
                              "--out", out], "--max-distance"),
        "width-cutoff-nan": (["corridors", "leastcost", "-r", res, "--cores", cores, "--width-cutoff", "nan",
                              "--out", out], "--width-cutoff"),
        "mmu-nan": (["classify", comp, "--training", TRAINING, "--mmu-ha", "nan", "--out", out / "h.tif"],
                    "--mmu-ha"),
        "mmu-huge": (["classify", comp, "--training", TRAINING, "--mmu-ha", "1e300", "--out", out / "h.tif"],
                     "--mmu-ha"),
        "majority-4": (["classify", comp, "--training", TRAINING, "--majority", "4", "--out", out / "h.tif"],
                       "--majority"),
        "majority-text": (["classify", comp, "--training", TRAINING, "--majority", "five",
                           "--out", out / "h.tif"], "--majority"),
        "seed-negative": (["classify", comp, "--training", TRAINING, "--seed", "-1", "--out", out / "h.tif"],
                          "--seed"),
        "seed-float": (["classify", comp, "--training", TRAINING, "--seed", "1.5", "--out", out / "h.tif"],
                       "--seed"),
        "cv-block-inf": (["classify", comp, "--training", TRAINING, "--cv-block-km", "inf",
                          "--out", out / "h.tif"], "--cv-block-km"),
        "tolerance-nan": (["habitats", "polygonize", products / "habitat.tif", "--tolerance", "nan",
                           "--out", out / "h.gpkg"], "--tolerance"),
        "resolution-nan": (["scenes", "pull", items, "--aoi", AOI, "--resolution", "nan", "--out", out],
                           "--resolution"),
        "resolution-zero": (["scenes", "pull", items, "--aoi", AOI, "--resolution", "0", "--out", out],
                            "--resolution"),
        "resolution-tiny": (["scenes", "pull", items, "--aoi", AOI, "--resolution", "0.001", "--out", out],
                            "--resolution"),
        "workers-zero": (["scenes", "pull", items, "--aoi", AOI, "--workers", "0",
                          "--out", out], "--workers"),
        "workers-huge": (["scenes", "pull", items, "--aoi", AOI, "--workers", "100000", "--out", out],
                         "--workers"),
        "retries-negative": (["scenes", "pull", items, "--aoi", AOI, "--retries", "-1", "--out", out],
                             "--retries"),
        "max-cloud-nan": (["scenes", "search", "--stac", STAC, "--aoi", AOI, "--max-cloud", "nan"],
                          "--max-cloud"),
        "max-cloud-101": (["scenes", "search", "--stac", STAC, "--aoi", AOI, "--max-cloud", "101"],
                          "--max-cloud"),
        "limit-zero": (["scenes", "search", "--stac", STAC, "--aoi", AOI, "--limit", "0"], "--limit"),
        "threads-zero": (["composite", products / "scenes", "--threads", "0", "--out", out / "c.tif"],
                         "--threads"),
        "locate-nan": (["sheets", "locate", "nan", "43"], "lon"),
        "locate-inf": (["sheets", "locate", "--", "131", "-inf"], "lat"),
        "locate-swapped": (["sheets", "locate", "43", "131"], "longitude first"),
        "months-13": (["composite", products / "scenes", "--months", "13-14", "--out", out / "c.tif"],
                      "--months"),
        "months-huge": (["composite", products / "scenes", "--months", "1-" + "9" * 400,
                         "--out", out / "c.tif"],
                        "--months"),
    }


CASES = list(_cases(ROOT, ROOT / "x"))


@pytest.mark.parametrize("case", CASES)
def test_hostile_numbers_are_refused_the_same_way(cli, products, out, case):
    args, mention = _cases(products, out)[case]
    tree = Tree(out)
    msg = refused(cli(*args), mention)
    assert len(msg) < 400, msg
    tree.unchanged()
