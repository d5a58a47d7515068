"""The registry measures of issue 21: risk-adjusted O - E per clinic, efficiency,
completeness, quarterly trends, the plain-language summary and the trends plot.

Expected values are read from R's saved outputs, each line named by its label (the source
of every expected value is ``<file>: <label>``):

- tests/reference/risk_adjusted.R -> risk_adjusted.Rout.txt (``lm``, ``predict``, ``vcov``);
- tests/reference/registry_measures.R -> registry_measures.Rout.txt (``t.test``,
  ``prop.test(correct = FALSE)`` for Wilson intervals).

R printed 17 significant digits; values are compared at rel 1e-9 (least squares and
quantiles) or 1e-12 (means, counts). Both scripts read the frozen
tests/reference/data/registry_episodes.csv, asserted here to be the library's episodes of
tests/reference/data/registry_sessions.csv (written by tests/reference/registry_export.py).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from tpdn_outcomes import SessionData, load_sessions
from tpdn_outcomes.errors import DataQualityWarning
from tpdn_outcomes.outcomes import (
    completed_changes,
    completeness,
    efficiency,
    fit_risk_model,
    plain_language_summary,
    quarterly_trends,
    risk_adjusted_benchmark,
    summary_figures,
)
from tpdn_outcomes.outcomes.risk import RiskModel, observed_minus_expected
from tpdn_outcomes.outcomes.summary import SUMMARY_CAVEAT
from tpdn_outcomes.plots import plot_quarterly_trends

REF = Path(__file__).parent / "reference"
SESSIONS = REF / "data" / "registry_sessions.csv"
EPISODES = REF / "data" / "registry_episodes.csv"
EXPORT_DATE = "2026-07-01"  # as tests/reference/registry_export.py
RISK_OUT = REF / "risk_adjusted.Rout.txt"
MEASURES_OUT = REF / "registry_measures.Rout.txt"


def _r_lines(path: Path) -> dict[str, str]:
    """``label -> rest`` of R's output lines ``a | b | rest`` (label ``a | b``)."""
    out = {}
    for line in path.read_text().splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3:
            out[" | ".join(parts[:-1]) + " | " + parts[-1].split(" ")[0]] = parts[-1]
    return out


def _numbers(text: str) -> list[float]:
    return [float(v) for v in text.split(" ")[-1].split(",")]


def _fields(text: str) -> dict[str, list[float]]:
    """``n 5 observed 1.2 ci 3,4`` -> {"n": [5], "observed": [1.2], "ci": [3, 4]}."""
    words = text.split()
    return {
        words[i]: [float(v) for v in words[i + 1].split(",")]
        for i in range(0, len(words) - 1)
        if not _is_number(words[i]) and _is_number(words[i + 1].split(",")[0])
    }


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def frozen() -> SessionData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_sessions(SESSIONS, export_date=EXPORT_DATE)


@pytest.fixture(scope="module")
def risk_r() -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for line in RISK_OUT.read_text().splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3:
            out[" | ".join(parts[:-1])] = _fields(parts[-1])
        elif line.startswith(("file coef", "file n", "reference n")):
            words = line.split()
            head = " ".join(words[:3]) if line.startswith("file coef") else words[0]
            out[head] = _fields(" ".join(words[1:] if head == words[0] else words[3:]))
            if line.startswith("file coef"):
                out[head]["estimate"] = [float(words[3])]
    return out


def test_r_outputs_are_complete() -> None:
    # the comparisons below iterate over R's lines: they must all be there
    risk = RISK_OUT.read_text().splitlines()
    assert sum(line.startswith("file clinic | ") for line in risk) == 4
    assert sum(line.startswith("file clinic_condition | ") for line in risk) == 35
    assert sum(line.startswith("reference clinic | ") for line in risk) == 4
    assert sum(line.startswith("file coef ") for line in risk) == 20
    measures = MEASURES_OUT.read_text().splitlines()
    assert sum(line.startswith("efficiency | ") for line in measures) == 30
    assert sum(line.startswith("completeness | ") for line in measures) == 20
    assert sum(line.startswith("trends | ") for line in measures) == 30


def test_frozen_episodes_are_the_library_episodes(frozen: SessionData) -> None:
    ref = pd.read_csv(EPISODES, keep_default_na=False, na_values=[""])
    ep = frozen.episodes("pain")
    assert len(ep) == len(ref)
    for col in ("episode_id", "patient_id", "clinic_id", "condition", "age_band", "sex"):
        np.testing.assert_array_equal(ep[col].astype(str), ref[col].astype(str))
    for col in ("first_date", "last_date"):
        np.testing.assert_array_equal(ep[col].dt.strftime("%Y-%m-%d"), ref[col])
    np.testing.assert_array_equal(ep["open"].astype(bool), ref["open"].astype(bool))
    np.testing.assert_array_equal(ep["n_sessions"], ref["n_sessions"])
    np.testing.assert_array_equal(ep["n_values"], ref["n_values"])
    np.testing.assert_array_equal(ep["baseline"], ref["baseline"])
    np.testing.assert_array_equal(ep["final"], ref["final"])


# ---------------------------------------------------------------------------
# risk adjustment
# ---------------------------------------------------------------------------


def test_risk_model_matches_r_lm(frozen: SessionData, risk_r) -> None:  # type: ignore[no-untyped-def]
    model = fit_risk_model(frozen)
    head = risk_r["file"]  # risk_adjusted.Rout.txt: "file n ... df ... sigma ... r2"
    assert model.n == head["n"][0] and model.df_resid == head["df"][0]
    assert model.sigma == pytest.approx(head["sigma"][0], rel=1e-12)
    assert model.r_squared == pytest.approx(head["r2"][0], rel=1e-9)
    coefs = {k[len("file coef ") :]: v for k, v in risk_r.items() if k.startswith("file coef")}
    assert set(coefs) == set(model.columns)
    se = np.sqrt(np.diag(model.cov))
    for j, name in enumerate(model.columns):  # risk_adjusted.Rout.txt: "file coef <name>"
        assert model.params[j] == pytest.approx(coefs[name]["estimate"][0], rel=1e-9, abs=1e-12)
        assert se[j] == pytest.approx(coefs[name]["se"][0], rel=1e-9)
    assert model.formula == "change ~ baseline + condition + age_band + sex"


def test_fit_agrees_with_statsmodels_ols(frozen: SessionData) -> None:
    import statsmodels.api as sm

    table = completed_changes(frozen)
    model = fit_risk_model(table)
    fit = sm.OLS(table["change"].to_numpy(), model.design(table)).fit()
    np.testing.assert_allclose(model.params, fit.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.cov, fit.cov_params(), rtol=1e-9, atol=1e-15)
    assert model.sigma == pytest.approx(np.sqrt(fit.scale), rel=1e-12)


def test_collinear_or_tiny_references_are_refused() -> None:
    table = pd.DataFrame(
        {
            "baseline": [5.0, 6, 7, 8, 6, 5],
            "change": [-1.0, -2, -2, -3, -1, 0],
            "condition": ["a", "a", "b", "b", "a", "b"],
            "sex": ["female", "female", "male", "male", "female", "male"],  # = condition
        }
    )
    with pytest.raises(ValueError, match="collinear"):
        fit_risk_model(table, adjust_for=("baseline", "condition", "sex"))
    with pytest.raises(ValueError, match="only 2 completed episodes"):
        fit_risk_model(table.iloc[:2], adjust_for=("baseline",))


def _check_rows(table: pd.DataFrame, risk_r, prefix: str, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    rows = {k: v for k, v in risk_r.items() if k.startswith(prefix + " | ")}
    assert len(rows) == len(table)
    for _, row in table.iterrows():
        label = " | ".join([prefix, *[str(row[k]) for k in keys]])
        r = rows[label]  # risk_adjusted.Rout.txt: this label
        assert row["n"] == r["n"][0]
        assert row["observed"] == pytest.approx(r["observed"][0], rel=1e-12)
        assert row["expected"] == pytest.approx(r["expected"][0], rel=1e-9)
        assert row["o_minus_e"] == pytest.approx(r["ome"][0], rel=1e-9, abs=1e-12)
        assert row["se_expected"] == pytest.approx(r["se_expected"][0], rel=1e-9)
        assert row["se"] == pytest.approx(r["se"][0], rel=1e-9)
        assert row["ci_low"] == pytest.approx(r["ci"][0], rel=1e-9)
        assert row["ci_high"] == pytest.approx(r["ci"][1], rel=1e-9)


def test_o_minus_e_per_clinic_matches_r(frozen: SessionData, risk_r) -> None:  # type: ignore[no-untyped-def]
    table = risk_adjusted_benchmark(frozen)
    _check_rows(table, risk_r, "file clinic", ["clinic_id"])
    assert table.attrs["reference"] == "the file"
    # pain: lower is better, so the clinic with the most negative O - E ranks first
    best = table.loc[table["o_minus_e"].idxmin(), "clinic_id"]
    assert table.set_index("clinic_id").loc[best, "rank"] == 1
    assert sorted(table["rank"]) == [1, 2, 3, 4] and (table["n_ranked"] == 4).all()


def test_o_minus_e_per_clinic_and_condition_matches_r(frozen: SessionData, risk_r) -> None:  # type: ignore[no-untyped-def]
    table = risk_adjusted_benchmark(frozen, by=["clinic_id", "condition"])
    _check_rows(table, risk_r, "file clinic_condition", ["clinic_id", "condition"])
    for _, block in table.groupby("condition"):
        expected = block["improvement_vs_expected"].rank(method="min", ascending=False)
        np.testing.assert_array_equal(block["rank"], expected.astype(int))
        assert (block["n_ranked"] == len(block)).all()


def test_reference_registry_matches_r(frozen: SessionData, risk_r) -> None:  # type: ignore[no-untyped-def]
    reference = frozen.filter(clinic_id=["CLN-01", "CLN-02"])
    table = risk_adjusted_benchmark(frozen, reference=reference)
    assert table.attrs["model"].n == risk_r["reference"]["n"][0]
    assert table.attrs["sigma"] == pytest.approx(risk_r["reference"]["sigma"][0], rel=1e-12)
    _check_rows(table, risk_r, "reference clinic", ["clinic_id"])
    assert table.attrs["reference"] == "a reference registry"


def test_level_absent_from_reference_is_a_clear_error(frozen: SessionData) -> None:
    reference = frozen.filter(clinic_id="CLN-01")  # no completed episode aged 90+
    with pytest.raises(ValueError, match=r"age_band levels .*'90\+' \(\d+ episodes\)") as err:
        risk_adjusted_benchmark(frozen, reference=reference)
    assert "reference" in str(err.value) and "filter" in str(err.value)
    # without that adjuster the same reference predicts everyone
    table = risk_adjusted_benchmark(
        frozen, reference=reference, adjust_for=("baseline", "condition", "sex")
    )
    assert len(table) == 4


def test_bad_arguments(frozen: SessionData) -> None:
    with pytest.raises(ValueError, match="known before care"):
        risk_adjusted_benchmark(frozen, adjust_for=("baseline", "n_sessions"))
    with pytest.raises(ValueError, match="must include 'clinic_id'"):
        risk_adjusted_benchmark(frozen, by="condition")
    with pytest.raises(ValueError, match="cannot compare clinics within"):
        risk_adjusted_benchmark(frozen, by=["clinic_id", "twitch_response"])
    with pytest.raises(ValueError, match="confidence"):
        risk_adjusted_benchmark(frozen, confidence=95)
    with pytest.raises(ValueError, match="twice"):
        fit_risk_model(frozen, adjust_for=("baseline", "baseline"))


def test_o_minus_e_sums_to_zero_over_its_own_reference(frozen: SessionData) -> None:
    # OLS residuals with an intercept sum to 0: the n-weighted O - E over the fitted file
    for by in ("clinic_id", ["clinic_id", "condition"]):
        table = risk_adjusted_benchmark(frozen, by=by)
        assert (table["n"] * table["o_minus_e"]).sum() == pytest.approx(0.0, abs=1e-9)
        assert table["n"].sum() == len(completed_changes(frozen))
    # not so over clinics the reference did not include
    ref = frozen.filter(clinic_id=["CLN-01", "CLN-02"])
    other = risk_adjusted_benchmark(frozen, reference=ref)
    within = other[other["clinic_id"].isin(["CLN-01", "CLN-02"])]
    assert (within["n"] * within["o_minus_e"]).sum() == pytest.approx(0.0, abs=1e-9)
    assert abs((other["n"] * other["o_minus_e"]).sum()) > 1.0


def test_episodes_without_a_clinic_are_fitted_but_not_ranked(tmp_path: Path) -> None:
    sessions = pd.read_csv(SESSIONS, dtype=str, keep_default_na=False)
    sessions.loc[sessions["patient_id"].isin(["P00001", "P00002", "P00003"]), "clinic_id"] = ""
    path = tmp_path / "sessions.csv"
    sessions.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_sessions(path, export_date=EXPORT_DATE)
    table = risk_adjusted_benchmark(data)
    lost = table.attrs["n_without_clinic"]
    assert lost > 0 and "(missing)" not in set(table["clinic_id"])
    assert table["n"].sum() + lost == len(completed_changes(data))
    assert table.attrs["model"].n == len(completed_changes(data))
    assert sorted(table["rank"]) == [1, 2, 3, 4]


def test_observed_is_the_plain_mean_change_of_completed_episodes(frozen: SessionData) -> None:
    table = risk_adjusted_benchmark(frozen).set_index("clinic_id")
    ep = frozen.episodes("pain")
    ep = ep[ep["change"].notna() & ~ep["open"].astype(bool)]
    means = ep.groupby("clinic_id", observed=True)["change"].agg(["mean", "size"])
    for clinic, row in means.iterrows():
        assert table.loc[clinic, "observed"] == pytest.approx(row["mean"], rel=1e-12)
        assert table.loc[clinic, "n"] == row["size"]


def test_a_planted_clinic_effect_is_found_and_ranked(frozen: SessionData) -> None:
    # shift one clinic's final scores 1.5 points lower than they were: its O - E falls by
    # about 1.5 (less with the file as reference, which absorbs a share) and it ranks first
    table = completed_changes(frozen)
    shifted = table.copy()
    hit = shifted["clinic_id"].to_numpy() == "CLN-04"
    shifted.loc[hit, "change"] -= 1.5
    model = fit_risk_model(shifted)
    before = observed_minus_expected(fit_risk_model(table), table, ["clinic_id"])
    after = observed_minus_expected(model, shifted, ["clinic_id"]).set_index("clinic_id")
    drop = (
        before.set_index("clinic_id").loc["CLN-04", "o_minus_e"] - after.loc["CLN-04", "o_minus_e"]
    )
    share = hit.mean()
    assert drop == pytest.approx(1.5 * (1 - share), rel=0.15)
    assert after.loc["CLN-04", "rank"] == 1
    assert after.loc["CLN-04", "ci_high"] < 0


def _simulate(rng: np.random.Generator, n: int) -> pd.DataFrame:
    conditions = np.array(["back", "neck", "shoulder"])
    cond = rng.choice(3, size=n)
    baseline = rng.integers(3, 10, size=n).astype(float)
    change = 1.0 - 0.5 * baseline + np.array([0.0, -0.6, 0.4])[cond] + rng.normal(0, 1.5, n)
    return pd.DataFrame(
        {"clinic_id": "x", "condition": conditions[cond], "baseline": baseline, "change": change}
    )


def test_variance_method_covers_for_a_clinic_new_to_the_reference() -> None:
    # Var(O - E) = sigma^2 / n + xbar' V xbar is exact for episodes independent of the
    # reference: over many reference/clinic draws from one model, the intervals cover 0
    # (the true O - E) at their nominal rate, and the variance of O - E across draws is
    # the mean of se^2. Without the model term (se_expected) they would undercover.
    rng = np.random.default_rng(20261205)
    estimates, ses, covered, covered_naive = [], [], 0, 0
    reps = 1500
    for _ in range(reps):
        reference = _simulate(rng, 60)
        clinic = _simulate(rng, 40)
        model = fit_risk_model(reference, adjust_for=("baseline", "condition"))
        row = observed_minus_expected(model, clinic, ["clinic_id"]).iloc[0]
        estimates.append(row["o_minus_e"])
        ses.append(row["se"])
        covered += row["ci_low"] <= 0 <= row["ci_high"]
        half = (row["ci_high"] - row["ci_low"]) / 2 * (model.sigma / math.sqrt(40)) / row["se"]
        covered_naive += abs(row["o_minus_e"]) <= half
    assert covered / reps == pytest.approx(0.95, abs=0.015)
    assert np.var(estimates) == pytest.approx(np.mean(np.square(ses)), rel=0.1)
    assert covered_naive / reps < 0.93


def test_risk_model_is_frozen_and_predicts(frozen: SessionData) -> None:
    model = fit_risk_model(frozen)
    assert isinstance(model, RiskModel)
    with pytest.raises(AttributeError):
        model.sigma = 1.0  # type: ignore[misc]
    table = completed_changes(frozen)
    resid = table["change"].to_numpy() - model.predict(table)
    assert resid.std(ddof=len(model.columns)) == pytest.approx(model.sigma, rel=1e-9)


# ---------------------------------------------------------------------------
# efficiency and completeness
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measures_r() -> dict[str, list[float]]:
    # registry_measures.Rout.txt: "<table> | <group> | <figure> <numbers>"
    return {label: _numbers(rest) for label, rest in _r_lines(MEASURES_OUT).items()}


@pytest.mark.parametrize("by", [None, "condition"])
def test_efficiency_matches_r_t_test(frozen: SessionData, measures_r, by) -> None:  # type: ignore[no-untyped-def]
    table = efficiency(frozen, by=by)
    assert len(table) == 3 * (1 if by is None else 9)
    for _, row in table.iterrows():
        group = "(all)" if by is None else row["condition"]
        n, mean, sd, low, high = measures_r[f"efficiency | {group} | {row['figure']}"]
        assert row["n"] == n
        assert row["mean"] == pytest.approx(mean, rel=1e-12)
        assert row["sd"] == pytest.approx(sd, rel=1e-9)
        assert row["ci_low"] == pytest.approx(low, rel=1e-9)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9)


@pytest.mark.parametrize("by", [None, "condition"])
def test_completeness_matches_r_prop_test(frozen: SessionData, measures_r, by) -> None:  # type: ignore[no-untyped-def]
    table = completeness(frozen, by=by)
    assert len(table) == 2 * (1 if by is None else 9)
    for _, row in table.iterrows():
        group = "(all)" if by is None else row["condition"]
        k, n, p, low, high = measures_r[f"completeness | {group} | {row['figure']}"]
        assert (row["count"], row["n"]) == (k, n)
        assert row["rate"] == pytest.approx(p, rel=1e-12)
        assert row["ci_low"] == pytest.approx(low, rel=1e-9, abs=1e-15)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9)
    assert (table["n_open"] > 0).any()  # open episodes counted apart, not in n


def test_completeness_partitions_the_completed_episodes(sample: SessionData) -> None:
    table = completeness(sample, by=None, measure="function:ndi")
    capture, lost = table.iloc[0], table.iloc[1]
    ep = sample.episodes("function:ndi")
    done = ep[~ep["open"].astype(bool)]
    closed = done[done["n_values"] > 0]  # the NDI is for neck pain: others never have it
    assert capture["n"] == len(closed) and capture["n_not_recorded"] == len(done) - len(closed)
    assert capture["n_not_recorded"] > capture["n"] > 0
    assert 0 < lost["count"] < capture["count"]
    assert capture["count"] == closed["final"].notna().sum()
    assert lost["count"] == (closed["baseline"].notna() & closed["final"].isna()).sum()
    assert capture["count"] + lost["count"] <= capture["n"]


def test_efficiency_by_quarter_and_bad_input(frozen: SessionData) -> None:
    table = efficiency(frozen, by="quarter")
    assert table["quarter"].str.fullmatch(r"\d{4}Q[1-4]").all()
    sessions = table[table["figure"] == "sessions_per_episode"]
    assert sessions["n"].sum() == (~frozen.episodes("pain")["open"].astype(bool)).sum()
    with pytest.raises(ValueError, match="cannot group by"):
        efficiency(frozen, by="shoe_size")
    with pytest.raises(ValueError, match="confidence"):
        completeness(frozen, confidence=0)


# ---------------------------------------------------------------------------
# trends, summary, plot
# ---------------------------------------------------------------------------


def test_quarterly_trends_match_r(frozen: SessionData, measures_r) -> None:  # type: ignore[no-untyped-def]
    trends = quarterly_trends(frozen, "2026Q2", n_quarters=8)
    assert len(trends) == 8 * 5
    assert trends["quarter"].iloc[0] == "2024Q3" and trends.attrs["report_quarter"] == "2026Q2"
    checked = 0
    for _, row in trends.iterrows():
        label = f"trends | {row['quarter']} | {row['figure']}"
        if label not in measures_r:  # 2024Q3, 2024Q4: before the data's first session
            assert math.isnan(row["value"]) and row["n"] == 0
            assert row["note"] == "outside the data's dates"
            continue
        checked += 1
        r = measures_r[label]
        if row["figure"] in ("patients", "completed_episodes"):
            assert row["value"] == r[0] and row["n"] == r[0]
        elif row["figure"] == "mean_pain_change":
            n, mean, _, low, high = r
            assert row["n"] == n and row["value"] == pytest.approx(mean, rel=1e-12)
            assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-9),
                                                       pytest.approx(high, rel=1e-9))  # fmt: skip
        else:
            k, n, p, low, high = r
            assert row["n"] == n and row["value"] == pytest.approx(p, rel=1e-12)
            assert round(row["value"] * row["n"]) == k
            assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-9),
                                                       pytest.approx(high, rel=1e-9))  # fmt: skip
    assert checked == 30


def test_trends_bad_quarter(frozen: SessionData) -> None:
    with pytest.raises(ValueError, match="quarter"):
        quarterly_trends(frozen, "2026-07")
    with pytest.raises(ValueError, match="n_quarters"):
        quarterly_trends(frozen, "2026Q2", n_quarters=0)
    assert quarterly_trends(frozen, "Q2 2026", n_quarters=2)["quarter"].iloc[-1] == "2026Q2"


def test_summary_is_written_from_the_numbers(frozen: SessionData) -> None:
    figures = summary_figures(frozen, "2026Q2")
    trends = quarterly_trends(frozen, "2026Q2", n_quarters=5)
    last = trends[trends["quarter"] == "2026Q2"].set_index("figure")
    assert figures["patients"]["value"] == last.loc["patients", "value"]
    assert figures["year_before"] == "2025Q2"
    sentences = plain_language_summary(frozen, "2026Q2", figures=figures)
    assert len(sentences) == 5 and sentences[-1] == SUMMARY_CAVEAT
    assert "no control group" in sentences[-1]
    pain = figures["mean_pain_change"]
    assert f"{int(figures['patients']['value'])} patients" in sentences[0]
    assert f"fell by {abs(pain['value']):.1f} points" in sentences[1]
    assert f"{abs(pain['ci_high']):.1f} to {abs(pain['ci_low']):.1f}" in sentences[1]
    assert "2025Q2" in sentences[1]
    assert sentences[2].startswith(f"{100 * figures['responder_rate']['value']:.0f}%")
    assert f"{100 * figures['side_effect_rate']['value']:.0f}% of sessions" in sentences[3]
    assert plain_language_summary(frozen, "2026Q2") == sentences


def test_summary_withholds_small_numbers(frozen: SessionData) -> None:
    sentences = plain_language_summary(frozen, "2026Q2", min_n=10_000)
    assert len(sentences) == 5
    assert all("fewer than 10000" in s.lower() for s in sentences[:4])
    figures = summary_figures(frozen, "2026Q2")
    assert not any(f"{int(figures['patients']['value'])}" in s for s in sentences[:1])


def test_plot_quarterly_trends(frozen: SessionData) -> None:
    trends = quarterly_trends(frozen, "2026Q1")
    fig = plot_quarterly_trends(trends)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "Patients seen", "Completed episodes", "Mean pain change (NPRS points)",
        "Moderate pain responders (%)", "Sessions with any side effect (%)",
    ]  # fmt: skip
    # the report quarter is marked: one shaded span per panel, at the last tick (2026Q1)
    for ax in visible:
        (span,) = ax.patches
        assert span.get_x() == pytest.approx(len(ax.get_xticks()) - 1 - 0.45)
    rates = visible[3].lines[0].get_ydata()
    expected = trends[trends["figure"] == "responder_rate"]["value"].to_numpy() * 100
    np.testing.assert_allclose(rates, expected)
    fig2 = plot_quarterly_trends(trends, "2025Q3")
    assert fig2.axes[0].patches[0].get_x() == pytest.approx(
        5 - 0.45
    )  # 2024Q2 ... 2025Q3: the sixth
    with pytest.raises(ValueError, match="not among"):
        plot_quarterly_trends(trends, "2019Q1")
    with pytest.raises(ValueError, match="lacks the columns"):
        plot_quarterly_trends(trends.drop(columns="ci_low"))
