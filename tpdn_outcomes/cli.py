"""The ``tpdn-outcomes`` command: a thin shell over the library (no statistics here).

Exit codes: 0 success (``validate``: no errors; warnings are printed but do not fail
unless ``--strict``), 1 the data has problems, 2 usage errors (bad arguments, missing
files). A data problem never prints a traceback: it prints what to fix.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tpdn_outcomes._version import __version__
from tpdn_outcomes.errors import DataQualityWarning, SchemaError

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


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
    return parser


def _cmd_validate(args: argparse.Namespace) -> int:
    from tpdn_outcomes.validate import validate

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
    handlers = {"validate": _cmd_validate, "sample": _cmd_sample, "demo": _cmd_demo}
    try:
        return handlers[args.command](args)
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
