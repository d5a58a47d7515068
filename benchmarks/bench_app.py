"""The clinic app against the command line: clicks to a report, and a big file's report time.

1. **Clicks.** Drives the app in headless Chromium (Playwright, the system's
   ``/usr/bin/chromium``) from opening its address to a downloaded HTML report of the
   shipped sample, counting clicks. Target (issue 22): at most 5.
2. **Time.** Makes (once) a Parquet file of about 250,000 sessions with
   ``datasets.synthesize``, then in the same run writes its all-clinics HTML report of its
   busiest quarter (a) with the command line, ``tpdn_outcomes.cli.main(["report", ...])``
   in this process, and (b) through the app running as a user starts it
   (``tpdn-outcomes app --no-browser`` in its own process), over HTTP: upload, read and
   check, build, download. Prints both and the ratio. Target: app <= 1.5x the CLI.

Usage: python benchmarks/bench_app.py [--patients 55000] [--clinics 10] [--no-browser]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _common import machine  # noqa: E402

DATA = HERE / "_data"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def make_file(n_patients: int, n_clinics: int) -> Path:
    import pandas as pd

    from tpdn_outcomes.datasets import synthesize

    path = DATA / f"app_{n_patients}_{n_clinics}.parquet"
    if path.exists():
        print(f"reusing {path}")
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    frame = synthesize(n_patients=n_patients, n_clinics=n_clinics, quarters=6, seed=22)
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    print(f"wrote {path}: {len(frame):,} sessions")
    return path


def count_clicks(url: str) -> int:
    """Clicks from the app's address to a downloaded report of the sample."""
    from playwright.sync_api import sync_playwright

    clicks = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(accept_downloads=True).new_page()
        page.set_default_timeout(600_000)
        page.goto(url)

        def click(selector: str) -> None:
            nonlocal clicks
            page.click(selector)
            clicks += 1

        click("#use-sample")
        page.wait_for_url("**/columns")
        click("#continue")
        page.wait_for_url("**/problems")
        click("#continue")
        page.wait_for_url("**/report")
        click("#build")
        page.wait_for_url("**/report/view")
        with page.expect_download() as info:
            click("#download-html")
        assert info.value.suggested_filename.endswith(".html")
        browser.close()
    return clicks


def through_app(url: str, path: Path, quarter: str) -> float:
    """Seconds from sending the file to holding the HTML report, over HTTP."""
    import httpx

    base = url.split("/?")[0]
    origin = {"origin": base}
    with httpx.Client(follow_redirects=True, timeout=1200) as client:
        client.get(url)
        wid = str(client.get(base + "/").url).rstrip("/").rsplit("/", 1)[-1]

        def wait() -> None:
            while client.get(f"{base}/w/{wid}/job.json").json()["state"] == "running":
                time.sleep(0.05)

        start = time.perf_counter()
        with path.open("rb") as f:
            client.post(f"{base}/w/{wid}/upload", files={"file": (path.name, f)}, headers=origin)
        wait()
        client.post(
            f"{base}/w/{wid}/report",
            data={"quarter": quarter, "min_cell": "11", "what": "one", "formats_shown": "1",
                  "format": "html"},
            headers=origin,
        )  # fmt: skip
        wait()
        body = client.get(f"{base}/w/{wid}/download/html").text
        seconds = time.perf_counter() - start
    assert "All clinics" in body, "the app wrote no report"
    return seconds


def through_cli(path: Path, quarter: str) -> float:
    from tpdn_outcomes.cli import main

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["report", str(path), "--quarter", quarter, "--format", "html",
                         "--out", out, "--quiet"])  # fmt: skip
        seconds = time.perf_counter() - start
        assert code == 0 and any(Path(out).glob("*.html"))
    return seconds


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd
    from app_server import running_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=55_000)
    parser.add_argument("--clinics", type=int, default=10)
    parser.add_argument("--no-browser", action="store_true", help="skip the click count")
    args = parser.parse_args(argv)
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    path = make_file(args.patients, args.clinics)
    dates = pd.read_parquet(path, columns=["session_date"])["session_date"]
    quarter = str(pd.to_datetime(dates).dt.to_period("Q").value_counts().idxmax())
    print(f"{len(dates):,} sessions; report of {quarter}, all clinics, HTML")
    with running_app(max_upload_mb=2000) as url:
        if not args.no_browser and Path("/usr/bin/chromium").exists():
            clicks = count_clicks(url)  # (also warms the server's imports)
            print(f"clicks from opening the app to a downloaded sample report: {clicks} (target <= 5)")  # fmt: skip
        t_cli = through_cli(path, quarter)
        t_app = through_app(url, path, quarter)
    print(f"{'way':<10}{'seconds':>10}")
    print(f"{'CLI':<10}{t_cli:>10.2f}")
    print(f"{'app':<10}{t_app:>10.2f}")
    print(f"ratio app/CLI: {t_app / t_cli:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
