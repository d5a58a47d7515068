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
from tpdn_outcomes.validate.collect import cell_label
from tpdn_outcomes.validate.memory_base import FIXES, BuildState
from tpdn_outcomes.validate.memory_parse import (
    MAX_WHOLE,
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
    too_large,
)


class SessionChecks(BuildState):
    """The checks of the session columns."""

    # -- session columns ---------------------------------------------------
    def _sessions(self, frame: pd.DataFrame, plan: Any) -> tuple[pd.DataFrame, np.ndarray]:
        n = len(frame)
        out: dict[str, Any] = {}
        bad_key = np.zeros(n, dtype=bool)
        col = plan.session

        out["patient_id"] = id_categories(frame[col["patient_id"]])  # blank text -> missing
        for key in ("patient_id", "condition"):
            blank = (
                np.asarray(out[key].codes) < 0 if key == "patient_id" else is_blank(frame[col[key]])
            )
            self._add(
                blank,
                col[key],
                key,
                frame[col[key]],
                "missing_value",
                "is blank, and this column is required",
                f"fill in the {key.replace('_', ' ')} or remove the row",
            )
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
                self._add(
                    bad & (bad_codes == code),
                    col["condition"],
                    "condition",
                    raw_cond,
                    "unknown_condition",
                    "is not a known condition",
                    FIXES["condition"].format(allowed=", ".join(allowed), value=_short(value, 60)),
                )
        bad_key |= bad
        out["condition"] = from_codes(cond_codes, categories=allowed)

        has_time = np.zeros(n, dtype=bool)
        if "session_date" in col:
            raw = frame[col["session_date"]]
            dates, bad = parse_dates(raw, self.date_format)
            fmt = (
                f"in the format {self.date_format!r}"
                if self.date_format
                else "in ISO form YYYY-MM-DD"
            )
            self._add(
                bad,
                col["session_date"],
                "session_date",
                raw,
                "invalid_date",
                f"is not a real date {fmt}",
                "write dates as YYYY-MM-DD (e.g. 2025-03-14), or pass date_format='%d/%m/%Y' "
                "if the whole column uses that form",
            )
            early = dates < np.datetime64(schema.MIN_SESSION_DATE)
            late = dates > np.datetime64(self.export_date.normalize().to_datetime64())
            self._add(
                early,
                col["session_date"],
                "session_date",
                raw,
                "date_out_of_range",
                f"is before {schema.MIN_SESSION_DATE}",
                "correct the date (typing error?)",
            )
            self._add(
                late,
                col["session_date"],
                "session_date",
                raw,
                "date_out_of_range",
                f"is after the export date {self.export_date.date()}",
                "correct the date, or pass export_date= if the export is newer",
            )
            dates = np.where(early | late, np.datetime64("NaT"), dates)
            out["session_date"] = pd.Series(dates, dtype="datetime64[ns]")
            has_time |= ~np.isnat(dates)
            bad_key |= bad | early | late if "session_number" not in col else np.zeros(n, bool)
        else:
            out["session_date"] = pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[ns]"))
        if "session_number" in col:
            raw = frame[col["session_number"]]
            num, bad = parse_numbers(raw)
            frac = ~np.isnan(num) & (num != np.round(num))
            self._add(
                bad | frac,
                col["session_number"],
                "session_number",
                raw,
                "invalid_number",
                "is not a whole number",
                "write the session number as 1, 2, 3, ...",
            )
            low = ~np.isnan(num) & ~frac & (num < 1)
            self._add(
                low,
                col["session_number"],
                "session_number",
                raw,
                "out_of_range",
                "is below 1",
                "number sessions from 1",
            )
            huge = too_large(num, frac)
            self._add(
                huge,
                col["session_number"],
                "session_number",
                raw,
                "out_of_range",
                f"is above {MAX_WHOLE:.0f}, the largest whole number held exactly",
                "number sessions from 1",
            )
            low |= huge
            num = np.where(bad | frac | low, np.nan, num)
            out["session_number"] = _int_array(num)
            has_time |= ~np.isnan(num)
            if "session_date" not in col:
                bad_key |= bad | frac | low
        else:
            out["session_number"] = _int_array(np.full(n, np.nan))
        no_time = ~has_time & ~bad_key
        if "session_date" in col and "session_number" in col:
            cols = f"'{col['session_date']}' and '{col['session_number']}'"
            blank_both = (
                no_time
                & is_blank(frame[col["session_date"]])
                & is_blank(frame[col["session_number"]])
            )
            self._add(
                blank_both,
                col["session_date"],
                "session_date",
                frame[col["session_date"]],
                "missing_value",
                f"is blank, as is the session number ({cols})",
                "give the session date or number",
            )
        else:
            c = col.get("session_date", col.get("session_number"))
            canonical = "session_date" if "session_date" in col else "session_number"
            self._add(
                no_time & is_blank(frame[c]),
                c,
                canonical,
                frame[c],
                "missing_value",
                "is blank, and this column is required",
                "give the session date or number",
            )
        bad_key |= ~has_time

        for key in ("session_id", "episode_id", "clinic_id"):
            out[key] = (
                id_categories(frame[col[key]])
                if key in col
                else from_codes(np.full(n, -1, np.int8), categories=pd.Index([], dtype=object))
            )

        for key, table, cats in (
            ("practitioner_role", schema.PRACTITIONER_ROLE_ALIASES, schema.PRACTITIONER_ROLES),
            ("sex", schema.SEX_ALIASES, schema.SEXES),
        ):
            codes = np.full(n, -1, dtype=np.int8)
            if key in col:
                codes, _, bad = recode(frame[col[key]], alias_lookup(table), categories=list(cats))
                self._add(
                    bad,
                    col[key],
                    key,
                    frame[col[key]],
                    "invalid_category",
                    "is not allowed",
                    FIXES[key],
                )
            out[key] = from_codes(codes, categories=list(cats))
        if "twitch_response" in col:
            codes, _, bad = recode(
                frame[col["twitch_response"]],
                alias_lookup(schema.BOOLEAN_VALUES),
                categories=[False, True],
            )
            self._add(
                bad,
                col["twitch_response"],
                "twitch_response",
                frame[col["twitch_response"]],
                "invalid_boolean",
                "is not yes or no",
                FIXES["twitch_response"],
            )
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
                self._add(
                    bad,
                    col[key],
                    key,
                    frame[col[key]],
                    "invalid_category",
                    "is not allowed",
                    FIXES.get(key, ""),
                )
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
        if "needle_count" in col:
            raw = frame[col["needle_count"]]
            num, bad = parse_numbers(raw)
            frac = ~np.isnan(num) & (num != np.round(num))
            self._add(
                bad | frac,
                col["needle_count"],
                "needle_count",
                raw,
                "invalid_number",
                "is not a whole number",
                "write the number of needles as 0, 1, 2, ...",
            )
            neg = ~np.isnan(num) & (num < 0)
            self._add(
                neg,
                col["needle_count"],
                "needle_count",
                raw,
                "out_of_range",
                "is below 0",
                "the needle count cannot be negative; correct it",
            )
            huge = too_large(num, frac)
            self._add(
                huge,
                col["needle_count"],
                "needle_count",
                raw,
                "out_of_range",
                f"is above {MAX_WHOLE:.0f}, the largest whole number held exactly",
                "correct the number of needles",
            )
            neg |= huge
            out["needle_count"] = _int_array(np.where(bad | frac | neg, np.nan, num))
        else:
            out["needle_count"] = _int_array(np.full(n, np.nan))

        out["source_row"] = self.rows
        sessions = pd.DataFrame(out, copy=False)
        self.generated_ids = bool(sessions["session_id"].isna().all())
        if self.generated_ids:  # codes 0, 1, 2, ...: a row's position is its id's code
            sessions["session_id"] = row_labels("S", self.rows)
        else:
            blank = sessions["session_id"].isna().to_numpy()
            self._add(
                blank,
                col["session_id"],
                "session_id",
                frame[col["session_id"]],
                "missing_value",
                "is blank, but the file gives session ids",
                "fill in the session id",
            )
            bad_key |= blank
        if "episode_id" in col and not sessions["episode_id"].isna().all():
            blank = sessions["episode_id"].isna().to_numpy()
            self._add(
                blank,
                col["episode_id"],
                "episode_id",
                frame[col["episode_id"]],
                "missing_value",
                "is blank, but the file gives episodes, so this session belongs to none",
                "fill in the episode (that of the patient's other sessions of the same course "
                "of treatment), or remove the column to have episodes found from the dates",
            )
            bad_key |= blank
        if self.blank_rows is not None:
            bad_key |= self.blank_rows
            self._exclude(self.blank_rows, "blank row (no cell filled)")
            why = bad_key & ~self.blank_rows
        else:
            why = bad_key
        self._exclude(why, "missing or invalid patient, condition or session date/number")
        return sessions, ~bad_key
