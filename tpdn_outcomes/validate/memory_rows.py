"""The in-memory engine: the rules across rows (session order, duplicates, gaps,
pre/post pairs, one-session episodes)."""

from __future__ import annotations

import itertools
from typing import Any, cast

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes._arrays import BLOCK as _BLOCK
from tpdn_outcomes._arrays import cat_codes as _cat_codes
from tpdn_outcomes.derive import assign_episodes
from tpdn_outcomes.io import (
    plan_columns,
)
from tpdn_outcomes.validate.checks import CHECKS
from tpdn_outcomes.validate.collect import as_text
from tpdn_outcomes.validate.memory_base import BuildState
from tpdn_outcomes.validate.memory_parse import drop_unused, from_codes, private_copy


class CrossRowChecks(BuildState):
    """The rules across rows."""

    # -- rules across rows ---------------------------------------------------
    def _cross_row(
        self, sessions: pd.DataFrame, valid: np.ndarray, measures: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        vs = sessions.loc[valid]
        vpos = np.flatnonzero(valid)
        ep = assign_episodes(vs, episode_gap_days=self.episode_gap_days)
        sessions = private_copy(sessions)
        key_col = plan_columns([str(c) for c in self.raw.frame.columns], self.column_map).session

        def on_rows(values: Any, fill: Any) -> Any:
            """Values of the valid rows placed on every row (``fill`` elsewhere; an
            extension array such as Int64 is missing elsewhere).

            When every row is valid they are the same rows: the array is taken as it is
            (read-only; never written to below)."""
            extension = isinstance(values, pd.api.extensions.ExtensionArray)
            if len(vpos) == len(sessions):
                return values if extension else np.asarray(values)
            if extension:
                where = np.full(len(sessions), -1, dtype=np.intp)
                where[vpos] = np.arange(len(vpos))
                return values.take(where, allow_fill=True)
            values = np.asarray(values)
            out = np.full(len(sessions), fill, dtype=values.dtype)
            out[vpos] = values
            return out

        # session numbers given in the file must agree with the dates within an episode
        if "session_number" in key_col and "session_date" in key_col and len(vs):
            bad = _out_of_order(
                on_rows(_cat_codes(ep["episode_id"]), -1),
                on_rows(ep["order"].to_numpy(), -1),
                sessions["session_date"],
                on_rows(vs["session_number"].to_numpy(dtype=np.float64, na_value=np.nan), np.nan),
                valid,
            )
            c = key_col["session_date"]
            self._flag("session.order", bad, c, self.raw.frame[c])
            if self.coerce and bad.any():
                # the date is set missing; the session then takes its place by its number
                sessions.loc[bad, "session_date"] = pd.NaT
                vs = sessions.loc[valid]
                ep = assign_episodes(vs, episode_gap_days=self.episode_gap_days)
        ep_codes = on_rows(_cat_codes(ep["episode_id"]), -1)
        sessions["episode_id"] = from_codes(
            ep_codes, dtype=cast(pd.CategoricalDtype, ep["episode_id"].dtype)
        )
        sessions["session_number"] = on_rows(ep["session_number"].array, pd.NA)
        order = on_rows(ep["order"].to_numpy(), -1)

        dup = on_rows(ep["duplicate"].to_numpy(), False)
        # a given session id that repeats is a duplicate too
        if "session_id" in key_col:  # generated ids are unique by construction
            dup = dup | (sessions["session_id"].duplicated(keep="first").to_numpy() & valid)
        # duplicates are defined by the session number when the file gives one, else by the date
        shown = key_col.get("session_number", key_col.get("session_date", key_col["patient_id"]))
        self._flag("session.duplicate", dup, shown, self.raw.frame[shown])
        self._exclude(dup, "duplicate session")
        keep = valid & ~dup

        gap = on_rows(ep["gap_days"].notna().to_numpy(), False)
        if gap.any() and "session_date" in key_col:
            c = key_col["session_date"]
            self._flag(
                "session.long_gap",
                gap & keep,
                c,
                self.raw.frame[c],
                gap_days=self.episode_gap_days,
            )

        # within-session rules on measures
        if len(measures):
            live = keep[measures["_pos"].to_numpy()]
            if not live.all():  # (no copy of the long table when every session is kept)
                measures = measures[live]
            measures = self._pre_post_rules(measures)
        # (at least one count: with no valid row there are no episodes, and every code is -1)
        counts = np.bincount(ep_codes[keep], minlength=max(1, len(ep["episode_id"].cat.categories)))
        single = keep & (counts[np.maximum(ep_codes, 0)] == 1)
        c = key_col["patient_id"]
        self._flag("episode.single_session", single, c, self.raw.frame[c])

        kept = np.flatnonzero(keep)
        kept = kept[np.argsort(order[kept], kind="stable")]  # episode and session order
        sid = sessions["session_id"]  # (codes by row of the file, before the rows are ordered)
        sessions = sessions.take(kept).reset_index(drop=True)[list(schema.SESSION_COLUMNS)]
        if not self.coerce and self.issues.has_errors:
            return sessions, measures
        # every measure left belongs to a kept session (filtered above): its session id is
        # the id on its row. Generated ids are the rows themselves (code = row), so the
        # row positions are their codes and nothing is looked up.
        pos = measures["_pos"].to_numpy()
        sid_codes = pos if self.generated_ids else _cat_codes(sid)[pos]
        measure = drop_unused(measures["measure"])
        units = [schema.measure_spec(str(c)).unit for c in measure.cat.categories]
        unit_names = sorted(set(units))
        unit_of = np.array([unit_names.index(u) for u in units], dtype=np.int8)
        m_codes = _cat_codes(measure)
        out = pd.DataFrame(
            {
                "session_id": from_codes(sid_codes, dtype=cast(pd.CategoricalDtype, sid.dtype)),
                "measure": measure.array,
                "timing": measures["timing"].array,
                "value": measures["value"].to_numpy(np.float64),
                "unit": from_codes(
                    unit_of[m_codes] if len(unit_of) else m_codes, categories=unit_names
                ),
                "source_row": measures["source_row"].to_numpy(np.int64),
            },
            copy=False,  # the intermediate table is dropped: its columns are taken as they are
        )
        return sessions, out

    def _pre_post_rules(self, measures: pd.DataFrame) -> pd.DataFrame:
        """Post without pre (error) and implausible within-session changes (warnings)."""
        m = measures
        names = list(m["measure"].cat.categories)
        no_pre, rise, jump = _within_session_flags(
            m_code=_cat_codes(m["measure"]),  # views: no copies of long columns
            timing=_cat_codes(m["timing"]),
            pos=m["_pos"].to_numpy(),
            value=m["value"].to_numpy(),
            within_cat=np.array([n == "pain" or n.startswith("rom:") for n in names], dtype=bool),
            is_pain_cat=np.array([n == "pain" for n in names], dtype=bool),
        )

        def report(rows: np.ndarray, name: str) -> None:
            declared = CHECKS[name]
            problem, fix = declared.text(
                pain_rise=schema.PAIN_RISE_WARNING, rom_jump=schema.ROM_JUMP_WARNING
            )
            sub = m.iloc[rows]
            for (column, file), grp in sub.groupby(["_column", "_file"], sort=False, observed=True):
                self.issues.add(
                    file=str(file),
                    rows=grp["source_row"].to_numpy(),
                    column=str(column),
                    canonical=str(grp["measure"].iloc[0]),
                    values=as_text(grp["value"].reset_index(drop=True)),
                    check=declared.check,
                    problem=problem,
                    fix=fix,
                    severity=declared.severity,
                )

        for rows, name in (
            (no_pre, "measure.post_without_pre"),
            (rise, "pain.rise"),
            (jump, "rom.jump"),
        ):
            if len(rows):
                report(rows, name)
        if len(no_pre):
            keep = np.ones(len(m), dtype=bool)
            keep[no_pre] = False
            m = m[keep]
        return m


#: Most runs of one measure and timing for which pre/post pairs are found run by run.
_MAX_RUNS = 4096


def _within_session_flags(
    *,
    m_code: np.ndarray,
    timing: np.ndarray,
    pos: np.ndarray,
    value: np.ndarray,
    within_cat: np.ndarray,
    is_pain_cat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a long measures table (ascending) whose post value has no pre value of the
    same session and measure, whose pain rises by more than ``PAIN_RISE_WARNING``, and
    whose other within-session measure changes by more than ``ROM_JUMP_WARNING``.

    ``m_code``/``timing`` are the rows' measure and timing codes, ``pos`` their session,
    ``within_cat``/``is_pain_cat`` mark the measures compared within a session and pain.
    A post row is compared with the first pre row of its session and measure.

    A wide file's table comes in runs of one measure and timing (its columns): then each
    measure's pre rows are placed in a table by session and its post rows look theirs
    up, slice by slice, with no key or index array as long as the table. Otherwise (or
    when a session has two pre values of a measure) pairs are found on integer keys
    (measure x session) by binary search.
    """
    n = len(m_code)
    found: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    pre_t, post_t = schema.TIMINGS.index("pre"), schema.TIMINGS.index("post")

    def check(rows: np.ndarray, at: np.ndarray, is_pain: Any) -> None:
        # post rows ``rows`` against their pre rows ``at`` (-1: none); ``is_pain`` a numpy
        # bool or bool array (``~`` of a Python bool is an integer)
        no = at < 0
        delta = value[rows] - value[np.where(no, 0, at)]
        if no.any():
            delta[no] = np.nan
            found[0].append(rows[no])
        with np.errstate(invalid="ignore"):
            found[1].append(rows[is_pain & (delta > schema.PAIN_RISE_WARNING)])
            np.abs(delta, out=delta)
            found[2].append(rows[~is_pain & (delta > schema.ROM_JUMP_WARNING)])

    def result() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return cast(
            tuple[np.ndarray, np.ndarray, np.ndarray],
            tuple(np.sort(np.concatenate(f)) if f else np.zeros(0, np.intp) for f in found),
        )

    if n == 0:
        return result()
    edges = np.flatnonzero((m_code[1:] != m_code[:-1]) | (timing[1:] != timing[:-1]))
    if len(edges) < _MAX_RUNS:
        bounds = [0, *(edges + 1).tolist(), n]
        pre_runs: dict[int, list[tuple[int, int]]] = {}
        post_runs: dict[int, list[tuple[int, int]]] = {}
        for a, b in itertools.pairwise(bounds):
            code, t = int(m_code[a]), int(timing[a])
            if code >= 0 and within_cat[code] and t in (pre_t, post_t):
                (pre_runs if t == pre_t else post_runs).setdefault(code, []).append((a, b))
        if not post_runs:  # (no post value to pair: no table by session)
            return result()
        slot = np.full(int(pos.max()) + 1, -1, dtype=np.int64)  # pre row by session
        one_pre = True
        for code, posts in post_runs.items():
            pres = [
                (s, min(s + _BLOCK, b))
                for a, b in pre_runs.get(code, [])
                for s in range(a, b, _BLOCK)
            ]
            for a, b in pres:
                slot[pos[a:b]] = np.arange(a, b)
            # a session with two pre rows of the measure leaves one of them overwritten
            one_pre = all(bool((slot[pos[a:b]] == np.arange(a, b)).all()) for a, b in pres)
            if one_pre:
                for c, d in posts:
                    for s in range(c, d, _BLOCK):
                        e = min(s + _BLOCK, d)
                        check(np.arange(s, e), slot[pos[s:e]], is_pain_cat[code])
            for a, b in pres:
                slot[pos[a:b]] = -1
            if not one_pre:
                break
        if one_pre:
            return result()
        found = ([], [], [])

    # pairs by keys: measure-major, so a table already in runs needs no argsort
    within = within_cat[m_code] if len(within_cat) else np.zeros(n, dtype=bool)
    span = int(pos.max()) + 1
    pre_idx = np.flatnonzero(within & (timing == pre_t))
    post_idx = np.flatnonzero(within & (timing == post_t))

    def keys(idx: np.ndarray) -> np.ndarray:
        key = m_code[idx].astype(np.int64)
        key *= span
        key += pos[idx]
        return key

    pre_keys = keys(pre_idx)
    ordered = len(pre_keys) < 2 or bool(np.all(pre_keys[1:] >= pre_keys[:-1]))
    sorter = None if ordered else np.argsort(pre_keys, kind="stable")
    # post rows in blocks: the temporaries of one block are reused by the next
    for start in range(0, len(post_idx), _BLOCK):
        rows = post_idx[start : start + _BLOCK]
        post_keys = keys(rows)
        if not len(pre_keys):
            check(rows, np.full(len(rows), -1), is_pain_cat[m_code[rows]])
            continue
        # the first pre row of each post row's key (searchsorted finds the leftmost)
        at = np.searchsorted(pre_keys, post_keys, sorter=sorter)
        np.minimum(at, len(pre_keys) - 1, out=at)
        if sorter is not None:
            at = sorter[at]
        at = np.where(pre_keys[at] == post_keys, pre_idx[at], -1)
        check(rows, at, is_pain_cat[m_code[rows]])
    return result()


def _out_of_order(
    episode: np.ndarray,
    order: np.ndarray,
    dates: pd.Series,
    numbers: np.ndarray,
    keep: np.ndarray,
) -> np.ndarray:
    """Rows whose session number or date goes backwards within their episode.

    Rows are taken in episode/session ``order`` as :func:`~tpdn_outcomes.derive.assign_episodes`
    gives it (by date in an episode whose sessions are all dated, else by number); a row
    is flagged when its number is below the largest number of the earlier rows of its
    episode, or its date before the latest earlier date. Missing values never flag.
    """
    rows = np.flatnonzero(keep & (order >= 0))
    # orders are distinct positions below len(order): placed by them, not sorted
    slots = np.full(len(order), -1, dtype=np.int64)
    slots[order[rows]] = rows
    rows = slots[slots >= 0]
    flag = np.zeros(len(order), dtype=bool)
    if rows.size < 2:
        return flag
    ep = episode[rows]
    as_days = dates.to_numpy(dtype="datetime64[D]")[rows]
    day_known = ~np.isnat(as_days)
    num = numbers[rows]
    start = np.r_[True, ep[1:] != ep[:-1]]
    passes = [(num, ~np.isnan(num))]
    # an episode whose sessions are all dated comes in date order, so dates can go
    # backwards only when some are missing
    if not day_known.all():
        passes.append((as_days.astype(np.int64).astype(np.float64), day_known))
    seg = np.cumsum(start) - 1
    for values, known in passes:
        if not known.any():
            continue
        top = max(
            abs(float(np.max(values, where=known, initial=-np.inf))),
            abs(float(np.min(values, where=known, initial=np.inf))),
        )
        # episodes lifted apart (each above the last), so one running max serves them all
        shifted = seg * (top * 4 + 4)
        shifted += values
        shifted[~known] = -np.inf  # (missing values never raise the running max)
        running = np.maximum.accumulate(shifted)
        # a row below the running max of the rows before it in its episode
        back = shifted[1:] < running[:-1]
        back &= known[1:]
        back &= ~start[1:]
        flag[rows[1:][back]] = True
    return flag
