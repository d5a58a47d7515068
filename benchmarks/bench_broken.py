"""Time and peak memory of `tpdn-outcomes validate` on every broken input (issue 19).

Every committed file of ``tests/data/broken/`` and the big or special inputs the tests
make at run time (a named pipe, ``/dev/zero``, a 2 GB sparse file, loops of symbolic
links, a 1 MB single line, a 200,000-column header, 16,000 columns, a 2,120-column
Parquet file) are given to the command in a process of its own. For each: the exit code,
the wall time and the peak resident memory of that process (``wait4``'s ``ru_maxrss``),
and whether the answer met the target: every file under 10 MB answered in at most 10 s
and 1 GB. The first line is the cost of starting Python and importing the package, which
every answer includes.

Run: ``.venv/bin/python benchmarks/bench_broken.py``. It reports; it never fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_broken_corpus as corpus  # noqa: E402
from _common import machine, print_table  # noqa: E402

SECONDS, MIB = 10.0, 1024.0


#: GNU time measures the command's own peak RSS. (``wait4``'s figure is no use here: Linux
#: keeps ``ru_maxrss`` across ``execve``, so a child forked from this process, which has
#: pandas loaded, would start at this process's size.)
TIME = shutil.which("time") if Path("/usr/bin/time").exists() else None


def run(args: list[str], timeout: float = 120.0) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak RSS in MiB) of one command in its own process."""
    if TIME is None:
        raise SystemExit("GNU time (/usr/bin/time) is needed to measure the peak RSS")
    start = time.perf_counter()
    try:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "peak_rss_kib=%M", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return -9, time.perf_counter() - start, float("nan")
    seconds = time.perf_counter() - start
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("peak_rss_kib=")]
    rss = int(lines[-1].split("=")[1]) / 1024.0 if lines else float("nan")
    return done.returncode, seconds, rss


def main() -> None:
    print(machine())
    python = [sys.executable]
    code, sec, rss = run([*python, "-c", "import tpdn_outcomes.cli"])
    rows = [
        {
            "input": "(start Python, import)",
            "MB": 0.0,
            "exit": code,
            "seconds": sec,
            "peak_rss_mib": rss,
            "met": "",
        }
    ]
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [
            (p.name, p)
            for p in sorted(corpus.BROKEN.iterdir())
            if p.suffix != ".py" and p.name not in ("README.md", "__pycache__")
        ]
        for i, (name, make, _check, _words) in enumerate(corpus.SPECIAL):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            inputs.append((name, make(folder)))
        for name, path in inputs:
            try:
                size = path.stat().st_size / 1e6 if path.is_file() else 0.0
            except OSError:  # (a loop of links)
                size = 0.0
            code, sec, rss = run(
                [
                    *python,
                    "-m",
                    "tpdn_outcomes.cli",
                    "validate",
                    str(path),
                    "--export-date",
                    corpus.EXPORT,
                ]
            )
            small = size < 10 or name == "sparse_2gb"  # (sparse: 2 GB that read as nothing)
            met = "yes" if code in (0, 1, 2) and sec <= SECONDS and rss <= MIB else "NO"
            rows.append(
                {
                    "input": name,
                    "MB": size,
                    "exit": code,
                    "seconds": sec,
                    "peak_rss_mib": rss,
                    "met": met if small else "-",
                }
            )
    print_table(rows)
    worst = max(rows[1:], key=lambda r: r["seconds"])
    print(
        f"\n{len(rows) - 1} inputs; slowest {worst['input']} {worst['seconds']:.2f} s; "
        f"largest peak RSS {max(r['peak_rss_mib'] for r in rows[1:]):.0f} MiB; "
        f"targets missed: {sum(r['met'] == 'NO' for r in rows)}"
    )


if __name__ == "__main__":
    main()
