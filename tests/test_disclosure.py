"""The disclosure ledger, the intruder's linear programmes and the choice of suppressions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from tpdn_outcomes.report.disclosure import Ledger, audit, bounded_rate, protect


def _table_ledger(values: np.ndarray, min_cell: int = 11) -> tuple[Ledger, dict]:
    """A two-way table of episode counts with its row, column and grand totals."""
    led = Ledger(min_cell)
    ids: dict[tuple[int, int], list[str]] = {}
    k = 0
    for (i, j), v in np.ndenumerate(values):
        ids[i, j] = [f"e{k + n}" for n in range(int(v))]
        k += int(v)
    cells = {}
    for (i, j), members in ids.items():
        cells[i, j] = led.add("episode", members, table="t", row=i, column=str(j))
    for i in range(values.shape[0]):
        members = [e for j in range(values.shape[1]) for e in ids[i, j]]
        cells[i, "total"] = led.add("episode", members, table="t", row=i, column="total")
    for j in range(values.shape[1]):
        members = [e for i in range(values.shape[0]) for e in ids[i, j]]
        cells["total", j] = led.add("episode", members, table="t", row="total", column=str(j))
    everyone = [e for m in ids.values() for e in m]
    cells["total", "total"] = led.add("episode", everyone, table="t", row="total", column="total")
    return led, cells


def test_rectangle_interval_matches_the_textbook_formula() -> None:
    # Source: the feasibility interval of a suppressed 2x2 rectangle in a table whose
    # margins are published (Cox LH, "Suppression methodology and statistical disclosure
    # control", JASA 1980;75:377-385; Hundepool A et al., "Statistical Disclosure Control",
    # Wiley 2012, on feasibility intervals): with a, b / c, d hidden, a can move by t while b and c move
    # by -t and d by +t, so a lies in [a - min(a, d), a + min(b, c)].
    values = np.array([[3, 20, 15], [12, 25, 30], [40, 18, 22]])
    led, cells = _table_ledger(values)
    status = ["published"] * len(led.cells)
    for key in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        status[cells[key]] = "primary" if values[key] < 11 else "secondary"
    result = audit(led, status).set_index("cell")
    a, b, c, d = 3, 20, 12, 25
    expected = {
        (0, 0): (a - min(a, d), a + min(b, c)),  # [0, 15]
        (0, 1): (b - min(b, c), b + min(a, d)),  # [8, 23]
        (1, 0): (c - min(b, c), c + min(a, d)),  # [0, 15]
        (1, 1): (d - min(a, d), d + min(b, c)),  # [22, 37]
    }
    for key, (lo, hi) in expected.items():
        row = result.loc[cells[key]]
        assert (row["lower"], row["upper"]) == (lo, hi), key
    assert result.loc[cells[0, 0], "passes"]  # 15 - 0 >= 10


def _brute_force(values: np.ndarray, hidden: set[tuple[int, int]]) -> dict:
    """Every whole-number table agreeing with what is published: min and max per cell."""
    keys = sorted(hidden)
    top = int(values.sum())
    found: dict[tuple[int, int], list[int]] = {k: [top, 0] for k in keys}
    for guess in itertools.product(range(top + 1), repeat=len(keys)):
        trial = values.copy()
        for k, g in zip(keys, guess, strict=True):
            trial[k] = g
        if (trial.sum(axis=0) == values.sum(axis=0)).all() and (
            trial.sum(axis=1) == values.sum(axis=1)
        ).all():
            for k, g in zip(keys, guess, strict=True):
                found[k] = [min(found[k][0], g), max(found[k][1], g)]
    return found


def _audit_and_truth(flat: list[int], hide: set[int]) -> list[tuple[tuple, tuple]]:
    """For each hidden cell of a 2 x 3 table: the audit's bounds and brute force's."""
    values = np.array(flat).reshape(2, 3)
    led, cells = _table_ledger(values, min_cell=3)
    hidden = {divmod(h, 3) for h in hide}
    status = ["published"] * len(led.cells)
    for key in hidden:
        status[cells[key]] = "secondary"
    result = audit(led, status).set_index("cell")
    truth = _brute_force(values, hidden)
    return [
        ((result.loc[cells[k], "lower"], result.loc[cells[k], "upper"]), tuple(truth[k]))
        for k in hidden
    ]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=6, max_size=6),
    st.sets(st.integers(0, 5), min_size=2, max_size=4),
)
def test_lp_bounds_never_wider_than_the_whole_number_bounds(
    flat: list[int], hide: set[int]
) -> None:
    # The ledger knows only the atoms that have members: an empty cell is pinned at 0,
    # where an intruder, not knowing it is empty, could put people in it. The audit's
    # intervals are therefore never wider than the intruder's (brute force over every
    # whole-number table that agrees with what is published): a pattern that passes the
    # audit passes the intruder's test too.
    for (lower, upper), (low, high) in _audit_and_truth(flat, hide):
        assert low <= lower <= upper <= high


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=6, max_size=6),
    st.sets(st.integers(0, 5), min_size=2, max_size=4),
)
def test_lp_bounds_equal_the_whole_number_bounds_when_no_cell_is_empty(
    flat: list[int], hide: set[int]
) -> None:
    # with every cell non-empty every atom is known, and a two-way table with its margins
    # is totally unimodular: the LP bounds are the integer bounds that brute force finds
    for audited, truth in _audit_and_truth(flat, hide):
        assert audited == truth


def _scipy_interval(led: Ledger, status: list[str], target: int) -> tuple[float, float]:
    """The same programme written out cell by cell and solved by scipy's linprog."""
    unit = led.cells[target].unit
    cells = [c for c in led.cells if c.unit == unit]
    universe = np.unique(np.concatenate([c.members for c in cells]))
    col = {u: i for i, u in enumerate(universe)}
    matrix = np.zeros((len(cells), len(universe)))
    for r, c in enumerate(cells):
        matrix[r, [col[m] for m in c.members]] = 1
    pub = [r for r, c in enumerate(cells) if status[c.id] == "published"]
    row = next(r for r, c in enumerate(cells) if c.id == target)
    kw = {"A_eq": matrix[pub], "b_eq": [cells[r].value for r in pub], "bounds": (0, None)}
    lo = linprog(matrix[row], **kw, method="highs")
    hi = linprog(-matrix[row], **kw, method="highs")
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_every_hidden_count_of_a_random_release_passes_an_independent_audit(seed: int) -> None:
    # random small multi-clinic tables of episodes: condition x clinic, with clinic,
    # condition and grand totals, and each clinic's "responders" inside every cell
    rng = np.random.default_rng(seed)
    n_cond, n_clin = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    led = Ledger(min_cell=5)
    groups = {}
    k = 0
    for i in range(n_cond):
        for j in range(n_clin):
            size = int(rng.choice([0, 1, 2, 3, 6, 9, 14]))
            groups[i, j] = [f"e{k + n}" for n in range(size)]
            k += size
    for (i, j), members in groups.items():
        n = led.add("episode", members, table=f"clinic {j}", row=i, column="n")
        responders = members[: len(members) // 2]
        led.add("episode", responders, table=f"clinic {j}", row=i, column="k", parent=n)
        led.add("episode", members[len(members) // 2 :], table=f"clinic {j}", row=i,
                column="k", published=False)  # fmt: skip
    for j in range(n_clin):
        led.add("episode", [e for i in range(n_cond) for e in groups[i, j]],
                table=f"clinic {j}", row="all", column="n")  # fmt: skip
    for i in range(n_cond):
        led.add("episode", [e for j in range(n_clin) for e in groups[i, j]],
                table="all clinics", row=i, column="n")  # fmt: skip
    protection = protect(led)
    for c in led.cells:
        status = protection.status[c.id]
        if status == "primary":
            assert 0 < c.value < 5
        if status != "published" and 0 < c.value < 5:
            lo, hi = _scipy_interval(led, protection.status, c.id)
            assert np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) >= 4, (c, lo, hi)
    assert protection.audit["passes"].all()


def test_a_count_shown_must_be_the_population_registered() -> None:
    led = Ledger(11)
    with pytest.raises(AssertionError, match="shows 5 but the registered population has 3"):
        led.add("episode", ["a", "b", "c"], table="t", row=0, column="n", value=5)


def test_differencing_a_clinic_from_the_total_is_blocked() -> None:
    # the issue's attack: all-clinics count minus the other clinics' counts (64 - 27 - 14 -
    # 16 = 7) must not give the hidden one
    led = Ledger(11)
    sizes = {"CLN-01": 27, "CLN-02": 14, "CLN-03": 16, "CLN-04": 7}
    k = 0
    members = {}
    for clinic, size in sizes.items():
        members[clinic] = [f"e{k + n}" for n in range(size)]
        k += size
        led.add("episode", members[clinic], table=clinic, row="neck_pain", column="n")
    led.add("episode", [e for m in members.values() for e in m], table="all", row="neck_pain",
            column="n")  # fmt: skip
    protection = protect(led)
    assert protection.status[3] == "primary"
    assert sum(s != "published" for s in protection.status) >= 2
    row = protection.audit.set_index("cell").loc[3]
    assert row["upper"] - row["lower"] >= 10


def _random_release(seed: int) -> Ledger:
    """Condition x clinic episode counts with clinic, condition and grand totals."""
    rng = np.random.default_rng(seed)
    led = Ledger(min_cell=5)
    groups = {}
    k = 0
    for i in range(int(rng.integers(2, 5))):
        for j in range(int(rng.integers(2, 4))):
            size = int(rng.choice([0, 1, 2, 3, 6, 9, 14]))
            groups[i, j] = [f"e{k + n}" for n in range(size)]
            k += size
    for (i, j), members in groups.items():
        led.add("episode", members, table=f"clinic {j}", row=i, column="n")
    for j in {j for _, j in groups}:
        led.add("episode", [e for (_, jj), m in groups.items() if jj == j for e in m],
                table=f"clinic {j}", row="all", column="n")  # fmt: skip
    for i in {i for i, _ in groups}:
        led.add("episode", [e for (ii, _), m in groups.items() if ii == i for e in m],
                table="all clinics", row=i, column="n")  # fmt: skip
    led.add("episode", [e for m in groups.values() for e in m], table="all clinics",
            row="all", column="n")  # fmt: skip
    return led


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_the_fast_pass_test_agrees_with_the_whole_programme(seed: int, pick: int) -> None:
    # _failing first attacks with the atoms of published-only cells fixed at their true
    # sizes (a smaller programme) and trusts a pass there; the whole programme decides
    # the rest. Its verdict must be exactly scipy's on the whole programme, for any pattern.
    from tpdn_outcomes.report.disclosure import _failing

    led = _random_release(seed)
    rng = np.random.default_rng(pick)
    status = [
        "primary" if 0 < c.value < 5 else ("secondary" if rng.random() < 0.3 else "published")
        for c in led.cells
    ]
    small = [c.id for c in led.cells if 0 < c.value < 5]
    expected = set()
    for cid in small:
        lo, hi = _scipy_interval(led, status, cid)
        if np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) < 4:
            expected.add(cid)
    assert set(_failing(led, status, small)) == expected


def test_the_pattern_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # two runs of the same release with different patterns could be combined by an
    # intruder: the search is bounded by counts, never by time
    import time

    led = _random_release(7)
    first = protect(led).status
    clock = itertools.count(0, 10_000)
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(clock)))
    assert protect(led).status == first
    assert sum(s == "secondary" for s in first) > 0


@pytest.mark.parametrize("m", [5, 11])
def test_a_bounded_rate_leaves_the_small_count_m_values_wide(m: int) -> None:
    # Independent of the ledger: an intruder who knows n exactly and reads "≥ X %" (or
    # "≤ Y %") can only say the small count is one of the whole numbers the bound allows;
    # they must be at least m (0 to m - 1), and the truth must satisfy the bound.
    for n in range(m + 1, 400):
        for small in range(1, m):
            for hit, miss in ((n - small, small), (small, n - small)):
                if min(hit, miss) != small or max(hit, miss) < m:
                    continue
                shown = bounded_rate(hit, miss, m)
                assert shown is not None
                x = int(shown.text.split()[1])
                if shown.text.startswith("≥"):
                    possible = [s for s in range(n + 1) if 100 * (n - s) >= x * n]
                    assert 100 * hit >= x * n
                else:
                    possible = [s for s in range(n + 1) if 100 * s <= x * n]
                    assert 100 * hit <= x * n
                assert len(possible) >= m, (n, hit, miss, shown.text)
                assert shown.n_low <= n <= shown.n_high


def test_no_bound_when_neither_count_is_small_or_both_are() -> None:
    assert bounded_rate(30, 20, 11) is None
    assert bounded_rate(5, 6, 11) is None
    assert bounded_rate(0, 40, 11) is None and bounded_rate(40, 0, 11) is None


def test_the_audit_holds_a_bound_as_the_intruders_inequality() -> None:
    # 25 responders and 9 non-responders of 34 episodes, the 34 published, the rate shown
    # as "≥ 70 %": by hand (scipy linprog, not the ledger) the non-responders can be 0 to
    # 10, so the audit must report that interval and pass.
    led = Ledger(11)
    hit = led.add("episode", [f"e{k}" for k in range(25)], table="t", row=0, column="r",
                  published=False)  # fmt: skip
    miss = led.add("episode", [f"e{k}" for k in range(25, 34)], table="t", row=0,
                   column="r", published=False)  # fmt: skip
    led.add("episode", [f"e{k}" for k in range(34)], table="t", row=0, column="n")
    shown = bounded_rate(25, 9, 11)
    assert shown is not None and shown.text == "≥ 70 %"
    for coefs, lower, upper in shown.rows():
        led.bound([hit, miss], coefs, lower=lower, upper=upper, table="t", row=0, column="r")
    # variables (responders, non-responders) >= 0; their sum is 34; 0.3 r - 0.7 s >= 0
    by_hand = [
        linprog(
            c, A_ub=[[-0.3, 0.7]], b_ub=[0], A_eq=[[1, 1]], b_eq=[34], bounds=[(0, None)] * 2
        ).fun
        for c in ([0, 1], [0, -1])
    ]
    lower, upper = by_hand[0], -by_hand[1]
    assert (np.floor(lower + 1e-9), np.floor(upper + 1e-9)) == (0, 10)
    row = protect(led).audit.set_index("cell").loc[miss]
    assert (row["lower"], row["upper"]) == (0, 10) and bool(row["passes"])
