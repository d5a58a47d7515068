"""Episodes and changes, derived from the canonical tables.

Everything here is vectorised: one sort, then reductions over sorted runs. There is
no Python loop over patients, episodes or sessions, so ten million sessions are
handled in seconds.

Definitions (DATA.md, "Derived: episodes")
------------------------------------------
* An **episode** is a patient's course of treatment for one condition. Unless the data
  gives ``episode_id``, sessions of the same patient and condition belong to one
  episode, and a new one starts after a gap of more than ``episode_gap_days``
  (default 90) between consecutive sessions.
* **baseline** is the first ``pre`` value of the measure in the episode (in session
  order); **final** is the last ``post`` value (or, with ``final="last"``, the last value
  of any timing) that comes after the baseline.
* **change** = final - baseline (after - before, as CDISC ADaM's CHG);
  **pct_change** = 100 x change / baseline, missing when the baseline is 0;
  **improvement** = change for measures where higher is better (ROM, PSFS) and
  -change where lower is better (pain, disability indices).
* An episode is **open** when its last session lies within ``open_after_days``
  (default 30) of the data's end.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tpdn_outcomes import schema
from tpdn_outcomes._arrays import BLOCK, arrow_text_dtype, cat_codes, is_sorted

_TIMING_ORDER = {t: i for i, t in enumerate(schema.TIMINGS)}


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column (missing -> -1): a categorical's own codes (a read-only
    view, at their own width), else the column factorised."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return cat_codes(values)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64)


def _stable_order(*keys: np.ndarray) -> np.ndarray:
    """Indices that sort by ``keys`` (first key primary), ties kept in input order.

    The keys are packed into one int64 when their ranges fit in 62 bits, so one stable
    sort replaces a multi-key lexsort (and runs in near-linear time on the already
    ordered files clinics usually export); otherwise falls back to :func:`numpy.lexsort`.
    """
    n = len(keys[0]) if keys else 0
    if n == 0:
        return np.arange(0)
    ints = [np.asarray(k) for k in keys]
    if all(k.dtype.kind in "iub" for k in ints):
        lows = [int(k.min()) for k in ints]
        spans = [int(k.max()) - lo + 1 for k, lo in zip(ints, lows, strict=True)]
        if sum(int(s - 1).bit_length() for s in spans) <= 62:
            # packed in place: one int64 array, no temporaries (fresh memory is costly)
            packed = np.subtract(ints[0], lows[0], dtype=np.int64)
            for k, lo, span in zip(ints[1:], lows[1:], spans[1:], strict=True):
                packed *= span
                np.add(packed, k, out=packed, casting="unsafe")
                packed -= lo
            return np.argsort(packed, kind="stable")
    return np.lexsort(tuple(reversed([*ints, np.arange(n)])))


def _labels_at(values: pd.Series, positions: np.ndarray) -> np.ndarray:
    """Text labels of ``values`` at ``positions``, without materialising the whole column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = np.asarray(values.cat.categories, dtype=object)
        return cats[cat_codes(values)[positions]]
    return values.to_numpy(dtype=object)[positions]


_NO_DAY = np.iinfo(np.int64).min // 2


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Dates as int64 day numbers; missing -> ``_NO_DAY`` (sorts first)."""
    raw = dates.to_numpy()
    if raw.dtype.kind == "M":  # plain datetime64 (any unit): convert without pandas' NA path
        as_days = raw.astype("datetime64[D]")
    else:
        as_days = np.array(
            dates.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT")), copy=True
        )
    out = as_days.view(np.int64)  # a new array of ours: NaT is the smallest int64
    out[out == np.iinfo(np.int64).min] = _NO_DAY
    return out


class _Keys(NamedTuple):
    """The sort keys of a session table, as integer arrays (one entry per row)."""

    patient: np.ndarray  # codes
    condition: np.ndarray  # codes
    days: np.ndarray  # day numbers, missing -> _NO_DAY
    day_key: np.ndarray  # for sorting only: missing days just before the earliest known one
    number_key: np.ndarray  # given session numbers, missing -> -1
    no_number: np.ndarray | None  # missing session numbers (None: no numbers given)
    has_date: bool


def _keys(sessions: pd.DataFrame) -> _Keys:
    """The integer sort keys of ``sessions`` (codes at their own width: fresh memory is the
    main cost at ten million rows, so no array is made that is not needed)."""
    n = len(sessions)
    patient, condition = _codes(sessions["patient_id"]), _codes(sessions["condition"])
    has_date = "session_date" in sessions and sessions["session_date"].notna().any()
    has_number = "session_number" in sessions and sessions["session_number"].notna().any()
    days = _day_numbers(sessions["session_date"]) if has_date else np.full(n, _NO_DAY)
    no_number = None
    if has_number:  # missing -> -1, without a float copy
        no_number = np.array(sessions["session_number"].isna(), dtype=bool)  # (writable)
        # (np.where makes the new array the numbers returned are built on: to_numpy may
        # give a view of the input even with copy=True when na_value is given)
        number_key = np.where(
            no_number, -1, sessions["session_number"].to_numpy(dtype=np.int64, na_value=-1)
        )
    else:
        number_key = np.full(n, -1, dtype=np.int64)
    no_day = days == _NO_DAY
    day_key = days
    if no_day.any():
        day_key = np.where(no_day, days[~no_day].min() - 1 if not no_day.all() else 0, days)
    return _Keys(patient, condition, days, day_key, number_key, no_number, bool(has_date))


def _starts_of(keys: np.ndarray, *more: np.ndarray) -> np.ndarray:
    """True where a run of equal (``keys``, ``*more``) starts (all arrays in sorted order)."""
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    for k in more:
        new[1:] |= k[1:] != k[:-1]
    return new


def _episodes_by_gap(
    k: _Keys, gap_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(order, new_ep, gap_rows, gap_values) for episodes found by patient, condition and
    date: a gap of more than ``gap_days`` between two known dates starts a new episode;
    ``gap_rows`` are the rows that start one so, ``gap_values`` the gaps in days."""
    order = _stable_order(k.patient, k.condition, k.day_key, k.number_key)
    d_s = k.days[order]
    new_ep = _starts_of(k.patient[order], k.condition[order])
    gap_len = np.zeros(len(order), dtype=np.int64)
    np.subtract(d_s[1:], d_s[:-1], out=gap_len[1:])
    gap = gap_len > gap_days
    gap &= ~new_ep
    gap[1:] &= (d_s[1:] != _NO_DAY) & (d_s[:-1] != _NO_DAY)
    new_ep |= gap
    return order, new_ep, order[gap], gap_len[gap]


def _time_order_within(
    k: _Keys, order: np.ndarray, new_ep: np.ndarray, by_number_first: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(order, episode index) with each episode's sessions by date when all of them are
    dated, else by the given session number (a date or a number set missing by
    errors="coerce" then does not move a session to the front).

    The first sort put episodes in (number, date) order when ``by_number_first``, else in
    (date, number) order; only episodes needing the other order are re-sorted, ties keeping
    the order the first sort gave them.
    """
    ep_index: np.ndarray[Any, np.dtype[np.signedinteger[Any]]] = np.cumsum(
        new_ep, dtype=np.int32 if len(order) < 2**31 else np.int64
    )
    ep_index -= 1
    if k.no_number is None:
        return order, ep_index
    # (a bool array viewed as int8, so minimum.reduceat reads it without a copy)
    dated = np.minimum.reduceat((k.days[order] != _NO_DAY).view(np.int8), np.flatnonzero(new_ep))
    if not (bool(dated.any()) if by_number_first else not dated.all()):
        return order, ep_index
    all_dated = dated.astype(bool)[ep_index]
    primary = np.where(all_dated, k.day_key[order], k.number_key[order])
    secondary = np.where(all_dated, k.number_key[order], k.day_key[order])
    sub = _stable_order(ep_index, primary, secondary)
    return order[sub], ep_index[sub]


def _numbers_and_duplicates(
    k: _Keys, order: np.ndarray, ep_index: np.ndarray, new_ep: np.ndarray
) -> tuple[pd.arrays.IntegerArray, np.ndarray]:
    """(session numbers by row, duplicate flags in ``order``).

    Given numbers are the session numbers (missing stays missing) and a repeated number
    within an episode is a duplicate; otherwise the number is the dense rank of the
    session's date in its episode and a repeated date is a duplicate. The first copy in
    file order is kept.
    """
    n = len(order)
    if k.no_number is not None:
        dup = np.zeros(n, dtype=bool)
        n_s = k.number_key[order]
        # numbers rising within every episode cannot repeat: no sort needed to find none
        if not (new_ep[1:] | (n_s[1:] > n_s[:-1])).all():
            by_number = _stable_order(ep_index, n_s, order)
            e_b, n_b = ep_index[by_number], n_s[by_number]
            repeat = (e_b[1:] == e_b[:-1]) & (n_b[1:] == n_b[:-1]) & (n_b[1:] >= 0)
            dup[by_number[1:][repeat]] = True
        return pd.arrays.IntegerArray(k.number_key, k.no_number), dup
    d_s = k.days[order]
    same_day = np.zeros(n, dtype=bool)
    same_day[1:] = ~new_ep[1:] & (d_s[1:] == d_s[:-1])
    dense = np.cumsum(~same_day)
    dense -= dense[np.flatnonzero(new_ep)][ep_index]
    dense += 1
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = dense
    return pd.arrays.IntegerArray(ranks, np.zeros(n, dtype=bool)), same_day & k.has_date


def _episode_labels(
    sessions: pd.DataFrame, k: _Keys, first_rows: np.ndarray
) -> pd.CategoricalDtype:
    """The categories ``patient:condition:k`` for the episodes starting at ``first_rows`` (in episode
    order), where k counts the patient's episodes of the condition from 1."""
    pf, cf = k.patient[first_rows], k.condition[first_rows]
    same_prev = np.zeros(len(first_rows), dtype=bool)
    same_prev[1:] = (pf[1:] == pf[:-1]) & (cf[1:] == cf[:-1])
    block_start = np.flatnonzero(~same_prev)
    block = np.cumsum(~same_prev)
    block -= 1
    number = np.arange(1, len(first_rows) + 1)
    number -= block_start[block]
    patients, conditions = sessions["patient_id"], sessions["condition"]
    if (
        isinstance(patients.dtype, pd.CategoricalDtype)
        and isinstance(conditions.dtype, pd.CategoricalDtype)
        and pd.api.types.infer_dtype(patients.cat.categories, skipna=False) == "string"
    ):
        # joined by Arrow and kept as Arrow text: no Python string per episode
        # (":condition:" made once per condition; labels are unique by construction)
        pid = pa.array(patients.cat.categories, type=pa.string()).take(pa.array(pf))
        middle = pa.array([f":{c}:" for c in conditions.cat.categories], type=pa.string())
        labels = pc.binary_join_element_wise(
            pid, middle.take(pa.array(cf)), pc.cast(pa.array(number), pa.string()), ""
        )
        return arrow_text_dtype(labels)  # episode j is category j
    # (ids that are not text, or plain columns: one by one)
    pid_text = _labels_at(patients, first_rows)
    cond = _labels_at(conditions, first_rows)
    labels = [f"{p}:{c}:{j}" for p, c, j in zip(pid_text, cond, number.tolist(), strict=True)]
    return pd.CategoricalDtype(pd.Index(labels, dtype=object))


def _by_row(order: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` given in ``order`` put back in row order."""
    out = np.empty(len(order), dtype=values.dtype)
    out[order] = values
    return out


def _positions(order: np.ndarray) -> np.ndarray:
    """Each row's place in ``order`` (its inverse permutation)."""
    out = np.empty(len(order), dtype=np.int64)
    for at in range(0, len(order), BLOCK):  # (no row-long array of positions to scatter)
        part = order[at : at + BLOCK]
        out[part] = np.arange(at, at + len(part))
    return out


def assign_episodes(
    sessions: pd.DataFrame, *, episode_gap_days: int = schema.EPISODE_GAP_DAYS
) -> pd.DataFrame:
    """Order sessions, assign episodes and session numbers, and find duplicates and gaps.

    Parameters
    ----------
    sessions : DataFrame
        Canonical session columns ``patient_id``, ``condition`` and at least one of
        ``session_date`` / ``session_number``; ``episode_id`` is used when present.
        Rows are assumed to have valid keys.
    episode_gap_days : int, default 90
        A gap longer than this between consecutive sessions starts a new episode.

    Returns
    -------
    DataFrame
        Indexed like ``sessions``, with columns ``episode_id`` (string),
        ``session_number`` (Int64, derived from date order where not given),
        ``duplicate`` (bool: a later copy of a session already seen in the episode, in
        file order), ``gap_days`` (Int64: days since the previous session of the same
        patient and condition when a new episode started because of a gap) and
        ``order`` (the position of the row in episode/session order).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"patient_id": ["A", "A", "A"], "condition": ["neck_pain"] * 3,
    ...                   "session_date": pd.to_datetime(["2025-01-01", "2025-01-08", "2025-06-01"])})
    >>> assign_episodes(s)[["episode_id", "session_number", "gap_days"]]
           episode_id  session_number  gap_days
    0  A:neck_pain:1               1      <NA>
    1  A:neck_pain:1               2      <NA>
    2  A:neck_pain:2               1       144
    """
    # vectorised: the specification (tests/test_episodes.py:_reference_episodes) loops
    # over episodes, which would run millions of times on a registry
    k = _keys(sessions)
    n = len(sessions)
    given_episode = "episode_id" in sessions and bool(sessions["episode_id"].notna().any())
    if given_episode:
        given = sessions["episode_id"].astype("category")
        episode = np.asarray(given.cat.codes, dtype=np.int64)
        order = _stable_order(k.patient, episode, k.number_key, k.day_key)
        new_ep = _starts_of(episode[order], k.patient[order])
        gap_rows, gap_values = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    else:
        order, new_ep, gap_rows, gap_values = _episodes_by_gap(k, episode_gap_days)
    first_rows = order[new_ep]  # one row per episode (its first in date order)
    order, ep_index = _time_order_within(k, order, new_ep, by_number_first=given_episode)
    session_number, dup = _numbers_and_duplicates(k, order, ep_index, new_ep)
    if given_episode:
        labels = pd.CategoricalDtype(given.cat.categories)
        ep_codes: np.ndarray = episode[first_rows][ep_index]
    else:
        labels = _episode_labels(sessions, k, first_rows)
        ep_codes = ep_index
    gap_missing = np.ones(n, dtype=bool)
    gap_missing[gap_rows] = False
    out_gap = np.zeros(n, dtype=np.int64)
    out_gap[gap_rows] = gap_values
    code_type = np.int32 if len(labels.categories) < 2**31 else np.int64
    return pd.DataFrame(
        {
            "episode_id": pd.Categorical.from_codes(
                _by_row(order, ep_codes.astype(code_type, copy=False)),
                dtype=labels,
                validate=False,  # (codes of the episodes found)
            ),
            "session_number": session_number,
            "duplicate": _by_row(order, dup),
            "gap_days": pd.arrays.IntegerArray(out_gap, gap_missing),
            "order": _positions(order),
        },
        index=sessions.index,
        copy=False,  # the arrays are new and ours: no copy, no consolidation
    )


def _session_positions(sessions: pd.DataFrame, measures: pd.DataFrame) -> np.ndarray:
    """Row of each measure's session in ``sessions`` (-1 when it is not there).

    Uses the codes of the shared ``session_id`` categories when both tables share them
    (as every :class:`SessionData` does), so no join over text keys is needed.
    """
    sid, mid = sessions["session_id"], measures["session_id"]
    if isinstance(sid.dtype, pd.CategoricalDtype) and isinstance(mid.dtype, pd.CategoricalDtype):
        s_cats, m_cats = sid.cat.categories, mid.cat.categories
        s_codes = np.asarray(sid.cat.codes, dtype=np.int64)
        m_codes = np.asarray(mid.cat.codes, dtype=np.int64)
        if s_cats is not m_cats:  # different category sets: translate measure codes once
            m_codes = np.where(m_codes >= 0, s_cats.get_indexer(m_cats)[m_codes], -1)
        where = np.full(len(s_cats) + 1, -1, dtype=np.int64)
        where[s_codes[s_codes >= 0]] = np.flatnonzero(s_codes >= 0)
        return where[np.where(m_codes >= 0, m_codes, len(s_cats))]
    index = pd.Index(sid.astype(object))
    return np.asarray(index.get_indexer(mid.astype(object)), dtype=np.int64)


_NS_PER_DAY = 86_400 * 10**9


def _to_dates(days: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Day numbers -> datetime64[ns], NaT where ``missing`` (a new array)."""
    ns = np.where(missing, 0, days)  # a new int64 array, then scaled in place
    ns *= _NS_PER_DAY
    dates = ns.view("datetime64[ns]")
    dates[missing] = np.datetime64("NaT")
    return dates


def _texts(texts: list[str], codes: np.ndarray) -> pd.Categorical:
    """A text column of a few distinct values, as categories (no per-row strings).

    At 1.5 million episodes, materialising the strings costs more than the whole
    measure's arithmetic; categories compare, group and print like text.
    """
    dtype = pd.CategoricalDtype(pd.Index(texts, dtype="str"))
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)  # codes made here


def _timing_codes(timing: pd.Series) -> np.ndarray:
    if isinstance(timing.dtype, pd.CategoricalDtype) and list(timing.cat.categories) == list(
        schema.TIMINGS
    ):
        return np.asarray(timing.cat.codes, dtype=np.int64)
    t_float = timing.astype(object).map(_TIMING_ORDER).to_numpy(dtype=np.float64)
    return np.where(np.isnan(t_float), -1, t_float).astype(np.int64)


class MeasureRows:
    """A dataset's measure rows, with each measure's rows found once, when first asked.

    Holds the measures' codes, timings and values as they are, and a lookup from a
    measure row to its session's row; :meth:`of` selects one measure's rows with one pass
    over the codes and resolves sessions, timings and values for those rows only.
    """

    __slots__ = ("_blocks", "_cache", "_position", "codes", "names", "t_code", "value")

    def __init__(
        self,
        names: dict[str, int],
        codes: np.ndarray,
        position: Any,
        t_code: np.ndarray,
        value: np.ndarray,
    ):
        self.names = names
        self.codes = codes
        self._position = position
        self.t_code = t_code
        self.value = value
        self._cache: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # rows sorted by measure (as the loader writes them): each measure is one block,
        # found by counting, and its timings and values are views, not copies
        self._blocks: np.ndarray | None = None
        if len(codes) and codes[0] >= 0 and is_sorted(codes):
            # block edges by binary search, with needles of the codes' own type (no cast
            # of the whole array)
            needles = np.arange(len(names) + 1).astype(codes.dtype, copy=False)
            if len(names) + 1 <= np.iinfo(codes.dtype).max:
                self._blocks = np.searchsorted(codes, needles)

    def of(self, measure: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(session row, timing code, value) of one measure's rows, in file order; rows
        whose session is not in the data are left out."""
        if measure not in self._cache:
            code = self.names.get(measure)
            idx: slice | np.ndarray
            if code is None:
                idx = slice(0, 0)
            elif self._blocks is not None:  # one block: views, not copies
                idx = slice(self._blocks[code], self._blocks[code + 1])
            else:
                idx = np.flatnonzero(self.codes == code)
            pos, t_code, value = self._position(idx), self.t_code[idx], self.value[idx]
            keep = pos >= 0
            if not keep.all():
                pos, t_code, value = pos[keep], t_code[keep], value[keep]
            self._cache[measure] = (pos, t_code, value)
        return self._cache[measure]


def _position_lookup(sessions: pd.DataFrame, measures: pd.DataFrame) -> Any:
    """A function: measure row indices -> their sessions' rows in ``sessions`` (-1: absent).

    With the shared ``session_id`` categories of a :class:`SessionData` this is a table
    lookup on codes; nothing is computed for rows that are never asked for.
    """
    sid, mid = sessions["session_id"], measures["session_id"]
    if isinstance(sid.dtype, pd.CategoricalDtype) and isinstance(mid.dtype, pd.CategoricalDtype):
        s_cats, m_cats = sid.cat.categories, mid.cat.categories
        s_codes = cat_codes(sid)
        # the last entry serves code -1; 32-bit rows halve the memory each measure moves
        small = np.int32 if len(sessions) < np.iinfo(np.int32).max else np.int64
        where = np.full(len(s_cats) + 1, -1, dtype=small)
        if len(s_codes) and s_codes.min() >= 0:  # every session has an id (as loaded)
            where[s_codes] = np.arange(len(s_codes), dtype=small)
        else:
            where[s_codes[s_codes >= 0]] = np.flatnonzero(s_codes >= 0)
        if s_cats is not m_cats:  # translate the measures' category codes once
            trans = s_cats.get_indexer(m_cats)
            where = np.append(where[np.where(trans >= 0, trans, len(s_cats))], -1)
        m_codes = cat_codes(mid)
        return lambda idx: where[m_codes[idx]]
    positions = _session_positions(sessions, measures)
    return lambda idx: positions[idx]


def measure_rows(sessions: pd.DataFrame, measures: pd.DataFrame) -> MeasureRows:
    """Index the measure rows of a dataset (cheap: the work is done per measure by
    :meth:`MeasureRows.of`)."""
    m_col = measures["measure"]
    cat = m_col if isinstance(m_col.dtype, pd.CategoricalDtype) else m_col.astype("category")
    t = measures["timing"]
    t_code = (
        cat_codes(t)
        if isinstance(t.dtype, pd.CategoricalDtype) and list(t.cat.categories) == list(schema.TIMINGS)
        else _timing_codes(t)
    )  # fmt: skip
    return MeasureRows(
        {str(name): i for i, name in enumerate(cat.cat.categories)},
        cat_codes(cat),
        _position_lookup(sessions, measures),
        t_code,
        measures["value"].to_numpy(dtype=np.float64),
    )


class EpisodeSkeleton:
    """The measure-independent part of the episode table, computed once per dataset.

    Attributes
    ----------
    frame : DataFrame
        One row per episode: identifiers, attributes, dates, ``n_sessions``, ``open``.
    ep_of_row, rank_of_row : ndarray
        For each session row: its episode (a row of ``frame``) and its place in time.
    starts : ndarray or None
        The first row of each episode when the rows are in episode and time order.
    """

    __slots__ = ("_rank_of_row", "ep_of_row", "frame", "starts")

    def __init__(
        self,
        frame: pd.DataFrame,
        ep_of_row: np.ndarray,
        rank_of_row: np.ndarray | None,
        starts: np.ndarray | None = None,
    ):
        self.frame = frame
        self.ep_of_row = ep_of_row
        self._rank_of_row = rank_of_row  # None: rows are in time order (made when asked)
        #: when the session rows are already in episode and time order (as a SessionData
        #: keeps them): the first row of each episode; None otherwise
        self.starts = starts

    @property
    def rank_of_row(self) -> np.ndarray:
        """Each session row's place in time."""
        if self._rank_of_row is None:
            self._rank_of_row = np.arange(len(self.ep_of_row))
        return self._rank_of_row


def episode_skeleton(
    sessions: pd.DataFrame,
    *,
    data_end: pd.Timestamp | None = None,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
) -> EpisodeSkeleton:
    """The episodes of ``sessions`` without any measure (see :func:`episode_table`)."""
    s = sessions
    n = len(s)
    ep_col = s["episode_id"].astype("category")
    ep = cat_codes(ep_col)
    in_order = is_sorted(ep)
    # rows already in episode order (as a SessionData keeps them) need no reordering
    order = None if in_order else np.argsort(ep, kind="stable")  # keeps time order in episodes

    def ordered(values: np.ndarray) -> np.ndarray:
        return values if order is None else values[order]

    ep_sorted = ordered(ep)
    starts = (
        np.flatnonzero(np.r_[True, ep_sorted[1:] != ep_sorted[:-1]]) if n else np.array([], int)
    )
    ends = np.r_[starts[1:], n] if n else np.array([], int)
    first_row = starts if order is None else order[starts]
    n_ep = len(starts)

    firsts: dict[str, Any] = {}
    for name in ("episode_id", "patient_id", "condition", "clinic_id", "practitioner_role",
                 "age_band", "sex"):  # fmt: skip
        array = s[name].array
        if isinstance(array, pd.Categorical):  # take the codes; they are valid already
            codes = np.asarray(array.codes)[first_row]
            firsts[name] = pd.Categorical.from_codes(codes, dtype=array.dtype, validate=False)
        else:
            firsts[name] = s[name].iloc[first_row].reset_index(drop=True)
    out = pd.DataFrame(firsts)
    twitch = s["twitch_response"].astype("boolean") if "twitch_response" in s else None
    if twitch is not None and twitch.notna().any():
        t = ordered(
            np.where(twitch.isna().to_numpy(), -1, twitch.fillna(False).to_numpy(dtype=np.int8))
        )
        best = np.maximum.reduceat(t, starts) if n else np.array([], np.int8)
        out["twitch_response"] = pd.arrays.BooleanArray(best == 1, best < 0)
    else:
        out["twitch_response"] = pd.arrays.BooleanArray(np.zeros(n_ep, bool), np.ones(n_ep, bool))
    days = ordered(_day_numbers(s["session_date"])) if n else np.array([], np.int64)
    known = days != _NO_DAY
    hi = np.maximum.reduceat(days, starts) if n else days  # unknown days are _NO_DAY already
    if n and bool(known.all()):  # every date known (as usual): no stand-in needed
        lo = np.minimum.reduceat(days, starts)
    else:
        lo = np.minimum.reduceat(np.where(known, days, -_NO_DAY), starts) if n else days
    out["first_date"] = _to_dates(lo, lo == -_NO_DAY)
    out["last_date"] = _to_dates(hi, hi == _NO_DAY)
    out["n_sessions"] = (ends - starts).astype(np.int64)
    end = data_end if data_end is not None else s["session_date"].max()
    if pd.isna(end):
        out["open"] = pd.arrays.BooleanArray(np.zeros(n_ep, bool), np.ones(n_ep, bool))
    else:
        is_open = out["last_date"] >= pd.Timestamp(end) - pd.Timedelta(days=open_after_days)
        out["open"] = pd.arrays.BooleanArray(
            is_open.to_numpy(bool), out["last_date"].isna().to_numpy()
        )

    small = np.int32 if n < np.iinfo(np.int32).max else np.int64
    runs = np.repeat(np.arange(n_ep, dtype=small), ends - starts)
    if order is None:
        return EpisodeSkeleton(out, runs, None, starts if n else None)
    ep_of_row = np.empty(n, dtype=small)
    ep_of_row[order] = runs
    rank_of_row = np.empty(n, dtype=np.int64)
    rank_of_row[order] = np.arange(n)
    return EpisodeSkeleton(out, ep_of_row, rank_of_row, None)


_PRE, _POST = schema.TIMINGS.index("pre"), schema.TIMINGS.index("post")


def _ends_by_keys(
    m_ep: np.ndarray,
    m_rank: np.ndarray,
    t_code: np.ndarray,
    value: np.ndarray,
    n_ep: int,
    final: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(baseline, final, n_values) per episode from each value's episode and place in time.

    The general way: any session order, any timing codes (a missing timing sorts first).
    """
    # 32-bit times when they fit, computed in place: every array here is as long as the
    # values, so each one saved counts
    wide = len(m_rank) and int(m_rank.max()) >= np.iinfo(np.int32).max // 4 - 1
    dtype: type[np.signedinteger[Any]] = np.int64 if wide else np.int32
    m_time: np.ndarray = m_rank.astype(dtype)  # a copy of our own
    np.multiply(m_time, 4, out=m_time)
    np.add(m_time, t_code, out=m_time)
    pre = t_code == _PRE
    # per-episode minimum / maximum by unbuffered ufunc.at (fast for integer keys since
    # numpy 1.25); episodes without a candidate keep the start value, which no time equals
    base_time = np.full(n_ep, np.iinfo(dtype).max, dtype=dtype)
    np.minimum.at(base_time, m_ep[pre], m_time[pre])
    base_of_value = base_time[m_ep]
    cand = m_time > base_of_value
    if final != "last":
        cand &= t_code == _POST
    final_time = np.full(n_ep, np.iinfo(dtype).min, dtype=dtype)
    np.maximum.at(final_time, m_ep[cand], m_time[cand])
    baseline = np.full(n_ep, np.nan)
    final_value = np.full(n_ep, np.nan)
    hit_base = m_time == base_of_value
    hit_base &= pre
    baseline[m_ep[hit_base]] = value[hit_base]
    hit_final = m_time == final_time[m_ep]
    hit_final &= cand
    final_value[m_ep[hit_final]] = value[hit_final]
    return baseline, final_value, np.bincount(m_ep, minlength=n_ep).astype(np.int64, copy=False)


def episode_table(
    sessions: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    measure: str = "pain",
    final: str = "post",
    data_end: pd.Timestamp | None = None,
    open_after_days: int = schema.OPEN_AFTER_DAYS,
    skeleton: EpisodeSkeleton | None = None,
    rows: MeasureRows | None = None,
) -> pd.DataFrame:
    """One row per episode with baseline, final and change of one measure.

    Parameters
    ----------
    sessions, measures : DataFrame
        Canonical tables; ``sessions`` in episode and session order (as
        :class:`SessionData` keeps it), so that a session's row is its place in time.
    measure : str, default "pain"
        A canonical measure name (see :func:`tpdn_outcomes.schema.measure_spec`).
    final : {"post", "last"}, default "post"
        The final value: the last ``post`` value, or the last value of any timing.
    data_end : Timestamp, optional
        The end of the data, for the ``open`` flag (default: the last session date).
    open_after_days : int, default 30
        Episodes whose last session is within this many days of ``data_end`` are open.
    skeleton : EpisodeSkeleton, optional
        :func:`episode_skeleton` of the same ``sessions``, ``data_end`` and
        ``open_after_days``, when the caller keeps it (as :class:`SessionData` does), so
        that only the measure's part is computed.
    rows : MeasureRows, optional
        :func:`measure_rows` of the same tables, likewise.

    Returns
    -------
    DataFrame
        The columns of :data:`tpdn_outcomes.schema.EPISODE_COLUMNS`, one row per episode
        (every episode, also those without a change: ``note`` says why).

    Notes
    -----
    Vectorised: sessions are reduced by runs of their episode code, and a measure's values
    by one rule (:func:`_ends_by_keys`): each value's place in time is its session's rank
    x 4 + its timing; the baseline is the earliest ``pre`` of the episode, the final the
    latest ``post`` (or any value) after it. There is no join on text keys and no Python
    loop over episodes; ``tests/test_episodes.py`` holds the plain pandas version of the
    rule as its specification.
    """
    if final not in ("post", "last"):
        raise ValueError(f"final must be 'post' or 'last', not {final!r}")
    spec = schema.measure_spec(measure)
    sk = skeleton or episode_skeleton(sessions, data_end=data_end, open_after_days=open_after_days)
    s = sessions
    n_ep = len(sk.frame)
    ep_of_row = sk.ep_of_row

    # the measure: each value's episode (as a position in `out`) and its place in time
    pos, t_code, value = (rows if rows is not None else measure_rows(s, measures)).of(measure)
    # in episode order a session's row is its place in time: no rank table needed
    rank = pos if sk.starts is not None else sk.rank_of_row[pos]
    baseline, final_value, n_values = _ends_by_keys(
        ep_of_row[pos], rank, t_code, value, n_ep, final
    )

    zeros = np.zeros(n_ep, dtype=np.int8)
    change = final_value - baseline
    pct = change * 100.0  # then divided in place: 100 x change / baseline, NaN where 0
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(pct, baseline, out=pct)
    pct[baseline == 0] = np.nan
    no_final_text = (
        "no final value: no post value after the baseline"
        if final == "post"
        else "no final value: no value after the baseline"
    )
    # four possible texts, taken by code: no per-row string building
    reasons = ["", no_final_text, "no baseline: no pre value", "no values of this measure"]
    code = np.zeros(n_ep, dtype=np.int8)
    code[np.isnan(final_value)] = 1
    code[np.isnan(baseline)] = 2
    code[n_values == 0] = 3
    columns: dict[str, Any] = {name: sk.frame[name] for name in sk.frame.columns}
    columns.update(
        measure=_texts([measure], zeros),
        unit=_texts([spec.unit], zeros),
        n_values=n_values,
        baseline=baseline,
        final=final_value,
        change=change,
        pct_change=pct,
        improvement=change if spec.higher_is_better else 0.0 - change,
        note=_texts(reasons, code),
    )
    # one frame from the finished columns, without copying them (no column-by-column
    # insertion, which copies each array into the frame)
    return pd.DataFrame({name: columns[name] for name in schema.EPISODE_COLUMNS}, copy=False)


def session_change_table(
    sessions: pd.DataFrame, measures: pd.DataFrame, *, measure: str = "pain"
) -> pd.DataFrame:
    """Within-session change (post - pre) of one measure, one row per session.

    Returns
    -------
    DataFrame
        The columns of :data:`tpdn_outcomes.schema.SESSION_CHANGE_COLUMNS`: every session,
        with ``pre``, ``post``, ``change`` = post - pre, ``improvement`` (direction-aware)
        and ``note`` saying why a change is missing.
    """
    spec = schema.measure_spec(measure)
    pos, t_code, value = measure_rows(sessions, measures).of(measure)
    n = len(sessions)
    pre = np.full(n, np.nan)
    post = np.full(n, np.nan)
    is_pre = t_code == schema.TIMINGS.index("pre")
    is_post = t_code == schema.TIMINGS.index("post")
    pre[pos[is_pre]] = value[is_pre]
    post[pos[is_post]] = value[is_post]
    cols = [
        "session_id",
        "episode_id",
        "patient_id",
        "condition",
        "clinic_id",
        "session_date",
        "session_number",
    ]
    out = sessions[cols].reset_index(drop=True)
    out["measure"] = measure
    out["unit"] = spec.unit
    out["pre"] = pre
    out["post"] = post
    out["change"] = post - pre
    out["improvement"] = out["change"] if spec.higher_is_better else 0.0 - out["change"]
    note = np.full(n, "", dtype=object)
    note[np.isnan(post)] = "no post value"
    note[np.isnan(pre)] = "no pre value"
    note[np.isnan(pre) & np.isnan(post)] = "no values of this measure"
    out["note"] = note
    return out[list(schema.SESSION_CHANGE_COLUMNS)]
