"""The machine under the benchmark: pinning the servers and the load generator to separate CPUs, and
sampling how busy the CPUs are before the run, the two largest sources of noise on a small machine."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Share of all CPUs busy before the run above which the run warns that its figures will be noisy.
BUSY_WARNING = 0.15


def cpu_split() -> tuple[set[int], set[int]] | None:
    """(server CPUs, load generator CPUs): the last CPU for the servers, the rest for the client.

    On a small machine the scheduler otherwise moves the server and the client across cores from one
    run to the next, which visibly widens the spread of req/s. Both targets get the same CPU, so the
    comparison stays fair. None when the platform cannot pin or has a single CPU.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[-1]}, set(cpus[:-1])


@contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """Run this process (and the wrk it starts) on `cpus`, then restore its affinity."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def cpu_busy(seconds: float = 0.5) -> float | None:
    """Share of all CPUs busy over a short sample before the run, from /proc/stat (None elsewhere).

    Other work on the machine is the largest source of noise; the load average lags by minutes and
    still counts the benchmark's previous run, so it is not used.
    """

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return idle, sum(fields[:8])

    try:
        idle_a, total_a = sample()
        time.sleep(seconds)
        idle_b, total_b = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total_b - total_a
    return 1 - (idle_b - idle_a) / total if total > 0 else None
