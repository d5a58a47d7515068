"""Shared helpers of the benchmarks: timing, peak memory per step, machine line, table."""

from __future__ import annotations

import multiprocessing as mp
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], k: int = 3) -> float:
    """Best wall time of ``k`` runs (seconds)."""
    return min(runs_of(fn, k))


def runs_of(fn: Callable[[], Any], k: int = 3) -> list[float]:
    """Wall time of each of ``k`` runs (seconds), in order; each result is dropped before
    the next run starts."""
    times = []
    for _ in range(k):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _child(target: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    seconds = target(*args)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    queue.put((seconds, peak_kib / 1024.0))


def in_child(target: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """Run ``target(*args) -> seconds`` in a fresh process; return (seconds, peak RSS in MiB).

    ``target`` may return anything picklable in place of the seconds (e.g. several times).

    A fresh (spawned) process per step makes each step's peak memory its own.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"benchmark step {target.__name__} failed (exit {proc.exitcode})")
    return result


def machine() -> str:
    """One line describing the machine and the library versions."""
    import os

    import numpy
    import pandas
    import pyarrow

    return (
        f"{platform.platform()}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
        f"pandas {pandas.__version__}; numpy {numpy.__version__}; pyarrow {pyarrow.__version__}"
    )


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print rows of dicts as an aligned text table."""
    if not rows:
        return
    cols = list(rows[0])
    text = [[f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for t in text:
        print("  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)))
