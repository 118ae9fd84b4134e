"""Run block tasks on dask.distributed: a local in-process cluster by default, or a scheduler address.

Results stream back as they complete and at most ``max_in_flight`` tasks exist at once, so memory
stays flat however large the grid is. The caller writes each result as it arrives (one writer).
For a remote cluster the workers need habitatmap installed and the input paths (or URLs) readable.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from habitatmap.errors import ConfigError, HabitatmapError

__all__ = ["active_client", "dask_client", "map_unordered", "raise_on_sigterm", "separate_processes",
           "use_client"]

_ACTIVE: contextvars.ContextVar[Any] = contextvars.ContextVar("habitatmap_dask_client", default=None)


def active_client() -> Any:
    """The client a workflow runs every step on (:func:`use_client`), or None."""
    return _ACTIVE.get()


@contextlib.contextmanager
def use_client(client: Any) -> Iterator[Any]:
    """Inside the block every :func:`dask_client` yields ``client`` instead of starting a cluster:
    one client for all the steps of a run (``habitatmap run``)."""
    token = _ACTIVE.set(client)
    try:
        yield client
    finally:
        _ACTIVE.reset(token)


def separate_processes(client: Any) -> bool:
    """True if the client's workers run in other processes than this one (a scheduler address or a
    local cluster of processes): data sent to them is serialised, and GDAL state is not shared."""
    pids = client.run(os.getpid)
    return any(pid != os.getpid() for pid in pids.values()) if pids else True


def raise_on_sigterm() -> None:
    """Turn SIGTERM into :class:`habitatmap.errors.Terminated` in this process's main thread.

    A batch scheduler stops a job with SIGTERM, whose default action kills the process at once and
    leaves staging files behind; raised as an exception instead, it unwinds every ``with`` block
    and ``finally`` exactly as Ctrl-C does. Called by the CLI and by worker processes.
    """
    import signal
    import threading

    from habitatmap.errors import Terminated

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        # Once is enough: a second SIGTERM during clean-up must not interrupt the clean-up itself.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, *, threads: int | None = None,
                processes: int | None = None, timeout: float = 20.0) -> Iterator[Any]:
    """A ``distributed.Client``: the run's own (:func:`use_client`), connected to ``scheduler``, or to
    a local cluster started here.

    Parameters
    ----------
    scheduler
        Address of a running ``dask.distributed`` scheduler (e.g. ``tcp://10.0.0.5:8786``); None
        starts a local in-process cluster (threads share memory, nothing is serialised).
    threads
        Worker threads of the local cluster (default: the number of CPUs).
    processes
        Start a local cluster of this many worker processes (one thread each) instead of threads.
    timeout
        Seconds to wait for a scheduler to answer.

    Raises
    ------
    ConfigError
        If the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if _ACTIVE.get() is not None:
        yield _ACTIVE.get()
        return
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{timeout:g}s")
        except (OSError, TimeoutError) as err:
            raise ConfigError(f"dask scheduler {scheduler}: cannot connect ({err}); check the address "
                              "or leave --scheduler out to run on this machine.") from None
        with client:
            yield client
        return
    # A local run needs no dashboard and no chatter about ports on the user's terminal.
    for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if processes:
        with LocalCluster(n_workers=processes, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit=0) as cluster, Client(cluster) as client:
            yield client
        return
    with LocalCluster(n_workers=1, threads_per_worker=threads or os.cpu_count() or 1, processes=False,
                      dashboard_address=None, memory_limit=0) as cluster, Client(cluster) as client:
        yield client


def map_unordered(
    client: Any,
    func: Callable[..., Any],
    tasks: Iterable[tuple[Any, ...]],
    *,
    max_in_flight: int,
) -> Iterator[Any]:
    """Yield ``func(*args)`` for every ``args`` in ``tasks``, in completion order.

    At most ``max_in_flight`` tasks are submitted at a time; a task's exception is re-raised here.
    """
    from distributed import as_completed

    pending = iter(tasks)
    queue = as_completed()

    def submit_next() -> bool:
        args = next(pending, None)
        if args is None:
            return False
        # Keys named after the work (``composite_block-…``), not after the wrapper: the dashboard
        # and the scheduler's task prefixes then say which step's tasks ran where.
        key = f"{getattr(func, '__name__', 'task')}-{uuid.uuid4().hex}"
        queue.add(client.submit(_guarded, func, *args, pure=False, key=key))
        return True

    for _ in range(max(1, max_in_flight)):
        if not submit_next():
            break
    for future in queue:
        result = future.result()
        future.release()
        if isinstance(result, _Failed):
            for other in list(queue.futures):  # the first failure decides; nothing more to compute
                other.cancel()
            queue.clear()
            raise result.kind(result.message)
        submit_next()
        yield result


@dataclass(frozen=True)
class _Failed:
    """A task's user error, returned as a value: distributed re-raises a raised one as a bare
    ``Exception`` holding its repr, which would lose the class and the one-sentence message."""

    kind: type[HabitatmapError]
    message: str


def _guarded(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return func(*args)
    except HabitatmapError as err:
        return _Failed(type(err), str(err))
