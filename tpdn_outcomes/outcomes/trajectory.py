"""How does a measure evolve over sessions? Mean trajectories from a linear mixed model."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from tpdn_outcomes.data import SessionData
from tpdn_outcomes.stats.lmm import Lmm, lmm

_TRANSFORMS: dict[str | None, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    None: (lambda v: v, lambda v: v),
    "log1p": (np.log1p, np.expm1),
    "sqrt": (np.sqrt, np.square),
}


@dataclass
class Trajectory:
    """Mean trajectories of a measure by group.

    Attributes
    ----------
    model : Lmm
        The mixed model (``value ~ time * group``, random intercept and slope per episode).
    predictions : DataFrame
        ``group``, ``time``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (back-transformed
        when a transform was used; ``se`` is then on the transformed scale).
    data : DataFrame
        The long data the model was fitted to (``episode_id``, ``group``, ``time``,
        ``value``).
    """

    model: Lmm
    predictions: pd.DataFrame
    data: pd.DataFrame

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.model.summary())}</pre>" + self.predictions.to_html(
            index=False
        )


def trajectory_model(
    data: SessionData,
    *,
    measure: str = "pain",
    time: Literal["session_number", "days"] = "session_number",
    by: str | None = "condition",
    transform: Literal["log1p", "sqrt"] | None = None,
    random: Literal["intercept", "slope"] = "slope",
    confidence: float = 0.95,
) -> Trajectory:
    """Fit the pre-needling value at every session against time, by group, with random
    effects per episode; predict each group's mean trajectory with its interval.

    Parameters
    ----------
    data : SessionData
        The loaded dataset.
    measure : str, default "pain"
        The measure; the value at each session is its *pre* value (before needling).
    time : {"session_number", "days"}, default "session_number"
        Sessions since the first (0, 1, 2, ...) or days since the first session.
    by : str or None, default "condition"
        Groups with their own intercept and slope (``value ~ time * group``).
    transform : {"log1p", "sqrt"}, optional
        Model a transformed value (for skewed measures); predictions are back-transformed.
    random : {"intercept", "slope"}, default "slope"
        Random intercept, or random intercept and slope per episode.
    confidence : float, default 0.95

    Returns
    -------
    Trajectory

    Notes
    -----
    A linear trajectory: with long courses pain often levels off, so read the slope as the
    average change per session over the typical course length, and look at the fitted
    points against the data (the notebook 05 does). Episodes contribute however many sessions
    they have (missing later sessions are missing at random under the model).

    Examples
    --------
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.outcomes import trajectory_model
    >>> traj = trajectory_model(load_sample(), by=None)
    >>> traj.model.fixed["term"].tolist()
    ['Intercept', 'time']
    """
    if transform not in _TRANSFORMS:
        raise ValueError(f"transform must be None, 'log1p' or 'sqrt', not {transform!r}")
    forward, back = _TRANSFORMS[transform]
    sc = data.session_changes(measure)
    frame = pd.DataFrame(
        {
            "episode_id": sc["episode_id"].astype(str).to_numpy(),
            "value": sc["pre"].to_numpy(dtype=float),
        }
    )
    if time == "session_number":
        frame["time"] = sc["session_number"].to_numpy(dtype=float, na_value=np.nan) - 1.0
    elif time == "days":
        first = sc.groupby("episode_id", observed=True)["session_date"].transform("min")
        frame["time"] = (sc["session_date"] - first).dt.days.to_numpy(dtype=float)
    else:
        raise ValueError(f"time must be 'session_number' or 'days', not {time!r}")
    if by is not None:
        episodes = data.episodes(measure)
        groups = dict(zip(episodes["episode_id"].astype(str), episodes[by].astype(str),
                          strict=True))  # fmt: skip
        frame["group"] = frame["episode_id"].map(groups)
    frame = frame.dropna(subset=["value", "time", *(["group"] if by else [])])
    frame["y"] = forward(frame["value"].to_numpy(dtype=float))
    formula = "y ~ time * C(group)" if by is not None else "y ~ time"
    fit = lmm(
        frame,
        formula=formula,
        group="episode_id",
        random="1 + time" if random == "slope" else "1",
        confidence=confidence,
    )
    beta = fit.fixed.set_index("term")["estimate"]
    cov = fit.fixed_cov
    q = float(special.ndtri(0.5 + confidence / 2))
    levels = sorted(frame["group"].unique()) if by is not None else ["All episodes"]
    grid = np.unique(np.round(np.linspace(0, float(frame["time"].quantile(0.95)), 12)))
    rows = []
    for level in levels:
        for t in grid:
            x = pd.Series(0.0, index=beta.index)
            x["Intercept"] = 1.0
            x["time"] = t
            if by is not None and level != levels[0]:
                x[f"C(group)[T.{level}]"] = 1.0
                x[f"time:C(group)[T.{level}]"] = t
            est = float(x.to_numpy() @ beta.to_numpy(dtype=float))
            se = float(np.sqrt(x.to_numpy() @ cov.loc[beta.index, beta.index].to_numpy()
                               @ x.to_numpy()))  # fmt: skip
            rows.append({"group": level, "time": t, "estimate": float(back(est)), "se": se,
                         "ci_low": float(back(est - q * se)),
                         "ci_high": float(back(est + q * se))})  # fmt: skip
    return Trajectory(fit, pd.DataFrame(rows), frame.drop(columns="y").reset_index(drop=True))


__all__ = ["Trajectory", "trajectory_model"]
