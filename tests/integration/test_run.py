"""``habitatmap run`` on the sample workflow end to end: what a changed parameter reruns, and the
same workflow on a real dask.distributed cluster (a scheduler and two worker processes on
127.0.0.1) giving the local run's outputs pixel for pixel."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT

SITE = ROOT / "workflows" / "tumen.yaml"
AFTER_CLASSIFY = {"classify", "accuracy", "polygonize", "basemap", "sheet", "resistance:amur_leopard",
                  "leastcost:amur_leopard", "circuit:amur_leopard", "omniscape:amur_leopard",
                  "border:amur_leopard", "zoning", "grid", "stations", "survey", "merge", "summary",
                  "density", "classify:2021", "classify:2022", "change", "burn:2022-04-20", "webmap"}


def _ran(out: Path) -> dict[str, str]:
    return {p.stem.replace("--", ":"): json.loads(p.read_text())["finished"]
            for p in (out / ".habitatmap" / "steps").glob("*.json")}


def test_a_classification_parameter_plans_classify_and_what_follows_only(cli, demo_run, tmp_path, site_copy):
    out, _ = demo_run
    site = site_copy("    model: rf\n    seed: 0", "    model: rf\n    seed: 1")
    r = cli("run", site, "--out", out, "--plan")
    assert r.exit_code == 0, r.stderr
    lines = [line.split() for line in r.stdout.splitlines() if len(line.split()) > 2]
    planned = {w[0] for w in lines if w[1] == "changed"}
    assert planned == AFTER_CLASSIFY
    assert "parameter seed 0 -> 1" in r.stdout
    assert {w[0] for w in lines if w[1] == "cached"} == set(_ran(out)) - AFTER_CLASSIFY
    assert f"{len(AFTER_CLASSIFY)} of {len(_ran(out))} steps would run; nothing was run" in r.stdout


@pytest.mark.slow  # about 30 s: the run itself; the plan above checks which steps it picks
def test_a_classification_parameter_reruns_classify_and_what_follows_only(cli, demo_run, tmp_path, site_copy):
    out, _ = demo_run
    copy = tmp_path / "out"
    shutil.copytree(out, copy, symlinks=True)
    site = site_copy("    model: rf\n    seed: 0", "    model: rf\n    seed: 1")
    r = cli("run", site, "--out", copy)
    assert r.exit_code == 0, r.stderr
    assert f"Ran {len(AFTER_CLASSIFY)} step(s), {len(_ran(out)) - len(AFTER_CLASSIFY)} cached" in r.stdout
    before, after = _ran(out), _ran(copy)
    changed = {s for s in after if after[s] != before[s]}
    assert changed == AFTER_CLASSIFY
    summary = json.loads((copy / "summary.json").read_text())
    assert summary["steps"]["classify"]["training_samples"] > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A dask scheduler and two single-threaded worker processes on 127.0.0.1 (one for the module's
    tests: starting one takes several seconds)."""
    with contextlib.ExitStack() as stack:
        yield from _cluster(tmp_path_factory.mktemp("cluster"), stack)


def _cluster(tmp_path, stack):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = tmp_path / "dask"
    logs.mkdir()
    files = [stack.enter_context((logs / f"{n}.log").open("w")) for n in ("scheduler", "worker0", "worker1")]
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], env=env, stdout=files[0],
                              stderr=subprocess.STDOUT)]
    for i in range(2):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--nworkers", "1", "--no-dashboard", "--memory-limit", "0", "--name", f"w{i}"], env=env,
            stdout=files[1 + i], stderr=subprocess.STDOUT))
    from distributed import Client

    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout="5s") as c:
                if len(c.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            log = (logs / "scheduler.log").read_text()[-500:]
            raise RuntimeError(f"the dask cluster did not start: {log}")
        time.sleep(0.5)
    yield address
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


@pytest.mark.slow  # about 20 s; Omniscape's windows on the same cluster stay in the default run
def test_the_sample_workflow_on_a_real_cluster_matches_the_local_run(cli, demo_run, tmp_path, cluster,
                                                                     monkeypatch):
    import rasterio

    from habitatmap.scenes import pull

    def no_second_pool(*args, **kwargs):
        raise AssertionError("pull started its own process pool under a workflow's client")

    monkeypatch.setattr(pull, "_pull_in_processes", no_second_pool)
    local, _ = demo_run
    out = tmp_path / "cluster"
    r = cli("run", SITE, "--out", out, "--scheduler", cluster,
            "--only", "legend,search,pull,composite,classify")
    assert r.exit_code == 0, r.stderr
    assert "Ran 6 step(s)" in r.stdout
    files = sorted(p.relative_to(local) for p in (local / "scenes").glob("*.tif"))
    assert len(files) == 6
    for rel in [*files, Path("composite_summer.tif"), Path("composite_autumn.tif"), Path("habitat.tif"),
                Path("habitat_method.tif")]:
        with rasterio.open(local / rel) as a, rasterio.open(out / rel) as b:
            assert a.profile["transform"] == b.profile["transform"] and a.crs == b.crs
            assert np.array_equal(a.read(), b.read(), equal_nan=True), rel
    # The cluster's workers computed the pull, the composites and the map (the scheduler keeps the
    # compute time of every task prefix it has seen).
    from distributed import Client

    with Client(cluster, timeout="10s") as client:
        seen = client.run_on_scheduler(lambda dask_scheduler: {
            name: dict(p.all_durations) for name, p in dask_scheduler.task_prefixes.items()})
    for prefix in ("pull_returning_dest", "composite_block", "predict_block"):  # dask drops a leading _
        assert seen.get(prefix, {}).get("compute", 0) > 0, (prefix, sorted(seen))


def test_a_site_on_a_stac_api_over_http(cli, tmp_path, sample_dir, site_copy):
    """A site whose scenes come from a real STAC API (on 127.0.0.1): searched once, pulled over
    HTTP range reads, composited; the remote search stays cached until --force search."""
    from tests.stac_server import StacTestServer

    stac = tmp_path / "srv" / "stac"
    shutil.copytree(sample_dir / "stac", stac)
    aoi = tmp_path / "small.geojson"
    aoi.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [130.70, 42.92], [130.72, 42.92], [130.72, 42.935], [130.70, 42.935], [130.70, 42.92]]]}}]}))
    with StacTestServer(stac) as server:
        site = site_copy("  sample: ../sample_data/tumen\n", "",
                         "aoi: tumen_aoi.geojson", f"aoi: {aoi}",
                         "stac: ../sample_data/tumen/stac/catalog.json", f"stac: {server.url}/api")
        out = tmp_path / "out"
        r = cli("run", site, "--out", out, "--only", "legend,search,pull,composite")
        assert r.exit_code == 0, r.stderr
        items = json.loads((out / "items.json").read_text())["features"]
        assert len(items) == 6 and all(a["href"].startswith(server.url) for f in items
                                       for a in f["assets"].values())
        searches = server.count("/api/search")
        assert searches >= 1 and (out / "composite_summer.tif").is_file()
        r = cli("run", site, "--out", out, "--only", "legend,search,pull,composite", "--plan")
        assert "--force search to search again" in r.stdout and server.count("/api/search") == searches
        r = cli("run", site, "--out", out, "--only", "legend,search,pull,composite", "--force", "search")
        assert r.exit_code == 0, r.stderr
        assert server.count("/api/search") > searches
        # The same answer: the search's outputs are unchanged, so nothing after it reran.
        assert "Ran 1 step(s)" in r.stdout


def test_omniscape_windows_run_on_a_real_cluster(cli, demo_run, tmp_path, cluster):
    """The demo's Omniscape step again through --scheduler: the tile tasks run on the two worker
    processes (reading the inputs themselves) and the maps equal the local run's."""
    import rasterio

    local, _ = demo_run
    out = tmp_path / "omni"
    r = cli("corridors", "omniscape", "-r", local / "resistance_amur_leopard.tif",
            "--sources-from-resistance", "--r-cutoff", "5", "--radius", "12", "--block-size", "9",
            "--scheduler", cluster, "--out", out)
    assert r.exit_code == 0, r.stderr
    for name in ("cum_currmap", "flow_potential", "normalized_cum_currmap"):
        with rasterio.open(local / "omniscape" / f"{name}.tif") as a, rasterio.open(out / f"{name}.tif") as b:
            x, y = a.read(1), b.read(1)
        assert np.array_equal(np.isnan(x), np.isnan(y)), name
        np.testing.assert_allclose(y[~np.isnan(y)], x[~np.isnan(x)], rtol=1e-6, err_msg=name)
    from distributed import Client

    with Client(cluster, timeout="10s") as client:
        seen = client.run_on_scheduler(lambda dask_scheduler: {
            name: dict(p.all_durations) for name, p in dask_scheduler.task_prefixes.items()})
    assert seen.get("solve_tile", {}).get("compute", 0) > 0, sorted(seen)
