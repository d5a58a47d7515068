"""The in-memory engine's state: one run of the checks over a session table, how a
problem is recorded and a row excluded, the header and identifier checks."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes._version import __version__
from tpdn_outcomes.io import (
    DATAFRAME_LABEL,
    RawTable,
    plan_columns,
)
from tpdn_outcomes.validate.checks import CHECKS
from tpdn_outcomes.validate.collect import Collector
from tpdn_outcomes.validation_report import ValidationReport

ALIAS_HINT = {
    "patient_id": "Patient ID, pid, subject, participant_id",
    "condition": "Condition, Diagnosis, Dx",
    "session_date": "Date, Visit date, Treatment date",
    "session_number": "Session, Session No, Visit number",
}


class BuildState:
    """One run of the checks over a session table (and optional long measures table):
    its inputs, the problems found and the rows excluded."""

    rows: np.ndarray  # (set by Build.run: each row's number in the file)
    identifier_columns: list[str]  # (set by _identifiers)
    exclusions: pd.DataFrame  # (set by Build._counts)

    def __init__(
        self,
        raw: RawTable,
        measures_raw: RawTable | None,
        *,
        column_map: Mapping[str, str] | None,
        pain_scale: str,
        conditions: Mapping[str, str] | None,
        coerce: bool,
        allow_columns: Iterable[str],
        date_format: str | None,
        export_date: pd.Timestamp,
        episode_gap_days: int,
        open_after_days: int,
        raise_identifiers: bool,
    ) -> None:
        self.raw, self.measures_raw = raw, measures_raw
        self.column_map = column_map
        self.pain_scale = pain_scale
        self.condition_table = schema.condition_aliases(conditions)
        self.coerce = coerce
        self.allow_columns = list(allow_columns)
        self.date_format = date_format
        self.export_date = export_date
        self.episode_gap_days = episode_gap_days
        self.open_after_days = open_after_days
        self.raise_identifiers = raise_identifiers
        self.issues = Collector()
        self.excluded: list[pd.DataFrame] = []
        self.generated_ids = False  # session ids made from the rows (set by _sessions)
        # rows of a text or Excel file with no cell filled (set by run); None: no such row
        self.blank_rows: np.ndarray | None = None
        # told each stage of run() with its units (load_sessions' progress; else nothing)
        self.step: Callable[[str, int], None] = lambda stage, units: None

    # -- helpers ---------------------------------------------------------
    def _add(
        self,
        mask: np.ndarray,
        column: str,
        canonical: str,
        raw: pd.Series,
        check: str,
        problem: str,
        fix: str,
        severity: str = "error",
        file: str | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        if rows is None and self.blank_rows is not None:  # (blank rows are excluded, not checked)
            mask = mask & ~self.blank_rows
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        base_rows = rows if rows is not None else self.rows
        self.issues.add(
            file=file or self.raw.file,
            rows=base_rows[idx],
            column=column,
            canonical=canonical,
            values=raw.iloc[idx].reset_index(drop=True),
            check=check,
            problem=problem,
            fix=fix,
            severity=severity,
        )

    def _flag(
        self,
        name: str,
        mask: np.ndarray,
        column: str,
        raw: pd.Series,
        canonical: str | None = None,
        *,
        file: str | None = None,
        rows: np.ndarray | None = None,
        **settings: Any,
    ) -> None:
        """Report the cells of ``mask`` as the declared check ``name`` says
        (:data:`~tpdn_outcomes.validate.checks.CHECKS`; ``settings`` fill in its text)."""
        check = CHECKS[name]
        message, fix = check.text(**settings)
        canonical = check.columns[0] if canonical is None else canonical
        self._add(
            mask, column, canonical, raw, check.check, message, fix, check.severity, file, rows
        )

    def _header(
        self,
        column: str,
        canonical: str,
        check: str,
        problem: str,
        fix: str,
        severity: str = "error",
        file: str | None = None,
    ) -> None:
        self.issues.add(
            file=file or self.raw.file,
            rows=np.array([1]),
            column=column,
            canonical=canonical,
            values=pd.Series([column]),
            check=check,
            problem=problem,
            fix=fix,
            severity=severity,
        )

    def _exclude(self, mask: np.ndarray, reason: str) -> None:
        idx = np.flatnonzero(mask)
        if idx.size:
            self.excluded.append(
                pd.DataFrame({"file": self.raw.file, "row": self.rows[idx], "reason": reason})
            )

    def _sheet_fits(self, sheet: str) -> bool:
        """Whether a sheet of the workbook read has every required session column."""
        if self.raw.path is None:
            return False
        try:
            header = pd.read_excel(self.raw.path, sheet_name=sheet, nrows=0, engine="openpyxl")
        except Exception:  # (a sheet that cannot be read is just not suggested)
            return False
        plan = plan_columns([str(c) for c in header.columns], self.column_map)
        return all(c in plan.session for c in schema.REQUIRED_SESSION_COLUMNS) and any(
            c in plan.session for c in schema.SESSION_TIME_COLUMNS
        )

    def _final_report(self, files: Iterable[str]) -> ValidationReport:
        """The report; for a DataFrame with its own index, the index label of each row.

        ``row`` of a DataFrame is its position + 2 (the row it would have in a CSV written
        with ``to_csv(index=False)``); when the frame's index is not the default 0..n-1
        (rows dropped or reordered), ``index`` gives each problem row's own label.
        """
        report = self.issues.report(files)
        index = self.raw.frame.index
        default = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
        if self.raw.file == DATAFRAME_LABEL and not default and len(report.table):
            rows = report.table["row"]
            labels = [
                index[int(r) - 2] if pd.notna(r) and 2 <= int(r) < len(index) + 2 else None
                for r in rows
            ]
            report.table.insert(2, "index", pd.Series(labels, dtype=object))
        return report

    def _metadata(self, frame: pd.DataFrame) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "source": self.raw.path or self.raw.file,
            "sha256": self.raw.sha256,
            "pain_scale": self.pain_scale,
            "rows_read": len(frame),
            "export_date": self.export_date.date().isoformat(),
            "episode_gap_days": self.episode_gap_days,
            "open_after_days": self.open_after_days,
            "package_version": __version__,
            "loaded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        if self.measures_raw is not None:
            meta["measures_source"] = self.measures_raw.path or self.measures_raw.file
            meta["measures_sha256"] = self.measures_raw.sha256
            meta["measure_rows_read"] = len(self.measures_raw.frame)
        return meta

    def _identifiers(self, frame: pd.DataFrame, file: str, first_row: int = 2) -> None:
        from tpdn_outcomes.privacy import check_identifiers, find_identifiers

        findings = find_identifiers(
            frame, source=file, allow_columns=self.allow_columns, first_row=first_row
        )
        if self.raise_identifiers and len(findings):
            check_identifiers(frame, source=file, allow_columns=self.allow_columns)  # raises
        names = [str(c) for c in frame.columns]
        self.identifier_columns = [names[j] for j in findings.attrs.get("positions", [])]
        for col in findings.attrs.get("sampled_columns", []):
            if col in self.identifier_columns:
                continue  # refused anyway; its finding says it was sampled
            from tpdn_outcomes._detect import MAX_CHECKED

            self.issues.add(
                file=file,
                rows=None,
                column=str(col),
                canonical="",
                values="",
                check="identifier_sample",
                problem="",
                fix="",
                severity="warning",
                message=(
                    f"{file}, column '{col}': the identifier guard judged a random sample of "
                    f"{MAX_CHECKED:,} of this column's candidate values with libphonenumber, "
                    "python-stdnum or usaddress (the rest were screened by pattern only) and "
                    "found no identifier. Fix: none needed; check the column yourself if it "
                    "may hold phone numbers, ids or addresses."
                ),
            )
        self.issues.withheld |= {(file, c) for c in self.identifier_columns}
        for f in findings.itertuples(index=False):
            row = getattr(f, "first_row", None)
            self.issues.add(
                file=file,
                rows=np.array([row if pd.notna(row) else 1]),
                column=str(f.column),
                canonical="",
                values=pd.Series(["<withheld>"]),
                check="identifier",
                problem="",
                fix="",
                message=f"{file}, column '{f.column}': {f.reason}",  # the reason carries the fix
            )
