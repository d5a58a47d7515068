"""The generator: a vectorised draw of patients, episodes and sessions (:func:`synthesize`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.datasets.design import (
    ADVERSE_EVENT_RATES,
    CONDITION_PARAMS,
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    DROPOUT_RATE,
    FUNCTION_COLUMNS,
    FUNCTION_POST_MISSING,
    MUSCLES,
    PAIN_POST_MISSING,
    RECURRENCE_SHARE,
    ROM_COLUMNS,
    ROM_MISSING,
    SECOND_EPISODE_RATE,
    TWITCH_RATE,
    wide_columns,
)

#: Planned sessions per course: values 2..8 and their probabilities.
_PLANNED_SESSIONS = (np.arange(2, 9), np.array([0.10, 0.17, 0.20, 0.18, 0.14, 0.11, 0.10]))

_ROLES = ("physical_therapist", "chiropractor", "physician", "other")
_ROLE_P = np.array([0.78, 0.12, 0.08, 0.02])
_AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")
_AGE_P = np.array([0.12, 0.18, 0.22, 0.21, 0.15, 0.09, 0.025, 0.005])
_SEXES = ("female", "male", "other", "unknown")
_SEX_OTHER, _SEX_UNKNOWN = 0.005, 0.015
# decimals recorded per instrument (PSFS is a mean of 0-10 items; FIQR and QuickDASH are
# computed scores with fractions)
_FUNCTION_DECIMALS = {"ndi": 0, "hit6": 0, "fiqr": 1, "odi": 0, "psfs": 1, "quickdash": 1}
# spreads of the latent model (see ground_truth Notes)
_SD = {
    "pain_baseline": 1.3,
    "pain_rel_change": 0.18,
    "pain_noise": 0.5,
    "pain_immediate": 0.6,
    "rom_baseline_rel": 0.16,
    "rom_change_rel": 0.10,
    "rom_noise_rel": 0.04,
    "rom_immediate_rel": 0.04,
    "function_baseline_rel": 0.22,
    "function_rel_change": 0.18,
    "function_noise_rel": 0.03,
}
_SESSION_INTERVAL = (5, 10)  # days between sessions, inclusive


def _combo_strings(
    names: Sequence[str], order: Sequence[int] | np.ndarray | None = None
) -> list[str]:
    """Strings for every bit mask over ``names`` (bit i = names[i]); 0 -> ''."""
    idx = [int(i) for i in order] if order is not None else list(range(len(names)))
    out = []
    for mask in range(1 << len(names)):
        out.append(";".join(names[i] for i in idx if mask >> i & 1))
    return out


def _weighted_subset_masks(
    rng: np.random.Generator, n: int, n_items: int, k: np.ndarray
) -> np.ndarray:
    """Bit masks of ``k[i]`` distinct items out of ``n_items``, earlier items likelier."""
    weights = 1.0 / np.arange(1, n_items + 1)
    keys = rng.exponential(size=(n, n_items)) / weights  # exponential race
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    chosen = ranks < k[:, None]
    return (chosen * (1 << np.arange(n_items))).sum(axis=1)


def _round(values: np.ndarray, decimals: int, low: float, high: float) -> np.ndarray:
    return np.clip(np.round(values, decimals), low, high)


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Float values (NaN for missing) -> nullable Int64."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _clinic_shares(clinics: int | Sequence[float]) -> np.ndarray:
    """Clinic shares: ``clinics`` of them sized from 1.6 down to 0.7, or as given."""
    if isinstance(clinics, (int, np.integer)):
        if clinics < 1:
            raise ValueError("n_patients, n_clinics and quarters must be at least 1")
        w = np.linspace(1.6, 0.7, int(clinics))
        return w / w.sum()
    w = np.asarray(clinics, dtype=np.float64)
    if w.ndim != 1 or len(w) < 1 or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(
            f"clinic_weights must be one or more positive numbers, not {list(clinics)!r}"
        )
    return w / w.sum()


def simulate(
    n_patients: int,
    n_clinics: int | Sequence[float],
    start: str,
    quarters: int,
    seed: int,
    ae_shift: tuple[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wide table and, per session, the generator's bookkeeping.

    ``n_clinics`` is a number of clinics (sized 1.6 down to 0.7) or their relative sizes.

    The second frame (aligned with the first) has ``episode`` (episode number),
    ``complete`` (the planned course, not stopped early, ended within the data),
    ``first``/``last`` (first/last session of the episode as generated) and
    ``truncated`` (the episode runs past the data's end, so its last sessions are missing).
    """
    if n_patients < 1 or quarters < 1:
        raise ValueError("n_patients, n_clinics and quarters must be at least 1")
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start).normalize()
    window = int((t0 + pd.DateOffset(months=3 * quarters) - t0).days)
    # the draws, in this order (the same seed gives the same table)
    pat = _draw_patients(rng, n_patients, n_clinics)
    ep = _draw_episodes(rng, pat)
    ses = _draw_session_days(rng, ep, window)
    pain_pre, pain_post, twitch = _draw_pain(rng, pat, ep, ses)
    rom, rom_post = _draw_rom(rng, pat, ep, ses)
    fun, fun_post = _draw_function(rng, pat, ep, ses)
    muscle_codes, muscle_cats, needle = _draw_muscles(rng, ep, ses)
    ae_mask, ae_cats = _draw_adverse_events(rng, ses, t0, ae_shift)

    sel = np.flatnonzero(ses.day < window)  # sessions after the data's end are not exported
    sp = ep.patient[ses.ep[sel]]
    se = ses.ep[sel]
    data: dict[str, Any] = {
        **_id_columns(pat, ep, ses, t0, sel),
        "practitioner_role": _cat(ep.role[se], _ROLES),
        "muscles": _cat(muscle_codes[sel], muscle_cats),
        "needle_count": needle[sel].astype(np.int64),
        "twitch_response": _cat(twitch[sel].astype(np.int64), ["no", "yes"]),
        "adverse_events": _cat(ae_mask[sel], ae_cats),
        "age_band": _cat(pat.age[sp], _AGE_BANDS),
        "sex": _cat(ep.sex[sp], _SEXES),
        "pain_pre": _int_array(pain_pre[sel]),
        "pain_post": _int_array(pain_post[sel]),
    }
    for c in ROM_COLUMNS:
        data[f"rom_{c}_pre"] = _int_array(rom[c][sel])
        data[f"rom_{c}_post"] = _int_array(rom_post[c][sel])
    for c in FUNCTION_COLUMNS:
        if _FUNCTION_DECIMALS[c] == 0:
            data[f"{c}_pre"] = _int_array(fun[c][sel])
            data[f"{c}_post"] = _int_array(fun_post[c][sel])
        else:
            data[f"{c}_pre"] = fun[c][sel]
            data[f"{c}_post"] = fun_post[c][sel]
    wide = pd.DataFrame({c: data[c] for c in wide_columns()}, copy=False)
    info = pd.DataFrame(
        {
            "episode": se,
            "complete": ses.complete[se],
            "first": ses.first[sel],
            "last": ses.last[sel],
            "truncated": (ses.ep_start + ses.duration)[se] >= window,
        }
    )
    return wide, info


def _per_condition(field: str) -> np.ndarray:
    """A parameter of :data:`CONDITION_PARAMS`, one value per condition in schema order."""
    params = [CONDITION_PARAMS[c] for c in schema.CONDITIONS]
    return np.array([getattr(p, field) for p in params], dtype=np.float64)


def _cat(codes: np.ndarray, cats: Sequence[str]) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(list(cats)))


@dataclass
class _Patients:
    """Per patient: clinic, age band, a random effect ``u`` and the number of episodes."""

    n: int
    clinic_p: np.ndarray  # the clinics' shares
    clinic_eff: np.ndarray  # the clinics' effects on the pain change
    clinic: np.ndarray
    age: np.ndarray
    u: np.ndarray
    n_eps: np.ndarray


@dataclass
class _Episodes:
    """Per episode: patient, condition, role, planned and observed sessions (``second``:
    the positions of second episodes, ``recur``: which of them recur); per patient: sex."""

    m: int
    patient: np.ndarray
    first: np.ndarray
    cond: np.ndarray
    second: np.ndarray
    recur: np.ndarray
    role: np.ndarray
    k_plan: np.ndarray
    k_obs: np.ndarray
    sex: np.ndarray


@dataclass
class _Sessions:
    """Per session: its episode, position ``j`` (0-based), day (from the first day of the
    data) and place in the course (``frac``); per episode: first session, start, duration
    and whether it is complete."""

    total: int
    ep: np.ndarray
    ep_start_idx: np.ndarray
    j: np.ndarray
    day: np.ndarray
    frac: np.ndarray
    first: np.ndarray
    last: np.ndarray
    ep_start: np.ndarray
    duration: np.ndarray
    complete: np.ndarray


def _draw_patients(rng: np.random.Generator, n: int, n_clinics: int | Sequence[float]) -> _Patients:
    clinic_p = _clinic_shares(n_clinics)
    k = len(clinic_p)
    clinic = rng.choice(k, size=n, p=clinic_p)
    clinic_eff = np.linspace(0.06, -0.06, k)
    clinic_eff -= (clinic_p * clinic_eff).sum()  # weighted mean zero
    age = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_P)
    u_patient = rng.standard_normal(n)
    n_eps = 1 + (rng.random(n) < SECOND_EPISODE_RATE)
    return _Patients(n, clinic_p, clinic_eff, clinic, age, u_patient, n_eps)


def _draw_episodes(rng: np.random.Generator, pat: _Patients) -> _Episodes:
    n, n_cond = pat.n, len(schema.CONDITIONS)
    m = int(pat.n_eps.sum())
    ep_patient = np.repeat(np.arange(n), pat.n_eps)
    ep_first = np.ones(m, dtype=bool)
    ep_first[1:] = ep_patient[1:] != ep_patient[:-1]
    share = _per_condition("share")
    cond = rng.choice(n_cond, size=m, p=share / share.sum())
    second = np.flatnonzero(~ep_first)
    recur = rng.random(second.size) < RECURRENCE_SHARE
    prev = cond[second - 1]
    clash = ~recur & (cond[second] == prev)
    cond[second[clash]] = (prev[clash] + rng.integers(1, n_cond, clash.sum())) % n_cond
    cond[second[recur]] = prev[recur]
    role = rng.choice(len(_ROLES), size=m, p=_ROLE_P)
    k_plan = rng.choice(_PLANNED_SESSIONS[0], size=m, p=_PLANNED_SESSIONS[1])
    drop = rng.random(m) < DROPOUT_RATE
    k_obs = np.where(drop, np.minimum(rng.integers(1, 3, m), k_plan - 1), k_plan)

    # sex depends on the condition of the first episode
    p_fem = _per_condition("share_female")[cond[ep_first]]
    u = rng.random(n)
    sex = np.where(
        u < _SEX_OTHER,
        2,
        np.where(u < _SEX_OTHER + _SEX_UNKNOWN, 3, np.where(rng.random(n) < p_fem, 0, 1)),
    )
    return _Episodes(m, ep_patient, ep_first, cond, second, recur, role, k_plan, k_obs, sex)


def _draw_session_days(rng: np.random.Generator, ep: _Episodes, window: int) -> _Sessions:
    k_obs, second, recur = ep.k_obs, ep.second, ep.recur
    s_total = int(k_obs.sum())
    sess_ep = np.repeat(np.arange(ep.m), k_obs)
    ep_start_idx = np.cumsum(k_obs) - k_obs
    j = np.arange(s_total) - ep_start_idx[sess_ep]  # 0-based position in the episode
    gaps = rng.integers(_SESSION_INTERVAL[0], _SESSION_INTERVAL[1] + 1, s_total)
    gaps[j == 0] = 0
    cs = np.cumsum(gaps)
    offset = cs - cs[ep_start_idx][sess_ep]
    duration = offset[ep_start_idx + k_obs - 1]
    ep_start = rng.integers(0, window, ep.m)
    gap2 = np.where(
        recur,
        rng.integers(schema.EPISODE_GAP_DAYS + 1, 300, second.size),
        rng.integers(7, 150, second.size),
    )
    ep_start[second] = ep_start[second - 1] + duration[second - 1] + gap2
    day = ep_start[sess_ep] + offset
    complete = (k_obs == ep.k_plan) & (ep_start + duration < window)
    frac = j / np.maximum(ep.k_plan[sess_ep] - 1, 1)
    last = np.zeros(s_total, dtype=bool)
    last[ep_start_idx + k_obs - 1] = True
    first = j == 0
    return _Sessions(
        s_total, sess_ep, ep_start_idx, j, day, frac, first, last, ep_start, duration, complete
    )


def _draw_pain(
    rng: np.random.Generator, pat: _Patients, ep: _Episodes, ses: _Sessions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pain before and after needling, and the twitch responses, per session."""
    m, cond, sess_ep, s_total = ep.m, ep.cond, ses.ep, ses.total
    # latent episode parameters
    pt = ep.patient
    ep_u = 0.6 * pat.u[pt] + 0.8 * rng.standard_normal(m)
    c_eff = pat.clinic_eff[pat.clinic[pt]]
    pb = _per_condition("pain_baseline")[cond]
    pc = _per_condition("pain_change")[cond]
    pi = _per_condition("pain_immediate")[cond]
    base = np.clip(pb + _SD["pain_baseline"] * rng.standard_normal(m), 1.0, 10.0)
    g = -(pc - pi) / pb + _SD["pain_rel_change"] * ep_u + c_eff
    d_pain = -base * g

    # session values
    twitch = rng.random(s_total) < TWITCH_RATE
    imm = (
        pi[sess_ep]
        - 0.3 * (twitch - TWITCH_RATE)
        + _SD["pain_immediate"] * rng.standard_normal(s_total)
    )
    pre_latent = (
        base[sess_ep]
        + d_pain[sess_ep] * ses.frac
        + _SD["pain_noise"] * rng.standard_normal(s_total)
    )
    pain_pre = _round(pre_latent, 0, 0, 10)
    pain_post = _round(pre_latent + imm, 0, 0, 10)
    pain_post[rng.random(s_total) < PAIN_POST_MISSING] = np.nan
    return pain_pre, pain_post, twitch


def _draw_rom(
    rng: np.random.Generator, pat: _Patients, ep: _Episodes, ses: _Sessions
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Range of motion before and after needling, per ROM column and session."""
    m, cond, pt, sess_ep, s_total, frac = ep.m, ep.cond, ep.patient, ses.ep, ses.total, ses.frac
    s_cond = cond[sess_ep]
    rom: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in ROM_COLUMNS}
    rom_post: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in ROM_COLUMNS}
    rom_missing = rng.random(s_total) < ROM_MISSING
    right_side = rng.random(m) < 0.6
    for ci, cname in enumerate(schema.CONDITIONS):
        cp = CONDITION_PARAMS[cname]
        site, sides = cp.rom_site, cp.rom_sides
        if not site:
            continue
        unit_high = schema.ROM_SITES[site].high
        rb, rc, ri = cp.rom_baseline, cp.rom_change, cp.rom_immediate
        eps = np.flatnonzero(cond == ci)
        ep_base = rb * (1 + _SD["rom_baseline_rel"] * rng.standard_normal(eps.size))
        ep_d = (rc - ri) + rb * _SD["rom_change_rel"] * (
            0.6 * pat.u[pt[eps]] + 0.8 * rng.standard_normal(eps.size)
        )
        where_ep = np.full(m, -1)
        where_ep[eps] = np.arange(eps.size)
        rows = np.flatnonzero((s_cond == ci) & ~rom_missing)
        k = where_ep[sess_ep[rows]]
        if sides == "both":
            targets = [(f"{site}_left", rows, k), (f"{site}_right", rows, k)]
        elif sides == "affected":
            is_right = right_side[sess_ep[rows]]
            targets = [
                (f"{site}_left", rows[~is_right], k[~is_right]),
                (f"{site}_right", rows[is_right], k[is_right]),
            ]
        else:
            targets = [(site, rows, k)]
        for col, r, kk in targets:
            side_base = ep_base[kk] + rb * 0.03 * rng.standard_normal(r.size)
            latent = (
                side_base
                + ep_d[kk] * frac[r]
                + rb * _SD["rom_noise_rel"] * rng.standard_normal(r.size)
            )
            post = latent + ri + rb * _SD["rom_immediate_rel"] * rng.standard_normal(r.size)
            rom[col][r] = _round(latent, 0, 0, unit_high)
            rom_post[col][r] = _round(post, 0, 0, unit_high)
    return rom, rom_post


def _draw_function(
    rng: np.random.Generator, pat: _Patients, ep: _Episodes, ses: _Sessions
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Function questionnaires: ``_pre`` at the first session of an episode, ``_post`` at
    the last session of a completed episode (when returned)."""
    m, cond, pt, s_total = ep.m, ep.cond, ep.patient, ses.total
    ep_start_idx, k_obs, complete = ses.ep_start_idx, ep.k_obs, ses.complete
    fun: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in FUNCTION_COLUMNS}
    fun_post: dict[str, np.ndarray] = {c: np.full(s_total, np.nan) for c in FUNCTION_COLUMNS}
    returned = rng.random(m) >= FUNCTION_POST_MISSING
    for ci, cname in enumerate(schema.CONDITIONS):
        cp = CONDITION_PARAMS[cname]
        inst = cp.instrument
        if not inst:
            continue
        ins = schema.FUNCTION_INSTRUMENTS[inst]
        lo, hi, better = ins.low, ins.high, ins.higher_is_better
        fb, fc = cp.function_baseline, cp.function_change
        dec = _FUNCTION_DECIMALS[inst]
        eps = np.flatnonzero(cond == ci)
        span = hi - lo
        pre = np.clip(
            fb + span * _SD["function_baseline_rel"] / 2 * rng.standard_normal(eps.size), lo, hi
        )
        room_mean = (hi - fb) if better else (fb - lo)
        room = (hi - pre) if better else (pre - lo)
        gf = abs(fc) / room_mean + _SD["function_rel_change"] * (
            0.6 * pat.u[pt[eps]] + 0.8 * rng.standard_normal(eps.size)
        )
        gf = np.clip(gf, -0.5, 1.0)
        post = (
            pre
            + np.sign(fc) * room * gf
            + span * _SD["function_noise_rel"] * rng.standard_normal(eps.size)
        )
        first_rows = ep_start_idx[eps]
        last_rows = (ep_start_idx + k_obs - 1)[eps]
        fun[inst][first_rows] = _round(pre, dec, lo, hi)
        done = complete[eps] & returned[eps]
        fun_post[inst][last_rows[done]] = _round(post[done], dec, lo, hi)
    return fun, fun_post


def _draw_muscles(
    rng: np.random.Generator, ep: _Episodes, ses: _Sessions
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Muscles needled (codes into the categories of their combinations) and needles."""
    s_total, s_cond = ses.total, ep.cond[ses.ep]
    n_mus = rng.choice(np.array([1, 2, 3]), size=s_total, p=[0.30, 0.45, 0.25])
    muscle_codes = np.zeros(s_total, dtype=np.int64)
    seen: dict[str, int] = {}
    for ci, cname in enumerate(schema.CONDITIONS):
        names = MUSCLES[cname]
        rows = np.flatnonzero(s_cond == ci)
        masks = _weighted_subset_masks(
            rng, rows.size, len(names), np.minimum(n_mus[rows], len(names))
        )
        strings = _combo_strings(names)
        lookup = np.array([seen.setdefault(s, len(seen)) for s in strings])
        muscle_codes[rows] = lookup[masks]
    muscle_cats = list(seen)
    needle = np.clip(2 * n_mus + rng.integers(0, 5, s_total), 2, 12)
    return muscle_codes, muscle_cats, needle


def _draw_adverse_events(
    rng: np.random.Generator,
    ses: _Sessions,
    t0: pd.Timestamp,
    ae_shift: tuple[str, float] | None,
) -> tuple[np.ndarray, list[str]]:
    """Adverse events per session, as bit masks into their combinations' categories."""
    ae_names = list(ADVERSE_EVENT_RATES)
    ae_rates = np.array(list(ADVERSE_EVENT_RATES.values()))
    draws = rng.random((ses.total, len(ae_names)))
    rates = np.broadcast_to(ae_rates, draws.shape)
    if ae_shift is not None:  # a month in which every side effect is more frequent
        month, factor = ae_shift
        when = (np.datetime64(t0.date(), "D") + ses.day).astype("datetime64[M]")
        hit = when == np.datetime64(month, "M")
        rates = np.where(hit[:, None], np.minimum(ae_rates * factor, 1.0), rates)
    ae_mask = ((draws < rates) * (1 << np.arange(len(ae_names)))).sum(axis=1)
    ae_order = np.argsort(ae_names)
    ae_cats = ["none" if s == "" else s for s in _combo_strings(ae_names, order=ae_order)]
    return ae_mask, ae_cats


def _id_columns(
    pat: _Patients, ep: _Episodes, ses: _Sessions, t0: pd.Timestamp, sel: np.ndarray
) -> dict[str, Any]:
    """The columns that say whose session it is, when, where and for what."""
    n, n_clinics = pat.n, len(pat.clinic_p)
    width = max(5, len(str(n)))
    pid = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width).radd("P").to_numpy(object)
    cwidth = max(2, len(str(n_clinics)))
    clinic_names = [f"CLN-{i + 1:0{cwidth}d}" for i in range(n_clinics)]
    sp = ep.patient[ses.ep[sel]]
    se = ses.ep[sel]
    dates = (np.datetime64(t0.date(), "D") + ses.day[sel]).astype("datetime64[s]")
    return {
        "patient_id": pd.array(pid[sp], dtype="str"),
        "session_date": dates,
        "session_number": (ses.j[sel] + 1).astype(np.int64),
        "clinic_id": _cat(pat.clinic[sp], clinic_names),
        "condition": _cat(ep.cond[se], list(schema.CONDITIONS)),
    }


def synthesize(
    n_patients: int = DEFAULT_PATIENTS,
    n_clinics: int = 4,
    start: str = "2025-01-01",
    quarters: int = 6,
    seed: int = DEFAULT_SEED,
    ae_shift: tuple[str, float] | None = None,
    *,
    clinic_weights: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Make a realistic, anonymised wide session table (one row per needling session).

    Fully vectorised: 1.5 million patients (about 7 million sessions) take 10-15 s on
    a two-core machine.
    The same seed gives the same table.

    Parameters
    ----------
    n_patients : int, default 600
        Patients; each has one episode, 15 % a second one (a recurrence of the same
        condition more than 90 days later, or another condition).
    n_clinics : int, default 4
        Clinics ``CLN-01`` ...; larger clinics first (relative sizes 1.6 down to 0.7).
        Ignored when ``clinic_weights`` is given.
    start : str, default "2025-01-01"
        First day of the data (ISO date).
    quarters : int, default 6
        Length of the data in quarters; sessions after it are not in the table, so
        the latest episodes are still open.
    seed : int, default 20260101
        Seed of :func:`numpy.random.default_rng`.
    ae_shift : (str, float), optional
        A month (``"YYYY-MM"``) in which every side effect is ``factor`` times as frequent
        (capped at 1), for testing that a control chart finds a real shift. Without it the
        table is the same as before this option existed (the same random draws).
    clinic_weights : sequence of float, optional
        The clinics' relative sizes (patients are drawn in proportion), one per clinic,
        ``CLN-01`` first; for example ``(150, 80, 40)`` for one large and two small
        clinics. Without it the ``n_clinics`` clinics are sized 1.6 down to 0.7 (the
        same random draws as before this option existed).

    Returns
    -------
    DataFrame
        The columns of :func:`wide_columns`: ``patient_id`` (``P00001`` ..., str),
        ``session_date`` (datetime64), ``session_number`` (1.. within the episode),
        ``clinic_id``, ``condition``, ``practitioner_role``, ``muscles``
        (``;``-separated), ``needle_count`` (2-12), ``twitch_response`` (yes/no),
        ``adverse_events`` (``none`` or ``;``-separated events in alphabetical order),
        ``age_band``, ``sex`` (categoricals), ``pain_pre``/``pain_post`` (NPRS 0-10,
        Int64), ``rom_<site>_pre``/``_post`` (whole degrees or mm, Int64; blank where
        the site does not apply or was not measured) and ``<instrument>_pre``/``_post``
        (``_pre`` at the first session of the episode, ``_post`` at the last session
        of a completed episode; Int64 for ndi, hit6, odi; float with one decimal for
        fiqr, psfs, quickdash). Rows are in patient, then date order. Missing values
        are ``<NA>``/``NaN``.

    See Also
    --------
    ground_truth : the parameters behind the numbers.

    Examples
    --------
    >>> wide = synthesize(n_patients=50, seed=3)
    >>> wide[["patient_id", "session_number", "condition", "pain_pre"]].dtypes.astype(str).tolist()
    ['str', 'int64', 'category', 'Int64']
    >>> bool(wide["pain_pre"].between(0, 10).all())
    True
    >>> synthesize(n_patients=50, seed=3).equals(wide)
    True
    >>> net = synthesize(n_patients=400, clinic_weights=(3, 1), seed=3)
    >>> net.drop_duplicates("patient_id")["clinic_id"].value_counts().to_dict()
    {'CLN-01': 308, 'CLN-02': 92}
    """
    clinics = n_clinics if clinic_weights is None else clinic_weights
    wide, _ = simulate(n_patients, clinics, start, quarters, seed, ae_shift)
    return wide
