"""Run block tasks on dask.distributed: a local in-process cluster by default, or a scheduler address.

Results stream back as they complete and at most ``max_in_flight`` tasks exist at once, so memory
stays flat however large the grid is. The caller writes each result as it arrives (one writer).
For a remote cluster the workers need habitatmap installed and the input paths (or URLs) readable.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from habitatmap.errors import ConfigError, HabitatmapError

__all__ = ["dask_client", "map_unordered", "raise_on_sigterm"]


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
def dask_client(scheduler: str | None = None, *, threads: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: connected to ``scheduler``, or to a local cluster started here.

    Parameters
    ----------
    scheduler
        Address of a running ``dask.distributed`` scheduler (e.g. ``tcp://10.0.0.5:8786``); None
        starts a local in-process cluster (threads share memory, nothing is serialised).
    threads
        Worker threads of the local cluster (default: the number of CPUs).

    Raises
    ------
    ConfigError
        If the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise ConfigError(f"dask scheduler {scheduler}: cannot connect ({err}); check the address "
                              "or leave --scheduler out to run on this machine.") from None
        with client:
            yield client
        return
    # A local run needs no dashboard and no chatter about ports on the user's terminal.
    for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny"):
        logging.getLogger(name).setLevel(logging.ERROR)
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
        queue.add(client.submit(_guarded, func, *args, pure=False))
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
