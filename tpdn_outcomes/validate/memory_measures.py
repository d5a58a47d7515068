"""The in-memory engine: the checks of measure values (wide columns and the long table)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.io import (
    MEASURE_TABLE_ALIASES,
    plan_columns,
)
from tpdn_outcomes.validate.checks import measure_range
from tpdn_outcomes.validate.memory_base import BuildState
from tpdn_outcomes.validate.memory_parse import (
    alias_lookup,
    arrow_filled,
    arrow_numbers,
    blank_rows,
    categorize,
    filled_count,
    id_categories,
    is_blank,
    is_real,
    map_labels,
    map_unique,
    measure_frame,
    parse_dates,
    parse_numbers,
    recode,
    row_dtype,
)


class MeasureChecks(BuildState):
    """The checks of measure values."""

    # -- measures ------------------------------------------------------------
    def _check_values(
        self,
        values: np.ndarray,
        measure: np.ndarray | str,
        raw: pd.Series,
        column: str,
        file: str | None = None,
        rows: np.ndarray | None = None,
        at: np.ndarray | None = None,
    ) -> np.ndarray:
        """Range checks of measure values (on the declared pain scale); returns the out-of-range mask.

        ``at``: the positions in ``raw`` of ``values`` when they are only some of its
        cells (the returned mask is then over ``values``).
        """
        lows: np.ndarray | float
        highs: np.ndarray | float
        groups: dict[str, np.ndarray | None]
        if isinstance(measure, str):  # one measure: scalar bounds, no per-value arrays
            spec = schema.measure_spec(measure)
            lows = spec.low
            highs = schema.PAIN_SCALES[self.pain_scale][0] if spec.kind == "pain" else spec.high
            groups = {measure: None}
        else:
            codes, uniq = pd.factorize(measure)
            specs = [schema.measure_spec(str(u)) for u in uniq]
            lo = np.array([s.low for s in specs])
            hi = np.array(
                [
                    schema.PAIN_SCALES[self.pain_scale][0] if s.kind == "pain" else s.high
                    for s in specs
                ]
            )
            lows, highs = lo[codes], hi[codes]
            groups = {str(u): codes == i for i, u in enumerate(uniq)}
        with np.errstate(invalid="ignore"):  # NaN compares False: missing is never out of range
            out = (values < lows) | (values > highs)
        for name, in_group in groups.items():
            mask = out if in_group is None else out & in_group
            if not mask.any():
                continue
            if at is not None:  # back to a mask over the column's cells
                cells = np.zeros(len(raw), dtype=bool)
                cells[at[mask]] = True
                mask = cells
            check, settings = measure_range(name, self.pain_scale)
            self._flag(check, mask, column, raw, name, file=file, rows=rows, **settings)
        return out

    def _present_numbers(
        self,
        raw: pd.Series,
        col: str,
        measure: str,
        out: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(positions, values)`` of the cells of a measure column holding a number.

        Cells that are not numbers are reported. A numeric column (Parquet, Excel) is read
        at its filled cells only: most measure columns are sparse (a ROM site or a function
        instrument belongs to some conditions), and fresh memory is the main cost of a
        ten-million-row file. An Arrow-backed column's cells are written into ``out``
        (the long table's position and value columns from the next free row) and views
        of it are returned; other columns return arrays of their own.
        """
        arrow = arrow_numbers(raw)
        if arrow is not None:  # Arrow-backed (Parquet): the filled cells without a full copy
            keep, values = arrow_filled(arrow, out)  # (written into ``out``)
        elif is_real(raw.dtype):
            keep = np.flatnonzero(raw.notna().to_numpy())
            array = raw.array
            if isinstance(array, pd.api.extensions.ExtensionArray):
                values = array.take(keep).to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values = np.asarray(array, dtype=np.float64)[keep]
        else:
            full, bad = parse_numbers(raw)
            self._flag("measure.not_number", bad, col, raw, measure)
            keep = np.flatnonzero(~np.isnan(full))
            values = full[keep]
        # a float NaN that the column does not count as missing is left out; an infinite
        # value is reported as not a number, as it is when written as text
        number = np.isfinite(values)
        if not number.all():
            infinite = np.isinf(values)
            if infinite.any():
                cells = np.zeros(len(raw), dtype=bool)
                cells[keep[infinite]] = True
                self._flag("measure.not_finite", cells, col, raw, measure)
            keep, values = keep[number], values[number]
        return keep, values

    def _wide_measures(self, frame: pd.DataFrame, plan: Any) -> pd.DataFrame:
        divisor = schema.PAIN_SCALES[self.pain_scale][1]
        names = list(dict.fromkeys(m for _, m, _ in plan.measures))
        columns = [c for c, _, _ in plan.measures]
        # the output columns are allocated once, for every filled cell, and filled column
        # by column (no per-column parts to concatenate); cells found blank, not numbers
        # or out of range leave a tail that is never used
        cap = sum(filled_count(frame[col]) for col in columns)
        pos = np.empty(cap, dtype=row_dtype(len(frame)))
        measure_code = np.empty(cap, dtype=np.int16)
        timing_code = np.empty(cap, dtype=np.int8)
        value = np.empty(cap, dtype=np.float64)
        source_row = np.empty(cap, dtype=np.int64)
        column_code = np.empty(cap, dtype=np.int16)
        at = 0
        for c_code, (col, measure, timing) in enumerate(plan.measures):
            raw = frame[col]
            # (an Arrow column's cells are written in place; other columns' are copied)
            keep, values = self._present_numbers(raw, col, measure, out=(pos[at:], value[at:]))
            out = self._check_values(values, measure, raw, col, at=keep)
            if out.any():
                keep, values = keep[~out], values[~out]
            span = slice(at, at + len(keep))
            if keep.base is not pos:
                pos[span] = keep
            if values.base is not value:
                value[span] = values
            measure_code[span] = names.index(measure)
            timing_code[span] = schema.TIMINGS.index(timing)
            if measure == "pain" and divisor != 1:
                value[span] /= divisor
            np.add(keep, self.raw.first_row, out=source_row[span])  # (= self.rows[keep])
            column_code[span] = c_code
            at += len(keep)
        return measure_frame(
            pos=pos[:at],
            measure=measure_code[:at],
            measures=names,
            timing=timing_code[:at],
            value=value[:at],
            source_row=source_row[:at],
            column=column_code[:at],
            columns=columns,
            file=self.raw.file,
            n_rows=len(frame),
        )

    def _long_measures(self, sessions: pd.DataFrame, valid: np.ndarray) -> pd.DataFrame:
        assert self.measures_raw is not None
        mraw = self.measures_raw
        frame = categorize(mraw.frame)
        file = mraw.file
        rows = np.arange(mraw.first_row, len(frame) + mraw.first_row, dtype=np.int64)
        self._identifiers(frame, file, first_row=mraw.first_row)
        if mraw.sheet_like:
            blank = blank_rows(frame)  # (blank lines carry nothing; the rest keep their rows)
            if blank is not None:
                frame, rows = frame[~blank].reset_index(drop=True), rows[~blank]
        cols: dict[str, str] = {}
        user = {schema.normalise_name(k): v for k, v in (self.column_map or {}).items()}
        for c in frame.columns:
            norm = schema.normalise_name(c)
            target = schema.normalise_name(user.get(norm, norm))
            canonical = MEASURE_TABLE_ALIASES.get(target) or schema.COLUMN_ALIASES.get(target)
            if canonical and canonical not in cols:
                cols[canonical] = str(c)
        need = ["measure", "timing", "value"]
        keys = (
            ["session_id"]
            if "session_id" in cols
            else [k for k in ("patient_id", "session_date", "session_number") if k in cols]
        )
        missing = [c for c in need if c not in cols]
        if "session_id" not in cols and ("patient_id" not in cols or len(keys) < 2):
            missing.append("session_id (or patient_id with session_date or session_number)")
        for c in missing:
            self.issues.add(
                file=file,
                rows=None,
                column=c,
                canonical=c,
                values="",
                check="missing_column",
                problem="a required column of the measures table is missing",
                fix="add it, or name yours with column_map={'Your name': '" + c.split()[0] + "'}",
            )
        if missing:
            return self._wide_measures(frame.iloc[:0], plan_columns([]))
        mlabel = frame[cols["measure"]]
        measure, bad_m = map_unique(
            mlabel, lambda t: (schema.canonical_measure(t), schema.canonical_measure(t) is not None)
        )
        blank_m = is_blank(mlabel)  # (a blank measure is no measure: reported as timing is)
        self._flag(
            "long.unknown_measure",
            bad_m | blank_m,
            cols["measure"],
            mlabel,
            file=file,
            rows=rows,
        )
        timing, bad_t = map_labels(frame[cols["timing"]], schema.TIMING_ALIASES)
        blank_t = is_blank(frame[cols["timing"]])
        self._flag(
            "long.unknown_timing",
            bad_t | blank_t,
            cols["timing"],
            frame[cols["timing"]],
            file=file,
            rows=rows,
        )
        values, bad_v = parse_numbers(frame[cols["value"]])
        self._flag(
            "long.value_not_number",
            bad_v,
            cols["value"],
            frame[cols["value"]],
            file=file,
            rows=rows,
        )
        ok = ~bad_m & ~blank_m & ~bad_t & ~blank_t & ~np.isnan(values)
        measure_s = np.where(ok, measure, "pain").astype(object)
        out = self._check_values(
            np.where(ok, values, np.nan),
            measure_s,
            frame[cols["value"]],
            cols["value"],
            file=file,
            rows=rows,
        )
        ok &= ~out
        if "unit" in cols:
            unit_raw = frame[cols["unit"]]
            units, _ = map_unique(unit_raw, lambda t: (schema.normalise_name(t), True))
            spec_units = (
                pd.Series(measure_s).map(lambda m: schema.measure_spec(m).unit).to_numpy(object)
            )
            pain_unit = "nprs" if self.pain_scale == "nprs" else "vas100"
            unit_norm = pd.Series(units, dtype=object)
            canon = self._units_vectorised(unit_norm, spec_units)
            expect = np.where(spec_units == "nprs", pain_unit, spec_units)
            mismatch = ok & pd.notna(unit_norm).to_numpy() & (canon != expect)
            self._flag(
                "long.unit_mismatch",
                mismatch,
                cols["unit"],
                unit_raw,
                file=file,
                rows=rows,
                pain_unit=pain_unit,
            )
            ok &= ~mismatch
        pain = ok & (measure_s == "pain")
        values = np.where(pain, values / schema.PAIN_SCALES[self.pain_scale][1], values)

        # join to sessions
        sess = sessions.loc[valid]
        if keys == ["session_id"]:
            sid = id_categories(frame[cols["session_id"]])
            lookup = pd.Series(np.flatnonzero(valid), index=sess["session_id"].to_numpy())
            lookup = lookup[~lookup.index.duplicated()]
            pos = lookup.reindex(sid.to_numpy()).to_numpy()
            key_col = cols["session_id"]
        else:
            key_frame = pd.DataFrame({"patient_id": id_categories(frame[cols["patient_id"]])})
            skeys = pd.DataFrame(
                {"patient_id": sess["patient_id"].to_numpy(), "_pos": np.flatnonzero(valid)}
            )
            if "session_date" in cols:
                d, _ = parse_dates(frame[cols["session_date"]], self.date_format)
                key_frame["session_date"] = d
                skeys["session_date"] = sess["session_date"].to_numpy()
            if "session_number" in cols:
                num, _ = parse_numbers(frame[cols["session_number"]])
                key_frame["session_number"] = num
                skeys["session_number"] = sess["session_number"].to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
            on = [k for k in ("patient_id", "session_date", "session_number") if k in key_frame]
            skeys = skeys.drop_duplicates(on)
            pos = key_frame.merge(skeys, on=on, how="left")["_pos"].to_numpy(dtype=np.float64)
            key_col = cols["patient_id"]
        unmatched = np.isnan(pos)
        self._flag(
            "long.unknown_session",
            unmatched & ok,
            key_col,
            frame[key_col],
            file=file,
            rows=rows,
        )
        ok &= ~unmatched
        m_codes, m_names = pd.factorize(pd.Series(measure_s[ok], dtype=object), sort=True)
        t_codes, _, _ = recode(
            pd.Series(timing[ok], dtype=object),
            alias_lookup(schema.TIMING_ALIASES),
            list(schema.TIMINGS),
        )
        result = measure_frame(
            pos=pos[ok].astype(row_dtype(len(sessions))),
            measure=m_codes,
            measures=list(m_names),
            timing=t_codes,
            value=values[ok],
            source_row=rows[ok],
            column=np.zeros(int(ok.sum()), dtype=np.int64),
            columns=[cols["value"]],
            file=file,
            n_rows=len(sessions),
        )
        dup = result.duplicated(["_pos", "measure", "timing"], keep="first").to_numpy()
        self._flag(
            "long.duplicate_measure",
            dup,
            cols["measure"],
            pd.Series(result["measure"].to_numpy()),
            file=file,
            rows=result["source_row"].to_numpy(),
        )
        return result[~dup]

    @staticmethod
    def _units_vectorised(unit_norm: pd.Series, spec_units: np.ndarray) -> np.ndarray:
        out = np.empty(len(unit_norm), dtype=object)
        for su in schema.UNITS:
            table = schema.UNIT_ALIASES["pain" if su == "nprs" else su]
            m = spec_units == su
            out[m] = unit_norm[m].map(table).to_numpy(object)
        return out
