"""The SQL engine's rules across rows: the declared cross-row checks as DuckDB window queries.

The in-memory engine finds episodes and flags rows with numpy passes
(:mod:`tpdn_outcomes.validate.memory_rows` and
:func:`~tpdn_outcomes.derive.assign_episodes`); here the same rules are window
functions over the file's rows, partitioned by patient and episode and ordered by date,
session number and row:

* the rows with a key (``valid``: a patient, a known condition, a session date or
  number, and the session id and episode when the file gives them), parsed as the
  per-cell checks parse them (a refused date or number is missing);
* **episodes**: the file's own (patient, episode), else found by date: ``LAG`` of the
  date within (patient, condition) in (date, number, row) order, a gap longer than
  ``episode_gap_days`` starts a new one (a running ``SUM`` of the gaps numbers them);
* **session order** within an episode (``ROW_NUMBER``): by date when every session of
  the episode is dated, else by session number (missing first), then the other, then row;
* ``session.order``: a number (or date) below the largest of the earlier rows of its
  episode (``max(...) OVER (... ROWS UNBOUNDED PRECEDING AND 1 PRECEDING)``);
* ``session.duplicate``: a repeated session number in an episode (a repeated date when
  the file gives no numbers), or a repeated given session id, after the first in file
  order (``ROW_NUMBER() OVER (PARTITION BY episode, number ORDER BY row) > 1``);
* ``session.long_gap`` and ``episode.single_session`` (``count`` over the episode of
  the rows kept);
* ``measure.post_without_pre``, ``pain.rise`` and ``rom.jump``: each post value of a
  kept session against the first pre value of the same measure and row.

The in-memory engine's ``errors="coerce"`` (a date out of order set missing and the
episodes found again) is not run here: :func:`tpdn_outcomes.validate` never coerces.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.validate.checks import CHECKS, MAX_WHOLE, NotIn, measure_range
from tpdn_outcomes.validate.collect import Collector

#: The cross-row declarations the SQL engine runs.
ROWS_IN_SQL: tuple[str, ...] = (
    "session.order",
    "session.duplicate",
    "session.long_gap",
    "episode.single_session",
    "measure.post_without_pre",
    "pain.rise",
    "rom.jump",
)

_ORDER_KEYS = "date NULLS FIRST, number NULLS FIRST, row"


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class SqlCrossRows:
    """The cross-row rules of one Parquet file (a mixin of the SQL engine's class)."""

    # (set by the SQL engine's class)
    con: Any
    source: str
    file: str
    plan: Any
    pain_scale: str
    conditions: Any
    export_date: Any
    episode_gap_days: int
    issues: Collector
    columns: dict[str, Any]

    def _column(self, key: str) -> Any:  # (the SQL engine's column of a canonical name)
        raise NotImplementedError

    def _run(
        self, name: str, column: Any, where: str, canonical: str | None = None, **settings: Any
    ) -> None:
        raise NotImplementedError

    # -- the rows' keys ----------------------------------------------------------
    def _id_text(self, key: str) -> str:
        """An identifier cell as text stripped of white space (NULL: blank or no column)."""
        column = self._column(key)
        if column is None:
            return "CAST(NULL AS VARCHAR)"
        text = f"regexp_replace({column.label()}, '^\\s+|\\s+$', '', 'g')"
        return f"nullif({text}, '')"

    def _key_columns(self) -> str:
        """The SELECT list of the keys table: each row's parsed keys and whether it has one."""
        condition = self._column("condition")
        rule = CHECKS["condition.unknown"].rule
        assert isinstance(rule, NotIn)
        table = rule.aliases(self.conditions)
        cases = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in table.items())
        cond = f"(CASE WHEN NOT {condition.blank()} THEN CASE {condition.normalised()} {cases} END END)"
        date_col, number_col = self._column("session_date"), self._column("session_number")
        date = "CAST(NULL AS DATE)"
        if date_col is not None:
            d = date_col.date()
            low, high = schema.MIN_SESSION_DATE, self.export_date.isoformat()
            date = f"(CASE WHEN {d} BETWEEN DATE '{low}' AND DATE '{high}' THEN {d} END)"
        number = "CAST(NULL AS DOUBLE)"
        if number_col is not None:
            x = number_col.number()
            number = (
                f"(CASE WHEN {x} = round({x}) AND {x} >= 1 AND {x} <= {MAX_WHOLE!r} THEN {x} END)"
            )
        return (
            f"file_row_number AS rn, file_row_number + 2 AS row, {self._id_text('patient_id')} "
            f"AS patient, {cond} AS condition, {date} AS date, {number} AS number, "
            f"{self._id_text('session_id')} AS sid, {self._id_text('episode_id')} AS episode"
        )

    def _keys_table(self, name: str) -> None:
        """The keys table ``name``: a row per file row, with ``valid``."""
        self.con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT {self._key_columns()} FROM {self.source}"
        )
        given = []
        for key, col in (("session_id", "sid"), ("episode_id", "episode")):
            (any_given,) = self.con.execute(f"SELECT count({col}) > 0 FROM {name}").fetchone() or (
                False,
            )
            if self._column(key) is not None and any_given:
                given.append(f"{col} IS NOT NULL")
        self.con.execute(
            f"ALTER TABLE {name} ADD COLUMN valid BOOLEAN; UPDATE {name} SET valid = "
            + " AND ".join(
                [
                    "patient IS NOT NULL",
                    "condition IS NOT NULL",
                    "(date IS NOT NULL OR number IS NOT NULL)",
                    *given,
                ]
            )
        )

    # -- the window query ----------------------------------------------------------
    def _flags_query(self, keys: str) -> str:
        """The flags of every valid row: episode, order, duplicate, gap, single session."""
        (has_number, given_episode) = self.con.execute(
            f"SELECT count(number) > 0, count(episode) > 0 FROM {keys} WHERE valid"
        ).fetchone() or (False, False)
        if given_episode:  # the file's episodes: (patient, episode)
            found = f"SELECT *, episode AS e2, 0 AS e3, CAST(NULL AS BIGINT) AS gap FROM {keys} WHERE valid"
        else:  # found by date: a gap between two known dates starts a new episode
            lagged = (
                f"SELECT *, date - LAG(date) OVER (PARTITION BY patient, condition "
                f"ORDER BY {_ORDER_KEYS}) AS step FROM {keys} WHERE valid"
            )
            gaps = (
                f"SELECT * EXCLUDE (step), CASE WHEN step > {int(self.episode_gap_days)} THEN step "
                f"END AS gap FROM ({lagged})"
            )
            found = (
                "SELECT *, condition AS e2, sum(CASE WHEN gap IS NULL THEN 0 ELSE 1 END) OVER "
                f"(PARTITION BY patient, condition ORDER BY {_ORDER_KEYS} ROWS UNBOUNDED "
                f"PRECEDING) AS e3 FROM ({gaps})"
            )
        ep = "PARTITION BY patient, e2, e3"
        days = "epoch_ms(CAST(date AS TIMESTAMP)) / 86400000"
        placed = (
            f"SELECT *, row_number() OVER ({ep} ORDER BY "
            f"CASE WHEN dated THEN {days} ELSE number END NULLS FIRST, "
            f"CASE WHEN dated THEN number ELSE {days} END NULLS FIRST, row) AS pos "
            f"FROM (SELECT *, bool_and(date IS NOT NULL) OVER ({ep}) AS dated FROM ({found}))"
        )
        earlier = f"({ep} ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
        if has_number:
            repeat = (
                "number IS NOT NULL AND row_number() OVER "
                "(PARTITION BY patient, e2, e3, number ORDER BY row) > 1"
            )
        else:
            repeat = "date IS NOT NULL AND row_number() OVER (PARTITION BY patient, e2, e3, date ORDER BY row) > 1"
        flagged = (
            f"SELECT rn, patient, e2, e3, gap, coalesce(number < max(number) OVER {earlier}, false) "
            f"OR coalesce(date < max(date) OVER {earlier}, false) AS out_of_order, "
            f"({repeat}) OR coalesce(sid_repeat, false) AS dup FROM ({placed})"
        )
        counted = (
            "SELECT *, sum(CASE WHEN dup THEN 0 ELSE 1 END) OVER (PARTITION BY patient, e2, e3) "
            f"AS kept FROM ({flagged})"
        )
        return f"SELECT rn, out_of_order, dup, gap, NOT dup AND kept = 1 AS single FROM ({counted})"

    def _sid_repeats(self, keys: str) -> None:
        """Mark the given session ids that repeat one earlier in the file (any row)."""
        self.con.execute(
            f"ALTER TABLE {keys} ADD COLUMN sid_repeat BOOLEAN; "
            f"UPDATE {keys} SET sid_repeat = r.repeat FROM (SELECT rn AS r_rn, sid IS NOT NULL "
            f"AND row_number() OVER (PARTITION BY sid ORDER BY rn) > 1 AS repeat FROM {keys}) r "
            f"WHERE rn = r.r_rn"
        )

    # -- the checks ---------------------------------------------------------------
    def _cross_rows(self) -> None:
        """Run :data:`ROWS_IN_SQL` on the file (its session columns are all there)."""
        suffix = uuid.uuid4().hex[:12]
        keys, flags = f"tpdn_keys_{suffix}", f"tpdn_flags_{suffix}"
        try:
            self._keys_table(keys)
            self._sid_repeats(keys)
            self.con.execute(f"CREATE TEMP TABLE {flags} AS {self._flags_query(keys)}")
            self._session_rules(flags)
            self._pre_post(flags)
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {flags}; DROP TABLE IF EXISTS {keys}")

    def _session_rules(self, flags: str) -> None:
        def where(condition: str) -> str:
            return f"file_row_number IN (SELECT rn FROM {flags} WHERE {condition})"

        date, number = self._column("session_date"), self._column("session_number")
        if date is not None and number is not None:
            self._run("session.order", date, where("out_of_order"))
        shown = number or date or self._column("patient_id")
        self._run("session.duplicate", shown, where("dup"))
        if date is not None:
            gap = where("gap IS NOT NULL AND NOT dup")
            self._run("session.long_gap", date, gap, gap_days=self.episode_gap_days)
        self._run("episode.single_session", self._column("patient_id"), where("single"))

    def _pre_post(self, flags: str) -> None:
        """Post values of kept sessions without a pre value, or far from it."""
        divisor = schema.PAIN_SCALES[self.pain_scale][1]
        by_measure: dict[str, dict[str, list[str]]] = {}
        for name, measure, timing in self.plan.measures:
            if measure == "pain" or measure.startswith("rom:"):
                by_measure.setdefault(measure, {}).setdefault(timing, []).append(name)
        for measure, timings in by_measure.items():
            if "post" not in timings:
                continue
            pres = [self._value(c, measure, divisor) for c in timings.get("pre", [])]
            pre = f"coalesce({', '.join(pres)})" if pres else "CAST(NULL AS DOUBLE)"
            for column in timings["post"]:
                post = self._value(column, measure, divisor)
                kept = f"file_row_number IN (SELECT rn FROM {flags} WHERE NOT dup)"
                pain = measure == "pain"
                for name, rule in (
                    ("measure.post_without_pre", f"{pre} IS NULL"),
                    ("pain.rise", f"{post} - {pre} > {schema.PAIN_RISE_WARNING!r}"),
                    ("rom.jump", f"abs({post} - {pre}) > {schema.ROM_JUMP_WARNING!r}"),
                ):
                    if name != "measure.post_without_pre" and (name == "pain.rise") != pain:
                        continue
                    self._add_values(
                        name, column, measure, post, f"{kept} AND {post} IS NOT NULL AND {rule}"
                    )

    def _value(self, name: str, measure: str, divisor: float) -> str:
        """A measure cell as the loaded value: a number within range (NULL otherwise), pain
        on the 0-10 scale."""
        column = self.columns[name]
        num = column.number()
        _, s = measure_range(measure, self.pain_scale)
        value = f"(CASE WHEN {num} BETWEEN {s['low']!r} AND {s['top']!r} THEN {num} END)"
        return f"({value} / {float(divisor)!r})" if measure == "pain" and divisor != 1 else value

    def _add_values(self, name: str, column: str, measure: str, value: str, where: str) -> None:
        """Report the rows of ``where`` with the loaded ``value`` (as the in-memory engine
        reports within-session rules)."""
        found = self.con.execute(
            f"SELECT file_row_number + 2 AS row, {value} AS value FROM {self.source} "
            f"WHERE {where} ORDER BY 1"
        ).df()
        if not len(found):
            return
        declared = CHECKS[name]
        problem, fix = declared.text(
            pain_rise=schema.PAIN_RISE_WARNING, rom_jump=schema.ROM_JUMP_WARNING
        )
        self.issues.add(
            file=self.file,
            rows=found["row"].to_numpy(np.int64),
            column=column,
            canonical=measure,
            values=pd.Series(found["value"].to_numpy(np.float64)),
            check=declared.check,
            problem=problem,
            fix=fix,
            severity=declared.severity,
        )
