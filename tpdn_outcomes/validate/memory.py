"""The in-memory engine: one run of every check over a table in memory (numpy/Arrow),
returning the report and the loaded tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.errors import format_count
from tpdn_outcomes.io import (
    plan_columns,
)
from tpdn_outcomes.privacy import column_label
from tpdn_outcomes.validate.memory_base import ALIAS_HINT
from tpdn_outcomes.validate.memory_measures import MeasureChecks
from tpdn_outcomes.validate.memory_parse import blank_rows, categorize, stack_measures
from tpdn_outcomes.validate.memory_rows import CrossRowChecks
from tpdn_outcomes.validate.memory_sessions import SessionChecks
from tpdn_outcomes.validation_report import ValidationReport

#: load_sessions' progress: the units of each stage, about its share of the time (a
#: 94,000-session CSV: reading 1.8 s, identifiers 2.4 s, the rest 0.6 s).
LOAD_UNITS = {"read": 9, "identifiers": 12, "sessions": 1, "measures": 1, "episodes": 2,
              "finish": 1}  # fmt: skip


class Build(SessionChecks, MeasureChecks, CrossRowChecks):
    """One run of every check over a session table (and optional long measures table)."""

    # -- the run ---------------------------------------------------------
    def run(
        self,
    ) -> tuple[ValidationReport, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]:
        frame = categorize(self.raw.frame)
        self.rows = np.arange(self.raw.first_row, len(frame) + self.raw.first_row, dtype=np.int64)
        if self.raw.sheet_like:
            self.blank_rows = blank_rows(frame)
        files = [self.raw.file] + ([self.measures_raw.file] if self.measures_raw else [])
        self.step("checking for identifiers", LOAD_UNITS["identifiers"])
        self._identifiers(frame, self.raw.file, first_row=self.raw.first_row)
        plan = plan_columns([str(c) for c in frame.columns], self.column_map)
        findings_cols = set(self.identifier_columns)
        unknown = [col for col in plan.unknown if col not in findings_cols]
        self.issues.add_columns(  # (one frame for all: a wide file may have hundreds)
            file=self.raw.file,
            columns=unknown,
            check="unknown_column",
            problem="is not a column this library knows; it is ignored",
            fixes=[
                "rename it to a canonical name (see the data dictionary) or map it with "
                "column_map={'"
                + column_label(col)
                + "': 'canonical_name'}; remove it if not needed"
                for col in unknown
            ],
            severity="warning",
        )
        for canonical, cols in plan.duplicates.items():
            for col in cols[1:]:
                self._header(
                    col,
                    canonical,
                    "duplicate_column",
                    f"maps to {canonical!r}, as does column '{column_label(cols[0])}'",
                    "keep one of them, or map one elsewhere with column_map",
                )
        missing = [c for c in schema.REQUIRED_SESSION_COLUMNS if c not in plan.session]
        if not any(c in plan.session for c in schema.SESSION_TIME_COLUMNS):
            missing.append("session_date or session_number")
        elsewhere = ""
        if len(self.raw.sheets) > 1:  # the data may be on another sheet of the workbook
            others = [n for n in self.raw.sheets if n != self.raw.sheet]
            listed = ", ".join(repr(n) for n in others)
            fits = [n for n in others if self._sheet_fits(n)]
            elsewhere = (
                f"; sheet {self.raw.sheet!r} was read, and the workbook also has {listed}"
                + (
                    f": the sessions look to be on sheet {fits[0]!r}, so pass sheet={fits[0]!r}"
                    if fits
                    else ": if the sessions are on another sheet, pass sheet='its name'"
                )
            )
        names = [str(c) for c in frame.columns]
        if missing and sum(n.startswith("Unnamed: ") for n in names) * 2 >= len(names) > 0:
            elsewhere += (
                "; most cells of the header row are empty: if there are title or note rows "
                "above the header, delete them so that the header is the first row"
            )
        for c in missing:
            hint = ALIAS_HINT.get(c, "Date or Session No")
            self.issues.add(
                file=self.raw.file,
                rows=None,
                column=c,
                canonical=c,
                values="",
                check="missing_column",
                problem="a required column is missing",
                fix=f"add it (accepted names include {hint}) or name yours with column_map="
                f"{{'Your name': '{c}'}}{elsewhere}",
            )
        n_blank = 0 if self.blank_rows is None else int(self.blank_rows.sum())
        no_data = len(frame) - n_blank == 0
        if no_data:
            what = (
                "has a header but no data rows"
                if not n_blank
                else f"has a header and {format_count(n_blank, 'blank row')}, but no data rows"
            )
            self.issues.add(
                file=self.raw.file,
                rows=None,
                column="",
                canonical="",
                values="",
                check="no_data",
                problem="",
                fix="",
                message=f"{self.raw.file}: the table {what}, so there is nothing to check or "
                "load. Fix: export the sessions again (check the export's date range and "
                f"filters){elsewhere}",
            )
        meta = self._metadata(frame)
        if missing or no_data:
            return self._final_report(files), None, None, meta

        self.step("checking the sessions", LOAD_UNITS["sessions"])
        sessions, valid = self._sessions(frame, plan)
        self.step("checking the measures", LOAD_UNITS["measures"])
        measures = self._wide_measures(frame, plan)
        if self.measures_raw is not None:
            long = self._long_measures(sessions, valid)
            measures = stack_measures([measures, long])

        self.step("checking across rows and finding the episodes", LOAD_UNITS["episodes"])
        sessions, measures = self._cross_row(sessions, valid, measures)
        meta.update(self._counts(sessions, measures))
        report = self._final_report(files)
        return report, sessions, measures, meta

    def _counts(self, sessions: pd.DataFrame, measures: pd.DataFrame) -> dict[str, Any]:
        excl = (
            pd.concat(self.excluded, ignore_index=True)
            if self.excluded
            else pd.DataFrame(
                {
                    "file": pd.Series(dtype="string"),
                    "row": pd.Series(dtype="int64"),
                    "reason": pd.Series(dtype="string"),
                }
            )
        )
        excl = excl.drop_duplicates(["file", "row"], keep="first").reset_index(drop=True)
        self.exclusions = excl
        return {
            "rows_excluded": len(excl),
            "n_sessions": len(sessions),
            "n_patients": int(sessions["patient_id"].nunique()),
            "n_measures": len(measures),
        }
