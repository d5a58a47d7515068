"""SessionData: the canonical, validated form of a TPDN dataset."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.derive import (
    EpisodeSkeleton,
    MeasureRows,
    episode_skeleton,
    episode_table,
    measure_rows,
    session_change_table,
)
from tpdn_outcomes.errors import SchemaError
from tpdn_outcomes.validation_report import ValidationReport

_QUARTER = re.compile(
    r"^(?:(?P<year>\d{4})[\s_-]*Q(?P<q>[1-4])|Q(?P<q2>[1-4])[\s_-]*(?P<year2>\d{4}))$",
    re.IGNORECASE,
)

#: The spellings :func:`parse_quarter` accepts, shown in its error message.
QUARTER_FORMS = ("2026Q3", "2026-Q3", "2026q3", "Q3 2026", "Q3-2026")


class QuarterError(ValueError):
    """A quarter that is not written as a year and a quarter (``2026Q3``, ``Q3 2026``, ...)."""


def parse_quarter(quarter: object) -> str:
    """The canonical text ``YYYYQn`` of a calendar quarter, from any usual spelling.

    Accepted: ``2026Q3``, ``2026-Q3``, ``2026 Q3``, ``2026q3``, ``Q3 2026``, ``Q3-2026``
    (any case, surrounding blanks ignored), and a pandas quarterly ``Period``. File names
    and titles always use the canonical form.

    Parameters
    ----------
    quarter : str or pandas.Period
        The quarter.

    Returns
    -------
    str
        ``"2026Q3"``.

    Raises
    ------
    QuarterError
        (a ``ValueError``) for anything else, with an example of the accepted form.

    Examples
    --------
    >>> [parse_quarter(q) for q in ["2026Q3", "2026-Q3", "2026q3", "Q3 2026", "Q3-2026"]]
    ['2026Q3', '2026Q3', '2026Q3', '2026Q3', '2026Q3']
    >>> parse_quarter("2026-07")
    Traceback (most recent call last):
    ...
    tpdn_outcomes.data.QuarterError: quarter must be a year and a quarter such as 2026Q3 (also 2026-Q3, 2026q3, Q3 2026, Q3-2026), not '2026-07'
    """
    if isinstance(quarter, pd.Period) and quarter.freqstr.upper().startswith("Q"):
        return f"{quarter.year}Q{quarter.quarter}"
    match = _QUARTER.match(quarter.strip()) if isinstance(quarter, str) else None
    if not match:
        shown = quarter if isinstance(quarter, str) else type(quarter).__name__
        raise QuarterError(
            "quarter must be a year and a quarter such as 2026Q3 (also "
            f"{', '.join(QUARTER_FORMS[1:])}), not {shown!r}"
        )
    year = match.group("year") or match.group("year2")
    return f"{year}Q{match.group('q') or match.group('q2')}"


def quarter_bounds(quarter: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a calendar quarter (any spelling :func:`parse_quarter` takes).

    Raises
    ------
    QuarterError
        (a ``ValueError``) when ``quarter`` is not a quarter.

    Examples
    --------
    >>> quarter_bounds("2026Q3")
    (Timestamp('2026-07-01 00:00:00'), Timestamp('2026-09-30 00:00:00'))
    >>> quarter_bounds("Q3 2026") == quarter_bounds("2026-q3")
    True
    """
    text = parse_quarter(quarter)
    start = pd.Timestamp(year=int(text[:4]), month=3 * int(text[5]) - 2, day=1)
    return start, start + pd.offsets.QuarterEnd(0)


def quarters_with_data(dates: pd.Series) -> list[str]:
    """The quarters (``YYYYQn``, in order) in which the given dates fall.

    Examples
    --------
    >>> quarters_with_data(pd.Series(pd.to_datetime(["2026-02-01", "2025-12-31", None])))
    ['2025Q4', '2026Q1']
    """
    d = pd.to_datetime(dates).dropna()
    return sorted({f"{y}Q{q}" for y, q in zip(d.dt.year, d.dt.quarter, strict=True)})


class SessionData:
    """A validated TPDN dataset: canonical ``sessions`` and ``measures`` tables.

    Build it with :func:`tpdn_outcomes.load_sessions` (or
    :func:`tpdn_outcomes.load_sample`), not directly.

    Attributes
    ----------
    sessions : DataFrame
        One row per session in episode and session order, with the columns of
        :data:`tpdn_outcomes.schema.SESSION_COLUMNS` (``source_row`` is the row of the
        session in the input file).
    measures : DataFrame
        Long: ``session_id``, ``measure``, ``timing``, ``value``, ``unit``, ``source_row``.
        Pain is on NPRS 0-10 whatever the input scale.
    metadata : dict
        ``source``, ``sha256`` of the input, ``pain_scale`` (the input scale),
        ``rows_read``, ``rows_excluded``, ``n_sessions``, ``n_patients``, ``n_measures``,
        ``export_date``, ``episode_gap_days``, ``open_after_days``, ``package_version``,
        ``loaded_at``; after :meth:`filter`, also ``filter``.
    report : ValidationReport
        Every problem found on load (warnings; errors too when ``errors="coerce"``).
    exclusions : DataFrame
        Rows of the input that were not loaded: ``file``, ``row``, ``reason``.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> data = load_sample()
    >>> ep = data.episodes("pain")
    >>> done = ep[ep["note"] == ""]
    >>> bool((done["change"] == done["final"] - done["baseline"]).all())
    True
    >>> ep["note"].value_counts()[lambda c: c > 0].to_dict()
    {'': 3818, 'no final value: no post value after the baseline': 10}
    """

    def __init__(
        self,
        sessions: pd.DataFrame,
        measures: pd.DataFrame,
        *,
        metadata: Mapping[str, Any] | None = None,
        report: ValidationReport | None = None,
        exclusions: pd.DataFrame | None = None,
        check: bool = True,
    ) -> None:
        self.sessions = sessions
        self.measures = measures
        self.metadata: dict[str, Any] = dict(metadata or {})
        if report is None:
            report = ValidationReport()
        self.report = report
        self.exclusions = (
            exclusions
            if exclusions is not None
            else pd.DataFrame({"file": [], "row": [], "reason": []})
        )
        if check:
            self.check()

    def check(self) -> SessionData:
        """Check both tables against the canonical schemas (pandera); return ``self``.

        The loader's output satisfies them by construction (the test suite asserts it);
        this guards a ``SessionData`` built by hand.

        Raises
        ------
        SchemaError
            Naming each failing column and check, with up to five failing values.

        Examples
        --------
        >>> from tpdn_outcomes import load_sample
        >>> load_sample().check().sessions.shape[1]
        15
        """
        import pandera.errors as pa_errors

        problems = []
        for name, table, contract in (
            ("sessions", self.sessions, schema.sessions_schema()),
            ("measures", self.measures, schema.measures_schema()),
        ):
            try:
                contract.validate(table, lazy=True)
            except pa_errors.SchemaErrors as exc:
                cases = exc.failure_cases
                for (column, check), grp in cases.groupby(
                    ["column", "check"], dropna=False, sort=False
                ):
                    values = ", ".join(map(str, grp["failure_case"].head(5)))
                    problems.append(f"{name}.{column}: {check} (e.g. {values}; {len(grp)} cases)")
        if problems:
            raise SchemaError(
                "SessionData does not meet the canonical schema:\n- "
                + "\n- ".join(problems)
                + "\nBuild SessionData with tpdn_outcomes.load_sessions(...), which converts and checks."
            )
        return self

    # -- derived tables ------------------------------------------------------

    def _data_end(self) -> pd.Timestamp | None:
        end = self.metadata.get("data_end")
        return pd.Timestamp(end) if end is not None else None

    def episodes(self, measure: str = "pain", *, final: str = "post") -> pd.DataFrame:
        """One row per episode with baseline, final value and change of a measure.

        Parameters
        ----------
        measure : str, default "pain"
            ``pain``, ``rom:<site>`` or ``function:<instrument>`` (see :meth:`measure_names`).
        final : {"post", "last"}, default "post"
            The final value is the last ``post`` value after the baseline, or (``"last"``)
            the last value of any timing after it.

        Returns
        -------
        DataFrame
            Columns: ``episode_id``, ``patient_id``, ``condition``, ``clinic_id``,
            ``practitioner_role`` (of the first session), ``twitch_response`` (any twitch in
            the episode), ``age_band``, ``sex`` (first session), ``first_date``,
            ``last_date``, ``n_sessions``, ``open`` (last session within
            ``open_after_days`` of the data's end), ``measure``, ``unit``, ``n_values``,
            ``baseline`` (first pre value), ``final``, ``change`` (final - baseline),
            ``pct_change`` (100 x change / baseline, missing when the baseline is 0),
            ``improvement`` (change signed so that positive is better), ``note`` (why
            there is no change, empty otherwise). Every episode has a row. ``measure``,
            ``unit`` and ``note`` are categorical (a few distinct texts), like the ids.

        Notes
        -----
        Computed once per measure and kept: the tables of a ``SessionData`` are treated as
        read-only (subset with :meth:`filter`, which makes a new one). The frame returned is
        yours to modify (copy-on-write).

        Examples
        --------
        >>> from tpdn_outcomes import load_sample
        >>> ep = load_sample().episodes("pain")
        >>> ep["note"].value_counts().index[0]
        ''
        """
        open_after = int(self.metadata.get("open_after_days", schema.OPEN_AFTER_DAYS))
        key = (measure, final, self._data_end(), open_after)
        if key not in self._episode_tables:
            self._episode_tables[key] = episode_table(
                self.sessions,
                self.measures,
                measure=measure,
                final=final,
                data_end=self._data_end(),
                open_after_days=open_after,
                skeleton=self._skeleton(open_after),
                rows=self._measure_rows,
            )
        # copy-on-write: a shallow copy is safe to modify and costs nothing until then
        return self._episode_tables[key].copy(deep=False)

    # the caches of the derived tables: the tables of a SessionData are read-only, so
    # what is derived from them is kept; the keys hold the metadata a derivation reads

    @cached_property
    def _episode_tables(self) -> dict[tuple[Any, ...], pd.DataFrame]:
        return {}

    @cached_property
    def _skeletons(self) -> dict[tuple[Any, ...], EpisodeSkeleton]:
        return {}

    def _skeleton(self, open_after: int) -> EpisodeSkeleton:
        """:func:`episode_skeleton` of the sessions (measure-free), kept."""
        key = (self._data_end(), open_after)
        if key not in self._skeletons:
            self._skeletons[key] = episode_skeleton(
                self.sessions, data_end=self._data_end(), open_after_days=open_after
            )
        return self._skeletons[key]

    @cached_property
    def _measure_rows(self) -> MeasureRows:
        """:func:`measure_rows` of the tables: each measure's rows, found when first asked."""
        return measure_rows(self.sessions, self.measures)

    def session_changes(self, measure: str = "pain") -> pd.DataFrame:
        """Within-session change (post - pre) of a measure, one row per session.

        Returns
        -------
        DataFrame
            ``session_id``, ``episode_id``, ``patient_id``, ``condition``, ``clinic_id``,
            ``session_date``, ``session_number``, ``measure``, ``unit``, ``pre``, ``post``,
            ``change`` (post - pre), ``improvement`` (signed so that positive is better),
            ``note`` (why a change is missing).

        Examples
        --------
        >>> from tpdn_outcomes import load_sample
        >>> sc = load_sample().session_changes("pain")
        >>> both = sc[sc["note"] == ""]
        >>> bool((both["improvement"] == -both["change"]).all())
        True
        """
        return session_change_table(self.sessions, self.measures, measure=measure)

    def measure_names(self) -> list[str]:
        """The measures present, pain first, then ROM sites, then function instruments.

        Examples
        --------
        >>> from tpdn_outcomes import load_sample
        >>> load_sample().measure_names()[0]
        'pain'
        """
        return list(self._measure_names)

    @cached_property
    def _measure_names(self) -> tuple[str, ...]:
        column = self.measures["measure"]
        if isinstance(column.dtype, pd.CategoricalDtype):
            seen = np.zeros(len(column.cat.categories) + 1, dtype=bool)
            seen[np.asarray(column.array.codes)] = True  # missing (code -1): the extra place
            names = list(column.cat.categories[seen[:-1]])
        else:
            names = list(column.dropna().unique())
        rank = {"pain": 0, "rom": 1, "function": 2}
        return tuple(
            sorted((str(n) for n in names), key=lambda n: (rank.get(n.split(":")[0], 3), n))
        )

    # -- subsetting ----------------------------------------------------------
    def filter(
        self,
        *,
        condition: str | Iterable[str] | None = None,
        clinic_id: str | Iterable[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        quarter: str | None = None,
    ) -> SessionData:
        """Keep the sessions that match; measures follow their sessions.

        Parameters
        ----------
        condition, clinic_id : str or iterable of str, optional
            Keep these conditions / clinics (canonical names).
        start, end : date-like, optional
            Keep sessions dated from ``start`` to ``end`` inclusive.
        quarter : str, optional
            A calendar quarter such as ``"2026Q3"`` (sets ``start`` and ``end``).

        Returns
        -------
        SessionData
            A new object (the original is unchanged). Episode ids are those of the
            full data, so an episode cut by a date window keeps its identity; the
            data's end for the ``open`` flag becomes ``end`` when given.

        Examples
        --------
        >>> from tpdn_outcomes import load_sample
        >>> data = load_sample()
        >>> q = data.filter(quarter="2025Q2", condition="neck_pain")
        >>> set(q.sessions["condition"].astype(str))
        {'neck_pain'}
        """
        s = self.sessions
        keep = np.ones(len(s), dtype=bool)

        def _isin(col: str, value: str | Iterable[str]) -> np.ndarray:
            wanted = [value] if isinstance(value, str) else list(value)
            known = set(s[col].dropna().astype(str).unique())
            unknown = [w for w in wanted if w not in known]
            if unknown and col == "condition":
                allowed = list(s[col].cat.categories) if hasattr(s[col], "cat") else sorted(known)
                bad = [w for w in unknown if w not in allowed]
                if bad:
                    raise ValueError(f"unknown condition(s) {bad}; use one of {allowed}")
            return s[col].astype("string").isin(wanted).fillna(False).to_numpy(dtype=bool)

        if condition is not None:
            keep &= _isin("condition", condition)
        if clinic_id is not None:
            keep &= _isin("clinic_id", clinic_id)
        if quarter is not None:
            if start is not None or end is not None:
                raise ValueError("give quarter= or start=/end=, not both")
            start, end = quarter_bounds(quarter)
            quarter = parse_quarter(quarter)
        if start is not None:
            keep &= (s["session_date"] >= pd.Timestamp(start)).fillna(False).to_numpy(dtype=bool)
        if end is not None:
            keep &= (s["session_date"] <= pd.Timestamp(end)).fillna(False).to_numpy(dtype=bool)
        sessions = s.loc[keep].reset_index(drop=True)
        measures = self.measures[
            self.measures["session_id"].isin(sessions["session_id"])
        ].reset_index(drop=True)
        meta = dict(self.metadata)
        meta["filter"] = {
            "condition": condition,
            "clinic_id": clinic_id,
            "start": None if start is None else str(pd.Timestamp(start).date()),
            "end": None if end is None else str(pd.Timestamp(end).date()),
            "quarter": quarter,
        }
        if end is not None:
            meta["data_end"] = str(pd.Timestamp(end).date())
        meta["n_sessions"] = len(sessions)
        meta["n_patients"] = int(sessions["patient_id"].nunique())
        meta["n_measures"] = len(measures)
        return SessionData(
            sessions,
            measures,
            metadata=meta,
            report=self.report,
            exclusions=self.exclusions,
            check=False,  # a subset of valid tables is valid
        )

    # -- display ---------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """Counts at a glance: patients, episodes, sessions, measures, conditions, clinics."""
        s = self.sessions
        dates = s["session_date"].dropna()
        return {
            "patients": int(s["patient_id"].nunique()),
            "episodes": int(s["episode_id"].nunique()),
            "sessions": len(s),
            "measure_values": len(self.measures),
            "measures": self.measure_names(),
            "conditions": sorted(map(str, s["condition"].dropna().unique())),
            "clinics": sorted(map(str, s["clinic_id"].dropna().unique())),
            "first_date": None if dates.empty else str(dates.min().date()),
            "last_date": None if dates.empty else str(dates.max().date()),
            "rows_excluded": int(self.metadata.get("rows_excluded", len(self.exclusions))),
        }

    def __repr__(self) -> str:
        d = self.describe()
        span = f"{d['first_date']} to {d['last_date']}" if d["first_date"] else "no dates"
        return (
            f"<SessionData: {d['patients']} patients, {d['episodes']} episodes, {d['sessions']} sessions, "
            f"{d['measure_values']} measure values ({', '.join(d['measures'][:4])}"
            f"{', ...' if len(d['measures']) > 4 else ''}); {span}; source "
            f"{self.metadata.get('source', '?')}>"
        )

    def _repr_html_(self) -> str:
        d = self.describe()
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in d.items()
        )
        return f"<div><strong>SessionData</strong><table>{rows}</table></div>"
