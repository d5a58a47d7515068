"""The library's calls the app makes: loading, column plans, reports and first looks.

Nothing here computes a statistic: loading and its checks are
:func:`~tpdn_outcomes.validate.load_sessions` (and the REDCap and FHIR readers), the
column plan is :func:`~tpdn_outcomes.io.plan_columns`, the reports are
:func:`~tpdn_outcomes.report.quarterly_release` written by
:func:`~tpdn_outcomes.report.files.write_report_files` and
:func:`~tpdn_outcomes.report.files.write_report_set`, and the first looks are
:func:`~tpdn_outcomes.outcomes.change_summary`,
:func:`~tpdn_outcomes.outcomes.responder_curve` and
:func:`~tpdn_outcomes.outcomes.time_to_response` with their plots.
"""

from __future__ import annotations

import base64
import datetime as _dt
import difflib
import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.app.jobs import Progress
from tpdn_outcomes.app.workspace import Workspace
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.privacy import IdentifierError, mask_values

#: Checks whose rows the Problems page explains as identifiers.
IDENTIFIER_CHECKS = frozenset({"identifier", "identifier_field"})
#: The canonical targets a column can be mapped to (session columns and wide measures).
PREVIEW_ROWS = 5


def app_words(text: str) -> str:
    """Say a library message in the app's words (its controls, not Python arguments).

    Examples
    --------
    >>> app_words("if 'Name' is not an identifier, pass allow_columns=['Name'].")
    "if 'Name' is not an identifier, tick 'Not an identifier' for it on the Problems page."
    >>> app_words("or pass pain_scale='vas100'")
    "or choose 'VAS 0-100 mm' as the pain scale on the Columns page"
    """
    rules = [
        (
            r"(?:pass |say so with )?allow_columns=\[[^\]]*\]",
            "tick 'Not an identifier' for it on the Problems page",
        ),
        (
            r"(?:pass )?pain_scale='vas100'",
            "choose 'VAS 0-100 mm' as the pain scale on the Columns page",
        ),
        (r"(?:load with |pass )?errors='coerce'", "use 'Set bad values missing and continue'"),
        (r"(?:map the label with |pass )?conditions=\{[^}]*\}", "correct the label in the file"),
        (r"(?:name yours with |pass )?column_map=\{[^}]*\}", "map the column on the Columns page"),
        (r"\(?see (?:report\.table|data\.report|the report's table)\)?", "(see the Problems page)"),
    ]
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text)
    return text


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _load_options(space: Workspace) -> dict[str, Any]:
    return {
        "column_map": dict(space.column_map) or None,
        "allow_columns": tuple(space.allow_columns),
        "pain_scale": space.pain_scale,
        "errors": "coerce" if space.coerce else "raise",
    }


def load(space: Workspace, progress: Progress) -> None:
    """Load the workspace's file with its settings; keep the data or the problems.

    On success ``space.data`` and ``space.report`` are set; on refusal ``space.report`` is
    the whole validation table (from :func:`~tpdn_outcomes.validate.validate` when the
    refusal did not carry it) and ``space.load_error`` / ``space.identifier_error`` say why.
    """
    from tpdn_outcomes.interop import from_fhir, load_redcap
    from tpdn_outcomes.validate import load_sessions, validate

    assert space.file is not None
    space.data, space.report, space.load_error, space.identifier_error = None, None, "", ""
    options = _load_options(space)
    progress(0.02, f"Reading and checking {space.display_name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            if space.kind == "redcap":
                options["allow_fields"] = options.pop("allow_columns")
                options.pop("column_map")
                data = load_redcap(space.file, data_dictionary=space.dictionary, **options)
            elif space.kind == "fhir":
                options.pop("column_map")
                data = from_fhir(space.file, **options)
            else:  # (its steps, on most of the bar: reading, the checks, the episodes)
                data = load_sessions(space.file, **options, progress=progress.part(0.02, 0.98))
    except IdentifierError as exc:
        space.identifier_error = app_words(str(exc))
        progress(0.5, "Listing every problem")
        if space.kind == "table":
            options.pop("errors")
            space.report = validate(space.file, **options)
        return
    except SchemaError as exc:
        space.load_error = app_words(str(exc).split("\n")[0])
        space.report = exc.report
        return
    except (ValueError, OSError) as exc:
        space.load_error = app_words(str(exc))
        return
    progress(0.99, "Checked")
    space.data, space.report = data, data.report


def header(space: Workspace) -> tuple[list[str], pd.DataFrame]:
    """The file's column names and its first rows (only for tables; else empty)."""
    from tpdn_outcomes.io import read_table

    if space.kind != "table" or space.file is None:
        return [], pd.DataFrame()
    suffix = space.file.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".tab", ".txt"):
            sep = "\t" if suffix in (".tsv", ".tab") else ","
            frame = pd.read_csv(
                space.file,
                sep=sep,
                nrows=PREVIEW_ROWS,
                dtype=str,
                encoding="utf-8-sig",
                keep_default_na=False,
            )
        else:
            frame = read_table(space.file).frame.head(PREVIEW_ROWS).astype(str)
    except Exception:  # (the Problems page says why the file cannot be read)
        return [], pd.DataFrame()
    return [str(c) for c in frame.columns], frame


def targets() -> list[str]:
    """Every name a column can be mapped to: session columns and wide measure columns."""
    measures = ["pain"]
    measures += [
        f"rom_{site}{side}" for site in schema.ROM_SITES for side in ("", "_left", "_right")
    ]
    measures += list(schema.FUNCTION_INSTRUMENTS)
    timings = sorted(set(schema.TIMING_ALIASES.values()))
    wide = [f"{m}_{t}" for m in measures for t in timings]
    return list(schema.SESSION_COLUMNS) + [w for w in wide if _is_measure(w)]


def _is_measure(name: str) -> bool:
    from tpdn_outcomes.io import wide_measure

    return wide_measure(name) is not None


def suggestions(column: str, choices: list[str]) -> list[str]:
    """Likely targets of an unrecognised column: aliases and close matches (difflib).

    Examples
    --------
    >>> suggestions("Pateint ID", ["patient_id", "session_date", "pain_pre"])[0]
    'patient_id'
    """
    norm = schema.normalise_name(column)
    names = {**{a: c for a, c in schema.COLUMN_ALIASES.items()}, **{c: c for c in choices}}
    close = difflib.get_close_matches(norm, list(names), n=6, cutoff=0.6)
    found = list(dict.fromkeys(names[c] for c in close))
    return [c for c in found if c in choices][:3]


def column_plan(space: Workspace) -> dict[str, Any]:
    """What the Columns page shows: recognised, unrecognised (with suggestions), preview."""
    from tpdn_outcomes.io import plan_columns

    columns, first = header(space)
    plan = plan_columns(columns, space.column_map or None)
    recognised = [(file_col, canonical) for canonical, file_col in plan.session.items()]
    recognised += [
        (file_col, f"{measure} ({timing})") for file_col, measure, timing in plan.measures
    ]
    flagged = identifier_columns(space)
    claimed = set(plan.session) | {f"{m}_{t}" for _, m, t in plan.measures}
    choices = targets()
    free = [c for c in choices if c not in claimed]  # (a target already taken is no suggestion)
    unknown = [(c, suggestions(c, free)) for c in plan.unknown]
    mapped = {f: c for c, f in plan.session.items()}
    mapped.update({f: f"{m}_{t}" for f, m, t in plan.measures})
    preview = first[[c for c in first.columns if c in mapped]].copy()
    for col in preview.columns:
        if col in flagged:
            preview[col] = mask_values(preview[col]).to_numpy()
    preview.columns = [mapped[c] for c in preview.columns]
    return {
        "recognised": recognised,
        "unknown": unknown,
        "duplicates": plan.duplicates,
        "choices": choices,
        "preview": preview,
        "flagged": flagged,
    }


def identifier_columns(space: Workspace) -> set[str]:
    """The columns the library flagged as holding identifiers."""
    if space.report is None:
        return set()
    table = space.report.table
    return set(table.loc[table["check"].isin(IDENTIFIER_CHECKS), "column"].astype(str))


def problems(space: Workspace) -> pd.DataFrame:
    """The validation table as the Problems page shows it: message and fix apart, app words.

    The ``value`` column is the library's own (masked where it could identify someone).
    """
    cols = ["row", "column", "value", "check", "severity", "message", "fix"]
    if space.report is None:
        return pd.DataFrame(columns=cols)
    table = space.report.table.astype(object)
    text = table["message"].astype(str).map(app_words)
    parts = text.str.split(r" Fix: ", n=1, regex=True)
    out = table[["row", "column", "value", "check", "severity"]].copy()
    out["message"] = parts.str[0]
    out["fix"] = parts.str[1].fillna("")
    return out.where(out.notna(), "")


def exclusions(space: Workspace) -> pd.DataFrame:
    """The rows left out by "set bad values missing and continue" (file, row, reason)."""
    if space.data is None:
        return pd.DataFrame(columns=["file", "row", "reason"])
    return space.data.exclusions


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def quarters(data: Any) -> list[str]:
    """The quarters with sessions."""
    from tpdn_outcomes.data import quarters_with_data

    return quarters_with_data(data.sessions["session_date"])


def default_quarter(available: list[str], today: _dt.date | None = None) -> str:
    """The last complete quarter with data (else the latest with data).

    Examples
    --------
    >>> default_quarter(["2026Q1", "2026Q2", "2026Q3"], _dt.date(2026, 8, 1))
    '2026Q2'
    >>> default_quarter(["2026Q3"], _dt.date(2026, 8, 1))
    '2026Q3'
    """
    from tpdn_outcomes.data import quarter_bounds

    today = today or _dt.date.today()
    complete = [q for q in available if quarter_bounds(q)[1].date() < today]
    return (complete or available or [""])[-1]


def clinics(data: Any) -> list[str]:
    return sorted(data.sessions["clinic_id"].dropna().astype(str).unique())


def build_report(
    space: Workspace,
    quarter: str,
    clinic: str | None,
    min_cell: int,
    formats: list[str],
    progress: Progress,
    *,
    audience: str = "external",
) -> dict[str, Path]:
    """One report (one clinic, or all) as HTML, XLSX and PDF in the workspace."""
    import matplotlib

    matplotlib.use("Agg")
    from tpdn_outcomes.report import PdfEngineMissing, quarterly_release
    from tpdn_outcomes.report.files import report_stem, write_report_files

    progress(0.02, "Building the report")
    (report,) = quarterly_release(
        space.data,
        quarter=quarter,
        clinics=[clinic],
        min_cell=min_cell,
        progress=progress.part(0.02, 0.6),
        audience=audience,
    )
    out = space.output_folder() / "single"
    out.mkdir(exist_ok=True)
    stem = report_stem(quarter, clinic)
    files: dict[str, Path] = {}
    failed: dict[str, str] = {}
    for i, fmt in enumerate(formats):
        progress(0.6 + 0.4 * i / len(formats), f"Writing the {fmt.upper()} file")
        files.update(
            write_report_files(report, out, stem, [fmt], skip=(PdfEngineMissing,), failed=failed)
        )
    space.built = {"files": files, "failed": failed, "quarter": quarter, "clinic": clinic,
                   "audience": audience}  # fmt: skip
    return files


def build_release(
    space: Workspace,
    quarter: str,
    min_cell: int,
    formats: list[str],
    progress: Progress,
    *,
    audience: str = "external",
) -> Path:
    """Every clinic's report and the all-clinics report as one zip with its manifest."""
    import matplotlib

    matplotlib.use("Agg")
    from tpdn_outcomes.data import quarter_bounds
    from tpdn_outcomes.report import PdfEngineMissing, quarterly_release
    from tpdn_outcomes.report.files import check_distinct_names, write_report_set

    data = space.data
    start, end = quarter_bounds(quarter)
    s = data.sessions
    in_q = s[(s["session_date"] >= start) & (s["session_date"] <= end)]
    names = sorted(in_q["clinic_id"].dropna().astype(str).unique())
    quiet = sorted(set(s["clinic_id"].dropna().astype(str)) - set(names))
    chosen: list[str | None] = [None, *names]
    check_distinct_names(quarter, chosen)
    progress(0.02, f"Building {len(chosen)} reports together")
    built = quarterly_release(
        data,
        quarter=quarter,
        clinics=chosen,
        min_cell=min_cell,
        progress=progress.part(0.02, 0.6),
        audience=audience,
    )
    reports = dict(zip(chosen, built, strict=True))
    progress(0.6, "Writing the files")
    out = space.output_folder() / "release"
    result = write_report_set(
        out,
        quarter,
        chosen,
        reports.__getitem__,
        formats,
        source={"file": space.display_name or None, "sha256": data.metadata.get("sha256")},
        settings={"min_cell": min_cell, "title": None, "audience": audience, "window": 4},
        clinics_without_sessions=quiet,
        skip=(PdfEngineMissing,),
    )
    progress(0.9, "Packing the zip")  # (a cancel here: discard() removes the .partial)
    target = space.output_folder() / f"{result.folder.name}.zip"
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(result.folder.iterdir()):
            zf.write(path, f"{result.folder.name}/{path.name}")
    partial.replace(target)
    space.built["release"] = target
    return target


def discard(space: Workspace, which: str) -> None:
    """Remove what a cancelled report job left: its folder and any half-written zip.

    ``which`` is ``"single"`` or ``"release"``.
    """
    import shutil

    out = space.output_folder()
    shutil.rmtree(out / which, ignore_errors=True)
    if which == "release":
        for path in out.glob("*.zip*"):
            path.unlink(missing_ok=True)
    space.built = {}


# ---------------------------------------------------------------------------
# Explore
# ---------------------------------------------------------------------------


def _png(ax: Any) -> str:
    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def explore(data: Any, measure: str = "pain") -> dict[str, Any]:
    """Change by condition, the responder curve and time to relief, with their plots."""
    import matplotlib

    matplotlib.use("Agg")
    from tpdn_outcomes import plots
    from tpdn_outcomes.labels import column_label, value_label
    from tpdn_outcomes.outcomes import change_summary, responder_curve, time_to_response

    change = change_summary(data, measure=measure, by="condition")
    curve = responder_curve(data, measure=measure, by=None)
    ttr = time_to_response(data, measure=measure, by=None)
    show = ["condition", "n", "mean_baseline", "mean_change", "ci_low", "ci_high", "p_adj"]
    table = change[[c for c in show if c in change.columns]].round(3)
    table["condition"] = table["condition"].map(value_label)
    table.columns = [column_label(c) for c in table.columns]
    return {
        "change": table,
        "change_png": _png(plots.plot_change_by_condition(change)),
        "caveat": change.attrs.get("caveat", ""),
        "curve_png": _png(plots.plot_responder_curve(curve)),
        "ttr_png": _png(plots.plot_time_to_response(ttr)),
        "ttr_rule": str(getattr(ttr, "rule", "")),
    }
