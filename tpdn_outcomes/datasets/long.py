"""The long form: a session index and a long measures table (:func:`to_long`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tpdn_outcomes import schema

SESSION_INDEX_COLUMNS: tuple[str, ...] = (
    "session_id",
    "patient_id",
    "session_date",
    "session_number",
    "clinic_id",
    "condition",
    "practitioner_role",
    "muscles",
    "needle_count",
    "twitch_response",
    "adverse_events",
    "age_band",
    "sex",
)


def _wide_measure_columns(columns: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """``(column, measure, timing, unit)`` for the canonical wide measure columns."""
    out = []
    for col in columns:
        stem, _, timing = col.rpartition("_")
        if timing not in ("pre", "post", "followup") or not stem:
            continue
        if stem == "pain":
            measure = "pain"
        elif stem.startswith("rom_"):
            measure = "rom:" + stem[4:]
        elif stem in schema.FUNCTION_INSTRUMENTS:
            measure = "function:" + stem
        else:
            continue
        out.append((col, measure, timing, schema.measure_spec(measure).unit))
    return out


def to_long(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a wide session table into a session index and a long measures table.

    Parameters
    ----------
    wide : DataFrame
        A wide table with the canonical columns of :func:`synthesize`.

    Returns
    -------
    index : DataFrame
        One row per session: ``session_id`` (``S000001`` ... in row order), then
        ``patient_id``, ``session_date``, ``session_number``, ``clinic_id``,
        ``condition``, ``practitioner_role``, ``muscles``, ``needle_count``,
        ``twitch_response``, ``adverse_events``, ``age_band``, ``sex``.
    measures : DataFrame
        One row per recorded value: ``session_id``, ``measure`` (``pain``,
        ``rom:<site>``, ``function:<instrument>``), ``timing`` (``pre``/``post``),
        ``value`` (float), ``unit`` (``nprs``, ``deg``, ``mm`` or ``points``); in
        session order, then column order. Blank cells are not measurements and are
        left out.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"patient_id": ["P1", "P1"], "session_number": [1, 2],
    ...                      "condition": ["tmj_dysfunction"] * 2,
    ...                      "pain_pre": [6, 4], "pain_post": [5, None],
    ...                      "rom_mouth_opening_pre": [35, 38]})
    >>> index, measures = to_long(wide)
    >>> index.columns.tolist()
    ['session_id', 'patient_id', 'session_number', 'condition']
    >>> measures
      session_id               measure timing  value  unit
    0    S000001                  pain    pre    6.0  nprs
    1    S000001                  pain   post    5.0  nprs
    2    S000001  rom:mouth_opening    pre   35.0    mm
    3    S000002                  pain    pre    4.0  nprs
    4    S000002  rom:mouth_opening    pre   38.0    mm
    """
    n = len(wide)
    width = max(6, len(str(n)))
    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width).radd("S")
    index = pd.DataFrame({"session_id": pd.array(ids.to_numpy(object), dtype="str")})
    for col in SESSION_INDEX_COLUMNS[1:]:
        if col in wide:
            index[col] = wide[col].to_numpy() if wide[col].dtype.kind == "M" else wide[col].array
    cols = _wide_measure_columns([str(c) for c in wide.columns])
    parts_pos, parts_k, parts_val = [], [], []
    for k, (col, _, _, _) in enumerate(cols):
        v = pd.to_numeric(wide[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        pos = np.flatnonzero(~np.isnan(v))
        parts_pos.append(pos)
        parts_k.append(np.full(pos.size, k))
        parts_val.append(v[pos])
    if cols:
        pos = np.concatenate(parts_pos)
        kk = np.concatenate(parts_k)
        val = np.concatenate(parts_val)
        order = np.lexsort((kk, pos))
        pos, kk, val = pos[order], kk[order], val[order]
    else:
        pos = kk = np.zeros(0, dtype=np.int64)
        val = np.zeros(0)

    def spread(values: list[str]) -> pd.Categorical[str]:
        cats = list(dict.fromkeys(values))
        lookup = np.array([cats.index(v) for v in values] or [0], dtype=np.int64)
        return pd.Categorical.from_codes(lookup[kk], categories=pd.Index(cats))

    measures = pd.DataFrame(
        {
            "session_id": index["session_id"].take(pos).reset_index(drop=True),
            "measure": spread([c[1] for c in cols]),
            "timing": spread([c[2] for c in cols]),
            "value": val,
            "unit": spread([c[3] for c in cols]),
        },
        copy=False,
    )
    return index, measures
