"""Plots: assert what was drawn (values, labels, n), not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes import change_summary
from tpdn_outcomes.plots import (
    PALETTE,
    plot_change_by_condition,
    plot_change_distribution,
    plot_paired,
)


@pytest.fixture(autouse=True)
def _close() -> None:
    yield
    plt.close("all")


def test_change_by_condition_draws_the_table(sample: SessionData) -> None:
    table = change_summary(sample)
    ax = plot_change_by_condition(table, mcid=2)
    line = ax.lines[0]  # the points of the errorbar
    np.testing.assert_allclose(line.get_xdata(), table["mean_change"].to_numpy())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # first table row is drawn at the top
    # the first table row is drawn at the top (ticks are listed as set: first row first)
    assert labels[0] == f"Chronic low back pain  (n = {table['n'].iloc[0]})"
    assert labels[-1] == f"TMJ dysfunction  (n = {table['n'].iloc[-1]})"
    assert ax.get_xlabel() == "Change in Pain (points, NPRS 0-10)"
    mcid_lines = [ln for ln in ax.lines if list(ln.get_xdata()) == [-2, -2]]
    assert mcid_lines, "the MCID line is drawn at -2 for pain shown as change"
    # error bars span the confidence interval
    segments = ax.collections[0].get_segments()
    lows = [min(s[0][0], s[1][0]) for s in segments]
    np.testing.assert_allclose(sorted(lows), sorted(table["ci_low"]))


def test_change_by_condition_improvement_flips_pain(sample: SessionData) -> None:
    table = change_summary(sample)
    ax = plot_change_by_condition(table, improvement=True, mcid=2)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), -table["mean_change"].to_numpy())
    assert any(list(ln.get_xdata()) == [2, 2] for ln in ax.lines)
    assert ax.get_xlabel().startswith("Improvement in Pain")


def test_change_by_condition_refuses_two_measures_and_empty(sample: SessionData) -> None:
    import pandas as pd

    both = pd.concat([change_summary(sample), change_summary(sample, measure="rom:lumbar_flexion")])
    with pytest.raises(ValueError, match="one measure at a time"):
        plot_change_by_condition(both)
    with pytest.raises(ValueError, match="empty"):
        plot_change_by_condition(both.iloc[:0])


def test_paired_draws_sample_and_mean(sample: SessionData) -> None:
    ax = plot_paired(sample, condition="neck_pain", n_patients=12, seed=1)
    assert len(ax.lines) == 13
    mean_line = ax.lines[-1]
    ep = sample.episodes()
    done = ep[(ep["condition"].astype(str) == "neck_pain") & ep["change"].notna()]
    np.testing.assert_allclose(
        mean_line.get_ydata(), [done["baseline"].mean(), done["final"].mean()]
    )
    assert mean_line.get_color() == PALETTE[0]
    assert f"12 of {len(done)} episodes" in ax.get_title()


def test_distribution_has_one_box_per_condition_with_n(sample: SessionData) -> None:
    ax = plot_change_distribution(sample)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ep = sample.episodes()
    assert len(labels) == ep["condition"].nunique()
    n_neck = int(((ep["condition"].astype(str) == "neck_pain") & ep["change"].notna()).sum())
    assert f"Neck pain  (n = {n_neck})" in labels


def test_draws_on_a_given_axes(sample: SessionData) -> None:
    _, ax = plt.subplots()
    assert plot_change_by_condition(change_summary(sample), ax=ax) is ax


def test_responders_plot_draws_rates_per_definition(sample: SessionData) -> None:
    from tpdn_outcomes.outcomes import responder_rates
    from tpdn_outcomes.plots import plot_responders

    table = responder_rates(sample)
    ax = plot_responders(table)
    moderate = table[table["definition"] == "moderate"]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), 100 * moderate["rate"].to_numpy())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["moderate (>= 2 points or >= 30 %)", "substantial (>= 50 %)"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == f"Chronic low back pain  (n = {moderate['n'].iloc[0]})"


def test_responder_curve_plot_draws_the_steps(sample: SessionData) -> None:
    from tpdn_outcomes.outcomes import responder_curve
    from tpdn_outcomes.plots import plot_responder_curve

    curve = responder_curve(sample, by=None, thresholds=[0, 1, 2, 3])
    ax = plot_responder_curve(curve)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 100 * curve["rate"].to_numpy())
    assert ax.get_xlabel() == "Improvement in pain (points, NPRS 0-10)"
    assert "n = 657" in ax.get_legend().get_texts()[0].get_text()


def test_rom_change_plot_draws_sites_with_mdc(sample: SessionData) -> None:
    from tpdn_outcomes.outcomes import rom_change
    from tpdn_outcomes.plots import plot_rom_change

    table = rom_change(sample)
    ax = plot_rom_change(table)
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), table["mean_change_pct_normal"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Cervical rotation (left) - Myofascial pain syndrome  (n = 86)"
    mdc = ax.collections[-1].get_offsets()[:, 0]  # the MDC ticks
    np.testing.assert_allclose(mdc, 100 * table["mdc"] / table["normal_range"])
    degrees = plot_rom_change(table[table["unit"] == "deg"], percent_of_normal=False)
    assert degrees.get_xlabel() == "Mean change (degrees)"
    with pytest.raises(ValueError, match="different units"):
        plot_rom_change(table, percent_of_normal=False)


def test_adverse_events_plot_draws_rates_per_event(sample: SessionData) -> None:
    from tpdn_outcomes.outcomes import adverse_event_rates
    from tpdn_outcomes.plots import plot_adverse_events

    table = adverse_event_rates(sample, by="practitioner_role", events=["any", "bruising"])
    ax = plot_adverse_events(table, unit="patient")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Any", "Bruising"]
    first = table[(table["unit"] == "patient")].iloc[:2]  # the first role: any, bruising
    np.testing.assert_allclose(ax.lines[0].get_xdata(), 100 * first["rate"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("Physical therapist (n = ")
    with pytest.raises(ValueError, match="unit must be"):
        plot_adverse_events(table, unit="visit")


def test_model_plots_draw_what_the_models_give(sample: SessionData) -> None:
    from tpdn_outcomes.outcomes import attrition, compare_groups, trajectory_model, visit_model
    from tpdn_outcomes.plots import (
        plot_adjusted_means,
        plot_attrition,
        plot_spaghetti,
        plot_trajectories,
    )

    anc = compare_groups(sample, by="practitioner_role")
    ax = plot_adjusted_means(anc)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), anc.adjusted_means["estimate"])
    mm = visit_model(sample, by="twitch_response", df_method="residual")
    ax = plot_adjusted_means(mm)
    first = mm.adjusted_means[mm.adjusted_means["group"] == "False"]["estimate"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), first)
    traj = trajectory_model(sample, by=None)
    ax = plot_trajectories(traj)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), traj.predictions["estimate"])
    ax = plot_spaghetti(traj, n=5)
    assert len(ax.get_lines()) == 6
    table = attrition(sample)
    ax = plot_attrition(table)
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, 100 * table["rate_non_completion"])
