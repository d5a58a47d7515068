"""The in-memory engine: the checks of the session columns (per cell)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes._arrays import int_array as _int_array
from tpdn_outcomes.io import (
    short_text as _short,
)
from tpdn_outcomes.validate.checks import CHECKS, MAX_WHOLE
from tpdn_outcomes.validate.collect import cell_label
from tpdn_outcomes.validate.memory_base import BuildState
from tpdn_outcomes.validate.memory_parse import (
    alias_lookup,
    factorize,
    from_codes,
    id_categories,
    is_blank,
    parse_adverse,
    parse_age_band,
    parse_dates,
    parse_muscles,
    parse_numbers,
    recode,
    row_labels,
)


class SessionChecks(BuildState):
    """The checks of the session columns: each declared in :mod:`tpdn_outcomes.validate.checks` and run here
    with numpy on the columns as read."""

    # -- session columns ---------------------------------------------------
    def _sessions(self, frame: pd.DataFrame, plan: Any) -> tuple[pd.DataFrame, np.ndarray]:
        n = len(frame)
        out: dict[str, Any] = {}
        col = plan.session
        bad_key = self._patient_and_condition(frame, col, out)
        has_time = np.zeros(n, dtype=bool)
        bad_key |= self._session_date(frame, col, out, has_time)
        bad_key |= self._session_number(frame, col, out, has_time)
        self._no_session_time(frame, col, ~has_time & ~bad_key)
        bad_key |= ~has_time
        for key in ("session_id", "episode_id", "clinic_id"):
            out[key] = (
                id_categories(frame[col[key]])
                if key in col
                else from_codes(np.full(n, -1, np.int8), categories=pd.Index([], dtype=object))
            )
        self._categories(frame, col, out)
        out["needle_count"] = self._needle_count(frame, col)
        out["source_row"] = self.rows
        sessions = pd.DataFrame(out, copy=False)
        bad_key |= self._given_ids(frame, col, sessions)
        if self.blank_rows is not None:
            bad_key |= self.blank_rows
            self._exclude(self.blank_rows, "blank row (no cell filled)")
            why = bad_key & ~self.blank_rows
        else:
            why = bad_key
        self._exclude(why, "missing or invalid patient, condition or session date/number")
        return sessions, ~bad_key

    def _patient_and_condition(
        self, frame: pd.DataFrame, col: dict[str, str], out: dict[str, Any]
    ) -> np.ndarray:
        """Blank patients and conditions, unknown conditions: the rows without a key."""
        bad_key = np.zeros(len(frame), dtype=bool)
        out["patient_id"] = id_categories(frame[col["patient_id"]])  # blank text -> missing
        for key in ("patient_id", "condition"):
            blank = (
                np.asarray(out[key].codes) < 0 if key == "patient_id" else is_blank(frame[col[key]])
            )
            self._flag(f"{key}.missing", blank, col[key], frame[col[key]])
            bad_key |= blank

        allowed = sorted(set(self.condition_table.values()))
        cond_codes, _, bad = recode(
            frame[col["condition"]], alias_lookup(self.condition_table), categories=allowed
        )
        if bad.any():
            raw_cond = frame[col["condition"]]
            bad_codes, uniques = factorize(raw_cond)
            for code in np.unique(bad_codes[bad]):
                value = cell_label(uniques[code])
                self._flag(
                    "condition.unknown",
                    bad & (bad_codes == code),
                    col["condition"],
                    raw_cond,
                    allowed=", ".join(allowed),
                    value=_short(value, 60),
                )
        bad_key |= bad
        out["condition"] = from_codes(cond_codes, categories=allowed)
        return bad_key

    def _session_date(
        self, frame: pd.DataFrame, col: dict[str, str], out: dict[str, Any], has_time: np.ndarray
    ) -> np.ndarray:
        """Dates that are not dates or out of range; the rows they leave without a key
        when the file has no session numbers."""
        n = len(frame)
        if "session_date" not in col:
            out["session_date"] = pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[ns]"))
            return np.zeros(n, dtype=bool)
        c, raw = col["session_date"], frame[col["session_date"]]
        dates, bad = parse_dates(raw, self.date_format)
        fmt = (
            f"in the format {self.date_format!r}" if self.date_format else "in ISO form YYYY-MM-DD"
        )
        self._flag("session_date.invalid", bad, c, raw, date_form=fmt)
        too_early, too_late = CHECKS["session_date.too_early"], CHECKS["session_date.too_late"]
        early = too_early.rule.flags(dates)
        late = too_late.rule.after(  # type: ignore[attr-defined]
            dates, np.datetime64(self.export_date.normalize().to_datetime64())
        )
        self._flag("session_date.too_early", early, c, raw, min_date=schema.MIN_SESSION_DATE)
        self._flag("session_date.too_late", late, c, raw, export_date=self.export_date.date())
        dates = np.where(early | late, np.datetime64("NaT"), dates)
        out["session_date"] = pd.Series(dates, dtype="datetime64[ns]")
        has_time |= ~np.isnat(dates)
        return bad | early | late if "session_number" not in col else np.zeros(n, bool)

    def _whole_numbers(
        self, raw: pd.Series, column: str, key: str, low: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """A whole-number column's ``(values, refused)``: not whole numbers, below its
        least value (the declaration ``low``) or too large to hold."""
        num, bad = parse_numbers(raw)
        frac = ~np.isnan(num) & (num != np.round(num))
        self._flag(f"{key}.not_whole", bad | frac, column, raw)
        below = CHECKS[low].rule.flags(num)
        if key == "session_number":  # (a fraction is reported once, as not whole)
            below &= ~frac
        self._flag(low, below, column, raw)
        huge = ~frac & CHECKS[f"{key}.too_large"].rule.flags(num)
        self._flag(f"{key}.too_large", huge, column, raw, max_whole=MAX_WHOLE)
        return num, bad | frac | below | huge

    def _session_number(
        self, frame: pd.DataFrame, col: dict[str, str], out: dict[str, Any], has_time: np.ndarray
    ) -> np.ndarray:
        """Session numbers that are not whole numbers from 1; the rows they leave without
        a key when the file has no session dates."""
        n = len(frame)
        if "session_number" not in col:
            out["session_number"] = _int_array(np.full(n, np.nan))
            return np.zeros(n, dtype=bool)
        c = col["session_number"]
        num, refused = self._whole_numbers(frame[c], c, "session_number", "session_number.below_1")
        num = np.where(refused, np.nan, num)
        out["session_number"] = _int_array(num)
        has_time |= ~np.isnan(num)
        return refused if "session_date" not in col else np.zeros(n, dtype=bool)

    def _no_session_time(
        self, frame: pd.DataFrame, col: dict[str, str], no_time: np.ndarray
    ) -> None:
        """Rows whose session date and number are both blank (of those the file gives)."""
        if "session_date" in col and "session_number" in col:
            cols = f"'{col['session_date']}' and '{col['session_number']}'"
            blank_both = (
                no_time
                & is_blank(frame[col["session_date"]])
                & is_blank(frame[col["session_number"]])
            )
            c = col["session_date"]
            self._flag("session_time.both_blank", blank_both, c, frame[c], cols=cols)
        else:
            c = col["session_date"] if "session_date" in col else col["session_number"]
            canonical = "session_date" if "session_date" in col else "session_number"
            self._flag("session_time.blank", no_time & is_blank(frame[c]), c, frame[c], canonical)

    def _categories(self, frame: pd.DataFrame, col: dict[str, str], out: dict[str, Any]) -> None:
        """Role, sex, twitch, adverse events, muscles and age band: labels not allowed."""
        n = len(frame)
        for key, table, cats in (
            ("practitioner_role", schema.PRACTITIONER_ROLE_ALIASES, schema.PRACTITIONER_ROLES),
            ("sex", schema.SEX_ALIASES, schema.SEXES),
        ):
            codes = np.full(n, -1, dtype=np.int8)
            if key in col:
                codes, _, bad = recode(frame[col[key]], alias_lookup(table), categories=list(cats))
                self._flag(f"{key}.invalid", bad, col[key], frame[col[key]])
            out[key] = from_codes(codes, categories=list(cats))
        if "twitch_response" in col:
            c = col["twitch_response"]
            codes, _, bad = recode(
                frame[c], alias_lookup(schema.BOOLEAN_VALUES), categories=[False, True]
            )
            self._flag("twitch_response.invalid", bad, c, frame[c])
            out["twitch_response"] = pd.arrays.BooleanArray(codes == 1, codes < 0)
        else:
            out["twitch_response"] = pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool))
        for key, fn in (
            ("adverse_events", parse_adverse),
            ("muscles", parse_muscles),
            ("age_band", parse_age_band),
        ):
            codes = np.full(n, -1, dtype=np.int8)
            labels: list[Any] = []
            if key in col:
                codes, labels, bad = recode(frame[col[key]], fn)
                self._flag(f"{key}.invalid", bad, col[key], frame[col[key]])
            if key == "age_band":  # ordered by the band's lower bound
                rank = np.argsort(
                    [int(str(b).split("-")[0].rstrip("+")) for b in labels], kind="stable"
                )
                remap = np.empty(len(labels), dtype=codes.dtype)
                remap[rank] = np.arange(len(labels))
                codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(labels) else -1, -1)
                out[key] = from_codes(codes, categories=[labels[i] for i in rank], ordered=True)
            else:
                out[key] = from_codes(codes, categories=pd.Index(labels, dtype=object))

    def _needle_count(self, frame: pd.DataFrame, col: dict[str, str]) -> Any:
        """Needle counts that are not whole numbers from 0 (set missing)."""
        if "needle_count" not in col:
            return _int_array(np.full(len(frame), np.nan))
        c = col["needle_count"]
        num, refused = self._whole_numbers(frame[c], c, "needle_count", "needle_count.negative")
        return _int_array(np.where(refused, np.nan, num))

    def _given_ids(
        self, frame: pd.DataFrame, col: dict[str, str], sessions: pd.DataFrame
    ) -> np.ndarray:
        """Blank session ids and episodes of a file that gives them (generated ids
        otherwise); the rows they leave without a key."""
        bad_key = np.zeros(len(frame), dtype=bool)
        self.generated_ids = bool(sessions["session_id"].isna().all())
        if self.generated_ids:  # codes 0, 1, 2, ...: a row's position is its id's code
            sessions["session_id"] = row_labels("S", self.rows)
        else:
            blank = sessions["session_id"].isna().to_numpy()
            c = col["session_id"]
            self._flag("session_id.missing", blank, c, frame[c])
            bad_key |= blank
        if "episode_id" in col and not sessions["episode_id"].isna().all():
            blank = sessions["episode_id"].isna().to_numpy()
            c = col["episode_id"]
            self._flag("episode_id.missing", blank, c, frame[c])
            bad_key |= blank
        return bad_key
