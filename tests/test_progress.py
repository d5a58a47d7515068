"""The progress callback of load_sessions and quarterly_release, and cancelling through it.

``progress=`` takes False (nothing), True (a bar on stderr) or a callable
``progress(step, done, total)`` (tpdn_outcomes.progress); a callback raising
``tpdn_outcomes.errors.Cancelled`` stops the work at that step.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from tpdn_outcomes.data import SessionData, quarters_with_data
from tpdn_outcomes.datasets import sample_path
from tpdn_outcomes.errors import Cancelled, DataQualityWarning
from tpdn_outcomes.io import read_table
from tpdn_outcomes.progress import Tracker, check_progress
from tpdn_outcomes.report import quarterly_release, quarterly_report
from tpdn_outcomes.report.sections import SECTIONS
from tpdn_outcomes.validate import load_sessions

Call = tuple[str, int, int]


def _recorder() -> tuple[list[Call], object]:
    calls: list[Call] = []

    def progress(step: str, done: int, total: int) -> None:
        calls.append((step, done, total))

    return calls, progress


def _assert_monotone_to_total(calls: list[Call]) -> int:
    assert calls, "the callback was never called"
    totals = {total for _, _, total in calls}
    assert len(totals) == 1, totals  # one total for the whole call
    (total,) = totals
    dones = [done for _, done, _ in calls]
    assert dones[0] == 0
    assert all(a <= b for a, b in itertools.pairwise(dones)), dones
    assert all(0 <= d <= total for d in dones)
    assert calls[-1] == ("done", total, total)
    assert [step for step, _, _ in calls].count("done") == 1
    return total


@pytest.fixture(scope="module")
def quarter(sample: SessionData) -> str:
    return quarters_with_data(sample.sessions["session_date"])[-1]


@pytest.fixture(scope="module")
def clinic(sample: SessionData) -> str:
    return sorted(sample.sessions["clinic_id"].astype(str).unique())[0]


# ---------------------------------------------------------------------------
# The tracker
# ---------------------------------------------------------------------------


def test_tracker_counts_units_and_parts_of_a_step() -> None:
    calls, progress = _recorder()
    track = Tracker(progress, total=10)  # type: ignore[arg-type]
    track.step("read", units=4)
    track.within("read", 0.5)
    track.within("read", 1.0)
    track.step("check", units=6)
    track.finish()
    assert calls == [
        ("read", 0, 10),
        ("read", 2, 10),
        ("read", 4, 10),
        ("check", 4, 10),
        ("done", 10, 10),
    ]
    assert set(track.timings) == {"read", "check"}


def test_progress_must_be_a_bool_or_a_callable() -> None:
    for good in (True, False, None, print):
        check_progress(good)
    with pytest.raises(TypeError, match="progress= must be True, False or a callable"):
        check_progress("yes")
    with pytest.raises(TypeError, match="progress="):
        load_sessions(sample_path("sessions.csv"), progress=1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# quarterly_release
# ---------------------------------------------------------------------------


def test_release_tells_every_section_disclosure_and_figures_in_order(
    sample: SessionData, quarter: str, clinic: str
) -> None:
    calls, progress = _recorder()
    reports = quarterly_release(
        sample, quarter=quarter, clinics=[None, clinic], min_cell=5, progress=progress
    )
    total = _assert_monotone_to_total(calls)
    steps = [step for step, _, _ in calls]
    names = [f"{who}: {make.__name__}" for who in ("All clinics", clinic) for make in SECTIONS]
    # every section of every report, in order, each told once as it starts
    assert [s for s in steps if s in names] == names
    # then disclosure control (with its stages), then each report's figures
    first_disclosure = steps.index("disclosure control")
    assert first_disclosure == len(names)
    assert "disclosure control: audit" in steps
    assert steps[-3:] == ["All clinics: figures", f"{clinic}: figures", "done"]
    # each section is one unit; disclosure control is told with several stages
    dones = dict(zip(steps, [d for _, d, _ in calls], strict=False))
    assert dones[names[1]] - dones[names[0]] == 1
    assert total == 6 * len(names) + 2
    # the seconds of every step are in the reports' metadata
    assert set(names) <= set(reports[0].meta["seconds_per_step"])


def test_bool_progress_is_a_bar_on_stderr_and_changes_nothing(
    sample: SessionData, quarter: str, clinic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = quarterly_report(sample, quarter=quarter, clinic=clinic, progress=False)
    assert capsys.readouterr().err == ""
    shown = quarterly_report(sample, quarter=quarter, clinic=clinic, progress=True)
    err = capsys.readouterr().err
    assert "report" in err and "step" in err  # tqdm's bar: desc and unit
    assert list(quiet.tables) == list(shown.tables)
    for key in quiet.tables:
        pd.testing.assert_frame_equal(quiet.tables[key], shown.tables[key])
    for report in (quiet, shown):
        for fig in report.figures.values():
            plt.close(fig)


@pytest.mark.parametrize("at", ["disclosure control: suppression, round 1", "figures"])
def test_cancelled_from_the_callback_stops_the_release(
    sample: SessionData, quarter: str, clinic: str, tmp_path: Path, at: str
) -> None:
    open_figures = set(plt.get_fignums())
    calls: list[str] = []

    def progress(step: str, done: int, total: int) -> None:
        calls.append(step)
        # (at "figures": the second report's, once the first report's are drawn)
        if step == at or step == f"{clinic}: {at}":
            raise Cancelled

    written: list[Path] = []
    with pytest.raises(Cancelled):
        for report in quarterly_release(
            sample, quarter=quarter, clinics=[None, clinic], progress=progress
        ):
            written.append(tmp_path / f"{report.clinic}.html")
            report.to_html(str(written[-1]))
    assert written == [] and list(tmp_path.iterdir()) == []  # nothing returned, nothing written
    assert calls[-1] in (at, f"{clinic}: {at}")  # it stopped at that step
    assert "done" not in calls
    assert set(plt.get_fignums()) == open_figures  # the figures drawn were closed


# ---------------------------------------------------------------------------
# load_sessions
# ---------------------------------------------------------------------------


def test_load_tells_reading_checks_and_episodes() -> None:
    calls, progress = _recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(sample_path("sessions.csv"), progress=progress)
    assert len(data.sessions)
    _assert_monotone_to_total(calls)
    steps = list(dict.fromkeys(step for step, _, _ in calls))
    expected = [
        "reading sessions.csv",
        "checking for identifiers",
        "checking the sessions",
        "checking the measures",
        "checking across rows and finding the episodes",
        "finishing",
        "done",
    ]
    assert [s for s in steps if s in expected] == expected


def test_load_bool_progress_is_a_bar_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        quiet = load_sessions(sample_path("sessions.csv"))
        assert capsys.readouterr().err == ""
        shown = load_sessions(sample_path("sessions.csv"), progress=True)
    assert "load" in capsys.readouterr().err
    pd.testing.assert_frame_equal(quiet.sessions, shown.sessions)
    pd.testing.assert_frame_equal(quiet.measures, shown.measures)


def test_cancelled_from_the_callback_stops_the_load() -> None:
    calls: list[str] = []

    def progress(step: str, done: int, total: int) -> None:
        calls.append(step)
        if step == "checking the sessions":
            raise Cancelled

    with pytest.raises(Cancelled):  # (not turned into a SchemaError)
        load_sessions(sample_path("sessions.csv"), progress=progress)
    assert calls[-1] == "checking the sessions"
    assert "checking the measures" not in calls


def test_reading_a_large_text_file_is_told_as_it_goes(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = 200_000
    path.write_text("a,b\n" + "".join(f"{i},value{i}\n" for i in range(rows)))
    assert path.stat().st_size > 3 * (1 << 20)
    seen: list[tuple[str, float]] = []
    raw = read_table(path, progress=lambda what, fraction: seen.append((what, fraction)))
    assert len(raw.frame) == rows
    fractions = [f for _, f in seen]
    assert all(a <= b for a, b in itertools.pairwise(fractions))
    assert fractions[-1] == pytest.approx(1.0)
    assert {what for what, _ in seen} == {"reading big.csv"}
    assert len({round(f, 3) for f in fractions}) >= 3  # told as it goes (every MiB)
    # a cancel while reading goes through, and the file is closed (it can be removed)
    with pytest.raises(Cancelled):
        read_table(path, progress=lambda what, f: _raise_after(f, 0.5))
    path.unlink()


def _raise_after(fraction: float, at: float) -> None:
    if fraction > at:
        raise Cancelled
