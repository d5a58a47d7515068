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

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix

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
        self._codes: dict[str, dict[Any, int]] = {}

    def _encode(self, unit: str, ids: Iterable[Any]) -> np.ndarray:
        codes = self._codes.setdefault(unit, {})
        values = pd.unique(pd.Series(list(ids), dtype=object).dropna())
        out = np.empty(len(values), dtype=np.int64)
        for i, key in enumerate(values):
            code = codes.get(key)
            if code is None:
                code = codes[key] = len(codes)
            out[i] = code
        return np.sort(out)

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
            len(self.cells), unit, table, row, column, len(members), published, members, parent
        )
        self.cells.append(cell)
        return cell.id

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
    matrix: csr_matrix
    values: np.ndarray


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
        matrix = (incidence @ to_atom).tocsr()
        matrix.data[:] = 1.0  # a cell holds an atom whole or not at all
        out.append(
            _Block(
                np.array([c.id for c in cells]), matrix, np.array([c.value for c in cells], float)
            )
        )
    return out


class _Attack:
    """The intruder's LPs of one block under one suppression pattern, solved with HiGHS.

    One model per block: a row per cell (published: equal to its value; hidden: free),
    the atom sizes (at least 0) as columns. Attacking a cell frees its own row and minimises, then maximises, it; HiGHS
    starts each solve from the last basis, so a block's cells cost little more than one.
    """

    def __init__(self, block: _Block, status: Sequence[str], min_cell: int) -> None:
        import highspy

        self._hs = highspy
        self.block = block
        a = block.matrix.tocsr()
        st = [status[c] for c in block.cells]
        inf = highspy.kHighsInf
        published = np.array([s == "published" for s in st])
        self.row_lower = np.where(published, block.values, -inf)
        self.row_upper = np.where(published, block.values, inf)
        lp = highspy.HighsLp()
        lp.num_col_ = a.shape[1]
        lp.num_row_ = a.shape[0]
        lp.col_cost_ = np.zeros(a.shape[1])
        lp.col_lower_ = np.zeros(a.shape[1])
        lp.col_upper_ = np.full(a.shape[1], inf)
        lp.row_lower_ = self.row_lower
        lp.row_upper_ = self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        self.h = highspy.Highs()
        self.h.silent()
        self.h.passModel(lp)
        self.a = a

    def _solve(self, sense: Any) -> float:
        hs = self._hs
        self.h.changeObjectiveSense(sense)
        self.h.run()
        status = self.h.getModelStatus()
        if status == hs.HighsModelStatus.kOptimal:
            return float(self.h.getInfo().objective_function_value)
        if status == hs.HighsModelStatus.kUnbounded:
            return np.inf if sense == hs.ObjSense.kMaximize else -np.inf
        raise RuntimeError(f"disclosure audit: the intruder's LP failed ({status})")

    def interval(self, row: int) -> tuple[float, float]:
        """The smallest and largest value of cell ``row`` given everything else."""
        hs = self._hs
        n = self.a.shape[1]
        cost = np.zeros(n)
        cost[self.a[row].indices] = 1.0
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self.h.changeRowBounds(row, -hs.kHighsInf, hs.kHighsInf)
        try:
            lo = self._solve(hs.ObjSense.kMinimize)
            hi = self._solve(hs.ObjSense.kMaximize)
        finally:
            self.h.changeRowBounds(row, self.row_lower[row], self.row_upper[row])
        return lo, hi


def _interval(
    block: _Block, target: int, status: Sequence[str], min_cell: int
) -> tuple[float, float]:
    """The intruder's LP bounds of cell ``target`` (a row of ``block``) under ``status``."""
    return _Attack(block, status, min_cell).interval(target)


def _passes(value: int, lo: float, hi: float, min_cell: int) -> bool:
    """A small count's interval (whole numbers) is at least ``min_cell - 1`` wide.

    A secondary cell (a count of ``min_cell`` or more) is not itself sensitive: its
    interval is reported but not required to be wide (it cannot be wider than its
    partner's label when it protects a single primary cell).
    """
    if not 0 < value < min_cell:
        return True
    lo_i, hi_i = np.ceil(lo - 1e-7), np.floor(hi + 1e-7)
    return bool(hi_i - lo_i >= min_cell - 1)


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
        One row per hidden or sensitive cell: where it is, its unit, status, the
        intruder's interval (``lower``, ``upper``), its ``width`` and whether it ``passes``.
    """

    status: list[str]
    audit: pd.DataFrame


def _sensitive(cell: Cell, min_cell: int) -> bool:
    return 0 < cell.value < min_cell


def audit(ledger: Ledger, status: Sequence[str]) -> pd.DataFrame:
    """Solve the intruder's LPs for every hidden or small unpublished count.

    Returns
    -------
    DataFrame
        Columns ``cell``, ``unit``, ``table``, ``row``, ``column``, ``status``,
        ``lower``, ``upper``, ``width``, ``passes``; true values are not included (the
        audit may be shown).
    """
    m = ledger.min_cell
    rows = []
    for block in _blocks(ledger):
        attack: _Attack | None = None
        for i, cid in enumerate(block.cells):
            cell = ledger.cells[cid]
            st = status[cid]
            if st == "published" or (
                st in ("unpublished", "withheld") and not _sensitive(cell, m)
            ):
                continue
            attack = attack or _Attack(block, status, m)
            lo, hi = attack.interval(i)
            rows.append(
                {"cell": cid, "unit": cell.unit, "table": cell.table, "row": cell.row,
                 "column": cell.column, "status": st, "lower": np.ceil(lo - 1e-7),
                 "upper": np.floor(hi + 1e-7), "passes": _passes(cell.value, lo, hi, m)}
            )  # fmt: skip
    out = pd.DataFrame(
        rows,
        columns=["cell", "unit", "table", "row", "column", "status", "lower", "upper", "passes"],
    )
    out.insert(8, "width", out["upper"] - out["lower"])
    return out


def _neighbours(block: _Block, target: int) -> np.ndarray:
    """Cells that share a published total with ``target`` (or contain it), as rows."""
    a = block.matrix
    touching = np.flatnonzero((a @ a[target].T).toarray().ravel() > 0)
    atoms = np.asarray(a[touching].sum(axis=0)).ravel() > 0
    return np.flatnonzero(np.asarray(a[:, atoms].sum(axis=1)).ravel() > 0)


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


def protect(ledger: Ledger, *, max_rounds: int | None = None, prune: bool = True) -> Protection:
    """Choose primary and secondary suppressions so that every hidden count passes the audit.

    Parameters
    ----------
    ledger : Ledger
        Every count of the release.
    max_rounds : int, optional
        Bound on the rounds of audit and secondary suppression (default 100).
    prune : bool, default True
        Afterwards, publish again each secondary cell whose hiding the audit does not need
        (one audit per secondary cell: switch off for very large releases).

    Returns
    -------
    Protection

    Raises
    ------
    RuntimeError
        When no pattern passes (then nothing may be published; this does not happen while
        a table's grand total can itself be hidden).
    """
    m = ledger.min_cell
    base: list[str] = []
    for c in ledger.cells:
        if not c.published:
            base.append("unpublished")
        elif _sensitive(c, m):
            base.append("primary")
        else:
            base.append("published")
    status = list(base)
    _withhold(ledger, status, base)
    blocks = {cid: (b, i) for b in _blocks(ledger) for i, cid in enumerate(b.cells)}
    rounds = max_rounds if max_rounds is not None else 100
    added: list[int] = []
    for _ in range(rounds):
        result = audit(ledger, status)
        failing = result[~result["passes"]].sort_values(["width", "cell"])
        if failing.empty:
            break
        chosen: set[int] = set()
        for cid in failing["cell"].astype(int):
            block, row = blocks[cid]
            own = block.matrix[row]
            near_cells = set(block.cells[_neighbours(block, row)].tolist())
            if near_cells & chosen:
                continue  # this round already hides a neighbour: audit again first
            options = []
            for near in (_neighbours(block, row), np.arange(len(block.cells))):
                for j in near:
                    other = int(block.cells[j])
                    if status[other] != "published" or 0 < ledger.cells[other].value < m:
                        continue
                    overlaps = own.multiply(block.matrix[j]).nnz > 0
                    options.append((overlaps, ledger.cells[other].value, other))
                if options:
                    break
            if not options:
                raise RuntimeError(
                    f"disclosure control: no published count can protect "
                    f"{ledger.cells[cid].table} / {ledger.cells[cid].row} / "
                    f"{ledger.cells[cid].column}"
                )
            pick = min(options)[2]  # a sibling before a total, the smallest first
            status[pick] = "secondary"
            chosen.add(pick)
            added.append(pick)
        _withhold(ledger, status, base)
    else:
        raise RuntimeError("disclosure control: no suppression pattern passed the audit")
    if prune:
        # publish again every secondary cell that is not needed, largest first
        for cid in sorted(added, key=lambda c: -ledger.cells[c].value):
            status[cid] = "published"
            _withhold(ledger, status, base)
            if not bool(audit(ledger, status)["passes"].all()):
                status[cid] = "secondary"
                _withhold(ledger, status, base)
    final = audit(ledger, status)
    if not bool(final["passes"].all()):  # pragma: no cover - guarded by the loop above
        raise RuntimeError("disclosure control: the audit failed")
    return Protection(status, final)


__all__ = ["UNITS", "Cell", "Ledger", "Protection", "audit", "protect"]
