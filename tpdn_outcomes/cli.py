"""The ``tpdn-outcomes`` command: a thin shell over the library (no statistics here).

Exit codes: 0 success (``validate``: no errors; warnings are printed but do not fail
unless ``--strict``), 1 the data has problems (``report``: or a requested PDF could not be
made; the other formats are still written), 2 usage errors (bad arguments, missing files). A data problem never prints a traceback: it prints what to fix.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tpdn_outcomes._version import __version__
from tpdn_outcomes.errors import DataQualityWarning, SchemaError

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
EXIT_PIPE = 141  # output cut off by its reader, as a shell reports SIGPIPE (128 + 13)


def _json_option(text: str | None, flag: str, example: str) -> dict[str, str] | None:
    """Parse a JSON mapping given on the command line, or explain the expected form."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _UsageError(f"{flag} must be JSON such as '{example}' ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise _UsageError(f"{flag} must be a JSON object such as '{example}'")
    return value


def _load_options(args: argparse.Namespace) -> dict[str, Any]:
    column_map = _json_option(args.column_map, "--column-map", '{"Pt": "patient_id"}')
    conditions = _json_option(args.condition_map, "--condition-map", '{"whiplash": "neck_pain"}')
    return {
        "measures": args.measures,
        "column_map": column_map,
        "conditions": conditions,
        "pain_scale": args.pain_scale,
        "date_format": args.date_format,
        "export_date": args.export_date,
        "allow_columns": tuple(args.allow_column or ()),
        "sheet": args.sheet,
    }


class _UsageError(Exception):
    pass


def _add_load_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="session table: .csv, .tsv, .xlsx or .parquet")
    p.add_argument("--measures", metavar="FILE", help="long measures table joined on session_id")
    p.add_argument(
        "--pain-scale",
        choices=["nprs", "vas100"],
        default="nprs",
        help="scale of the pain values (default nprs 0-10; vas100 is converted to 0-10)",
    )
    p.add_argument(
        "--date-format", metavar="FMT", help="strptime format of non-ISO dates, e.g. %%d/%%m/%%Y"
    )
    p.add_argument(
        "--export-date", metavar="YYYY-MM-DD", help="dates after it are errors (default today)"
    )
    p.add_argument(
        "--column-map", metavar="JSON", help="your column names -> canonical names, as JSON"
    )
    p.add_argument(
        "--condition-map", metavar="JSON", help="extra condition labels -> conditions, as JSON"
    )
    p.add_argument(
        "--allow-column",
        action="append",
        metavar="NAME",
        help="exempt a column from the identifier guard (repeatable; only if it holds no identifier)",
    )
    p.add_argument("--sheet", help="Excel sheet name (default: the first sheet)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tpdn-outcomes`` (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="tpdn-outcomes",
        description="Check, summarise and report Trigger Point Dry Needling outcome data.",
    )
    parser.add_argument("--version", action="version", version=f"tpdn-outcomes {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    v = sub.add_parser(
        "validate",
        help="check a session file and list every problem with its fix",
        description="Check a session file against the data contract. Exit 0 when there is no "
        "error, 1 when there are errors (or warnings with --strict), 2 on usage errors.",
    )
    _add_load_arguments(v)
    v.add_argument(
        "--format", choices=["text", "json", "csv"], default="text", help="output format"
    )
    v.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    v.add_argument(
        "--max-rows", type=int, default=20, help="problems listed in text output (default 20)"
    )

    s = sub.add_parser(
        "sample",
        help="write the synthetic sample files to a folder",
        description="Write a synthetic, anonymised sample dataset (wide CSV, XLSX, long pair and a "
        "messy export) to a folder.",
    )
    s.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write to (created if needed)"
    )
    s.add_argument("--patients", type=int, default=600, help="number of patients (default 600)")
    s.add_argument("--seed", type=int, default=20260101, help="random seed (default 20260101)")

    d = sub.add_parser(
        "demo",
        help="validate a file and print episodes and pain change by condition",
        description="Validate a session file, then print its episodes and the mean pain change "
        "by condition.",
    )
    _add_load_arguments(d)

    r = sub.add_parser(
        "report",
        help="write the quarterly outcome report (HTML, PDF, XLSX)",
        description="Build the quarterly outcome report of a clinic (or all clinics together) "
        "and write it as a self-contained HTML page, a PDF and an Excel workbook. Counts under "
        "--min-cell are suppressed. Settings may also come from a TOML file (--config); "
        "options on the command line win.",
    )
    _add_load_arguments(r)
    r.add_argument("--quarter", metavar="YYYYQn", help="the quarter, e.g. 2026Q2 (required)")
    who = r.add_mutually_exclusive_group()
    who.add_argument("--clinic", metavar="ID", help="one clinic's report")
    who.add_argument(
        "--all-clinics", action="store_true", help="one report per clinic (and one for all)"
    )
    r.add_argument("--out", metavar="DIR", help="output folder (default: reports)")
    r.add_argument(
        "--format", metavar="LIST", help="comma-separated: html,pdf,xlsx (default: all three)"
    )
    r.add_argument("--min-cell", type=int, metavar="N", help="smallest count shown (default 11)")
    r.add_argument("--title", metavar="TEXT", help="report title")
    r.add_argument("--config", metavar="TOML", help="settings file (keys as the long options)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")

    c = sub.add_parser(
        "convert",
        help="convert between session files, CDISC ADaM, REDCap and FHIR",
        description="Convert a session file to a CDISC ADaM (BDS) analysis dataset, or an "
        "ADaM dataset written by this tool back to a session table. Formats follow the file "
        "endings: .csv, .parquet, .xpt (SAS transport) for ADaM; .csv, .tsv, .xlsx, .parquet "
        "for sessions; a REDCap records export (CSV) with --dictionary, and a folder for "
        "--to redcap (records and dictionary); a FHIR R4 Bundle (.json) or NDJSON (.ndjson) "
        "of Patients, Procedures and Observations.",
    )
    c.add_argument("input", help="the file to read")
    c.add_argument("output", help="the file to write (written atomically)")
    formats = ["sessions", "adam", "redcap", "fhir"]
    c.add_argument("--from", dest="source", choices=formats, required=True)
    c.add_argument("--to", dest="target", choices=formats, required=True)
    c.add_argument("--dictionary", metavar="FILE", help="REDCap data dictionary (--from redcap)")
    c.add_argument("--mapping", metavar="TOML", help="REDCap field mapping (--from redcap)")
    c.add_argument("--measures", metavar="FILE", help="long measures table (with --from sessions)")
    c.add_argument("--export-date", metavar="YYYY-MM-DD", help="dates after it are errors")

    m = sub.add_parser(
        "summary",
        help="print the change of a measure by group",
        description="Load a session file and print change_summary: n, mean change with its "
        "95%% CI, median, paired t and Holm-adjusted p per group.",
    )
    _add_load_arguments(m)
    m.add_argument("--measure", default="pain", help="pain, rom:<site> or function:<instrument>")
    m.add_argument("--by", default="condition", help="grouping column(s), comma-separated")
    m.add_argument("--format", choices=["table", "csv", "json"], default="table")
    return parser


def _cmd_validate(args: argparse.Namespace) -> int:
    from tpdn_outcomes.validate import STRUCTURAL_CHECKS, validate

    report = validate(args.file, **_load_options(args))
    if args.format == "json":
        table = report.table.astype(object).where(report.table.notna(), None)
        payload = {
            "ok": report.ok,
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "problems": table.to_dict(orient="records"),
        }
        print(json.dumps(payload, indent=2, default=str))
    elif args.format == "csv":
        report.table.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        print(report.summary(max_rows=args.max_rows))
        if report.ok:
            print(
                "OK: the file can be loaded."
                if not len(report.warnings)
                else "OK: the file can be loaded (see the warnings above)."
            )
        elif set(report.errors["check"]) & STRUCTURAL_CHECKS:
            print("Not loadable: fix the file itself first; errors='coerce' cannot repair that.")
        else:
            print("Not loadable as it is: fix the errors above, or load with errors='coerce'.")
    failed = not report.ok or (args.strict and len(report.warnings) > 0)
    return EXIT_DATA if failed else EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from tpdn_outcomes.datasets import write_sample

    if args.patients < 1:
        raise _UsageError("--patients must be at least 1")
    paths = write_sample(Path(args.out), n_patients=args.patients, seed=args.seed)
    for name, path in paths.items():
        print(f"wrote {name}: {path}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from tpdn_outcomes import outcomes
    from tpdn_outcomes.validate import load_sessions, validate

    options = _load_options(args)
    report = validate(args.file, **options)
    print(report.summary(max_rows=5))
    if not report.ok:
        print("The file has errors; fix them first (tpdn-outcomes validate FILE).")
        return EXIT_DATA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(args.file, **options)
    print()
    print(data)
    episodes = data.episodes("pain")
    print(f"\nEpisodes (first 10 of {len(episodes)}), pain on NPRS 0-10:")
    cols = ["episode_id", "condition", "n_sessions", "baseline", "final", "change", "open", "note"]
    summary = outcomes.change_summary(data, measure="pain", by="condition")
    show = ["condition", "n", "n_excluded", "mean_baseline", "mean_change", "ci_low", "ci_high"]
    table = summary[show].round(2)
    table["p_adj"] = summary["p_adj"].map(lambda p: f"{p:.2g}")
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(episodes[cols].head(10).to_string(index=False))
        print("\nMean pain change (final - baseline) by condition, 95% CI, Holm-adjusted p:")
        print(table.to_string(index=False))
    print(
        "\nNegative change = less pain. Uncontrolled pre/post data: these are not treatment effects."
    )
    return EXIT_OK


_REPORT_KEYS = {"quarter", "clinic", "all_clinics", "out", "format", "min_cell", "title", "quiet"}


def _report_settings(args: argparse.Namespace) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if args.config:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        path = Path(args.config)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such settings file")
        try:
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise _UsageError(f"{path.name}: not valid TOML ({exc})") from exc
        table = loaded.get("report", loaded)
        unknown = sorted(set(table) - _REPORT_KEYS)
        if unknown:
            raise _UsageError(
                f"{path.name}: unknown setting(s) {unknown}; use {sorted(_REPORT_KEYS)}"
            )
        settings.update(table)
    for key in _REPORT_KEYS:
        value = getattr(args, key, None)
        if value is not None and value is not False:
            settings[key] = value
    if not settings.get("quarter"):
        raise _UsageError("--quarter is required (e.g. --quarter 2026Q2), here or in --config")
    formats = settings.get("format", "html,pdf,xlsx")
    if isinstance(formats, str):
        formats = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = sorted(set(formats) - {"html", "pdf", "xlsx"})
    if bad or not formats:
        raise _UsageError(f"--format takes html, pdf and/or xlsx, not {bad or formats}")
    settings["format"] = list(dict.fromkeys(formats))
    min_cell = settings.get("min_cell", 11)
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise _UsageError(f"--min-cell must be a whole number of at least 1, not {min_cell!r}")
    settings["min_cell"] = min_cell
    return settings


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "clinic"


def _cmd_report(args: argparse.Namespace) -> int:
    from tpdn_outcomes.report import PdfEngineMissing, quarterly_report
    from tpdn_outcomes.validate import load_sessions

    settings = _report_settings(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(args.file, **_load_options(args))
    if settings.get("all_clinics"):
        names = sorted(data.sessions["clinic_id"].dropna().astype(str).unique())
        clinics: list[str | None] = [None, *names]
    else:
        clinics = [settings.get("clinic")]
    out = Path(settings.get("out", "reports"))
    status = EXIT_OK
    for clinic in clinics:
        report = quarterly_report(
            data,
            quarter=settings["quarter"],
            clinic=clinic,
            min_cell=settings["min_cell"],
            title=settings.get("title"),
            progress=not settings.get("quiet", False),
        )
        stem = out / f"tpdn_report_{report.quarter}_{_safe_name(clinic or 'all_clinics')}"
        for fmt in settings["format"]:
            path = stem.with_suffix(f".{fmt}")
            if fmt == "html":
                report.to_html(str(path))
            elif fmt == "xlsx":
                report.to_excel(str(path))
            else:
                try:
                    report.to_pdf(str(path))
                except PdfEngineMissing as exc:
                    print(f"tpdn-outcomes: no PDF: {exc}", file=sys.stderr)
                    status = EXIT_DATA
                    continue
            print(f"wrote {path}")
    return status


def _cmd_convert(args: argparse.Namespace) -> int:
    from tpdn_outcomes.interop import (
        from_adam,
        from_fhir,
        load_redcap,
        read_adam,
        to_adam,
        write_adam,
        write_fhir,
        write_redcap,
    )
    from tpdn_outcomes.io import write_table
    from tpdn_outcomes.validate import load_sessions

    if args.source == args.target:
        raise _UsageError("--from and --to are the same: nothing to convert")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        if args.source == "sessions":
            data = load_sessions(args.input, measures=args.measures, export_date=args.export_date)
        elif args.source == "redcap":
            data = load_redcap(args.input, data_dictionary=args.dictionary, mapping=args.mapping,
                               export_date=args.export_date)  # fmt: skip
        elif args.source == "fhir":
            data = from_fhir(args.input, export_date=args.export_date)
        else:
            data = from_adam(read_adam(args.input), export_date=args.export_date)
    if args.target == "adam":
        path = write_adam(to_adam(data), args.output)
    elif args.target == "redcap":
        path, _ = write_redcap(data, args.output)
    elif args.target == "fhir":
        path = write_fhir(data, args.output)
    else:
        wide = data.sessions.drop(columns=["source_row"], errors="ignore")
        long = data.measures[["session_id", "measure", "timing", "value"]]
        path = write_table(wide, args.output)
        write_table(long, Path(args.output).with_name(Path(args.output).stem + "_measures.csv"))
    print(f"wrote {path}")
    return EXIT_OK


def _cmd_summary(args: argparse.Namespace) -> int:
    from tpdn_outcomes.outcomes import change_summary
    from tpdn_outcomes.validate import load_sessions

    by = [b.strip() for b in args.by.split(",") if b.strip()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(args.file, **_load_options(args))
    table = change_summary(data, measure=args.measure, by=by or None)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        clean = table.astype(object).where(table.notna(), None)
        print(json.dumps(clean.to_dict(orient="records"), indent=2, default=str))
    else:
        show = [*by, "n", "n_excluded", "mean_baseline", "mean_change", "ci_low", "ci_high",
                "median_change", "p_adj"]  # fmt: skip
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(table[show].round(3).to_string(index=False))
        print(table.attrs.get("caveat", ""))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> from tpdn_outcomes.datasets import sample_path
    >>> main(["validate", str(sample_path("sessions_with_errors.csv")), "--format", "csv"]) > 0
    file,row,column,canonical_column,value,check,severity,message
    ...
    True
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "validate": _cmd_validate,
        "sample": _cmd_sample,
        "demo": _cmd_demo,
        "report": _cmd_report,
        "summary": _cmd_summary,
        "convert": _cmd_convert,
    }
    try:
        code = handlers[args.command](args)
        sys.stdout.flush()  # (a closed pipe is found here, not at exit)
        return code
    except BrokenPipeError:
        # the reader stopped early (e.g. `| head`): no traceback, and nothing more is written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except _UsageError as exc:
        parser.error(str(exc))  # exits 2
    except FileNotFoundError as exc:
        print(f"tpdn-outcomes: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (SchemaError, ValueError) as exc:  # IdentifierError is a ValueError
        print(f"tpdn-outcomes: {exc}", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
