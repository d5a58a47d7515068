"""Re-take the pictures of the quarterly report shown in the clinic guide (docs/guide/clinic.md).

Builds the sample report exactly as a clinic would::

    tpdn-outcomes report data/sample/sessions.csv --quarter 2026Q2 --export-date 2026-07-01 \\
        --out DIR --format html,pdf

then photographs sections of the HTML page with headless Chromium and pages of the PDF with
pdftoppm, and writes small PNGs to docs/img/ (palette PNGs, each well under 200 KB). It does
the same for the report of the sample's smallest clinic (``--clinic CLN-07``, about 40
completed episodes a quarter), so that the guide shows what a small clinic receives.

Run it from the repository root whenever the report changes (``make screenshots``)::

    .venv/bin/python docs/scripts/screenshots.py

Needs Chromium and poppler-utils (Debian: ``apt-get install chromium poppler-utils``) and the
package installed with its PDF extra (``make .venv/.installed``). A section or PDF page that is
no longer in the report stops the script with a message naming it, so that the guide is
updated rather than left pointing at a picture of something that changed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "data/sample/sessions.csv"  # relative: the report's cover shows the path as given
QUARTER = "2026Q2"
EXPORT_DATE = "2026-07-01"
WIDTH = 1000  # CSS pixels of the browser window
MAX_HEIGHT = 1300  # a taller section is cut here: the picture shows how it starts


@dataclass(frozen=True)
class Shot:
    """One picture of the HTML report: the page elements kept, the rest hidden."""

    name: str
    keep: tuple[str, ...]  # CSS selectors of the children of <body> that stay visible
    max_height: int = MAX_HEIGHT


#: The HTML pictures, in the order of the report (section ids of the report's HTML).
HTML_SHOTS = (
    Shot("report-cover", ("header.cover", "nav.toc", "section#key"), 1400),
    Shot("report-data-flow", ("section#flow",)),
    Shot("report-pain", ("section#pain",)),
    Shot("report-monitoring", ("section#monitoring",)),
    Shot("report-clinics", ("section#risk",)),
    Shot("report-appendix", ("section#appendix",)),
)

#: The smallest sample clinic: its report shows what a clinic of about 40 episodes a quarter gets.
SMALL_CLINIC = "CLN-07"

#: The HTML pictures of the smallest clinic's report.
SMALL_HTML_SHOTS = (
    Shot("report-small-cover", ("header.cover", "nav.toc", "section#key"), 1400),
    Shot("report-small-pain", ("section#pain",)),
)

#: PDF pages to picture: a name, and text that identifies the page (the first page with it).
PDF_SHOTS = (
    ("report-pdf-cover", "Dry needling outcomes"),
    ("report-pdf-pain", "Pain (NPRS"),
)

#: PDF pages of the smallest clinic's report.
SMALL_PDF_SHOTS = (("report-small-pdf-cover", "Dry needling outcomes"),)


def _fail(message: str) -> None:
    print(f"screenshots: {message}", file=sys.stderr)
    raise SystemExit(1)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        _fail(f"{name} is not installed (Debian: apt-get install {package})")
    assert path is not None
    return path


def build_report(out: Path, clinic: str | None = None) -> tuple[Path, Path]:
    """Run the CLI on the sample (all clinics, or ``clinic``); the HTML and PDF paths."""
    cli = Path(sys.executable).with_name("tpdn-outcomes")
    command = [str(cli) if cli.exists() else "tpdn-outcomes", "report", SAMPLE]
    command += ["--quarter", QUARTER, "--export-date", EXPORT_DATE, "--out", str(out)]
    command += ["--format", "html,pdf", "--quiet"]
    if clinic is not None:
        command += ["--clinic", clinic]
    subprocess.run(command, cwd=ROOT, check=True)
    html = sorted(out.glob("*.html"))
    pdf = sorted(out.glob("*.pdf"))
    if len(html) != 1 or len(pdf) != 1:
        _fail(f"expected one HTML and one PDF report in {out}, found {html + pdf}")
    return html[0], pdf[0]


def _check_selectors(html: str, shot: Shot) -> None:
    for selector in shot.keep:
        tag, _, rest = selector.partition("#") if "#" in selector else selector.partition(".")
        needle = f'id="{rest}"' if "#" in selector else f'class="{rest}"'
        if f"<{tag}" not in html or needle not in html:
            _fail(
                f"the report has no {selector} any more: update HTML_SHOTS in {Path(__file__).name}"
                " and the guide that shows it"
            )


def _isolate(html: str, shot: Shot) -> str:
    """The page with every child of <body> hidden except ``shot.keep``."""
    keep = ", ".join(f"body > {selector}" for selector in shot.keep)
    style = (
        "<style>body > * { display: none !important; }"
        f" {keep} {{ display: block !important; }}"
        " body { margin-top: 16px !important; }</style>"
    )
    return html.replace("</head>", style + "</head>", 1)


def _trim(image: Image.Image, max_height: int) -> Image.Image:
    """Cut the empty page below the content, then at ``max_height``; add a small margin."""
    rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, rgb.getpixel((rgb.width - 1, rgb.height - 1)))
    box = ImageChops.difference(rgb, background).getbbox()
    if box is None:
        _fail("a screenshot came out empty")
    assert box is not None
    bottom = min(box[3] + 16, max_height, rgb.height)
    return rgb.crop((0, 0, rgb.width, bottom))


def _save_small(image: Image.Image, path: Path) -> None:
    """A 256-colour PNG: sharp text and charts at a fraction of the size."""
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


def shoot_html(report: Path, shots: tuple[Shot, ...], out: Path, work: Path) -> list[Path]:
    """Photograph each shot of the HTML report with headless Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _fail("chromium is not installed (Debian: apt-get install chromium)")
    assert chromium is not None
    html = report.read_text(encoding="utf-8")
    written = []
    for shot in shots:
        _check_selectors(html, shot)
        page = work / f"{shot.name}.html"
        page.write_text(_isolate(html, shot), encoding="utf-8")
        raw = work / f"{shot.name}.raw.png"
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={work / 'chromium-profile'}",
                f"--screenshot={raw}",
                f"--window-size={WIDTH},{shot.max_height + 200}",
                page.as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
        target = out / f"{shot.name}.png"
        with Image.open(raw) as image:
            _save_small(_trim(image, shot.max_height), target)
        written.append(target)
    return written


def _pdf_page_with(pdf: Path, text: str) -> int:
    """The first page of ``pdf`` whose text contains ``text``."""
    pdfinfo = _tool("pdfinfo", "poppler-utils")
    pdftotext = _tool("pdftotext", "poppler-utils")
    info = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        page_text = subprocess.run(
            [pdftotext, "-f", str(page), "-l", str(page), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        if text in page_text:
            return page
    _fail(f"no page of the PDF contains {text!r}: update PDF_SHOTS in {Path(__file__).name}")
    return 0


def shoot_pdf(pdf: Path, shots: tuple[tuple[str, str], ...], out: Path, work: Path) -> list[Path]:
    """Render the PDF pages of ``shots`` at 60 dpi with pdftoppm."""
    pdftoppm = _tool("pdftoppm", "poppler-utils")
    written = []
    for name, text in shots:
        page = _pdf_page_with(pdf, text)
        stem = work / name
        command = [pdftoppm, "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile"]
        subprocess.run([*command, str(pdf), str(stem)], check=True)
        target = out / f"{name}.png"
        with Image.open(stem.with_suffix(".png")) as image:
            _save_small(image.convert("RGB"), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="PNG folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tpdn-screenshots-") as tmp:
        work = Path(tmp)
        html, pdf = build_report(work / "report")
        written = shoot_html(html, HTML_SHOTS, args.out, work)
        written += shoot_pdf(pdf, PDF_SHOTS, args.out, work)
        html, pdf = build_report(work / "small", SMALL_CLINIC)
        written += shoot_html(html, SMALL_HTML_SHOTS, args.out, work)
        written += shoot_pdf(pdf, SMALL_PDF_SHOTS, args.out, work)
    total = 0
    for path in written:
        size = path.stat().st_size
        total += size
        with Image.open(path) as image:
            print(
                f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                f"{image.width}x{image.height}, {size / 1024:.0f} KB"
            )
    print(f"{len(written)} pictures, {total / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
