"""Tests of the synthetic data generator and the shipped sample (tpdn_outcomes.datasets)."""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from samples import FOUR_CLINIC_SESSIONS_SHA256, four_clinic_path

from tpdn_outcomes import datasets, schema
from tpdn_outcomes.datasets import (
    ADVERSE_EVENT_RATES,
    FUNCTION_COLUMNS,
    MESSY_COLUMN_NAMES,
    ROM_COLUMNS,
    SAMPLE_FILES,
    ground_truth,
    make_messy,
    sample_frame,
    synthesize,
    to_long,
    wide_columns,
    write_sample,
)

ROOT = Path(__file__).resolve().parents[1]
DATA_SAMPLE = ROOT / "data" / "sample"
PACKAGE_SAMPLE = ROOT / "tpdn_outcomes" / "sample_data"
CSV_FILES = [f for f in SAMPLE_FILES if f.endswith((".csv", ".md"))]


def _read_text(path: Path) -> pd.DataFrame:
    """A CSV as the text in its cells ('' for blank)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return synthesize(n_patients=300, seed=42)


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    """20,000 patients with the generator's episode bookkeeping alongside."""
    wide, info = datasets._simulate(20_000, 4, "2025-01-01", 6, 2026)
    return pd.concat([wide, info], axis=1)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


# ---------------------------------------------------------------------------
# determinism and shape
# ---------------------------------------------------------------------------


def test_same_seed_same_frame_and_different_seed_differs() -> None:
    a = synthesize(n_patients=200, seed=5)
    b = synthesize(n_patients=200, seed=5)
    c = synthesize(n_patients=200, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert list(a.columns) == wide_columns()


def test_columns_dtypes_and_ids(small: pd.DataFrame) -> None:
    assert list(small.columns) == wide_columns()
    assert small["patient_id"].str.fullmatch(r"P\d{5}").all()
    assert small["clinic_id"].astype(str).str.fullmatch(r"CLN-0[1-4]").all()
    assert small["session_date"].dtype.kind == "M"
    for col in ("pain_pre", "pain_post", "needle_count", "session_number"):
        assert pd.api.types.is_integer_dtype(small[col].dtype), col
    ids = synthesize(n_patients=123_456, quarters=1, seed=1)["patient_id"]
    assert ids.str.fullmatch(r"P\d{6}").all()  # zero-padded to the width of n_patients


def test_small_arguments() -> None:
    wide = synthesize(n_patients=1, n_clinics=1, quarters=1, seed=3)
    assert len(wide) >= 1
    assert wide["clinic_id"].astype(str).eq("CLN-01").all()
    with pytest.raises(ValueError, match="at least 1"):
        synthesize(n_patients=0)


# ---------------------------------------------------------------------------
# the shipped files equal the generator's output
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [DATA_SAMPLE, PACKAGE_SAMPLE], ids=["data", "package"])
@pytest.mark.parametrize("name", CSV_FILES)
def test_shipped_text_files_are_the_generators_output(
    regenerated: Path, folder: Path, name: str
) -> None:
    shipped = folder / name
    assert shipped.is_file(), f"{shipped} is missing: run python -m tpdn_outcomes.datasets"
    assert shipped.read_bytes() == (regenerated / name).read_bytes(), (
        f"{shipped} differs from the generator's output: "
        "regenerate with `python -m tpdn_outcomes.datasets --out data/sample`"
    )


@pytest.mark.parametrize("folder", [DATA_SAMPLE, PACKAGE_SAMPLE], ids=["data", "package"])
def test_shipped_xlsx_is_the_generators_output(regenerated: Path, folder: Path) -> None:
    shipped = pd.read_excel(folder / "sessions.xlsx", sheet_name="sessions")
    fresh = pd.read_excel(regenerated / "sessions.xlsx", sheet_name="sessions")
    pd.testing.assert_frame_equal(shipped, fresh)


def test_xlsx_holds_the_csv_table_with_real_dates() -> None:
    sheet = pd.read_excel(DATA_SAMPLE / "sessions.xlsx", sheet_name="sessions")
    csv = pd.read_csv(DATA_SAMPLE / "sessions.csv")
    assert list(sheet.columns) == list(csv.columns)
    assert sheet["session_date"].dtype.kind == "M"
    assert (sheet["session_date"].dt.strftime("%Y-%m-%d") == csv["session_date"]).all()
    pd.testing.assert_frame_equal(
        sheet.drop(columns="session_date"),
        csv.drop(columns="session_date"),
        check_dtype=False,
    )


def test_csv_format(regenerated: Path) -> None:
    raw = (regenerated / "sessions.csv").read_bytes()
    assert b"\r\n" not in raw
    raw.decode("utf-8")
    text = _read_text(regenerated / "sessions.csv")
    assert list(text.columns) == wide_columns()
    assert text["session_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(text["twitch_response"]) <= {"yes", "no"}
    assert not text.apply(lambda s: s.str.endswith(".0")).any().any()  # whole numbers as 6
    assert "Unnamed: 0" not in text.columns


def test_writes_leave_no_temporary_files(regenerated: Path) -> None:
    assert sorted(p.name for p in regenerated.iterdir()) == sorted(SAMPLE_FILES)


def test_write_sample_with_few_patients(tmp_path: Path) -> None:
    paths = write_sample(tmp_path, n_patients=3, seed=9)
    assert sorted(paths) == sorted(SAMPLE_FILES)
    assert len(_read_text(paths["sessions.csv"])["patient_id"].unique()) == 3
    # too few patients for the planted problems: the messy file comes from a 600-patient draw
    assert len(_read_text(paths["sessions_with_errors.csv"])) > 100


def test_command_writes_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert datasets.main(["--out", str(tmp_path), "--patients", "40", "--no-package-copy"]) == 0
    assert "wrote sessions.csv" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SAMPLE_FILES)


def test_sample_path() -> None:
    assert datasets.sample_path("sessions.csv") == PACKAGE_SAMPLE / "sessions.csv"
    with pytest.raises(FileNotFoundError, match=r"sessions\.csv"):
        datasets.sample_path("nope.csv")


# ---------------------------------------------------------------------------
# realism against the ground truth
# ---------------------------------------------------------------------------

# Rounding to whole points/degrees and clipping to 0-10 (etc.) move the observed means
# slightly away from the generating means; measured: < 0.07 NPRS, < 0.3 deg/points.
ALLOWANCE = {"pain": 0.1, "rom": 0.5, "function": 0.5}


def _episode_change(large: pd.DataFrame, pre: str, post: str) -> pd.DataFrame:
    done = large[large["complete"]]
    first = done[done["first"]].set_index("episode")
    last = done[done["last"]].set_index("episode")
    change = (last[post].astype(float) - first[pre].astype(float)).dropna()
    cond = first["condition"].astype(str).reindex(change.index)
    return change.groupby(cond).agg(["mean", "std", "count"])


def _check(observed: pd.DataFrame, truth: pd.Series, allowance: float, what: str) -> None:
    for cond, row in observed.iterrows():
        se = row["std"] / np.sqrt(row["count"])
        tol = 4 * se + allowance
        assert abs(row["mean"] - truth[cond]) <= tol, (
            f"{what} for {cond}: observed {row['mean']:.3f}, truth {truth[cond]}, tolerance {tol:.3f}"
        )


def test_pain_change_per_condition_matches_ground_truth(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    observed = _episode_change(large, "pain_pre", "pain_post")
    assert set(observed.index) == set(schema.CONDITIONS)
    assert (observed["count"] > 300).all()
    _check(observed, gt["pain_change"], ALLOWANCE["pain"], "pain change")


def test_immediate_pain_change_matches_ground_truth(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    change = (large["pain_post"].astype(float) - large["pain_pre"].astype(float)).dropna()
    observed = change.groupby(large["condition"].astype(str)).agg(["mean", "std", "count"])
    _check(observed, gt["pain_immediate_change"], ALLOWANCE["pain"], "immediate pain change")


def test_baseline_pain_matches_ground_truth(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    first = large[large["first"]]
    observed = (
        first["pain_pre"]
        .astype(float)
        .groupby(first["condition"].astype(str))
        .agg(["mean", "std", "count"])
    )
    _check(observed, gt["pain_baseline"], ALLOWANCE["pain"], "baseline pain")


def test_rom_change_matches_ground_truth(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    seen = set()
    for site in ROM_COLUMNS:
        observed = _episode_change(large, f"rom_{site}_pre", f"rom_{site}_post")
        for cond in observed.index:
            assert site.startswith(gt.at[cond, "rom_site"]), (site, cond)
            seen.add(cond)
        _check(observed, gt["rom_change"], ALLOWANCE["rom"], f"ROM {site} change")
        within = (
            large[f"rom_{site}_post"].astype(float) - large[f"rom_{site}_pre"].astype(float)
        ).dropna()
        obs_within = within.groupby(large["condition"].astype(str)).agg(["mean", "std", "count"])
        obs_within = obs_within[obs_within["count"] > 0]
        _check(obs_within, gt["rom_immediate_change"], ALLOWANCE["rom"], f"ROM {site} immediate")
    assert seen == set(gt.index[gt["rom_site"] != ""])


def test_function_change_matches_ground_truth(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    seen = set()
    for inst in FUNCTION_COLUMNS:
        observed = _episode_change(large, f"{inst}_pre", f"{inst}_post")
        for cond in observed.index:
            assert gt.at[cond, "instrument"] == inst
            seen.add(cond)
        _check(observed, gt["function_change"], ALLOWANCE["function"], f"{inst} change")
    assert seen == set(gt.index[gt["instrument"] != ""])


def test_adverse_event_and_twitch_rates(large: pd.DataFrame) -> None:
    n = len(large)
    tokens = large["adverse_events"].astype(str).str.split(";")
    for event, rate in ADVERSE_EVENT_RATES.items():
        observed = tokens.map(lambda t, e=event: e in t).mean()
        se = np.sqrt(rate * (1 - rate) / n)
        assert abs(observed - rate) <= 4 * se, (event, observed, rate)
    none = (large["adverse_events"].astype(str) == "none").mean()
    expected_none = np.prod([1 - r for r in ADVERSE_EVENT_RATES.values()])
    assert abs(none - expected_none) <= 4 * np.sqrt(expected_none * (1 - expected_none) / n)
    twitch = (large["twitch_response"].astype(str) == "yes").mean()
    assert abs(twitch - datasets.TWITCH_RATE) <= 4 * np.sqrt(0.25 / n)


def test_condition_shares_and_missingness(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    first = large[large["first"]]
    shares = first["condition"].astype(str).value_counts(normalize=True)
    for cond, share in gt["episode_share"].items():
        assert abs(shares[cond] - share) < 0.015, cond
    missing = large["pain_post"].isna().mean()
    assert 0.02 < missing < 0.04
    assert large["pain_pre"].notna().all()
    assert 0.10 < first["episode"].map(large.groupby("episode").size()).le(2).mean() < 0.45


def test_categorical_values_are_in_the_vocabulary(large: pd.DataFrame) -> None:
    assert set(large["condition"].astype(str)) == set(schema.CONDITIONS)
    assert set(large["practitioner_role"].astype(str)) == set(schema.PRACTITIONER_ROLES)
    assert set(large["sex"].astype(str)) == set(schema.SEXES)
    assert set(large["twitch_response"].astype(str)) == {"yes", "no"}
    bands = set(large["age_band"].astype(str))
    assert all(schema.AGE_BAND_PATTERN.match(b) for b in bands)
    assert {"18-29", "90+"} <= bands
    for value in large["adverse_events"].astype(str).unique():
        events = value.split(";")
        assert events == sorted(events), value
        assert set(events) <= set(schema.ADVERSE_EVENTS), value
        assert value == "none" or "none" not in events
    for cond, muscles in large.groupby(large["condition"].astype(str))["muscles"]:
        for value in muscles.astype(str).unique():
            names = value.split(";")
            assert 1 <= len(names) <= 3 and len(set(names)) == len(names)
            assert set(names) <= set(datasets.MUSCLES[cond]), (cond, value)
    assert large["needle_count"].between(2, 12).all()
    # the ones the brief spells out
    neck = large.loc[large["condition"] == "neck_pain", "muscles"].astype(str)
    assert neck.str.contains("upper_trapezius").mean() > 0.5


def test_measures_are_within_schema_ranges(large: pd.DataFrame) -> None:
    for col in wide_columns()[12:]:
        stem = col.rsplit("_", 1)[0]
        measure = (
            "pain"
            if stem == "pain"
            else "rom:" + stem[4:]
            if stem.startswith("rom_")
            else "function:" + stem
        )
        spec = schema.measure_spec(measure)
        values = large[col].astype(float).dropna()
        assert len(values) > 0, col
        assert values.between(spec.low, spec.high).all(), col
        if spec.kind in ("pain", "rom"):
            assert (values == values.round()).all(), col


def test_rom_and_function_apply_to_their_conditions(large: pd.DataFrame) -> None:
    gt = ground_truth().set_index("condition")
    cond = large["condition"].astype(str)
    for site in ROM_COLUMNS:
        has = large[f"rom_{site}_pre"].notna()
        assert (
            cond[has].map(gt["rom_site"]).map(lambda s, x=site: x.startswith(s) and s != "").all()
        )
        # post without pre never happens in the clean data
        assert not (large[f"rom_{site}_post"].notna() & ~has).any()
    for inst in FUNCTION_COLUMNS:
        pre, post = large[f"{inst}_pre"].notna(), large[f"{inst}_post"].notna()
        assert (cond[pre | post].map(gt["instrument"]) == inst).all()
        assert large.loc[pre, "first"].all() and large.loc[post, "last"].all()
        assert large.loc[post, "complete"].all()
    # every shoulder-pain episode measures one side only
    shoulder = large[cond == "shoulder_pain"]
    both = (
        shoulder["rom_shoulder_abduction_left_pre"].notna()
        & shoulder["rom_shoulder_abduction_right_pre"].notna()
    )
    assert not both.any()


def test_episodes_sessions_and_dates(large: pd.DataFrame) -> None:
    frame = large.sort_values(["patient_id", "session_date"], kind="stable")
    assert frame.index.equals(large.index)  # already in patient, date order
    assert not large.duplicated(["patient_id", "session_date"]).any()
    days = large["session_date"].to_numpy("datetime64[D]").astype(np.int64)
    pid = large["patient_id"].to_numpy()
    cond = large["condition"].astype(str).to_numpy()
    same = np.r_[False, (pid[1:] == pid[:-1]) & (cond[1:] == cond[:-1])]
    gap = np.r_[0, np.diff(days)]
    new_episode = ~same | (gap > schema.EPISODE_GAP_DAYS)
    position = np.arange(len(large)) - np.maximum.accumulate(
        np.where(new_episode, np.arange(len(large)), 0)
    )
    assert (large["session_number"].to_numpy() == position + 1).all()
    within = gap[~new_episode]
    assert within.min() >= 5 and within.max() <= 10
    assert large["session_number"].between(1, 8).all()
    assert large["session_date"].min() >= pd.Timestamp("2025-01-01")
    assert large["session_date"].max() <= pd.Timestamp("2026-06-30")
    # generator bookkeeping agrees with the episode rule
    assert (np.cumsum(new_episode) - 1 == pd.factorize(large["episode"])[0]).all()
    # some second episodes, and the latest episodes are still open
    per_patient = large.groupby("patient_id")["episode"].nunique()
    assert 0.08 < (per_patient > 1).mean() < 0.2
    # the latest episodes are cut off by the data's end: still open, not complete
    cut = large[large["truncated"]]
    assert cut["episode"].nunique() > 200
    assert not cut["complete"].any() and not cut["last"].any()
    assert (cut.groupby("episode")["session_date"].max() >= pd.Timestamp("2026-06-20")).all()


# ---------------------------------------------------------------------------
# long form
# ---------------------------------------------------------------------------


def test_to_long_keeps_every_value_and_nothing_else(small: pd.DataFrame) -> None:
    index, measures = to_long(small)
    assert list(index.columns) == list(datasets._SESSION_INDEX_COLUMNS)
    assert index["session_id"].is_unique and index["session_id"].str.fullmatch(r"S\d{6}").all()
    assert list(measures.columns) == ["session_id", "measure", "timing", "value", "unit"]
    measure_cols = wide_columns()[12:]
    assert len(measures) == int(small[measure_cols].notna().sum().sum())
    assert measures["value"].notna().all()
    assert set(measures["timing"].astype(str)) == {"pre", "post"}
    for name, unit in measures.groupby("measure", observed=True)["unit"].first().items():
        assert schema.measure_spec(str(name)).unit == unit
    assert set(measures["unit"].astype(str)) == {"nprs", "deg", "mm", "points"}
    # back to wide
    back = measures.assign(
        column=measures["measure"]
        .astype(str)
        .str.replace("rom:", "rom_", regex=False)
        .str.replace("function:", "", regex=False)
        + "_"
        + measures["timing"].astype(str)
    ).pivot(index="session_id", columns="column", values="value")
    back = back.reindex(index=index["session_id"], columns=measure_cols)
    expected = small[measure_cols].astype(float)
    np.testing.assert_array_equal(back.to_numpy(), expected.to_numpy())
    pd.testing.assert_series_equal(
        index["patient_id"], small["patient_id"], check_names=False, check_index=False
    )


def test_long_files_match_wide_file() -> None:
    wide = _read_text(DATA_SAMPLE / "sessions.csv")
    index = _read_text(DATA_SAMPLE / "sessions_index.csv")
    measures = _read_text(DATA_SAMPLE / "measures_long.csv")
    assert len(index) == len(wide)
    pd.testing.assert_frame_equal(index.drop(columns="session_id"), wide[index.columns[1:]])
    cells = (wide[wide_columns()[12:]] != "").sum().sum()
    assert len(measures) == cells


# ---------------------------------------------------------------------------
# the messy file
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messy_pair() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    wide = synthesize(n_patients=datasets.DEFAULT_PATIENTS, seed=datasets.DEFAULT_SEED)
    clean = datasets._messy_slice(wide)
    messy, planted = make_messy(clean, seed=datasets.MESSY_SEED)
    return clean, messy, planted


def test_planted_list_is_consistent_with_the_csv(messy_pair) -> None:
    _, messy, planted = messy_pair
    text = _read_text(DATA_SAMPLE / "sessions_with_errors.csv")
    pd.testing.assert_frame_equal(text, messy.astype(object).astype(str), check_dtype=False)
    assert list(planted.columns) == ["row", "column", "value", "check", "severity"]
    for r in planted.itertuples(index=False):
        assert text.at[r.row - 2, r.column] == r.value, r
    checks = planted["check"].value_counts()
    expected = {
        "unknown_condition", "out_of_range", "invalid_number", "invalid_date",
        "date_out_of_range", "duplicate_session", "post_without_pre", "invalid_boolean",
        "invalid_category", "missing_value", "implausible_change",
    }  # fmt: skip
    assert set(checks.index) == expected
    assert checks["out_of_range"] == 4 and checks["invalid_category"] == 3
    assert set(planted.loc[planted["check"] == "implausible_change", "severity"]) == {"warning"}
    assert set(planted.loc[planted["check"] != "implausible_change", "severity"]) == {"error"}
    assert planted["row"].is_unique  # one problem per row
    # the duplicate is an exact copy of the row above it
    dup = int(planted.loc[planted["check"] == "duplicate_session", "row"].iloc[0])
    assert text.iloc[dup - 2].equals(text.iloc[dup - 3])
    # the implausible change is 1 -> 9
    imp = int(planted.loc[planted["check"] == "implausible_change", "row"].iloc[0])
    assert (text.at[imp - 2, "NPRS pre"], text.at[imp - 2, "NPRS post"]) == ("1", "9")
    # post without pre: pre blank
    pwp = int(planted.loc[planted["check"] == "post_without_pre", "row"].iloc[0])
    assert text.at[pwp - 2, "NPRS pre"] == ""


def test_messy_file_is_clean_apart_from_planted_rows(messy_pair) -> None:
    clean, _, planted = messy_pair
    text = _read_text(DATA_SAMPLE / "sessions_with_errors.csv")
    dup = int(planted.loc[planted["check"] == "duplicate_session", "row"].iloc[0])
    file_rows = [r for r in range(2, len(text) + 2) if r != dup]  # rows of the clean slice
    assert len(file_rows) == len(clean)
    bad = set(planted["row"])
    keep = [i for i, r in enumerate(file_rows) if r not in bad]
    assert len(keep) >= len(clean) - len(planted)
    messy = text.iloc[[file_rows[i] - 2 for i in keep]].reset_index(drop=True)
    # map the clinic's names and labels back to canonical ones
    back = {v: k for k, v in MESSY_COLUMN_NAMES.items()}
    messy = messy.rename(columns=back)[wide_columns()]
    messy["condition"] = messy["condition"].map(schema.canonical_condition)
    messy["practitioner_role"] = messy["practitioner_role"].map(
        lambda v: schema.PRACTITIONER_ROLE_ALIASES[schema.normalise_name(v)]
    )
    messy["sex"] = messy["sex"].map(lambda v: schema.SEX_ALIASES[schema.normalise_name(v)])
    messy["twitch_response"] = messy["twitch_response"].map(
        lambda v: "yes" if schema.BOOLEAN_VALUES[schema.normalise_name(v)] else "no"
    )
    expected = datasets._as_text(clean).iloc[keep].reset_index(drop=True).astype(object)
    pd.testing.assert_frame_equal(messy.astype(object), expected, check_dtype=False)


def test_messy_names_and_labels_are_accepted_aliases(messy_pair) -> None:
    _, messy, planted = messy_pair
    for name in messy.columns:
        norm = schema.normalise_name(name)
        if norm in schema.COLUMN_ALIASES:
            continue
        stem, _, timing = norm.rpartition("_")
        assert timing in schema.TIMING_ALIASES, name
        if stem in schema.PAIN_STEMS:
            continue
        if stem.startswith("rom_"):
            schema.measure_spec("rom:" + stem[4:])
            continue
        assert stem in schema.FUNCTION_ALIASES, name
    planted_rows = set(planted["row"] - 2)
    labels = messy["Diagnosis"].drop(index=list(planted_rows), errors="ignore")
    assert labels.map(schema.canonical_condition).notna().all()
    assert (labels != labels.map(schema.canonical_condition)).mean() > 0.8  # mostly aliases
    no_ids = re.compile(r"@|\d{3}[ -]\d{3}[ -]\d{4}")
    assert not messy.apply(lambda s: s.str.contains(no_ids)).any().any()


def test_make_messy_needs_suitable_rows() -> None:
    tiny = synthesize(n_patients=2, seed=1)
    with pytest.raises(ValueError, match="no row for"):
        make_messy(tiny)


def test_validator_reports_exactly_the_planted_problems(messy_pair) -> None:
    validate_mod = pytest.importorskip(
        "tpdn_outcomes.validate", reason="the validator is not there yet"
    )
    _, _, planted = messy_pair
    report = validate_mod.validate(DATA_SAMPLE / "sessions_with_errors.csv")
    table = report.table
    errors = table[table["severity"] == "error"]
    # an exact copy repeats both the date and the session number: either column will do
    either = {"Date", "Session No"}

    def cells(rows, columns, checks):
        return {
            (int(r), "Date|Session No" if k == "duplicate_session" and c in either else c, k)
            for r, c, k in zip(rows, columns, checks, strict=True)
        }

    got = cells(errors["row"], errors["column"], errors["check"])
    want_err = planted[planted["severity"] == "error"]
    assert got == cells(want_err["row"], want_err["column"], want_err["check"])
    warns = table[table["severity"] == "warning"]
    want_w = planted[planted["severity"] == "warning"]
    assert cells(warns["row"], warns["column"], warns["check"]) == cells(
        want_w["row"], want_w["column"], want_w["check"]
    )


# ---------------------------------------------------------------------------
# load_sample (runs once the loader is importable)
# ---------------------------------------------------------------------------


def _load(kind: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return datasets.load_sample(kind)


def test_load_sample_wide() -> None:
    pytest.importorskip("tpdn_outcomes.io", reason="the loader (tpdn_outcomes.io) is not there yet")
    data = _load("wide")
    wide = pd.read_csv(DATA_SAMPLE / "sessions.csv")
    assert len(data.sessions) == len(wide)
    assert data.report.ok
    assert set(data.report.table["check"]) <= {"single_session_episode", "long_gap"}
    assert data.sessions["patient_id"].nunique() == wide["patient_id"].nunique()
    measures = pd.read_csv(DATA_SAMPLE / "measures_long.csv")
    assert len(data.measures) == len(measures)


@pytest.mark.parametrize("kind", ["long", "xlsx"])
def test_load_sample_kinds_agree(kind: str) -> None:
    pytest.importorskip("tpdn_outcomes.io", reason="the loader (tpdn_outcomes.io) is not there yet")
    a, b = _load("wide"), _load(kind)
    cols = ["patient_id", "episode_id", "session_date", "session_number", "condition"]
    pd.testing.assert_frame_equal(
        a.sessions[cols].reset_index(drop=True), b.sessions[cols].reset_index(drop=True)
    )
    key = ["measure", "timing", "value"]
    ma = a.measures.merge(
        a.sessions[["session_id", "source_row"]], on="session_id", suffixes=("", "_s")
    )
    mb = b.measures.merge(
        b.sessions[["session_id", "source_row"]], on="session_id", suffixes=("", "_s")
    )
    sa = ma.assign(measure=ma["measure"].astype(str), timing=ma["timing"].astype(str))
    sb = mb.assign(measure=mb["measure"].astype(str), timing=mb["timing"].astype(str))
    sa = sa.sort_values(["source_row_s", *key]).reset_index(drop=True)
    sb = sb.sort_values(["source_row_s", *key]).reset_index(drop=True)
    pd.testing.assert_frame_equal(sa[["source_row_s", *key]], sb[["source_row_s", *key]])


def test_load_sample_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        datasets.load_sample("parquet")  # type: ignore[arg-type]


def test_clinic_weights_set_the_clinics_sizes() -> None:
    # the default is the linear fall from 1.6 to 0.7: passing it gives the same table
    default = synthesize(n_patients=200, n_clinics=3, seed=4)
    explicit = synthesize(n_patients=200, n_clinics=3, seed=4, clinic_weights=[1.6, 1.15, 0.7])
    assert default.equals(explicit)
    wide = synthesize(n_patients=3000, n_clinics=3, seed=4, clinic_weights=[4, 1, 1])
    share = wide.groupby("clinic_id", observed=True)["patient_id"].nunique() / 3000
    assert share["CLN-01"] == pytest.approx(4 / 6, abs=0.03)
    assert share["CLN-03"] == pytest.approx(1 / 6, abs=0.03)
    for bad in ([1, 0, 1], [1, float("nan"), 1]):
        with pytest.raises(ValueError, match="clinic_weights must be one or more positive"):
            synthesize(n_patients=50, n_clinics=3, clinic_weights=bad)


# ---------------------------------------------------------------------------
# the four-clinic sample the R-referenced tests use
# ---------------------------------------------------------------------------


def test_four_clinic_sample_is_the_sample_shipped_before_the_network(sample) -> None:
    """The ``sample`` fixture's file is byte for byte the ``data/sample/sessions.csv`` of
    main at fac2832 (before the seven-clinic network), so the R-referenced values hold."""
    text = four_clinic_path("sessions.csv").read_bytes()
    assert hashlib.sha256(text).hexdigest() == FOUR_CLINIC_SESSIONS_SHA256
    assert sample_frame("four_clinics").equals(synthesize())
    assert sample.sessions.shape == (2726, 15)
    assert sample.measures.shape == (11988, 6)
    assert sorted(sample.sessions["clinic_id"].unique()) == [f"CLN-0{i}" for i in range(1, 5)]


def test_shipped_sample_is_a_seven_clinic_network(network) -> None:
    """Issue 21 item 5: 7 clinics over 8 quarters to the export date's quarter, one large
    clinic with about 150 completed episodes a quarter, the smallest with about 40
    (completed as the report counts them: ending in the quarter and not open)."""
    ep = network.episodes("pain")
    done = ep[~ep["open"].fillna(False).to_numpy(dtype=bool)]
    counts = pd.crosstab(done["clinic_id"].astype(str), done["last_date"].dt.to_period("Q"))
    assert list(counts.index) == [f"CLN-0{i}" for i in range(1, 8)]
    assert [str(q) for q in counts.columns] == [
        "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"
    ]  # fmt: skip
    assert str(pd.Period(datasets.SAMPLE_EXPORT_DATE, "D") - 1) == "2026-06-30"
    # the full quarters (the first has no episodes carried in; the last ends with open ones)
    steady = counts.iloc[:, 1:-1].mean(axis=1)
    assert 130 <= steady["CLN-01"] <= 170
    assert 33 <= steady["CLN-07"] <= 47
    assert steady.iloc[1:].max() < 100  # one large clinic, the others small
    assert (counts.iloc[:, -1] >= 25).all()  # the report quarter still has every clinic
