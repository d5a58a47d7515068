"""End-to-end tests of the clinic app in a real headless Chromium (Playwright).

The app runs as a user starts it (``tpdn-outcomes app --no-browser`` in a subprocess,
see ``tests/app_server.py``); the browser is the system's Chromium. Flows: the sample to
a downloaded report, a file that needs a column mapping, a file with errors, a file
with an identifier, two tabs at once; axe-core checks every page for WCAG 2 A/AA
violations, and the keyboard alone drives the first step.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("starlette")
playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[1] / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # fmt: skip
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip(
        "the end-to-end tests need the system's Chromium (apt-get install chromium); "
        ".ci/run installs it",
        allow_module_level=True,
    )

sys.path.insert(0, str(Path(__file__).parent))
from app_server import running_app  # noqa: E402

from tpdn_outcomes.datasets import sample_path  # noqa: E402

TIMEOUT = 240_000  # ms: a report takes a while on a busy machine


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    # (axe-core is injected as a script: the app's CSP allows only its own scripts)
    ctx = browser.new_context(accept_downloads=True, bypass_csp=True)
    ctx.set_default_timeout(TIMEOUT)
    yield ctx
    ctx.close()


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """WCAG 2.0/2.1 A and AA violations axe-core finds on the page."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE}); npm install --prefix .venv/axe axe-core")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=1)


def open_app(context, url: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(url)
    page.wait_for_url("**/w/*/")
    return page


def upload(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("#file", str(path))
    page.click("#upload")
    page.wait_for_url("**/columns")


def test_sample_to_downloaded_report_in_five_clicks(context, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = open_app(context, app_url)
    assert_accessible(page)
    clicks = 0
    page.click("#use-sample")
    clicks += 1
    page.wait_for_url("**/columns")
    assert "Every column was recognised" in page.content()
    assert_accessible(page)
    page.click("#continue")
    clicks += 1
    page.wait_for_url("**/problems")
    assert_accessible(page)
    page.click("#continue")
    clicks += 1
    page.wait_for_url("**/report")
    assert page.input_value("#quarter") == "2026Q2"  # the last complete quarter with data
    assert_accessible(page)
    page.click("#build")
    clicks += 1
    page.wait_for_url("**/report/view")
    assert_accessible(page)
    frame = page.frame_locator("iframe.preview")
    assert "2026Q2" in frame.locator("body").inner_text()
    with page.expect_download() as info:
        page.click("#download-html")
    clicks += 1
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "tpdn_report_2026Q2_all_clinics.html"
    assert "All clinics" in saved.read_text(encoding="utf-8")
    assert clicks <= 5
    page.click("text=Explore the outcomes")
    page.wait_for_url("**/explore")
    assert page.locator("img").count() == 3
    assert_accessible(page)


def test_keyboard_alone_reaches_the_columns(context, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page = open_app(context, app_url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "use-sample":
            break
    else:
        raise AssertionError("the sample button is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/columns")
    # every control has a label
    unlabeled = page.evaluate(
        "() => [...document.querySelectorAll('input:not([type=hidden]), select')]"
        ".filter(e => !e.labels || !e.labels.length).map(e => e.outerHTML)"
    )
    assert unlabeled == []


def test_a_file_that_needs_a_column_mapping(context, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(sample_path("sessions.csv")).rename(
        columns={"patient_id": "Pateint ID", "clinic_id": "Standort"}
    )
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    before = path.read_bytes()
    page = open_app(context, app_url)
    upload(page, path)
    assert "Not recognised (2)" in page.content()
    assert page.input_value("#map_1") == "patient_id"  # the close match, preselected
    page.select_option("#map_2", "clinic_id")
    assert_accessible(page)
    page.click("#continue")
    page.wait_for_url("**/problems")
    assert page.locator("#continue").inner_text() == "Continue to the report"
    page.goto(page.url.replace("/problems", "/columns"))
    with page.expect_download() as info:
        page.click("text=Save the mapping")
    saved = json.loads(Path(info.value.path()).read_text())
    assert saved == {"Pateint ID": "patient_id", "Standort": "clinic_id"}
    assert path.read_bytes() == before  # the input file is never modified


def test_a_file_with_errors(context, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page = open_app(context, app_url)
    page.click("text=Use the sample with errors")
    page.wait_for_url("**/columns")
    page.click("#continue")
    page.wait_for_url("**/problems")
    assert page.locator("#problems tbody tr").count() == 20
    assert_accessible(page)
    page.select_option("#check", "unknown_condition")
    page.click("text=Filter")
    page.wait_for_url("**check=unknown_condition**")
    assert page.locator("#problems tbody tr").count() == 2
    page.click("#coerce")
    page.wait_for_selector("#excluded")
    assert page.locator("#excluded tbody tr").count() == 5
    assert_accessible(page)
    page.click("#continue")
    page.wait_for_url("**/report")


def test_a_file_with_an_identifier(context, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(sample_path("sessions.csv")).head(200)
    frame["Patient name"] = "Emma Garcia"
    path = tmp_path / "named.csv"
    frame.to_csv(path, index=False)
    page = open_app(context, app_url)
    upload(page, path)
    page.click("#continue")
    page.wait_for_url("**/problems")
    text = page.content()
    assert "identifies people" in text and "Emma Garcia" not in text
    assert_accessible(page)
    page.check("text=Not an identifier: Patient name")
    page.click("text=Check again without them")
    page.wait_for_selector("#continue")
    assert "identifies people" not in page.content()


def test_two_tabs_at_once(context, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = open_app(context, app_url)
    b = open_app(context, app_url)
    assert a.url != b.url
    frame = pd.read_csv(sample_path("sessions.csv")).head(300)
    path = tmp_path / "tab_b.csv"
    frame.to_csv(path, index=False)
    a.click("text=Use the sample with errors")
    upload(b, path)
    a.wait_for_url("**/columns")
    assert "sessions_with_errors.csv" in a.locator("header").inner_text()
    assert "tab_b.csv" in b.locator("header").inner_text()
    a.reload()
    b.reload()
    assert "tab_b.csv" not in a.content() and "sessions_with_errors.csv" not in b.content()
    b.click("#continue")
    b.wait_for_url("**/problems")
    a.click("#continue")
    a.wait_for_url("**/problems")
    assert a.locator("#coerce").is_visible() and b.locator("#coerce").count() == 0
