"""The ``tpdn-outcomes`` command: a thin shell over the library (no statistics here).

Exit codes
----------
0
    Success (``validate``: no errors; warnings are printed but do not fail unless
    ``--strict``).
1
    The data has a problem: errors in the file, identifiers, no sessions in the quarter,
    two clinics that would share a report name, a PDF that could not be made (the other
    formats are still written), a file that cannot be written.
2
    Usage: a bad option or argument, a missing input file, an output folder that holds
    other files.
130 / 143
    Interrupted by Ctrl-C / terminated by SIGTERM (no partial output is left).
141
    The output was cut off by its reader (``| head``).

A problem a user can cause never prints a traceback: it prints one line (or the
validation summary) saying what to fix, in the command's own words (``--allow-column
NAME``, not the Python argument ``allow_columns=[...]``; see :func:`cli_words`).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import inspect
import json
import os
import re
import shlex
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes._cli_parsers import (
    add_app_parser,
    add_report_parser,
    add_summary_parser,
    add_validate_parser,
    release_options,
)
from tpdn_outcomes._version import __version__
from tpdn_outcomes.errors import DataQualityWarning, SchemaError

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT (128 + 2)
EXIT_PIPE = 141  # output cut off by its reader, as a shell reports SIGPIPE (128 + 13)


# ---------------------------------------------------------------------------
# The library's words -> the command line's words (one mapping, applied at the boundary)
# ---------------------------------------------------------------------------


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _allow(match: re.Match[str]) -> str:
    names = _literal(match.group(1))
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not names:
        return "--allow-column NAME"
    return " ".join(f"--allow-column {shlex.quote(str(n))}" for n in names)


def _json_flag(flag: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        value = _literal(match.group(1))
        if not isinstance(value, dict):
            return f"{flag} JSON"
        return f"{flag} {shlex.quote(json.dumps(value))}"

    return replace


def _value_flag(flag: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        value = _literal(match.group(1))
        return f"{flag} {shlex.quote(str(value if value is not None else match.group(1)))}"

    return replace


_QUOTED = r"('[^']*'|\"[^\"]*\"|-?\d+)"
_SEPARATORS = {"semicolons": ";", "tabs": "tab", "vertical bars": "|", "commas": ","}


def _sep_fix(match: re.Match[str]) -> str:
    return f"{match.group(1)}read it with --sep {shlex.quote(_SEPARATORS[match.group(2)])}, or "


#: Python argument (as the library's messages write it) -> command-line option.
CLI_WORDS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"allow_columns=(\[[^\]]*\]|\([^)]*\)|'[^']*')"), _allow),
    (re.compile(r"allow_columns=?"), "--allow-column NAME"),
    (re.compile(r"column_map=(\{[^}]*\})"), _json_flag("--column-map")),
    (re.compile(r"conditions=(\{[^}]*\})"), _json_flag("--condition-map")),
    (re.compile(r"errors=" + _QUOTED), _value_flag("--errors")),
    (re.compile(r"encoding=" + _QUOTED), _value_flag("--encoding")),
    (re.compile(r"date_format=" + _QUOTED), _value_flag("--date-format")),
    (re.compile(r"pain_scale=" + _QUOTED), _value_flag("--pain-scale")),
    (re.compile(r"sheet=" + _QUOTED), _value_flag("--sheet")),
    (re.compile(r"sep=" + _QUOTED), _value_flag("--sep")),
    (re.compile(r"measures=" + _QUOTED), _value_flag("--measures")),
    (re.compile(r"export_date=" + _QUOTED + "?"), "--export-date YYYY-MM-DD"),
    (re.compile(r"episode_gap_days=(\d+)?"), "--episode-gap-days DAYS"),
    (re.compile(r"open_after_days=(\d+)?"), "--open-after-days DAYS"),
    (re.compile(r"quarter=" + _QUOTED), _value_flag("--quarter")),
    # the same arguments named without a value ("pass one of these names as sheet=")
    (re.compile(r"\bsheet=(?!\w)"), "--sheet NAME"),
    (re.compile(r"\bencoding=(?!\w)"), "--encoding NAME"),
    (re.compile(r"\bsep=(?!\w)"), "--sep CHAR"),
    (re.compile(r"\berrors=(?!\w)"), "--errors coerce"),
    (re.compile(r"\bdate_format=(?!\w)"), "--date-format FMT"),
    (re.compile(r"\bpain_scale=(?!\w)"), "--pain-scale vas100"),
    (re.compile(r"\bcolumn_map=(?!\w)"), "--column-map JSON"),
    (re.compile(r"\bconditions=(?!\w)"), "--condition-map JSON"),
    (re.compile(r"\bmeasures=(?!\w)"), "--measures FILE"),
    (
        re.compile(r"\(?see (?:report\.table|data\.report|the report's table)\)?"),
        "(write them all with --problems FILE)",
    ),
    (re.compile(r"\bin \.table\b"), "with --problems FILE"),
    (
        re.compile(r"(separated by (semicolons|tabs|vertical bars|commas), not [^\n]*?Fix: )"),
        _sep_fix,
    ),
]


def cli_words(text: str) -> str:
    """Say a library message in the command line's words (options, not Python arguments).

    Examples
    --------
    >>> cli_words("if 'Name' is not an identifier, pass allow_columns=['Name'].")
    "if 'Name' is not an identifier, pass --allow-column Name."
    >>> cli_words("or pass encoding='cp1252'; or load with errors='coerce' (see report.table)")
    'or pass --encoding cp1252; or load with --errors coerce (write them all with --problems FILE)'
    >>> cli_words("name yours with column_map={'Your name': 'patient_id'}")
    'name yours with --column-map \\'{"Your name": "patient_id"}\\''
    """
    for pattern, replacement in CLI_WORDS:
        text = pattern.sub(replacement, text)
    return text


def _say(text: str) -> None:
    print(cli_words(text), file=sys.stderr)


def _in_cli_words(table: pd.DataFrame) -> pd.DataFrame:
    """A validation table with its messages in the command line's words."""
    out = table.copy()
    for col in ("message", "fix"):
        if col in out.columns:
            out[col] = out[col].map(lambda v: cli_words(v) if isinstance(v, str) else v)
    return out


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, with the ``%`` of help texts written once (``95%``, not ``95%%``)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if isinstance(kwargs.get("help"), str):
            kwargs["help"] = kwargs["help"].replace("%", "%%")
        return super().add_argument(*args, **kwargs)


def _json_option(text: str | None, flag: str, example: str) -> dict[str, str] | None:
    """Parse a JSON mapping (or a .json file of it) from the command line, or explain why not."""
    if not text:
        return None
    where = f" (in {Path(text).name})" if text.lower().endswith(".json") else ""
    try:
        value = json.loads(Path(text).read_text(encoding="utf-8-sig") if where else text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else exc
        raise _UsageError(
            f"{flag} must be JSON such as '{example}' or a .json file{where} ({why})"
        ) from exc
    if not isinstance(value, dict):
        raise _UsageError(f"{flag} must be a JSON object such as '{example}'{where}")
    return value


def _separator(text: str | None) -> str | None:
    if text is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    sep = named.get(text.lower(), text)
    if len(sep) != 1:
        raise _UsageError(f"--sep takes one character such as ';' or 'tab', not {text!r}")
    return sep


#: Options whose default means "not given" (convert refuses file options for other sources).
_DEFAULTS: dict[str, Any] = {"measures": None, "sheet": None, "encoding": "utf-8-sig", "sep": None}


def _loader_takes(name: str) -> bool:
    from tpdn_outcomes.validate import load_sessions

    return name in inspect.signature(load_sessions).parameters


def _load_options(args: argparse.Namespace) -> dict[str, Any]:
    column_map = _json_option(args.column_map, "--column-map", '{"Pt": "patient_id"}')
    conditions = _json_option(args.condition_map, "--condition-map", '{"whiplash": "neck_pain"}')
    options: dict[str, Any] = {
        "measures": args.measures,
        "column_map": column_map,
        "conditions": conditions,
        "pain_scale": args.pain_scale,
        "date_format": args.date_format,
        "export_date": args.export_date,
        "allow_columns": tuple(args.allow_column or ()),
        "sheet": args.sheet,
        "encoding": args.encoding,
        "errors": args.errors,
    }
    for flag, key in (("episode_gap_days", "episode_gap_days"), ("open_after_days", "open_after_days")):  # fmt: skip
        value = getattr(args, flag)
        if value is not None:
            if value < 1:
                raise _UsageError(f"--{flag.replace('_', '-')} must be at least 1, not {value}")
            options[key] = value
    problems = getattr(args, "problems", None)
    if problems and Path(problems).suffix.lower() not in ("", ".csv", ".tsv", ".xlsx"):
        raise _UsageError(f"--problems writes .csv, .tsv or .xlsx, not {Path(problems).name!r}")
    sep = _separator(args.sep)
    if sep is not None:
        options["sep"] = sep  # (read by _separated, which gives it to the loader or applies it)
    return options


_TEXT_ENDINGS = (".csv", ".tsv", ".tab", ".txt")


def _comma_copy(path: str, sep: str, encoding: str, folder: str) -> str:
    """A comma-separated UTF-8 copy of a text table, record for record, in ``folder``."""
    import csv

    source = Path(path)
    if source.suffix.lower() not in _TEXT_ENDINGS:
        raise _UsageError(
            f"--sep is for text tables ({', '.join(_TEXT_ENDINGS)}), not {source.name}"
        )
    name = source.name if source.suffix.lower() == ".csv" else source.stem + ".csv"
    target = Path(folder) / name
    try:
        with (
            source.open(encoding=encoding, newline="") as f,
            target.open("w", encoding="utf-8", newline="") as out,
        ):
            writer = csv.writer(out, lineterminator="\n")
            for record in csv.reader(f, delimiter=sep, strict=True):
                writer.writerow(record)
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{source.name}: the file is not {encoding} text ({exc.reason} at byte {exc.start}). "
            "Fix: save it as 'CSV UTF-8' in Excel, or pass encoding='cp1252' (or the file's encoding)"
        ) from exc
    except csv.Error as exc:
        raise SchemaError(
            f"{source.name}: cannot be read with the separator {sep!r} ({exc}). Fix: check "
            "the separator and quoting, or re-export the table"
        ) from exc
    return str(target)


@contextlib.contextmanager
def _separated(file: str, options: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The input file and loader options with ``--sep`` applied.

    When the loader takes ``sep=`` it is passed on. Otherwise the file (and a
    ``--measures`` file) is read with the separator and copied, record for record and
    under the same name, as comma-separated UTF-8 into a private temporary folder that is
    removed afterwards; the loader reads the copy, so messages name the same file and
    rows, and the result's ``source`` and ``sha256`` are set back to the original's.
    """
    import tempfile

    sep = options.get("sep")
    if sep is None or _loader_takes("sep"):
        yield file, options
        return
    options = {k: v for k, v in options.items() if k != "sep"}
    with tempfile.TemporaryDirectory(prefix="tpdn-sep-") as folder:  # (mode 0700)
        if not Path(file).exists():
            raise FileNotFoundError(f"{file}: no such file; check the path")
        copy = _comma_copy(file, sep, options["encoding"], folder)
        measures = options.get("measures")
        if measures is not None:
            sub = Path(folder) / "measures"
            sub.mkdir()
            options["measures"] = _comma_copy(str(measures), sep, options["encoding"], str(sub))
        options["encoding"] = "utf-8"
        yield copy, options


@contextlib.contextmanager
def _loading_quietly(file: str, options: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """:func:`_separated`, with the loader's DataQualityWarnings silenced.

    The command line reports problems itself (``--problems`` and the validation summary),
    so the warnings a loader also raises would only repeat them on stderr.
    """
    with _separated(file, options) as (path, opts), warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        yield path, opts


def _restore_source(data: Any, file: str, copy: str) -> Any:
    """Give a dataset loaded from a ``--sep`` copy its original source and SHA-256."""
    if copy != file:
        from tpdn_outcomes.io import sha256_file

        data.metadata["source"] = str(file)
        data.metadata["sha256"] = sha256_file(Path(file))
    return data


def _add_load_arguments(p: argparse.ArgumentParser, *, convert: bool = False) -> None:
    if not convert:  # (convert has its own input, --measures and --export-date)
        p.add_argument("file", help="session table: .csv, .tsv, .xlsx or .parquet")
        p.add_argument(
            "--measures", metavar="FILE", help="long measures table joined on session_id"
        )
    p.add_argument(
        "--pain-scale",
        choices=["nprs", "vas100"],
        default="nprs",
        help="scale of the pain values (default nprs 0-10; vas100 is converted to 0-10)",
    )
    p.add_argument(
        "--date-format", metavar="FMT", help="strptime format of non-ISO dates, e.g. %d/%m/%Y"
    )
    if not convert:
        p.add_argument(
            "--export-date", metavar="YYYY-MM-DD", help="dates after it are errors (default today)"
        )
    p.add_argument(
        "--column-map", metavar="JSON", help="your column names -> canonical names: JSON or .json"
    )
    p.add_argument(
        "--condition-map", metavar="JSON", help="condition labels -> conditions: JSON or .json"
    )
    p.add_argument(
        "--allow-column",
        action="append",
        metavar="NAME",
        help="exempt a column from the identifier guard (repeatable; only if it holds no identifier)",
    )
    p.add_argument("--sheet", metavar="NAME", help="Excel sheet name (default: the first sheet)")
    p.add_argument(
        "--encoding",
        default="utf-8-sig",
        metavar="NAME",
        help="text encoding of CSV/TSV files, e.g. cp1252 (default utf-8)",
    )
    p.add_argument(
        "--sep", metavar="CHAR", help="CSV separator, e.g. ';' or tab (default by the ending)"
    )
    p.add_argument(
        "--errors",
        choices=["raise", "coerce"],
        default="raise",
        help="coerce: load anyway, with invalid values set missing and listed (default raise)",
    )
    p.add_argument(
        "--episode-gap-days",
        type=int,
        metavar="DAYS",
        help="a longer gap between sessions starts a new episode (default 90)",
    )
    p.add_argument(
        "--open-after-days",
        type=int,
        metavar="DAYS",
        help="episodes with a session this recent are still open (default 30)",
    )
    p.add_argument(
        "--problems",
        metavar="FILE",
        help="write every problem found (the whole validation table) to this CSV file",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tpdn-outcomes`` (exposed for documentation and tests)."""
    parser = _Parser(
        prog="tpdn-outcomes",
        description="Check, summarise and report Trigger Point Dry Needling outcome data.",
        epilog="Exit codes: 0 ok, 1 a problem with the data, 2 a usage error.",
    )
    parser.add_argument("--version", action="version", version=f"tpdn-outcomes {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    v = add_validate_parser(sub, _add_load_arguments)

    s = sub.add_parser(
        "sample",
        help="write the synthetic sample files to a folder",
        description="Write a synthetic, anonymised sample dataset (wide CSV, XLSX, long pair and a "
        "messy export) to a folder.",
    )
    s.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write to (created if needed)"
    )
    s.add_argument("--patients", type=int, help="number of patients (default 3400, as shipped)")
    s.add_argument("--seed", type=int, help="random seed (default 20240703, as shipped)")

    d = sub.add_parser(
        "demo",
        help="validate a file and print episodes and pain change by condition",
        description="Validate a session file, then print its episodes and the mean pain change "
        "by condition.",
    )
    _add_load_arguments(d)

    r = add_report_parser(sub, _add_load_arguments)

    c = sub.add_parser(
        "convert",
        help="convert between session files, CDISC ADaM, REDCap and FHIR",
        description="Convert a session file to a CDISC ADaM (BDS) analysis dataset, or an "
        "ADaM dataset written by this tool back to a session table. Formats follow the file "
        "endings: .csv, .parquet, .xpt (SAS transport) for ADaM; .csv, .tsv, .xlsx, .parquet "
        "for sessions (one wide table, a column per measure and timing, that loads as it "
        "is); a REDCap records export (CSV) with --dictionary, and a folder for "
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
    _add_load_arguments(c, convert=True)

    m = add_summary_parser(sub, _add_load_arguments)
    a = add_app_parser(sub)
    for command, subparser in (("validate", v), ("sample", s), ("demo", d), ("report", r),
                               ("convert", c), ("summary", m), ("app", a)):  # fmt: skip
        subparser.set_defaults(_parser=subparser)
        assert subparser.prog.endswith(command)
    return parser


# ---------------------------------------------------------------------------
# Loading, with the CLI's handling of problems
# ---------------------------------------------------------------------------


def _write_problems(path: str | None, table: pd.DataFrame | None) -> None:
    """``--problems FILE``: the whole validation table as CSV, written atomically."""
    if path is None:
        return
    from tpdn_outcomes.io import write_table

    if table is None:
        table = pd.DataFrame(
            columns=[
                "file",
                "row",
                "column",
                "canonical_column",
                "value",
                "check",
                "severity",
                "message",
            ]
        )
    target = Path(path)
    if not target.suffix:
        target = target.with_name(target.name + ".csv")
    written = write_table(_in_cli_words(table), target)
    print(f"wrote the {len(table)} problem(s) to {written}", file=sys.stderr)


def _sheet_hint(args: argparse.Namespace, said: str = "") -> str:
    """The sheets of an Excel workbook, to say where else the data may be.

    Nothing when the messages already shown (``said``) list every sheet.
    """
    path = Path(getattr(args, "file", "") or "")
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return ""
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        names = list(book.sheetnames)
        book.close()
    except Exception:  # (a damaged workbook: its own error says so)
        return ""
    if (len(names) < 2 and not args.sheet) or not names:
        return ""
    if all(repr(n) in said for n in names):
        return ""
    listed = ", ".join(repr(n) for n in names)
    if args.sheet and args.sheet not in names:
        chosen = f"there is no sheet {args.sheet!r}"
    else:
        chosen = f"{f'sheet {args.sheet!r}' if args.sheet else f'the first sheet ({names[0]!r})'} was read"
    return f"The workbook has the sheets {listed}; {chosen}. Choose one with --sheet NAME."


def _load(args: argparse.Namespace) -> Any:
    """load_sessions with the command's options; problems go to ``--problems`` and stderr."""
    from tpdn_outcomes.validate import load_sessions

    try:
        with _loading_quietly(args.file, _load_options(args)) as (file, options):
            data = _restore_source(load_sessions(file, **options), args.file, file)
    except SchemaError as exc:
        _write_problems(args.problems, exc.report.table if exc.report is not None else None)
        hint = _sheet_hint(args, str(exc))
        if hint:
            raise SchemaError(f"{exc}\n{hint}", exc.report) from exc
        raise
    _write_problems(args.problems, data.report.table)
    return data


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    from tpdn_outcomes.validate import STRUCTURAL_CHECKS, validate

    options = _load_options(args)
    options.pop("errors")  # (validate lists every problem whatever --errors says)
    with _separated(args.file, options) as (file, options):
        report = validate(file, **options)
    _write_problems(args.problems, report.table)
    table = _in_cli_words(report.table)
    if args.format == "json":
        shown = table.astype(object).where(table.notna(), None)
        payload = {
            "ok": report.ok,
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "problems": shown.to_dict(orient="records"),
        }
        print(json.dumps(payload, indent=2, default=str))
    elif args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        print(cli_words(report.summary(max_rows=args.max_rows)))
        if report.ok:
            print(
                "OK: the file can be loaded."
                if not len(report.warnings)
                else "OK: the file can be loaded (see the warnings above)."
            )
        elif set(report.errors["check"]) & STRUCTURAL_CHECKS:
            print("Not loadable: fix the file itself first; --errors coerce cannot repair that.")
        else:
            print("Not loadable as it is: fix the errors above, or load with --errors coerce.")
        if not report.ok:
            hint = _sheet_hint(args, " ".join(report.errors["message"].astype(str)))
            if hint:
                print(hint)
    failed = not report.ok or (args.strict and len(report.warnings) > 0)
    return EXIT_DATA if failed else EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from tpdn_outcomes.datasets import write_sample

    if args.patients is not None and args.patients < 1:
        raise _UsageError("--patients must be at least 1")
    paths = write_sample(Path(args.out), n_patients=args.patients, seed=args.seed)
    for name, path in paths.items():
        print(f"wrote {name}: {path}")
    return EXIT_OK


def _format_p(p: object) -> str:
    """A p-value as text: ``<0.001`` below 0.001, never ``0.0``.

    Examples
    --------
    >>> [_format_p(p) for p in (3e-12, 0.0004, 0.0123, 0.5, float("nan"))]
    ['<0.001', '<0.001', '0.012', '0.500', '']
    """
    try:
        value = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if value != value:
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _cmd_demo(args: argparse.Namespace) -> int:
    from tpdn_outcomes import outcomes
    from tpdn_outcomes.validate import validate

    options = {k: v for k, v in _load_options(args).items() if k != "errors"}
    with _separated(args.file, options) as (file, options):
        report = validate(file, **options)
    print(cli_words(report.summary(max_rows=5)))
    if not report.ok and args.errors != "coerce":
        _write_problems(args.problems, report.table)
        print("The file has errors; fix them first (tpdn-outcomes validate FILE).")
        return EXIT_DATA
    data = _load(args)
    if not len(data.sessions):
        _say(f"tpdn-outcomes: {Path(args.file).name} has no sessions to show")
        return EXIT_DATA
    print()
    print(data)
    episodes = data.episodes("pain")
    print(f"\nEpisodes (first 10 of {len(episodes)}), pain on NPRS 0-10:")
    cols = ["episode_id", "condition", "n_sessions", "baseline", "final", "change", "open", "note"]
    summary = outcomes.change_summary(data, measure="pain", by="condition")
    show = ["condition", "n", "n_excluded", "mean_baseline", "mean_change", "ci_low", "ci_high"]
    table = summary[[c for c in show if c in summary.columns]].round(2)
    table["p_adj"] = summary["p_adj"].map(_format_p)
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(episodes[cols].head(10).to_string(index=False))
        print("\nMean pain change (final - baseline) by condition, 95% CI, Holm-adjusted p:")
        print(table.to_string(index=False))
    print(
        "\nNegative change = less pain. Uncontrolled pre/post data: these are not treatment effects."
    )
    return EXIT_OK


_REPORT_KEYS = {"quarter", "clinic", "all_clinics", "out", "format", "min_cell", "title", "quiet",
                "benchmark", "audience", "window"}  # fmt: skip


def _report_settings(args: argparse.Namespace) -> dict[str, Any]:
    from tpdn_outcomes.data import QuarterError, parse_quarter
    from tpdn_outcomes.report.files import FORMATS

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
    try:
        settings["quarter"] = parse_quarter(settings["quarter"])
    except QuarterError as exc:
        raise _UsageError(
            f"--quarter must be a year and a quarter, e.g. --quarter 2026Q3 (also 2026-Q3, "
            f"'Q3 2026', Q3-2026), not {settings['quarter']!r}"
        ) from exc
    formats = settings.get("format", "html,pdf,xlsx")
    if isinstance(formats, str):
        formats = [f.strip().lower() for f in formats.split(",") if f.strip()]
    if not isinstance(formats, list):
        formats = [formats]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        shown = ", ".join(map(str, bad)) if bad else "nothing"
        raise _UsageError(
            f"--format takes html, pdf and/or xlsx (comma-separated, e.g. --format html,xlsx), "
            f"not {shown}"
        )
    settings["format"] = list(dict.fromkeys(formats))
    min_cell = settings.get("min_cell", schema.MIN_CELL)
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise _UsageError(f"--min-cell must be a whole number of at least 1, not {min_cell!r}")
    settings["min_cell"] = min_cell
    audience = settings.get("audience", "external")
    if audience not in ("external", "internal"):
        raise _UsageError(f"--audience takes internal or external, not {audience!r}")
    settings["audience"] = audience
    window = settings.get("window", 4)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 8:
        raise _UsageError(
            f"--window must be a whole number of quarters from 1 to 8, not {window!r}"
        )
    settings["window"] = window
    return settings


class _NoSessions(Exception):
    pass


def _check_quarter_has_sessions(data: Any, quarter: str, clinic: str | None) -> None:
    """Raise _NoSessions naming the quarters that have data when ``quarter`` has none."""
    from tpdn_outcomes.data import quarter_bounds, quarters_with_data

    s = data.sessions
    if clinic is not None:
        known = set(s["clinic_id"].dropna().astype(str))
        if clinic not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise _NoSessions(f"clinic {clinic!r} is not in the data; its clinics: {listed}")
        s = s[s["clinic_id"].astype(str) == clinic]
    start, end = quarter_bounds(quarter)
    dates = s["session_date"]
    if bool(((dates >= start) & (dates <= end)).any()):
        return
    have = quarters_with_data(dates)
    whose = f"clinic {clinic!r}" if clinic is not None else Path(data.metadata.get("source", "the data")).name  # fmt: skip
    listed = ", ".join(have) if have else "none (no dated sessions)"
    raise _NoSessions(
        f"{whose} has no sessions in {quarter}; quarters with sessions: {listed}. "
        "Choose one of them with --quarter"
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from tpdn_outcomes.data import quarter_bounds
    from tpdn_outcomes.report import PdfEngineMissing, quarterly_release
    from tpdn_outcomes.report.files import (
        check_distinct_names,
        report_stem,
        set_folder,
        write_report_files,
        write_report_set,
    )

    settings = _report_settings(args)
    quarter = settings["quarter"]
    out = Path(settings.get("out", "reports"))
    if settings.get("all_clinics"):
        from tpdn_outcomes._files import check_replaceable
        from tpdn_outcomes.report.files import TOOL

        try:  # (before the data is loaded: say it at once)
            check_replaceable(set_folder(out, quarter), TOOL)
        except FileExistsError as exc:
            raise _UsageError(str(exc)) from exc
    data = _load(args)
    progress = not settings.get("quiet", False)

    def release(clinics: list[str | None]) -> dict[str | None, Any]:
        # the reports of one run are built together: disclosure control over all of them
        reports = quarterly_release(
            data,
            quarter=quarter,
            clinics=clinics,
            progress=progress,
            **release_options(args, settings, _load),
        )
        return dict(zip(clinics, reports, strict=True))

    failed: dict[str, str] = {}
    if settings.get("all_clinics"):
        _check_quarter_has_sessions(data, quarter, None)
        start, end = quarter_bounds(quarter)
        s = data.sessions
        in_q = s[(s["session_date"] >= start) & (s["session_date"] <= end)]
        names = sorted(in_q["clinic_id"].dropna().astype(str).unique())
        quiet = sorted(set(s["clinic_id"].dropna().astype(str)) - set(names))
        clinics: list[str | None] = [None, *names]
        check_distinct_names(quarter, clinics)
        built = release(clinics)
        result = write_report_set(
            out,
            quarter,
            clinics,
            built.__getitem__,
            settings["format"],
            source={
                "file": Path(str(data.metadata.get("source", ""))).name or None,
                "sha256": data.metadata.get("sha256"),
            },
            settings={k: settings.get(k) for k in ("min_cell", "title", "audience", "window")},
            clinics_without_sessions=quiet,
            skip=(PdfEngineMissing,),
        )
        failed = result.failed
        for files in result.files.values():
            for path in files.values():
                print(f"wrote {path}")
        print(f"wrote {result.folder / 'index.html'} and manifest.json ({len(clinics)} reports)")
        if quiet:
            print(f"no sessions in {quarter}, so no report: clinic(s) {', '.join(quiet)}")
    else:
        clinic = settings.get("clinic")
        _check_quarter_has_sessions(data, quarter, clinic)
        report = release([clinic])[clinic]
        written = write_report_files(
            report,
            out,
            report_stem(quarter, clinic),
            settings["format"],
            skip=(PdfEngineMissing,),
            failed=failed,
        )
        for path in written.values():
            print(f"wrote {path}")
    for msg in failed.values():
        print(f"tpdn-outcomes: no PDF: {msg}", file=sys.stderr)
    return EXIT_DATA if failed else EXIT_OK


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
    from tpdn_outcomes.interop.wide import to_wide
    from tpdn_outcomes.io import write_table
    from tpdn_outcomes.validate import load_sessions

    if args.source == args.target:
        raise _UsageError("--from and --to are the same: nothing to convert")
    options = _load_options(args)
    file_options = ("measures", "sheet", "encoding", "sep")
    if args.source != "sessions":
        given = [f"--{k}" for k in file_options if k in options and options[k] != _DEFAULTS.get(k)]
        if given:
            raise _UsageError(f"{', '.join(given)}: only with --from sessions")
        options = {k: v for k, v in options.items() if k not in file_options}
    if args.source == "redcap":
        options["allow_fields"] = options.pop("allow_columns")
    try:
        with _loading_quietly(args.input, options) as (file, options):
            if args.source == "sessions":
                data = _restore_source(load_sessions(file, **options), args.input, file)
            elif args.source == "redcap":
                data = load_redcap(args.input, data_dictionary=args.dictionary,
                                   mapping=args.mapping, **options)  # fmt: skip
            elif args.source == "fhir":
                data = from_fhir(args.input, **options)
            else:
                data = from_adam(read_adam(args.input), **options)
    except SchemaError as exc:
        _write_problems(args.problems, exc.report.table if exc.report is not None else None)
        raise
    _write_problems(args.problems, data.report.table)
    if args.target == "adam":
        path = write_adam(to_adam(data), args.output)
    elif args.target == "redcap":
        path, _ = write_redcap(data, args.output)
    elif args.target == "fhir":
        path = write_fhir(data, args.output)
    else:  # one wide table, a column per measure and timing: it loads as it is
        path = write_table(to_wide(data), args.output)
    print(f"wrote {path}")
    return EXIT_OK


def _measure_names() -> list[str]:

    sites = [f"rom:{s}{side}" for s in schema.ROM_SITES for side in ("", "_left", "_right")]
    return ["pain", *sites, *(f"function:{i}" for i in schema.FUNCTION_INSTRUMENTS)]


def _check_measure(name: str) -> None:

    try:
        schema.measure_spec(name)
    except KeyError as exc:
        close = difflib.get_close_matches(name, _measure_names(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise _UsageError(f"--measure: {exc.args[0]}{hint}") from exc


def _cmd_summary(args: argparse.Namespace) -> int:
    from tpdn_outcomes.outcomes import change_summary

    _check_measure(args.measure)
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    data = _load(args)
    name = Path(args.file).name
    if not len(data.sessions):
        _say(f"tpdn-outcomes: {name} has no sessions to summarise")
        return EXIT_DATA
    unknown = [b for b in by if b not in data.sessions.columns]
    if unknown:
        raise _UsageError(
            f"--by: no column {', '.join(map(repr, unknown))}; group by one of "
            f"{', '.join(c for c in data.sessions.columns if c not in ('source_row',))}"
        )
    table = change_summary(data, measure=args.measure, by=by or None)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        clean = table.astype(object).where(table.notna(), None)
        print(json.dumps(clean.to_dict(orient="records"), indent=2, default=str))
    else:
        show = [*by, "n", "n_excluded", "mean_baseline", "mean_change", "ci_low", "ci_high",
                "median_change"]  # fmt: skip
        shown = table[[c for c in show if c in table.columns]].round(3)
        if "p_adj" in table.columns:
            shown["p_adj"] = table["p_adj"].map(_format_p)
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(shown.to_string(index=False))
        print(table.attrs.get("caveat", ""))
    if "n" in table.columns and bool((table["n"] == 0).any()):
        present = data.measure_names()
        stem = args.measure.split(":")[0]
        related = [m for m in present if m.startswith(args.measure)] or [
            m for m in present if m.split(":")[0] == stem
        ]
        if args.measure not in present:
            listed = ", ".join(related or present)
            _say(
                f"note: no values of {args.measure} in {name}; its measures "
                f"{'of this kind ' if related else ''}are {listed} (use one with --measure)"
            )
        else:
            _say(
                "note: groups with n = 0 have no episode with both a baseline and a final "
                f"value of {args.measure} (see the n_excluded column)"
            )
    return EXIT_OK


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _cmd_app(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise _UsageError(f"--port must be from 1 to 65535, not {args.port}")
    if args.max_upload_mb <= 0:
        raise _UsageError(f"--max-upload-mb must be above 0, not {args.max_upload_mb:g}")
    try:
        from tpdn_outcomes.app.server import run
    except ImportError as exc:
        _say(f"tpdn-outcomes: the app needs its extra: pip install 'tpdn_outcomes[app]' ({exc})")
        return EXIT_USAGE
    run(args.port, open_browser=not args.no_browser, max_upload_mb=args.max_upload_mb)
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
    from tpdn_outcomes._files import Terminated, sigterm_as_exit
    from tpdn_outcomes.data import QuarterError

    parser = build_parser()
    args = parser.parse_args(argv)
    command_parser: argparse.ArgumentParser = getattr(args, "_parser", parser)
    handlers = {
        "validate": _cmd_validate,
        "sample": _cmd_sample,
        "demo": _cmd_demo,
        "report": _cmd_report,
        "summary": _cmd_summary,
        "convert": _cmd_convert,
        "app": _cmd_app,
    }
    try:
        with sigterm_as_exit():
            code = handlers[args.command](args)
            sys.stdout.flush()  # (a closed pipe is found here, not at exit)
        return code
    except BrokenPipeError:
        # the reader stopped early (e.g. `| head`): no traceback, and nothing more is written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except (_UsageError, QuarterError) as exc:
        command_parser.error(cli_words(str(exc)))  # exits 2, with the command's usage line
    except FileNotFoundError as exc:
        _say(f"tpdn-outcomes: {exc}")
        return EXIT_USAGE
    except (_NoSessions, SchemaError, ValueError) as exc:
        # (IdentifierError, ReportNameClash and QuarterError are ValueErrors)
        _say(f"tpdn-outcomes: {exc}")
        return EXIT_DATA
    except OSError as exc:  # (a file that cannot be read or written: permissions, disk full)
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"tpdn-outcomes: {where}{exc.strerror or exc}")
        return EXIT_DATA
    except KeyboardInterrupt:
        print("tpdn-outcomes: interrupted; no partial output was left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("tpdn-outcomes: terminated; no partial output was left", file=sys.stderr)
        raise
    return EXIT_OK  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
