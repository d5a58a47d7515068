"""What a report section works from, and what it hands back.

A section is a function ``section(ctx) -> Section``: it computes its tables from
``ctx`` (the data in scope, the quarter, the completed episodes), registers every count
it shows with :meth:`Context.count` (the population it counts goes to the release's
disclosure ledger), and asks for its figures with :meth:`Context.figure`; figures are
drawn only after the release's suppression is known, so that they draw only what the
tables publish.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData, quarter_bounds
from tpdn_outcomes.report.disclosure import Ledger

#: The default smallest count shown in a report.
MIN_CELL = schema.MIN_CELL

#: A statistic hidden with its count.
HIDDEN = "—"
#: A count hidden so that a smaller count cannot be worked out from the others.
SECONDARY = "‡"


#: The marker of an internal report's count (or statistic) from fewer than ``min_cell``.
SMALL_N = "small n"
#: The columns whose small count the plain marker names (others are listed after it).
SMALL_N_COLUMNS = frozenset({"n", "count"})


def suppressed_label(min_cell: int) -> str:
    """How a count of 1 to ``min_cell - 1`` is shown (``"<11"`` for ``min_cell=11``).

    Examples
    --------
    >>> suppressed_label(11), suppressed_label(5)
    ('<11', '<5')
    """
    return f"<{min_cell}"


@dataclass
class Section:
    """One section of the report: a title, a few sentences, tables, figures and notes."""

    key: str
    title: str
    intro: str = ""
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Scope:
    """The sessions of a quarter and the pain episodes that end in it."""

    quarter: str
    start: pd.Timestamp
    end: pd.Timestamp
    sessions_in_quarter: pd.DataFrame
    ending: pd.DataFrame  # pain episodes whose last session is in the quarter
    completed: SessionData | None


def _subset(data: SessionData, episode_ids: pd.Index) -> SessionData:
    keep = data.sessions["episode_id"].isin(episode_ids).to_numpy(dtype=bool)
    sessions = data.sessions.loc[keep].reset_index(drop=True)
    measures = data.measures[data.measures["session_id"].isin(sessions["session_id"])]
    return SessionData(
        sessions,
        measures.reset_index(drop=True),
        metadata=dict(data.metadata),
        report=data.report,
        exclusions=data.exclusions,
        check=False,
    )


def scope(data: SessionData, quarter: str, quarters: int = 1) -> Scope:
    """The sessions, the episodes ending and the completed ones of ``quarters`` quarters.

    The period is the ``quarters`` quarters ending with ``quarter`` (1: the quarter alone).
    """
    start = quarter_bounds(previous_quarter(quarter, quarters - 1))[0]
    end = quarter_bounds(quarter)[1]
    s = data.sessions
    in_q = s[(s["session_date"] >= start) & (s["session_date"] <= end)]
    ep = data.episodes("pain")
    ending = ep[(ep["last_date"] >= start) & (ep["last_date"] <= end)]
    done = ending[~ending["open"].fillna(False).to_numpy(dtype=bool)]
    completed = _subset(data, pd.Index(done["episode_id"].astype(str))) if len(done) else None
    return Scope(quarter, start, end, in_q, ending, completed)


def previous_quarter(quarter: str, back: int) -> str:
    """The quarter ``back`` quarters before ``quarter``.

    Examples
    --------
    >>> previous_quarter("2026Q1", 1), previous_quarter("2026Q2", 4)
    ('2025Q4', '2025Q2')
    """
    start, _ = quarter_bounds(quarter)
    period = pd.Period(start, freq="Q") - back
    return f"{period.year}Q{period.quarter}"


def window_label(quarter: str, window: int) -> str:
    """How a period of ``window`` quarters ending with ``quarter`` is named in captions.

    Examples
    --------
    >>> window_label("2026Q2", 4), window_label("2026Q2", 1), window_label("2026Q2", 2)
    ('12 months to 2026-06-30', '2026Q2', '6 months to 2026-06-30')
    """
    if window == 1:
        return quarter
    return f"{3 * window} months to {quarter_bounds(quarter)[1].date()}"


#: The condition of the pooled tables' episodes whose condition has too few of them.
OTHER = "other_conditions"


def group_rare_conditions(data: SessionData, min_cell: int) -> SessionData:
    """Relabel the conditions with fewer than ``min_cell`` episodes as ``other_conditions``.

    Episodes keep their ``episode_id`` (an episode is defined before the grouping), so
    grouping never merges two episodes. Nothing changes when no condition is rare.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> data = load_sample().filter(clinic_id="CLN-01", quarter="2025Q2")
    >>> grouped = group_rare_conditions(data, 11)
    >>> sizes = grouped.sessions.groupby("condition", observed=True)["episode_id"].nunique()
    >>> bool((sizes.drop(OTHER, errors="ignore") >= 11).all())
    True
    """
    s = data.sessions
    sizes = s.groupby(s["condition"].astype(str))["episode_id"].nunique()
    rare = sizes.index[sizes < min_cell]
    if not len(rare):
        return data
    sessions = s.copy()
    labels = sessions["condition"].astype(str)
    if isinstance(sessions["condition"].dtype, pd.CategoricalDtype):
        cats = [c for c in sessions["condition"].cat.categories if str(c) not in set(rare)]
        values = labels.where(~labels.isin(rare), OTHER)
        sessions["condition"] = pd.Categorical(values, categories=[*cats, OTHER])
    else:
        sessions["condition"] = labels.where(~labels.isin(rare), OTHER)
    return SessionData(sessions, data.measures, metadata=dict(data.metadata),
                       report=data.report, exclusions=data.exclusions, check=False)  # fmt: skip


@dataclass
class Count:
    """A registered count: its place in a table and the columns that go with it."""

    table: str
    row: Hashable
    column: str
    cell: int
    dependents: tuple[str, ...] = ()
    as_statistic: bool = False
    dependent_cells: tuple[tuple[Hashable, str], ...] = ()


@dataclass
class FigureRequest:
    """A figure drawn after suppression: ``draw(ctx)`` returns a Figure or None."""

    key: str
    draw: Callable[[Context], Any]


@dataclass
class Context:
    """Everything a section needs, and what it registers, for one report of a release."""

    data: SessionData  # everything loaded (the data-flow lines and the benchmark use it)
    scope_data: SessionData  # the clinic's sessions (or all), "open" from the data's end
    clinic: str | None
    quarter: str
    data_end: pd.Timestamp
    min_cell: int
    ledger: Ledger
    name: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    counts: list[Count] = field(default_factory=list)
    figure_requests: list[FigureRequest] = field(default_factory=list)
    status: dict[int, str] = field(default_factory=dict)
    #: A reference registry the risk model is fitted on (``benchmark=``), else None.
    benchmark: SessionData | None = None
    #: Results shared by every report of the release (computed once, e.g. the risk model).
    shared: dict[str, Any] = field(default_factory=dict)
    finishers: list[Callable[[Context], None]] = field(default_factory=list)
    audience: str = "external"
    window: int = 4
    flags: set[tuple[str, Hashable, str]] = field(default_factory=set)
    _scopes: dict[tuple[str, int], Scope] = field(default_factory=dict)
    _pooled: list[SessionData | None] = field(default_factory=list)

    @property
    def internal(self) -> bool:
        """Whether the report is for the clinic's internal quality review (no suppression)."""
        return self.audience == "internal"

    def scope(self, quarter: str | None = None, quarters: int = 1) -> Scope:
        """The :class:`Scope` of ``quarters`` quarters ending with ``quarter``, computed once."""
        q = quarter or self.quarter
        if (q, quarters) not in self._scopes:
            self._scopes[q, quarters] = scope(self.scope_data, q, quarters)
        return self._scopes[q, quarters]

    @property
    def window_label(self) -> str:
        """The pooled tables' period in words (``"12 months to 2026-06-30"``)."""
        return window_label(self.quarter, self.window)

    @property
    def pooled(self) -> SessionData | None:
        """The completed episodes of the window, rare conditions grouped (see the module)."""
        if not self._pooled:
            done = self.scope(self.quarter, self.window).completed
            grouped = None if done is None else group_rare_conditions(done, self.min_cell)
            self._pooled.append(grouped)
        return self._pooled[0]

    def flag(self, table: str, row: Hashable, column: str) -> None:
        """Mark a statistic from fewer than ``min_cell`` units as small n (internal reports)."""
        self.flags.add((table, row, column))

    @property
    def completed(self) -> SessionData | None:
        """The completed episodes of the report's quarter (all of their sessions)."""
        return self.scope().completed

    def count(
        self,
        table: str,
        row: Hashable,
        column: str,
        unit: str,
        ids: Iterable[Any],
        *,
        dependents: Iterable[str] = (),
        published: bool = True,
        value: int | None = None,
        as_statistic: bool = False,
        parent: int | None = None,
        dependent_cells: Iterable[tuple[Hashable, str]] = (),
        keep: bool = False,
    ) -> int:
        """Register the count shown at ``tables[table].at[row, column]`` with its population.

        ``dependents`` are the columns of the same row computed from it (hidden with it).
        With ``published=False`` the count is not printed but can be derived (for example
        the non-responders of a shown rate); it is audited when small. ``value`` is the
        count when the cell shows something else: a formatted ``"n (%)"``, or (with
        ``as_statistic=True``) a mean or rate from which the count can be worked out; such a
        cell is blanked with ``"—"`` when its count is hidden. ``dependent_cells`` are
        further ``(row, column)`` cells computed from it (a Table 1 group's means). With
        ``keep=True`` the count is hidden to protect another only when nothing else can
        (the all-conditions rows and the key figures).
        """
        if value is None and published:
            shown: Any = self.tables[table].at[row, column]
            value = int(shown) if pd.notna(shown) else 0
        cell = self.ledger.add(
            unit, ids, table=f"{self.name} / {table}", row=row, column=column, value=value,
            published=published, parent=parent, keep=keep,
        )  # fmt: skip
        if published:
            self.counts.append(
                Count(
                    table,
                    row,
                    column,
                    cell,
                    tuple(dependents),
                    as_statistic,
                    tuple(dependent_cells),
                )
            )
        return cell

    def figure(self, key: str, draw: Callable[[Context], Any]) -> None:
        """Ask for a figure; ``draw(ctx)`` runs after suppression (see :meth:`published`)."""
        self.figure_requests.append(FigureRequest(key, draw))

    def finish(self, step: Callable[[Context], None]) -> None:
        """Run ``step(ctx)`` once the release's suppression is known and its markers are
        written, before the figures are drawn: for text that quotes counts (it may say a
        count only when :attr:`status` shows it published)."""
        self.finishers.append(step)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per release (shared by its reports) under ``key``."""
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    def published(self, table: str, row: Hashable, column: str = "n") -> bool:
        """Whether the count at ``(row, column)`` of ``table`` is shown after suppression."""
        for c in self.counts:
            if c.table == table and c.row == row and c.column == column:
                return self.status.get(c.cell, "published") == "published"
        return False

    def apply(self) -> None:
        """Write the markers: statistics of hidden counts first, then the counts' own markers.

        An internal report hides nothing: it adds a ``small_n`` column to each table with a
        count from 1 to ``min_cell - 1`` (or a flagged statistic), saying where it is.
        """
        if self.internal:
            self._flag_small()
            return
        label = suppressed_label(self.min_cell)
        hidden = [c for c in self.counts if self.status.get(c.cell, "published") != "published"]

        def put(table: str, row: Hashable, column: str, text: str) -> None:
            frame = self.tables[table]
            if frame[column].dtype != object:
                frame[column] = frame[column].astype(object)
            frame.at[row, column] = text

        for c in hidden:
            for dep in c.dependents:
                put(c.table, c.row, dep, HIDDEN)
            for dep_row, dep_column in c.dependent_cells:
                put(c.table, dep_row, dep_column, HIDDEN)
        for c in hidden:
            primary = self.status[c.cell] == "primary"
            withheld = c.as_statistic or self.status[c.cell] == "withheld"
            put(c.table, c.row, c.column,
                HIDDEN if withheld else label if primary else SECONDARY)  # fmt: skip

    def _flag_small(self) -> None:
        for table, rows in _flag_small_rows(self).items():
            frame = self.tables[table]
            note = pd.Series("", index=frame.index, dtype=object)
            for row, columns in rows.items():
                plain = all(c in SMALL_N_COLUMNS for c in columns)
                note.at[row] = SMALL_N if plain else f"{SMALL_N}: {', '.join(map(str, columns))}"
            frame["small_n"] = note


def _flag_small_rows(ctx: Context) -> dict[str, dict[Hashable, list[str]]]:
    small: dict[str, dict[Hashable, list[str]]] = {}
    cells = [(c.table, c.row, c.column) for c in ctx.counts
             if 0 < ctx.ledger.cells[c.cell].value < ctx.min_cell]  # fmt: skip
    for table, row, column in [*cells, *sorted(ctx.flags, key=str)]:
        where = small.setdefault(table, {}).setdefault(row, [])
        if column not in where:
            where.append(column)
    return small


def rounded(table: pd.DataFrame, rates: Iterable[str] = ()) -> pd.DataFrame:
    """Statistics stored at the precision they are shown: rates 3 decimals, others 2.

    Examples
    --------
    >>> rounded(pd.DataFrame({"n": [3], "mean": [1.23456], "rate": [0.12345]}), ["rate"])
       n  mean   rate
    0  3  1.23  0.123
    """
    out = table.copy()
    rate_cols = set(rates)
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = np.round(out[col].to_numpy(dtype=float), 3 if col in rate_cols else 2)
    return out


__all__ = [
    "HIDDEN",
    "MIN_CELL",
    "OTHER",
    "SECONDARY",
    "SMALL_N",
    "Context",
    "Count",
    "Scope",
    "Section",
    "group_rare_conditions",
    "previous_quarter",
    "rounded",
    "scope",
    "suppressed_label",
    "window_label",
]
