"""CDISC ADaM Basic Data Structure (BDS) export and import.

One record per measured value: the subject (``USUBJID``), the parameter (``PARAMCD``,
``PARAM``), the analysis visit (``AVISIT``/``AVISITN``: the session of the episode) and
timepoint (``ATPT``/``ATPTN``: before or after needling), the date (``ADT``), the value
(``AVAL``), the episode's baseline (``BASE``, flagged by ``ABLFL = "Y"`` on its own record),
the change (``CHG = AVAL - BASE`` on post-baseline records), the percent change (``PCHG``,
missing when ``BASE`` is 0), the responder criterion (``CRIT1``, ``CRIT1FL``) and the record
the episode's change is analysed on (``ANL01FL = "Y"``). Episode and session attributes travel
as sponsor variables (``EPISODE``, ``SESSID``, ``SITEID``, ``COND``, ...), so that a dataset
read back gives the same sessions and the same numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.io import atomic_write, write_table
from tpdn_outcomes.mcid import mcid_for
from tpdn_outcomes.outcomes.responders import meets_threshold

__all__ = ["ADAM_COLUMNS", "from_adam", "paramcd", "read_adam", "to_adam", "write_adam"]

_SITE_CODES = {
    "cervical_flexion": "CFLEX", "cervical_extension": "CEXT", "cervical_rotation": "CROT",
    "cervical_lateral_flexion": "CLATF", "shoulder_flexion": "SFLEX",
    "shoulder_extension": "SEXT", "shoulder_abduction": "SABD",
    "shoulder_external_rotation": "SEROT", "shoulder_internal_rotation": "SIROT",
    "lumbar_flexion": "LFLEX", "lumbar_extension": "LEXT", "lumbar_lateral_flexion": "LLATF",
    "hip_flexion": "HFLEX", "knee_flexion": "KFLEX", "ankle_dorsiflexion": "ADORS",
    "mouth_opening": "MOUTH",
}  # fmt: skip
_FUNCTION_CODES = {"ndi": "NDI", "ndi_pct": "NDIPCT", "odi": "ODI", "hit6": "HIT6",
                   "fiqr": "FIQR", "psfs": "PSFS", "quickdash": "QDASH"}  # fmt: skip

#: Columns of the analysis dataset, in order, with their labels (40 characters at most).
ADAM_COLUMNS: dict[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "EPISODE": "Episode of Care Identifier",
    "SESSID": "Session Identifier",
    "SITEID": "Clinic Identifier",
    "COND": "Condition Treated",
    "PRACROLE": "Practitioner Role",
    "AGEGR1": "Age Band",
    "SEX": "Sex",
    "TWITCH": "Local Twitch Response (Y/N)",
    "AEVENTS": "Adverse Events of the Session",
    "MUSCLES": "Muscles Needled",
    "NEEDLES": "Needle Count",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "AVISIT": "Analysis Visit",
    "AVISITN": "Analysis Visit (N)",
    "ATPT": "Analysis Timepoint",
    "ATPTN": "Analysis Timepoint (N)",
    "ADT": "Analysis Date",
    "AVAL": "Analysis Value",
    "BASE": "Baseline Value",
    "ABLFL": "Baseline Record Flag",
    "CHG": "Change from Baseline",
    "PCHG": "Percent Change from Baseline",
    "CRIT1": "Analysis Criterion 1",
    "CRIT1FL": "Criterion 1 Evaluation Result Flag",
    "ANL01FL": "Analysis Flag 01: Final Value of Episode",
}


def paramcd(measure: str) -> str:
    """The ADaM parameter code of a measure (8 characters at most).

    Examples
    --------
    >>> paramcd("pain"), paramcd("rom:cervical_rotation_left"), paramcd("function:quickdash")
    ('PAIN', 'CROTL', 'QDASH')
    """
    spec = schema.measure_spec(measure)
    if spec.kind == "pain":
        return "PAIN"
    rest = measure.split(":", 1)[1]
    if spec.kind == "function":
        return _FUNCTION_CODES[rest]
    for side in schema.ROM_SIDES:
        if rest.endswith("_" + side) and rest[: -len(side) - 1] in _SITE_CODES:
            return _SITE_CODES[rest[: -len(side) - 1]] + side[0].upper()
    return _SITE_CODES[rest]


def _measure_of(code: str) -> str:
    if code == "PAIN":
        return "pain"
    for name, c in _FUNCTION_CODES.items():
        if c == code:
            return f"function:{name}"
    for site, c in _SITE_CODES.items():
        if code == c:
            return f"rom:{site}"
        for side in schema.ROM_SIDES:
            if code == c + side[0].upper():
                return f"rom:{site}_{side}"
    raise ValueError(f"unknown PARAMCD {code!r}")


def _yn(values: pd.Series) -> pd.Series:
    return values.map({True: "Y", False: "N"}).astype("object")


def _records(data: SessionData, studyid: str) -> pd.DataFrame:
    """One record per measured value with its session's columns (before the flags)."""
    s = data.sessions.reset_index(drop=True)
    m = data.measures
    pos = pd.Index(s["session_id"].astype(str)).get_indexer(pd.Index(m["session_id"].astype(str)))
    rows = m.assign(_pos=pos)
    rows = rows[rows["_pos"] >= 0]
    sess = s.iloc[rows["_pos"].to_numpy()].reset_index(drop=True)
    rows = rows.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "STUDYID": studyid,
            "USUBJID": sess["patient_id"].astype(str),
            "EPISODE": sess["episode_id"].astype(str),
            "SESSID": sess["session_id"].astype(str),
            "SITEID": sess["clinic_id"].astype("string"),
            "COND": sess["condition"].astype(str),
            "PRACROLE": sess["practitioner_role"].astype("string"),
            "AGEGR1": sess["age_band"].astype("string"),
            "SEX": sess["sex"].astype("string"),
            "TWITCH": _yn(sess["twitch_response"].astype("boolean").astype(object)),
            "AEVENTS": sess["adverse_events"].astype("string"),
            "MUSCLES": sess["muscles"].astype("string"),
            "NEEDLES": sess["needle_count"].astype("Float64"),
            "PARAMCD": rows["measure"].astype(str).map(paramcd),
            "PARAM": rows["measure"]
            .astype(str)
            .map(lambda n: f"{schema.measure_spec(n).label} ({schema.measure_spec(n).unit})"),
            "AVISIT": "SESSION " + sess["session_number"].astype("Int64").astype(str),
            "AVISITN": sess["session_number"].astype("Float64"),
            "ATPT": rows["timing"].astype(str).str.upper(),
            "ATPTN": rows["timing"].astype(str).map({"pre": 1.0, "post": 2.0, "followup": 3.0}),
            "ADT": sess["session_date"],
            "AVAL": rows["value"].to_numpy(dtype=float),
        }
    )
    out["_measure"] = rows["measure"].astype(str).to_numpy()
    out["_order"] = np.arange(len(out))
    return out


def to_adam(data: SessionData, *, studyid: str = "TPDN") -> pd.DataFrame:
    """The dataset as an ADaM BDS analysis dataset, one record per measured value.

    Returns
    -------
    DataFrame
        Columns :data:`ADAM_COLUMNS`. ``CRIT1`` is the measure's moderate MCID (for ROM,
        which has none, ``CRIT1``/``CRIT1FL`` are empty); ``ANL01FL = "Y"`` marks the
        record used as the episode's final value (the last post value after the baseline).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> adam = to_adam(load_sample())
    >>> adam.loc[adam["ABLFL"] == "Y", "PARAMCD"].value_counts()["PAIN"]
    np.int64(3828)
    """
    out = _records(data, studyid)
    base = np.full(len(out), np.nan)
    ablfl = np.full(len(out), "", dtype=object)
    anl = np.full(len(out), "", dtype=object)
    crit = np.full(len(out), "", dtype=object)
    critfl = np.full(len(out), "", dtype=object)
    for measure_key, part in out.groupby("_measure", sort=False):
        measure = str(measure_key)
        episodes = data.episodes(measure)
        b = dict(zip(episodes["episode_id"].astype(str), episodes["baseline"], strict=True))
        f = dict(zip(episodes["episode_id"].astype(str), episodes["final"], strict=True))
        idx = part.index.to_numpy()
        ep_base = part["EPISODE"].map(b).to_numpy(dtype=float)
        base[idx] = ep_base
        # the baseline record: the first pre value of the episode (session order)
        ordered = part.sort_values(["EPISODE", "AVISITN", "ATPTN"], kind="stable")
        pre = ordered[ordered["ATPT"] == "PRE"]
        first = pre.drop_duplicates("EPISODE").index.to_numpy()
        ablfl[first] = "Y"
        # the final record: the last post value after the baseline equal to the final value
        posts = ordered[ordered["ATPT"] == "POST"]
        last = posts.drop_duplicates("EPISODE", keep="last")
        final_ok = last["AVAL"].to_numpy() == last["EPISODE"].map(f).to_numpy(dtype=float)
        anl[last.index.to_numpy()[final_ok]] = "Y"
        defs = mcid_for(measure)
        if len(defs):
            names = list(dict.fromkeys(defs["definition"]))
            defs = defs[defs["definition"] == ("moderate" if "moderate" in names else names[0])]
            spec = schema.measure_spec(measure)
            unit = schema.UNITS[spec.unit].short
            text = "Improvement from baseline " + " or ".join(
                f">= {t:g} {'%' if k == 'percent' else unit}"
                for t, k in zip(defs["threshold"], defs["kind"], strict=True)
            )
            sign = 1.0 if spec.higher_is_better else -1.0
            imp = sign * (part["AVAL"].to_numpy(dtype=float) - ep_base)
            hit = np.zeros(len(part), dtype=bool)
            for t, k in zip(defs["threshold"].astype(float), defs["kind"], strict=True):
                hit |= meets_threshold(imp, ep_base, t, k)
            post_rows = (part["ATPT"] != "PRE").to_numpy() & ~np.isnan(imp)
            crit[idx[post_rows]] = text[:200]
            critfl[idx[post_rows]] = np.where(hit[post_rows], "Y", "N")
    out["BASE"] = base
    out["ABLFL"] = ablfl
    post = (out["ATPT"] != "PRE").to_numpy()
    chg = np.where(post, out["AVAL"].to_numpy() - base, np.nan)
    out["CHG"] = chg
    with np.errstate(divide="ignore", invalid="ignore"):
        out["PCHG"] = np.where(post & (base != 0), 100.0 * chg / base, np.nan)
    out["CRIT1"] = crit
    out["CRIT1FL"] = critfl
    out["ANL01FL"] = anl
    out = out.sort_values(["USUBJID", "EPISODE", "PARAMCD", "AVISITN", "ATPTN"], kind="stable")
    return out[list(ADAM_COLUMNS)].reset_index(drop=True)


def write_adam(adam: pd.DataFrame, path: str | os.PathLike[str], *, name: str = "ADTPDN") -> Path:
    """Write an ADaM dataset as CSV, Parquet or SAS transport (``.xpt``, version 5), atomically.

    The XPT file carries the variable labels of :data:`ADAM_COLUMNS` and the dataset
    ``name`` (8 characters at most); dates are SAS dates.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from tpdn_outcomes import load_sample
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "adtpdn.xpt"
    >>> write_adam(to_adam(load_sample()), path).name
    'adtpdn.xpt'
    """
    target = Path(path)
    if target.suffix.lower() == ".xpt":
        import pyreadstat

        if len(name) > 8:
            raise ValueError("an XPT dataset name has at most 8 characters")
        frame = adam.copy()
        for col in frame.columns:
            if frame[col].dtype != "datetime64[ns]" and not pd.api.types.is_numeric_dtype(
                frame[col]
            ):
                frame[col] = frame[col].astype("object").where(frame[col].notna(), "").astype(str)
            elif pd.api.types.is_numeric_dtype(frame[col]):
                frame[col] = frame[col].astype(float)
        labels: list[str | None] = [ADAM_COLUMNS.get(c, c)[:40] for c in frame.columns]
        return atomic_write(
            target,
            lambda p: pyreadstat.write_xport(
                frame, str(p), table_name=name, column_labels=labels, file_format_version=5
            ),
        )
    return write_table(adam, target)


def read_adam(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an ADaM dataset written by :func:`write_adam` (CSV, Parquet or XPT).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from tpdn_outcomes import load_sample
    >>> path = write_adam(to_adam(load_sample()), pathlib.Path(tempfile.mkdtemp()) / "a.parquet")
    >>> len(read_adam(path))
    71788
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".xpt":
        import pyreadstat

        frame, _ = pyreadstat.read_xport(str(target))
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                text = frame[col].astype("string")
                frame[col] = text.mask(text == "")
        return frame
    if suffix == ".parquet":
        return pd.read_parquet(target)
    if suffix == ".csv":
        return pd.read_csv(target, dtype={"USUBJID": str, "EPISODE": str, "SESSID": str,
                                          "SITEID": str, "AGEGR1": str}, parse_dates=["ADT"])  # fmt: skip
    raise ValueError(f"{target.name}: read .csv, .parquet or .xpt")


def from_adam(adam: pd.DataFrame, **load_options: object) -> SessionData:
    """Rebuild a :class:`SessionData` from an ADaM dataset made by :func:`to_adam`.

    The session table comes from one record per ``SESSID`` and the measures from every
    record; both go through :func:`tpdn_outcomes.load_sessions`, so the usual checks apply.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> data = from_adam(to_adam(load_sample()), export_date="2026-07-01")
    >>> len(data.sessions)
    16189
    """
    from tpdn_outcomes.validate import load_sessions

    needed = ["USUBJID", "EPISODE", "SESSID", "PARAMCD", "ATPT", "AVAL", "ADT", "AVISITN"]
    missing = [c for c in needed if c not in adam]
    if missing:
        raise ValueError(f"the ADaM dataset lacks {missing}; it must come from to_adam()")
    sessions = adam.drop_duplicates("SESSID")
    twitch = sessions.get("TWITCH", pd.Series(pd.NA, index=sessions.index)).astype("string")
    index = pd.DataFrame(
        {
            "session_id": sessions["SESSID"].astype(str),
            "patient_id": sessions["USUBJID"].astype(str),
            "episode_id": sessions["EPISODE"].astype(str),
            "session_date": pd.to_datetime(sessions["ADT"]).dt.strftime("%Y-%m-%d"),
            "session_number": sessions["AVISITN"].astype(float).astype("Int64"),
            "clinic_id": sessions.get("SITEID"),
            "condition": sessions["COND"].astype(str),
            "practitioner_role": sessions.get("PRACROLE"),
            "twitch_response": twitch.map({"Y": "yes", "N": "no"}),
            "adverse_events": sessions.get("AEVENTS"),
            "age_band": sessions.get("AGEGR1"),
            "sex": sessions.get("SEX"),
            "muscles": sessions.get("MUSCLES"),
            "needle_count": sessions.get("NEEDLES"),
        }
    )
    measures = pd.DataFrame(
        {
            "session_id": adam["SESSID"].astype(str),
            "measure": adam["PARAMCD"].astype(str).map(_measure_of),
            "timing": adam["ATPT"].astype(str).str.lower(),
            "value": adam["AVAL"].astype(float),
        }
    )
    return load_sessions(index.reset_index(drop=True), measures=measures, **load_options)  # type: ignore[arg-type]
