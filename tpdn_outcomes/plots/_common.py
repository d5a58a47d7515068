"""What every figure shares: the palette, a fresh Axes in the house style, labels.

Public within :mod:`tpdn_outcomes.plots`; :data:`PALETTE` and :func:`axis_label` are also
part of the library's API (re-exported by the package).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from tpdn_outcomes import schema
from tpdn_outcomes.labels import value_label
from tpdn_outcomes.outcomes import GROUPINGS

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
NEUTRAL = "#7f7f7f"


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    """``ax`` (or a new figure's Axes of ``figsize``) with the top and right spines off."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)
    return ax


def nice_label(value: object) -> str:
    """A readable label for a group value (``neck_pain`` -> ``Neck pain``, ``tmj`` -> ``TMJ``).

    The labels of :func:`tpdn_outcomes.labels.value_label`: one name per site, measure and
    group across tables and figures.

    Examples
    --------
    >>> nice_label("tmj_dysfunction"), nice_label("lumbar_flexion")
    ('TMJ dysfunction', 'Thoracolumbar flexion')
    """
    return value_label(value)


def group_labels(table: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """One readable label per row of a result table: its group values, joined by ``/``."""
    if not keys:
        return ["All episodes"] * len(table)
    return [" / ".join(nice_label(row[k]) for k in keys) for _, row in table.iterrows()]


def group_keys(table: pd.DataFrame) -> list[str]:
    """The grouping columns a result table carries (the outcomes' vocabulary)."""
    return [c for c in GROUPINGS if c in table.columns]


def axis_label(measure: str, what: str = "change") -> str:
    """``'Change in Pain (NPRS 0-10) (points, NPRS 0-10)'``-style axis labels with units.

    Examples
    --------
    >>> axis_label("rom:lumbar_flexion")
    'Change in Thoracolumbar flexion (degrees)'
    """
    spec = schema.measure_spec(measure)
    name = "Pain" if spec.kind == "pain" else spec.label
    return f"{what.capitalize()} in {name} ({schema.UNITS[spec.unit].axis})"
