"""dask.distributed: a local cluster by default, tasks streamed with bounded memory; SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from habitatmap.errors import ConfigError
from habitatmap.parallel import (
    active_client,
    dask_client,
    map_unordered,
    raise_on_sigterm,
    separate_processes,
    use_client,
)


def _square(x: int) -> int:
    return x * x


def _fail(x: int) -> int:
    raise ValueError(f"bad {x}")


def test_map_unordered_on_a_local_cluster():
    with dask_client(threads=2) as client:
        out = sorted(map_unordered(client, _square, ((i,) for i in range(20)), max_in_flight=3))
        assert out == [i * i for i in range(20)]
        with pytest.raises(ValueError, match="bad 0"):
            list(map_unordered(client, _fail, [(0,)], max_in_flight=1))


def test_one_client_for_a_whole_run():
    """Inside use_client every dask_client yields the run's client: no second cluster."""
    assert active_client() is None
    with dask_client(threads=1) as client, use_client(client):
        assert active_client() is client
        with dask_client(threads=2) as inner:
            assert inner is client
        assert not separate_processes(client)  # threads of this process
    assert active_client() is None


def test_a_local_cluster_of_processes():
    with dask_client(processes=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2 and separate_processes(client)
        assert sorted(map_unordered(client, _square, [(3,), (4,)], max_in_flight=2)) == [9, 16]


def test_an_unreachable_scheduler_is_one_sentence():
    with pytest.raises(ConfigError, match=r"dask scheduler tcp://127\.0\.0\.1:9: cannot connect"), \
            dask_client("tcp://127.0.0.1:9", timeout=2):
        pass


def test_raise_on_sigterm_unwinds_like_ctrl_c():
    script = textwrap.dedent("""
        import time
        from habitatmap.parallel import raise_on_sigterm
        raise_on_sigterm()
        try:
            print("ready", flush=True)
            time.sleep(30)
        finally:
            print("cleaned", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert "cleaned" in out and "Terminated" in err
    assert callable(raise_on_sigterm)


def _user_error(x: int) -> int:
    from habitatmap.errors import InputDataError

    raise InputDataError(f"scene_{x}.tif: cannot be read (truncated); pull it again.")


def test_a_task_s_user_error_comes_back_as_itself():
    """distributed re-raised a task's error as a bare Exception holding its repr."""
    from habitatmap.errors import InputDataError

    with dask_client(threads=2) as client:
        with pytest.raises(InputDataError) as info:
            list(map_unordered(client, _user_error, ((i,) for i in range(4)), max_in_flight=2))
        assert type(info.value) is InputDataError
        assert str(info.value).endswith(": cannot be read (truncated); pull it again.")
        assert sorted(map_unordered(client, _square, [(3,)], max_in_flight=1)) == [9]  # still usable
