"""Disclosure control of a whole release: a ledger of published counts, suppression, audit.

Every count that a run publishes (in every table of the all-clinics report and of each
clinic's report, for every quarter shown) is registered in a :class:`Ledger` together with
the *population* it counts: the exact set of episodes, sessions, patients or file records.
The linear relations among the counts (totals, complements, category sums, clinic sums,
"ending = open + completed") are then not written by hand from the layout: they follow
from the populations. Each unit (say, an episode) belongs to some of the registered
populations; units that belong to exactly the same populations form an *atom*, and every
count is the sum of the sizes of its atoms.

An intruder holding the whole release knows every published count and every relation
among them, and that atom sizes are whole numbers of at least zero. For a
hidden count ``h`` the intruder's best bounds are the two linear programmes

    min / max  sum of the atoms of h
    subject to sum of the atoms of c = value of c     for every published count c
               atom sizes >= 0

(``m`` is the minimum cell), solved with HiGHS (``highspy``). This
is the audit of tau-ARGUS and of R's sdcTable (``attack()``), applied to populations
rather than to one table. A small hidden count (1 to ``m - 1``) passes when its feasible
interval is at least ``m - 1`` wide (the width of the label "<m" itself), the criterion of
the CMS cell-size policy's "no back-calculation". Secondary cells are audited and reported
too, but they are not sensitive themselves.

What the audit does not model: the markers' own meaning. "<11" says 1 to 10 and "‡" says
0 or at least 11; an intruder who adds these bounds to the programmes can narrow a
count further where many small counts sit under one small hidden total. The release
states the markers' meaning all the same, as the usual policies do. The LP relaxation gives
bounds at least as wide as the integer problem; the check rounds them inwards (``ceil``
of the lower bound, ``floor`` of the upper), which is what an intruder reasoning in whole
numbers gets from them.

Which further counts to hide (*secondary* or complementary suppression) is chosen by
:func:`protect`: while some hidden count fails its audit, it hides the smallest published
count near it (sharing a total with it) whose hiding widens the failing interval, preferring
few and small cells (least information lost); then it tries to publish each secondary cell
again, largest first, and keeps it published whenever the audit still passes, so the
pattern left has no redundant cell. This greedy search is not guaranteed to find the
pattern with the fewest cells (that is an integer programme, as in sdcTable's ``OPT``), but
every pattern it returns has passed the audit: a release whose audit fails is never
written.

Counts that a reader can *derive* but that are not printed (the non-responders of a rate
whose numerator and denominator are shown) are registered as unpublished cells; when they
are small they must pass the same audit.

Examples
--------
Two clinics' episodes of one condition, and their total, in one release:

>>> import numpy as np
>>> led = Ledger(min_cell=11)
>>> a = led.add("episode", [f"e{i}" for i in range(7)], table="t", row="CLN-1", column="n")
>>> b = led.add("episode", [f"e{i}" for i in range(7, 47)], table="t", row="CLN-2", column="n")
>>> t = led.add("episode", [f"e{i}" for i in range(47)], table="t", row="all", column="n")
>>> result = protect(led)
>>> [result.status[c] for c in (a, b, t)]
['primary', 'secondary', 'published']
>>> bool(result.audit["passes"].all())
True
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix, vstack

Status = Literal["published", "primary", "secondary", "withheld", "unpublished"]

#: What a unit of a population is: its key names the universe it is drawn from.
UNITS = ("episode", "session", "patient", "record")


@dataclass
class Cell:
    """One registered count: where it is shown and which units it counts."""

    id: int
    unit: str
    table: str
    row: Hashable
    column: str
    value: int
    published: bool
    members: np.ndarray = field(repr=False)
    parent: int | None = None
    keep: bool = False


@dataclass
class Bound:
    """A published linear bound on registered counts: ``lower <= sum(coef * count) <= upper``.

    What a bounded display (``"≥ 70 %"``) tells a reader about the counts behind it; the
    intruder's programmes hold it as an inequality (see :meth:`Ledger.bound`).
    """

    cells: tuple[int, ...]
    coefs: tuple[float, ...]
    lower: float
    upper: float
    table: str
    row: Hashable
    column: str


class Ledger:
    """Every count of one release with the population it counts.

    Parameters
    ----------
    min_cell : int
        The smallest count that may be shown.

    Examples
    --------
    >>> led = Ledger(min_cell=11)
    >>> led.add("patient", ["p1", "p2", "p1"], table="key", row="patients", column="2026Q2")
    0
    >>> led.cells[0].value
    2
    """

    def __init__(self, min_cell: int) -> None:
        if int(min_cell) < 1:
            raise ValueError(f"min_cell must be at least 1, not {min_cell!r}")
        self.min_cell = int(min_cell)
        self.cells: list[Cell] = []
        self.bounds: list[Bound] = []
        self._codes: dict[str, pd.Index] = {}
        self._same: dict[tuple[str, bytes], list[int]] = {}
        self._blocks: tuple[tuple[int, int], list[_Block]] | None = None

    def _encode(self, unit: str, ids: Iterable[Any]) -> np.ndarray:
        """Whole-number codes of the distinct ``ids`` within the unit's universe."""
        arr = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids), dtype=object)
        values = pd.unique(pd.Series(arr.astype(object, copy=False)).dropna().to_numpy())
        known = self._codes.get(unit, pd.Index([], dtype=object))
        codes = known.get_indexer(pd.Index(values, dtype=object))
        new = codes < 0
        if new.any():
            codes[new] = np.arange(len(known), len(known) + int(new.sum()))
            self._codes[unit] = known.append(pd.Index(values[new], dtype=object))
        return np.sort(codes.astype(np.int64))

    def add(
        self,
        unit: str,
        ids: Iterable[Any],
        *,
        table: str,
        row: Hashable,
        column: str,
        value: int | None = None,
        published: bool = True,
        parent: int | None = None,
        keep: bool = False,
    ) -> int:
        """Register a count of the distinct ``ids`` (of one ``unit``); return its cell id.

        Parameters
        ----------
        unit : {"episode", "session", "patient", "record"}
            What is counted; counts of different units are unrelated.
        ids : iterable
            The identifiers of the units counted (duplicates and missing values ignored).
        table, row, column : str
            Where the count is shown (for the audit and for applying the markers).
        value : int, optional
            The number shown; when given it must equal the number of distinct ``ids`` (a
            check that the registered population is the one the table counts).
        published : bool, default True
            False for a count a reader can derive but that is not printed.
        parent : int, optional
            The cell this count is a part of (responders of a group's ``n``): when the
            parent is hidden, this count is withheld with it (shown as ``"—"``).
        keep : bool, default False
            Hide this count to protect another only when no other count can (an
            all-conditions row, a key figure).
        """
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
        members = self._encode(unit, ids)
        if value is not None and int(value) != len(members):
            raise AssertionError(
                f"{table} / {row} / {column}: the table shows {value} but the registered "
                f"population has {len(members)} {unit}s"
            )
        cell = Cell(
            len(self.cells), unit, table, row, column, len(members), published, members, parent,
            keep,
        )  # fmt: skip
        self.cells.append(cell)
        if published:
            self._same.setdefault((unit, members.tobytes()), []).append(cell.id)
        return cell.id

    def blocks(self) -> list[_Block]:
        """The cells of each unit as sums of atoms (computed once per set of cells)."""
        cached = getattr(self, "_blocks", None)  # absent on ledgers pickled before it
        size = (len(self.cells), len(self.bounds))
        if cached is None or cached[0] != size:
            cached = self._blocks = (size, _blocks(self))
        return cached[1]

    def bound(
        self,
        cells: Sequence[int],
        coefs: Sequence[float],
        *,
        lower: float = -np.inf,
        upper: float = np.inf,
        table: str,
        row: Hashable,
        column: str,
    ) -> int:
        """Register a published bound ``lower <= sum(coefs * counts of cells) <= upper``.

        For a display that says less than a count (``"≥ 70 %"``: responders at least 70 %
        of the episodes): the audit's intruder holds the bound as an inequality, besides
        every published count. The cells (of one unit; usually registered with
        ``published=False``) must satisfy it: the check that the display tells the truth.

        Examples
        --------
        >>> led = Ledger(min_cell=11)
        >>> hit = led.add("episode", range(25), table="t", row=0, column="r", published=False)
        >>> miss = led.add("episode", range(25, 34), table="t", row=0, column="r",
        ...                published=False)
        >>> led.bound([hit, miss], [0.3, -0.7], lower=0.0, table="t", row=0, column="r")
        0
        """
        units = {self.cells[c].unit for c in cells}
        if len(units) != 1 or len(cells) != len(coefs):
            raise ValueError("a bound holds counts of one unit, one coefficient each")
        total = sum(k * self.cells[c].value for c, k in zip(cells, coefs, strict=True))
        if not lower - 1e-9 <= total <= upper + 1e-9:
            raise AssertionError(f"{table} / {row} / {column}: the bound shown is not true")
        self.bounds.append(
            Bound(tuple(int(c) for c in cells), tuple(float(k) for k in coefs), float(lower),
                  float(upper), table, row, column)
        )  # fmt: skip
        return len(self.bounds) - 1

    def twins(self, cell: int) -> list[int]:
        """The published cells that count exactly the same population as ``cell``."""
        c = self.cells[cell]
        return self._same.get((c.unit, c.members.tobytes()), [cell])

    def frame(self) -> pd.DataFrame:
        """The registered cells as a table (no members)."""
        return pd.DataFrame(
            [
                {"cell": c.id, "unit": c.unit, "table": c.table, "row": c.row,
                 "column": c.column, "value": c.value, "published": c.published}
                for c in self.cells
            ],
            columns=["cell", "unit", "table", "row", "column", "value", "published"],
        )  # fmt: skip


@dataclass
class _Block:
    """The cells of one unit as sums of atoms: ``matrix`` is cells x atoms (0/1)."""

    cells: np.ndarray  # ledger ids
    matrix: np.ndarray  # bool, cells x atoms
    values: np.ndarray
    sizes: np.ndarray  # units per atom (the truth; used only to fix atoms in the fast check)
    keep: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # hide last
    #: the published bounds (rows over atoms) and their limits: see :meth:`Ledger.bound`
    ineq: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    ineq_lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ineq_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @functools.cached_property
    def sparse(self) -> csr_matrix:
        """``matrix`` as a sparse 0/1 matrix of floats (for products with solutions)."""
        return csr_matrix(self.matrix, dtype=float)


def _blocks(ledger: Ledger) -> list[_Block]:
    """Atoms of each unit: units grouped by the set of cells that contain them."""
    rng = np.random.default_rng(20260704)
    out = []
    for unit in sorted({c.unit for c in ledger.cells}):
        cells = [c for c in ledger.cells if c.unit == unit]
        n_units = len(ledger._codes.get(unit, {}))
        rows = np.concatenate([np.full(len(c.members), i) for i, c in enumerate(cells)])
        cols = np.concatenate([c.members for c in cells])
        incidence = csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(cells), max(n_units, 1))
        )
        # two random 53-bit weights per cell: units with the same cells get the same keys
        weights = rng.integers(1, 2**53, size=(2, len(cells))).astype(np.float64)
        keys = np.vstack([incidence.T @ w for w in weights]).T
        covered = np.asarray(incidence.sum(axis=0)).ravel() > 0
        _, atom_of = np.unique(keys[covered], axis=0, return_inverse=True)
        atom_of = np.asarray(atom_of).ravel()
        n_atoms = int(atom_of.max()) + 1 if len(atom_of) else 0
        to_atom = coo_matrix(
            (np.ones(len(atom_of)), (np.flatnonzero(covered), atom_of)),
            shape=(incidence.shape[1], n_atoms),
        )
        matrix = (incidence @ to_atom).toarray() > 0  # a cell holds an atom whole or not at all
        out.append(
            _Block(
                np.array([c.id for c in cells]),
                matrix,
                np.array([c.value for c in cells], float),
                np.bincount(atom_of, minlength=n_atoms).astype(float),
                np.array([getattr(c, "keep", False) for c in cells], bool),
                *_bound_rows(ledger, [c.id for c in cells], matrix),
            )
        )
    return out


def _bound_rows(
    ledger: Ledger, ids: list[int], matrix: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ledger's bounds on the cells ``ids`` (a block) as rows over its atoms."""
    where = {cid: i for i, cid in enumerate(ids)}
    mine = [b for b in ledger.bounds if b.cells[0] in where]
    rows = np.zeros((len(mine), matrix.shape[1]))
    for r, b in enumerate(mine):
        for cid, k in zip(b.cells, b.coefs, strict=True):
            rows[r] += k * matrix[where[cid]]
    return rows, np.array([b.lower for b in mine]), np.array([b.upper for b in mine])


def _distinct_rows(matrix: np.ndarray) -> np.ndarray:
    """Positions of the first of each distinct row of a boolean matrix, in order."""
    packed = np.packbits(matrix, axis=1)
    seen: dict[bytes, int] = {}
    for i, row in enumerate(packed):
        seen.setdefault(row.tobytes(), i)
    return np.fromiter(seen.values(), dtype=np.int64, count=len(seen))


@functools.lru_cache(maxsize=2)
def _solver(role: str) -> Any:
    """One HiGHS instance per role and process, made without its start-up banner on stdout."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    solver.silent()
    # each attack changes only the objective: the last basis stays primal feasible, and
    # primal simplex from it is about 3x faster than HiGHS' default dual simplex here
    solver.setOptionValue("simplex_strategy", 4)
    # the model is built once per pattern and attacked many times: presolving every
    # attack again costs more than the attack (2-3x here)
    solver.setOptionValue("presolve", "off")
    return solver


def _inequalities(
    block: _Block, fixed: np.ndarray, free: np.ndarray | None
) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
    """The block's published bounds as LP rows over the attack's columns (the fixed atoms'
    part moved into the limits; rows left without a free atom are dropped: constants the
    truth satisfies)."""
    rows, lower, upper = block.ineq, block.ineq_lower, block.ineq_upper
    if not len(rows):
        width = block.matrix.shape[1] if free is None else int(free.sum())
        return csr_matrix((0, width)), np.zeros(0), np.zeros(0)
    shift = rows @ fixed
    if free is not None:
        rows = rows[:, free]
    used = np.abs(rows).sum(axis=1) > 0
    return csr_matrix(rows[used]), (lower - shift)[used], (upper - shift)[used]


class _Attack:
    """The intruder's LPs of one block under one suppression pattern, solved with HiGHS.

    One model per block: a row per distinct published population (equal to its count),
    the atom sizes (at least 0) as columns; hidden counts add nothing. Attacking a cell
    sets the objective to its atoms and minimises, then maximises; HiGHS starts each
    solve from the last basis, so a block's cells cost little more than one.
    """

    def __init__(
        self, block: _Block, status: Sequence[str], free: np.ndarray | None = None
    ) -> None:
        import highspy

        self._hs = highspy
        published = np.flatnonzero([status[c] == "published" for c in block.cells])
        # one row per distinct population (the same count is often shown twice)
        published = published[_distinct_rows(block.matrix[published])]
        values = block.values[published]
        self.free = free
        self.fixed = np.zeros(block.matrix.shape[1])
        if free is None:
            self.a = block.matrix
            self.offset = np.zeros(len(block.cells))
            rows = block.sparse[published]
        else:
            # the other atoms are fixed at their true sizes: a subset of the intruder's
            # solutions, so the interval found is inside the intruder's (a safe pass test)
            self.fixed = block.sizes * ~free
            self.offset = block.sparse @ self.fixed
            self.a = block.matrix[:, free]
            rows = block.sparse[published][:, np.flatnonzero(free)]
            values = values - self.offset[published]
            keep = np.diff(rows.indptr) > 0
            rows, values = rows[keep], values[keep]
        bounds, lower, upper = _inequalities(block, self.fixed, free)
        rows = csr_matrix(vstack([csr_matrix(rows), bounds], format="csr"))
        rows.sort_indices()
        n = self.a.shape[1]
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = rows.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, highspy.kHighsInf)
        inf = highspy.kHighsInf
        lp.row_lower_ = np.clip(np.concatenate([values, lower]), -inf, inf).astype(float)
        lp.row_upper_ = np.clip(np.concatenate([values, upper]), -inf, inf).astype(float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = rows.indptr.astype(np.int32)
        lp.a_matrix_.index_ = rows.indices.astype(np.int32)
        lp.a_matrix_.value_ = rows.data.astype(float)
        self.h = _solver("full" if free is None else "restricted")
        self.h.passModel(lp)

    def _solve(self, sense: Any) -> float:
        hs = self._hs
        self.h.changeObjectiveSense(sense)
        self.h.run()
        status = self.h.getModelStatus()
        self.solution: np.ndarray | None = None
        if status == hs.HighsModelStatus.kOptimal:
            x = np.asarray(self.h.getSolution().col_value, dtype=float)
            if self.free is None:
                self.solution = x
            else:
                self.solution = self.fixed.copy()
                self.solution[self.free] = x
            return float(self.h.getInfo().objective_function_value)
        if status == hs.HighsModelStatus.kUnbounded:
            return np.inf if sense == hs.ObjSense.kMaximize else -np.inf
        raise RuntimeError(f"disclosure audit: the intruder's LP failed ({status})")

    def _extreme(self, row: int, sense: Any) -> tuple[float, np.ndarray | None]:
        """The extreme value of cell ``row`` and a solution that reaches it (if finite)."""
        n, k = self.a.shape[1], self.offset[row]
        if not self.a[row].any():
            return k, None  # no free member: pinned (see the module's notes)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), self.a[row].astype(float))
        value = k + self._solve(sense)
        return value, self.solution

    def interval(self, row: int) -> tuple[float, float]:
        """The smallest and largest value of cell ``row`` given what is published."""
        hs = self._hs
        return (
            self._extreme(row, hs.ObjSense.kMinimize)[0],
            self._extreme(row, hs.ObjSense.kMaximize)[0],
        )

    def upper(self, row: int) -> float:
        """The largest value of cell ``row`` alone."""
        return self._extreme(row, self._hs.ObjSense.kMaximize)[0]


def _passes(value: int, lo: float, hi: float, min_cell: int) -> bool:
    """A small count's interval (whole numbers) is at least ``min_cell - 1`` wide."""
    if not 0 < value < min_cell:
        return True
    return bool(np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) >= min_cell - 1)


@dataclass
class Protection:
    """The outcome of :func:`protect`: each cell's status and the audit that passed.

    Attributes
    ----------
    status : list of str
        Per ledger cell: ``published``, ``primary`` (a count of 1 to ``min_cell - 1``,
        shown as ``"<11"``), ``secondary`` (hidden to protect another, ``"‡"``),
        ``withheld`` (a part of a hidden count, ``"—"``) or ``unpublished``.
    audit : DataFrame
        One row per hidden or derivable small cell (see :func:`audit`).
    """

    status: list[str]
    audit: pd.DataFrame


def _sensitive(cell: Cell, min_cell: int) -> bool:
    return 0 < cell.value < min_cell


_AUDIT_COLUMNS = ["cell", "unit", "table", "row", "column", "status", "lower", "upper",
                  "width", "passes"]  # fmt: skip


def audit(
    ledger: Ledger, status: Sequence[str], *, cells: Iterable[int] | None = None
) -> pd.DataFrame:
    """Solve the intruder's LPs for every hidden count and every small derivable one.

    Parameters
    ----------
    ledger : Ledger
    status : sequence of str
        Per cell, as :attr:`Protection.status`.
    cells : iterable of int, optional
        Audit only these cells (default: every hidden count and every small count that is
        not printed).

    Returns
    -------
    DataFrame
        Columns ``cell``, ``unit``, ``table``, ``row``, ``column``, ``status``, ``lower``
        and ``upper`` (the intruder's whole-number bounds), ``width`` and ``passes``. True
        values are not included (the audit may be shown).
    """
    m = ledger.min_cell
    wanted = None if cells is None else set(cells)
    rows = []
    for block in ledger.blocks():
        attack: _Attack | None = None
        for i, cid in enumerate(block.cells):
            cell = ledger.cells[cid]
            st = status[cid]
            if wanted is not None and cid not in wanted:
                continue
            if st == "published" or (st in ("unpublished", "withheld") and not _sensitive(cell, m)):
                continue
            attack = attack or _Attack(block, status)
            lo, hi = attack.interval(i)
            lo_i, hi_i = np.ceil(lo - 1e-7) + 0.0, np.floor(hi + 1e-7) + 0.0  # no -0.0
            rows.append(
                {"cell": cid, "unit": cell.unit, "table": cell.table, "row": cell.row,
                 "column": cell.column, "status": st, "lower": lo_i, "upper": hi_i,
                 "width": hi_i - lo_i, "passes": _passes(cell.value, lo, hi, m)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=_AUDIT_COLUMNS)


#: Solutions of the intruder's programme that show a hidden count's interval wide enough,
#: by ledger id: kept while the suppression pattern changes (see :func:`_failing`).
Witnesses = dict[int, list[np.ndarray]]


def _failing(
    ledger: Ledger,
    status: Sequence[str],
    cells: Iterable[int],
    witnesses: Witnesses | None = None,
) -> list[int]:
    """The sensitive ``cells`` whose audit fails, narrowest first.

    Fast, and exact: a count passes without a new LP when the solutions that showed it
    wide enough before (``witnesses``, updated here) still agree with everything now
    published, since they remain solutions of the intruder's programme. Otherwise first a
    small LP in which only the atoms of hidden counts move (the others fixed at their true
    sizes, which can only narrow the interval): a count that passes there passes. Only the
    others are attacked with the whole block. Either way one LP is enough when the maximum
    alone shows the interval wide enough (the minimum is at most the count itself, the
    truth being a solution).
    """
    m = ledger.min_cell
    wanted = set(cells)
    known: Witnesses = {} if witnesses is None else witnesses
    out: list[tuple[float, int]] = []
    for block in ledger.blocks():
        rows = [i for i, cid in enumerate(block.cells) if cid in wanted]
        if not rows:
            continue
        published = np.array([status[c] == "published" for c in block.cells])
        rows = [
            i for i in rows
            if not _still_wide(block, published, i, known.get(int(block.cells[i])), m)
        ]  # fmt: skip
        if not rows:
            continue
        hidden = np.array(
            [status[c] in ("primary", "secondary", "withheld") or c in wanted for c in block.cells]
        )
        restricted = _Attack(block, status, block.matrix[hidden].any(axis=0))
        attack: _Attack | None = None
        for i in rows:
            cid = int(block.cells[i])
            found = _wide(restricted, i, block.values[i], m)
            if found is None:
                attack = attack or _Attack(block, status)
                found = _wide(attack, i, block.values[i], m)
            if found is None:
                lo, hi = attack.interval(i)  # type: ignore[union-attr]
                out.append((hi - lo, cid))
                known.pop(cid, None)
            else:
                known[cid] = found
    return [cid for _, cid in sorted(out)]


def _wide(attack: _Attack, row: int, value: float, min_cell: int) -> list[np.ndarray] | None:
    """Solutions showing cell ``row`` (true count ``value``) wide enough, or None if it is not.

    The list may be empty: the interval is unbounded, or pinned yet passing.
    """
    hs = attack._hs
    hi, top = attack._extreme(row, hs.ObjSense.kMaximize)
    if np.floor(hi + 1e-7) - value >= min_cell - 1:
        return [] if top is None else [top]
    lo, bottom = attack._extreme(row, hs.ObjSense.kMinimize)
    if not _passes(int(value), lo, hi, min_cell):
        return None
    return [w for w in (bottom, top) if w is not None] if np.isfinite(hi) else []


def _still_wide(
    block: _Block, published: np.ndarray, row: int, found: list[np.ndarray] | None, m: int
) -> bool:
    """Whether earlier solutions still show cell ``row`` wide enough under ``published``."""
    if not found:
        return False  # nothing kept (or unbounded before): attack again
    reach = [float(block.values[row])]
    for w in found:
        counts = block.sparse @ w
        if not np.allclose(counts[published], block.values[published], rtol=0, atol=1e-6):
            return False
        bounded = block.ineq @ w if len(block.ineq) else np.zeros(0)
        if (bounded < block.ineq_lower - 1e-6).any() or (bounded > block.ineq_upper + 1e-6).any():
            return False
        reach.append(float(counts[row]))
    return _passes(int(block.values[row]), min(reach), max(reach), m)


def _containers(block: _Block, target: int, status: Sequence[str]) -> list[int]:
    """Published rows whose population holds the target's, smallest first."""
    a = block.matrix
    own = a[target]
    holds = (a[:, own].sum(axis=1) == own.sum()) & (np.arange(len(a)) != target)
    rows = [j for j in np.flatnonzero(holds).tolist() if status[block.cells[j]] == "published"]
    return sorted(rows, key=lambda j: (block.keep[j], block.values[j], j))


def _options(
    ledger: Ledger, block: _Block, target: int, status: Sequence[str]
) -> tuple[int | None, list[int]]:
    """Cells whose hiding can protect ``target``: siblings in its smallest total first."""
    m = ledger.min_cell
    a = block.matrix
    usable = np.array(
        [
            status[c] == "published" and not 0 < v < m
            for c, v in zip(block.cells, block.values, strict=True)
        ]
    )
    usable[target] = False
    own = a[target]
    disjoint = ~(a[:, own].any(axis=1))
    nonempty = a.any(axis=1)
    containers = _containers(block, target, status)
    for box in containers:
        inside = ~(a[:, ~a[box]].any(axis=1))
        siblings = np.flatnonzero(usable & disjoint & inside & nonempty)
        if len(siblings):
            return box, sorted(siblings.tolist(), key=lambda j: (block.keep[j], block.values[j], j))
    if containers:
        return None, containers  # no sibling: hide the smallest total itself
    overlapping = np.flatnonzero(usable & ~disjoint)
    pool = overlapping if len(overlapping) else np.flatnonzero(usable)
    return None, sorted(pool.tolist(), key=lambda j: (block.keep[j], block.values[j], j))


def _withhold(ledger: Ledger, status: list[str], base: list[str]) -> None:
    """Withhold the parts of hidden counts (in ledger order: parents come first)."""
    for c in ledger.cells:
        if c.parent is None:
            continue
        if status[c.parent] in ("primary", "secondary", "withheld"):
            if status[c.id] in ("published", "primary"):
                status[c.id] = "withheld"
        elif status[c.id] == "withheld":
            status[c.id] = base[c.id]


def _base_status(ledger: Ledger) -> list[str]:
    """Each cell's status before any secondary suppression: unpublished, primary or shown."""
    m = ledger.min_cell
    return [
        "unpublished" if not c.published else "primary" if _sensitive(c, m) else "published"
        for c in ledger.cells
    ]


@dataclass(frozen=True)
class BoundedRate:
    """A rate published as a bound (``"≥ 70 %"``) because one of its two counts is small.

    Attributes
    ----------
    sense : {">=", "<="}
        ``">="``: the complement is small (the rate is at least ``percent``); ``"<="``:
        the numerator is small (the rate is at most ``percent``).
    percent : int
        The bound, in whole percent.
    n_low, n_high : float
        The denominators for which the rule gives the same ``percent``: what the bound
        tells of ``n`` (``n_high`` may be infinite).
    """

    sense: Literal[">=", "<="]
    percent: int
    n_low: float
    n_high: float

    @property
    def text(self) -> str:
        """The display: ``"≥ 70 %"`` or ``"≤ 30 %"``."""
        return f"{'≥' if self.sense == '>=' else '≤'} {self.percent} %"

    def rows(self) -> list[tuple[tuple[float, float], float, float]]:
        """The bound as ``((coef of numerator, coef of complement), lower, upper)`` rows:
        the rate's side, and the range of ``n`` the percent gives away."""
        x = self.percent / 100
        side = ((1 - x, -x), 0.0, np.inf) if self.sense == ">=" else ((1 - x, -x), -np.inf, 0.0)
        return [side, ((1.0, 1.0), self.n_low, self.n_high)]


def _bound_percent(sense: str, n: int, min_cell: int) -> int:
    if sense == ">=":  # floor(100 (1 - (m - 1) / n)): the complement may be 0 to m - 1
        return 100 * (n - min_cell + 1) // n
    return -(-100 * (min_cell - 1) // n)  # ceil(100 (m - 1) / n)


def bounded_rate(hit: int, miss: int, min_cell: int) -> BoundedRate | None:
    """The bounded display of a rate ``hit / (hit + miss)`` whose one count is small, or None.

    When the complement ``miss`` is from 1 to ``min_cell - 1`` and ``hit`` is at least
    ``min_cell``, the rate is shown as "≥ X %" with ``X = floor(100 (1 - (m - 1) / n))``:
    then ``n (1 - X / 100) >= m - 1``, so the bound allows any complement from 0 to at least
    ``m - 1`` (``m`` values, as wide as the audit asks of a hidden count), and the true rate
    is at least ``X``. Symmetrically "≤ Y %" with ``Y = ceil(100 (m - 1) / n)`` when
    ``hit`` is the small count. No interval is shown (it would give the rate back). As the
    top- and bottom-coded proportions of statistical agencies (the US Department of
    Education's EDFacts ranges "≥95 %" and "≤5 %"); the bound is audited with everything
    else published (:meth:`Ledger.bound`).

    Examples
    --------
    >>> b = bounded_rate(25, 9, 11); b.text, b.n_low, b.n_high
    ('≥ 70 %', 34.0, 34.0)
    >>> bounded_rate(3, 40, 11).text
    '≤ 24 %'
    >>> bounded_rate(30, 20, 11) is None, bounded_rate(5, 6, 11) is None
    (True, True)
    """
    m = int(min_cell)
    if 0 < miss < m <= hit:
        sense: Literal[">=", "<="] = ">="
    elif 0 < hit < m <= miss:
        sense = "<="
    else:
        return None
    n = hit + miss
    percent = _bound_percent(sense, n, m)
    same = [k for k in range(m, 100 * m + 1) if _bound_percent(sense, k, m) == percent]
    last = _bound_percent(sense, 100 * m, m) == percent  # the same for every larger n
    return BoundedRate(sense, percent, float(min(same)), np.inf if last else float(max(same)))


def protect(
    ledger: Ledger,
    *,
    max_rounds: int = 200,
    max_prune: int = 200,
    progress: Callable[[str, float], None] | None = None,
) -> Protection:
    """Choose primary and secondary suppressions so that every hidden count passes the audit.

    Parameters
    ----------
    ledger : Ledger
        Every count of the release.
    max_rounds : int, default 200
        Bound on the rounds of audit and secondary suppression.
    max_prune : int, default 200
        How many secondary cells, largest first, are tried for publishing again when the
        audit does not need them; 0 keeps every secondary cell. A count, not a time, so
        that the same data give the same pattern on every machine and every run: two
        runs with different patterns could be combined by an intruder.
    progress : callable, optional
        ``progress(stage, fraction)``, told as each round of suppression, each secondary
        cell tried for publishing again and the final audit start (``fraction`` of the
        work, roughly). It may raise (to cancel): nothing is kept.

    Returns
    -------
    Protection

    Raises
    ------
    RuntimeError
        When no pattern passes (nothing may then be published).
    """
    m = ledger.min_cell
    tell = progress if progress is not None else (lambda stage, fraction: None)
    base = _base_status(ledger)
    status = list(base)
    _withhold(ledger, status, base)
    blocks = {cid: (b, i) for b in ledger.blocks() for i, cid in enumerate(b.cells)}
    added: list[int] = []
    witnesses: Witnesses = {}
    # hiding more only widens intervals: each round re-audits the counts that failed
    todo = [c.id for c in ledger.cells if _sensitive(c, m)]
    for round_ in range(max_rounds):
        tell(f"disclosure control: suppression, round {round_ + 1}", 0.02 * min(round_, 10))
        failing = _failing(ledger, status, todo, witnesses)
        if not failing:
            break
        used_boxes: set[tuple[int, int]] = set()
        picked = 0
        for cid in failing:
            block, row = blocks[cid]
            box, options = _options(ledger, block, row, status)
            if not options:
                continue  # this round's picks may have protected it: audit again
            if box is not None:
                if (id(block), box) in used_boxes:
                    continue  # one pick per total and round; audit again first
                used_boxes.add((id(block), box))
            pick = int(block.cells[options[0]])
            for twin in ledger.twins(pick):  # the same count shown elsewhere goes too
                status[twin] = "secondary"
            added.append(pick)
            picked += 1
        if not picked:
            c = ledger.cells[failing[0]]
            raise RuntimeError(
                f"disclosure control: nothing left to hide to protect {c.table} / {c.row} / "
                f"{c.column}"
            )
        _withhold(ledger, status, base)
        todo = failing
    else:
        raise RuntimeError("disclosure control: no suppression pattern passed the audit")
    sensitive = [
        c.id for c in ledger.cells if _sensitive(c, m) and status[c.id] != "published"
    ]  # fmt: skip
    # the cells to keep first, then the largest
    by_size = sorted(added, key=lambda c: (not ledger.cells[c].keep, -ledger.cells[c].value, c))[
        :max_prune
    ]
    for i, cid in enumerate(by_size):
        tell(
            f"disclosure control: hidden cell {i + 1} of {len(by_size)}",
            0.2 + 0.75 * i / len(by_size),
        )
        for twin in ledger.twins(cid):
            status[twin] = "published"
        _withhold(ledger, status, base)
        block, _ = blocks[cid]
        members = set(block.cells.tolist())
        if _failing(ledger, status, [c for c in sensitive if c in members], witnesses):
            for twin in ledger.twins(cid):
                status[twin] = "secondary"
            _withhold(ledger, status, base)
    tell("disclosure control: audit", 0.95)
    final = audit(ledger, status)
    if not bool(final["passes"].all()):  # pragma: no cover - guarded by the loop above
        raise RuntimeError("disclosure control: the audit failed")
    return Protection(status, final)


__all__ = [
    "UNITS",
    "Bound",
    "BoundedRate",
    "Cell",
    "Ledger",
    "Protection",
    "audit",
    "bounded_rate",
    "protect",
]
