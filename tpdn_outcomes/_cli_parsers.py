"""Some subcommands' parsers of the command line (kept apart to keep ``cli.py`` short)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from tpdn_outcomes import schema


def add_validate_parser(
    sub: Any, add_load_arguments: Callable[[Any], None]
) -> argparse.ArgumentParser:
    """The ``validate`` subcommand: every problem of a file with its fix."""
    v: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check a session file and list every problem with its fix",
        description="Check a session file against the data contract. Exit 0 when there is no "
        "error, 1 when there are errors (or warnings with --strict), 2 on usage errors.",
    )
    add_load_arguments(v)
    v.add_argument(
        "--format", choices=["text", "json", "csv"], default="text", help="output format"
    )
    v.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    v.add_argument(
        "--max-rows", type=int, default=20, help="problems listed in text output (default 20)"
    )
    return v


def add_summary_parser(
    sub: Any, add_load_arguments: Callable[[Any], None]
) -> argparse.ArgumentParser:
    """The ``summary`` subcommand: change_summary printed."""
    m: argparse.ArgumentParser = sub.add_parser(
        "summary",
        help="print the change of a measure by group",
        description="Load a session file and print change_summary: n, mean change with its "
        "95% CI, median, paired t and Holm-adjusted p per group.",
    )
    add_load_arguments(m)
    m.add_argument("--measure", default="pain", help="pain, rom:<site> or function:<instrument>")
    m.add_argument("--by", default="condition", help="grouping column(s), comma-separated")
    m.add_argument("--format", choices=["table", "csv", "json"], default="table")
    return m


def add_app_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``app`` subcommand: the clinic web app."""
    a: argparse.ArgumentParser = sub.add_parser(
        "app",
        help="open the clinic web app in the browser (needs the app extra)",
        description="Serve the clinic web app on 127.0.0.1 (this computer only) and open it "
        "in the browser: choose a file, map its columns, fix its problems, write the "
        "report. Install it with pip install 'tpdn_outcomes[app]'.",
    )
    a.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    a.add_argument("--no-browser", action="store_true", help="print the address, do not open it")
    a.add_argument(
        "--max-upload-mb", type=float, default=200.0, help="largest file accepted (default 200)"
    )
    return a


def add_report_options(r: argparse.ArgumentParser) -> None:
    """The ``report`` subcommand's title, settings file, progress and benchmark options."""
    r.add_argument("--title", metavar="TEXT", help="report title")
    r.add_argument("--config", metavar="TOML", help="settings file (keys as the long options)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument(
        "--benchmark",
        metavar="FILE",
        help="a reference registry's session file (read with the same options as FILE): the "
        "risk model of the risk-adjusted comparison is fitted on it instead of on FILE",
    )


def release_options(
    args: argparse.Namespace, settings: dict[str, Any], load: Callable[[Any], Any]
) -> dict[str, Any]:
    """The keywords of :func:`~tpdn_outcomes.report.quarterly_release` from the settings:
    ``min_cell``, ``title``, ``audience``, ``window`` and ``benchmark``, the reference file loaded by ``load`` (the
    CLI's loader of the main file) with the main file's options, its own measures and
    problems file aside."""
    options: dict[str, Any] = {"min_cell": settings["min_cell"], "title": settings.get("title")}
    options.update({k: settings[k] for k in ("audience", "window") if k in settings})
    if settings.get("benchmark"):
        reference = argparse.Namespace(
            **{**vars(args), "file": str(settings["benchmark"]), "measures": None, "problems": None}
        )
        options["benchmark"] = load(reference)
    return options


def add_report_parser(
    sub: Any, add_load_arguments: Callable[[Any], None]
) -> argparse.ArgumentParser:
    """The ``report`` subcommand: the quarterly outcome report."""
    r: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="write the quarterly outcome report (HTML, PDF, XLSX)",
        description="Build the quarterly outcome report of a clinic (or all clinics together) "
        "and write it as a self-contained HTML page, a PDF and an Excel workbook. Counts under "
        "--min-cell are suppressed (unless --audience internal: the clinic's own review, "
        "small n flagged, nothing suppressed). Tables by condition pool the trailing --window "
        "quarters. With --all-clinics, every clinic's report and the report "
        "of all clinics are written as one folder, OUT/tpdn_reports_<quarter>, with "
        "manifest.json and index.html; it appears only when every report is complete. "
        "Settings may also come from a TOML file (--config); options on the command line win.",
    )
    add_load_arguments(r)
    r.add_argument(
        "--quarter", metavar="YYYYQn", help="the quarter, e.g. 2026Q2 or 'Q2 2026' (required)"
    )
    who = r.add_mutually_exclusive_group()
    who.add_argument("--clinic", metavar="ID", help="one clinic's report")
    who.add_argument(
        "--all-clinics",
        action="store_true",
        help="one report per clinic and one for all, as one folder with a manifest",
    )
    r.add_argument("--out", metavar="DIR", help="output folder (default: reports)")
    r.add_argument(
        "--format", metavar="LIST", help="comma-separated: html,pdf,xlsx (default: all three)"
    )
    r.add_argument(
        "--min-cell",
        type=int,
        metavar="N",
        help=f"smallest count shown (default {schema.MIN_CELL})",
    )
    r.add_argument(
        "--audience",
        choices=["external", "internal"],
        help="external (default): small counts suppressed and audited; internal: the clinic's "
        "own quality review, nothing suppressed, small n flagged, not to leave the clinic",
    )
    r.add_argument(
        "--window",
        type=int,
        metavar="Q",
        help="quarters pooled in the tables by condition (default 4: the trailing 12 months)",
    )
    add_report_options(r)
    return r


__all__ = [
    "add_app_parser",
    "add_report_options",
    "add_report_parser",
    "add_summary_parser",
    "add_validate_parser",
    "release_options",
]
