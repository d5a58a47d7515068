"""Re-take the pictures of the clinic app shown in docs/app.md, the README and the clinic guide.

Starts the app as a user does (``tpdn-outcomes app --no-browser``, see
``tests/app_server.py``), walks through its steps in headless Chromium (Playwright, the
system's ``/usr/bin/chromium``) with the shipped sample files, and writes
``docs/img/app_*.png`` (palette PNGs). Run it from the repository root whenever a page
changes::

    .venv/bin/python docs/scripts/app_screenshots.py

Needs the test extras (``make .venv/.installed-test``: Playwright, Starlette) and Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from app_server import running_app  # noqa: E402

OUT = ROOT / "docs" / "img"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
WIDTH, HEIGHT = 1100, 900


def shoot(page, name: str, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    raw = tmp / f"{name}.png"
    page.screenshot(path=str(raw), full_page=False)
    image = Image.open(raw).convert("RGB").quantize(colors=128)
    target = OUT / f"app_{name}.png"
    image.save(target, optimize=True)
    print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size // 1024} KB)")


def main() -> int:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as folder,
        running_app() as url,
        sync_playwright() as p,
    ):
        tmp = Path(folder)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_default_timeout(600_000)
        page.goto(url)
        page.wait_for_url("**/w/*/")
        shoot(page, "file", tmp)
        # a file with errors: the Problems page
        page.click("text=Use the sample with errors")
        page.wait_for_url("**/columns")
        page.click("#continue")
        page.wait_for_url("**/problems")
        shoot(page, "problems", tmp)
        # a file that needs a column mapping
        page.goto(url)
        page.wait_for_url("**/w/*/")
        import pandas as pd

        from tpdn_outcomes.datasets import sample_path

        renamed = tmp / "clinic_export.csv"
        pd.read_csv(sample_path("sessions.csv")).rename(
            columns={"patient_id": "Pateint ID", "clinic_id": "Standort"}
        ).to_csv(renamed, index=False)
        page.set_input_files("#file", str(renamed))
        page.click("#upload")
        page.wait_for_url("**/columns")
        page.select_option("#map_2", "clinic_id")
        shoot(page, "columns", tmp)
        # the sample's report
        page.goto(url)
        page.wait_for_url("**/w/*/")
        page.click("#use-sample")
        page.wait_for_url("**/columns")
        page.click("#continue")
        page.wait_for_url("**/problems")
        page.click("#continue")
        page.wait_for_url("**/report")
        shoot(page, "report_form", tmp)
        page.click("#build")
        page.wait_for_url("**/report/view")
        page.wait_for_timeout(500)
        shoot(page, "report", tmp)
        page.click("text=Explore the outcomes")
        page.wait_for_url("**/explore")
        shoot(page, "explore", tmp)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
