"""Who was treated? Table 1: baseline characteristics of episodes by group, with SMDs."""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.outcomes._common import grouping_keys, with_quarter

#: Columns of :attr:`TableOne.table`.
TABLE_ONE_COLUMNS: tuple[str, ...] = (
    "variable",
    "label",
    "kind",
    "level",
    "group",
    "n",
    "missing",
    "count",
    "percent",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
)

_CATEGORICAL = ("age_band", "sex", "practitioner_role", "twitch_response", "clinic_id")
_GINV_RTOL = float(np.sqrt(np.finfo(float).eps))  # as MASS::ginv's tol


def _smd_continuous(values: list[np.ndarray]) -> list[float]:
    """Pairwise |m1 - m2| / sqrt((v1 + v2) / 2), pairs (i < j) in order (tableone)."""
    out = []
    for a, b in itertools.combinations(values, 2):
        if len(a) < 2 or len(b) < 2:
            out.append(np.nan)
            continue
        diff = a.mean() - b.mean()
        pooled = (a.var(ddof=1) + b.var(ddof=1)) / 2
        out.append(0.0 if diff == 0 and pooled == 0 else abs(diff) / np.sqrt(pooled))
    return out


def _smd_categorical(tables: list[np.ndarray]) -> list[float]:
    """Pairwise Yang & Dalton (2012) SMD from level counts, as tableone computes it.

    Proportions among non-missing values, the first level dropped when there are more
    than one, the pooled multinomial covariance ``(S1 + S2) / 2`` inverted by the
    Moore-Penrose pseudo-inverse (``MASS::ginv``), SMD = sqrt of the Mahalanobis distance.
    """
    props = []
    for counts in tables:
        total = counts.sum()
        p = counts / total if total > 0 else np.full(len(counts), np.nan)
        props.append(p[1:] if len(p) > 1 else p)
    out = []
    for p1, p2 in itertools.combinations(props, 2):
        if np.isnan(p1).any() or np.isnan(p2).any():
            out.append(np.nan)
            continue
        s = (np.diag(p1) - np.outer(p1, p1) + np.diag(p2) - np.outer(p2, p2)) / 2
        d = p1 - p2
        if np.all(s == 0):
            out.append(0.0 if np.all(d == 0) else np.nan)
            continue
        md = float(d @ np.linalg.pinv(s, rtol=_GINV_RTOL) @ d)
        out.append(float(np.sqrt(max(md, 0.0))))
    return out


@dataclass
class TableOne:
    """Table 1 of a dataset: tidy ``table``, ``smd`` per variable, and a formatted view.

    Attributes
    ----------
    table : DataFrame
        Long and tidy, one row per variable x level x group (see :func:`table_one`).
    smd : DataFrame
        One row per variable: ``variable``, ``label``, ``smd`` (the mean of the pairwise
        SMDs, as tableone prints it for more than two groups) and one column per pair
        ``"<a> vs <b>"``.
    groups : list of str
        The group labels, in column order (without ``Overall``).
    by : list of str
        The grouping variables.
    """

    table: pd.DataFrame
    smd: pd.DataFrame
    groups: list[str]
    by: list[str] = field(default_factory=list)

    def formatted(self, digits: int = 1) -> pd.DataFrame:
        """The familiar printed Table 1: one column per group, ``Overall``, ``SMD``.

        Categorical rows show ``count (percent)`` of non-missing values; continuous rows
        ``mean (SD)``; skewed counts ``median [Q1, Q3]``; ``Missing`` counts missing values
        over all groups.
        """
        cols = [*self.groups, "Overall"]
        rows: list[dict[str, str]] = []
        smd = self.smd.set_index("variable")["smd"] if len(self.smd) else pd.Series()
        for variable, part in self.table.groupby("variable", sort=False):
            kind = part["kind"].iloc[0]
            label = part["label"].iloc[0]
            overall = part[part["group"] == "Overall"]
            miss = int(overall["missing"].iloc[0]) if len(overall) else 0
            s = smd.get(variable, np.nan)
            smd_text = "" if pd.isna(s) else f"{s:.3f}"
            if kind == "count":
                row = {"variable": label, **{g: "" for g in cols}, "SMD": "", "Missing": ""}
                for _, r in part.iterrows():
                    row[r["group"]] = f"{int(r['n'])}"
                rows.append(row)
            elif kind == "categorical":
                rows.append(
                    {
                        "variable": f"{label} (%)",
                        **{g: "" for g in cols},
                        "SMD": smd_text,
                        "Missing": str(miss),
                    }
                )
                for level, lp in part.groupby("level", sort=False):
                    row = {
                        "variable": f"   {level}",
                        **{g: "" for g in cols},
                        "SMD": "",
                        "Missing": "",
                    }
                    for _, r in lp.iterrows():
                        pct = "" if pd.isna(r["percent"]) else f" ({r['percent']:.{digits}f})"
                        row[r["group"]] = f"{int(r['count'])}{pct}"
                    rows.append(row)
            else:
                suffix = "mean (SD)" if kind == "continuous" else "median [IQR]"
                row = {
                    "variable": f"{label} ({suffix})",
                    **{g: "" for g in cols},
                    "SMD": smd_text,
                    "Missing": str(miss),
                }
                for _, r in part.iterrows():
                    if r["n"] == 0:
                        row[r["group"]] = "-"
                    elif kind == "continuous":
                        row[r["group"]] = f"{r['mean']:.{digits + 1}f} ({r['sd']:.{digits + 1}f})"
                    else:
                        row[r["group"]] = (
                            f"{r['median']:.{digits}f} [{r['q1']:.{digits}f}, {r['q3']:.{digits}f}]"
                        )
                rows.append(row)
        return pd.DataFrame(rows, columns=["variable", *cols, "SMD", "Missing"])

    def __repr__(self) -> str:
        return self.formatted().to_string(index=False)

    def _repr_html_(self) -> str:
        body = self.formatted().to_html(index=False, escape=True, border=0)
        caption = html.escape(
            f"Baseline characteristics of episodes by {', '.join(self.by) or 'all'}"
        )
        return f"<div><p><b>{caption}</b></p>{body}</div>"


def table_one(
    data: SessionData,
    *,
    by: str | Sequence[str] | None = "condition",
    measures: Sequence[str] | None = None,
    overall: bool = True,
) -> TableOne:
    """Baseline characteristics of episodes by group (Table 1), with standardized differences.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    by : str or list of str or None, default "condition"
        Grouping variables; ``None`` for one column of everything.
    measures : list of str, optional
        Measures whose *baseline* is described; default every measure in the data.
    overall : bool, default True
        Add an ``Overall`` column.

    Returns
    -------
    TableOne
        ``.table`` (tidy; columns :data:`TABLE_ONE_COLUMNS`): for each variable, level and
        group, ``n`` (non-missing values), ``missing``, and ``count`` with ``percent``
        (0-100, of the non-missing values) for categorical variables, ``mean`` and ``sd``
        for baselines, ``median``, ``q1``, ``q3`` (R's default quantile type 7) for
        sessions per episode. Rows ``n_episodes`` and ``n_patients`` count the units.
        ``.smd`` holds the standardized mean differences; ``.formatted()`` the printed
        table.

    Notes
    -----
    The unit is the episode (a patient treated for two conditions appears in both).
    Variables: age band, sex, practitioner role, twitch response (any in the episode), clinic
    (when grouping by something else), the baseline of each measure (mean (SD)) and sessions
    per episode (median [IQR]). Percentages are of non-missing values; missing values are
    counted in ``missing``, never dropped silently. Episodes with a missing grouping value
    form their own group.

    SMDs follow tableone's ``ExtractSmd`` (Yang and Dalton 2012): continuous
    ``|m1 - m2| / sqrt((s1^2 + s2^2) / 2)``; categorical, the Mahalanobis distance between
    the level proportions (first level dropped) with the pooled multinomial covariance and
    its Moore-Penrose inverse; with more than two groups the mean over all pairs. One
    difference: a pair in which a group has no values of a variable (ROM sites recorded
    for some conditions only) is left out of the mean, where tableone gives NaN.

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import table_one
    >>> t1 = table_one(load_sample(), by="sex", measures=["pain"])
    >>> t1.groups
    ['female', 'male', 'other', 'unknown']
    >>> t1.formatted().iloc[:3, :3]
           variable female  male
    0    n_episodes   2231  1535
    1    n_patients   1988  1354
    2  age_band (%)
    """
    keys = grouping_keys(by)
    names = list(measures) if measures is not None else data.measure_names()
    frame, groups = _episode_frame(data, keys, names)
    labels = groups + (["Overall"] if overall and keys else [])
    parts = {g: frame[frame["_group"] == g] for g in groups}
    if overall and keys:
        parts["Overall"] = frame

    rows = _count_rows(parts, labels)
    smd_rows: list[tuple[str, str, list[float]]] = []
    for var in _CATEGORICAL:
        if var in keys or var not in frame or frame[var].isna().all():
            continue
        var_rows, counts = _categorical_rows(var, frame[var], parts, labels)
        rows += var_rows
        if len(groups) > 1:
            smd_rows.append((var, var, _smd_categorical(counts)))
    for m in names:
        label = f"baseline {m} ({schema.measure_spec(m).unit})"
        var_rows, values = _baseline_rows(m, label, parts, labels)
        rows += var_rows
        if len(groups) > 1:
            smd_rows.append((m, label, _smd_continuous(values)))
    var_rows, values = _sessions_rows(parts, labels)
    rows += var_rows
    if len(groups) > 1:
        smd_rows.append(("n_sessions", "sessions per episode", _smd_continuous(values)))

    table = pd.DataFrame(rows, columns=list(TABLE_ONE_COLUMNS))
    return TableOne(table=table, smd=_smd_table(smd_rows, groups), groups=groups, by=keys)


def _episode_frame(
    data: SessionData, keys: list[str], names: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """One row per episode: the described variables, each measure's baseline and the
    group label ``_group`` (the keys joined by " / ", a missing key ``(missing)``); and
    the sorted group labels."""
    base = data.episodes(names[0] if names else "pain")
    if "quarter" in keys:
        base = with_quarter(base)
    frame = base[["episode_id", "patient_id", "n_sessions", *_CATEGORICAL, *keys]].copy()
    frame = frame.loc[:, ~frame.columns.duplicated()]
    for m in names:
        ep = data.episodes(m)
        frame[m] = ep["baseline"].to_numpy()
    if not keys:
        frame["_group"] = "All"
        return frame, ["All"]
    label_parts = [frame[k].astype("string").fillna("(missing)") for k in keys]
    group_label = label_parts[0]
    for part in label_parts[1:]:
        group_label = group_label + " / " + part
    frame["_group"] = group_label.to_numpy()
    return frame, sorted(pd.unique(frame["_group"]))


def _row(**values: object) -> dict[str, object]:
    """A row of :attr:`TableOne.table` (columns not given are NaN)."""
    return {c: values.get(c, np.nan) for c in TABLE_ONE_COLUMNS}


def _count_rows(parts: dict[str, pd.DataFrame], labels: list[str]) -> list[dict[str, object]]:
    """The ``n_episodes`` rows of every group, then the ``n_patients`` rows."""
    rows = [
        _row(
            variable="n_episodes",
            label="n_episodes",
            kind="count",
            level="",
            group=g,
            n=len(parts[g]),
            missing=0,
        )
        for g in labels
    ]
    rows += [
        _row(
            variable="n_patients",
            label="n_patients",
            kind="count",
            level="",
            group=g,
            n=parts[g]["patient_id"].nunique(),
            missing=0,
        )
        for g in labels
    ]
    return rows


def _categorical_rows(
    var: str, col: pd.Series, parts: dict[str, pd.DataFrame], labels: list[str]
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """Count and percent of each level of ``var`` in every group, and the level counts of
    each group (``Overall`` left out) for the SMD."""
    levels = (
        [str(v) for v in col.cat.categories if (col == v).any()]
        if isinstance(col.dtype, pd.CategoricalDtype)
        else [str(v) for v in sorted(pd.unique(col.dropna()))]
    )
    rows = []
    per_group_counts = []
    for g in labels:
        values = parts[g][var].dropna().astype(str)
        counts = values.value_counts().reindex(levels, fill_value=0).to_numpy()
        n = int(counts.sum())
        if g != "Overall":
            per_group_counts.append(counts)
        for level, c in zip(levels, counts, strict=True):
            rows.append(
                _row(
                    variable=var,
                    label=var,
                    kind="categorical",
                    level=level,
                    group=g,
                    n=n,
                    missing=int(parts[g][var].isna().sum()),
                    count=int(c),
                    percent=100.0 * c / n if n else np.nan,
                )
            )
    return rows, per_group_counts


def _baseline_rows(
    m: str, label: str, parts: dict[str, pd.DataFrame], labels: list[str]
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """Mean and SD of the baseline of measure ``m`` in every group, and each group's
    non-missing baselines (``Overall`` left out) for the SMD."""
    rows = []
    per_group_values = []
    for g in labels:
        v = parts[g][m].to_numpy(dtype=float)
        ok = v[~np.isnan(v)]
        if g != "Overall":
            per_group_values.append(ok)
        rows.append(
            _row(
                variable=m,
                label=label,
                kind="continuous",
                level="",
                group=g,
                n=len(ok),
                missing=int(np.isnan(v).sum()),
                mean=ok.mean() if len(ok) else np.nan,
                sd=ok.std(ddof=1) if len(ok) > 1 else np.nan,
            )
        )
    return rows, per_group_values


def _sessions_rows(
    parts: dict[str, pd.DataFrame], labels: list[str]
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """Median [Q1, Q3] (and mean, SD) of sessions per episode in every group, and each
    group's values (``Overall`` left out) for the SMD."""
    rows = []
    per_group_sessions = []
    for g in labels:
        v = parts[g]["n_sessions"].to_numpy(dtype=float)
        if g != "Overall":
            per_group_sessions.append(v)
        q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75]) if len(v) else (np.nan,) * 3
        rows.append(
            _row(
                variable="n_sessions",
                label="sessions per episode",
                kind="nonnormal",
                level="",
                group=g,
                n=len(v),
                missing=0,
                median=med,
                q1=q1,
                q3=q3,
                mean=v.mean() if len(v) else np.nan,
                sd=v.std(ddof=1) if len(v) > 1 else np.nan,
            )
        )
    return rows, per_group_sessions


def _smd_table(smd_rows: list[tuple[str, str, list[float]]], groups: list[str]) -> pd.DataFrame:
    """:attr:`TableOne.smd`: the mean of each variable's finite pairwise SMDs, and the pairs."""
    pair_names = [f"{a} vs {b}" for a, b in itertools.combinations(groups, 2)]
    smd_records = []
    for variable, label, pairs in smd_rows:
        finite = np.isfinite(np.asarray(pairs, dtype=float))
        record: dict[str, object] = {
            "variable": variable,
            "label": label,
            "smd": float(np.mean(np.asarray(pairs)[finite])) if finite.any() else np.nan,
        }
        record.update(zip(pair_names, pairs, strict=True))
        smd_records.append(record)
    return pd.DataFrame(smd_records, columns=["variable", "label", "smd", *pair_names])


__all__ = ["TABLE_ONE_COLUMNS", "TableOne", "table_one"]
