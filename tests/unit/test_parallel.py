"""dask.distributed: a local cluster by default, tasks streamed with bounded memory; SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from habitatmap.errors import ConfigError
from habitatmap.parallel import dask_client, map_unordered, raise_on_sigterm


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


def test_an_unreachable_scheduler_is_one_sentence():
    with pytest.raises(ConfigError, match=r"dask scheduler tcp://127\.0\.0\.1:9: cannot connect"), \
            dask_client("tcp://127.0.0.1:9"):
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
