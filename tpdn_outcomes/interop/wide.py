"""A loaded dataset back to one wide session table that loads as it is.

:func:`to_wide` puts every measure value in a column named after its measure and timing
(``pain_pre``, ``rom_cervical_rotation_left_post``, ``function_ndi_followup``), which
:func:`tpdn_outcomes.load_sessions` reads back to the same values without a separate
measures file. Pain is written on NPRS 0-10 (the loaded scale, whatever the input's).
"""

from __future__ import annotations

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData


def wide_column(measure: str, timing: str) -> str:
    """The wide column name of a measure at a timing.

    Examples
    --------
    >>> wide_column("pain", "pre"), wide_column("rom:cervical_rotation_left", "post")
    ('pain_pre', 'rom_cervical_rotation_left_post')
    """
    return f"{measure.replace(':', '_')}_{timing}"


def to_wide(data: SessionData) -> pd.DataFrame:
    """One row per session: the session columns, then one column per measure and timing.

    Parameters
    ----------
    data : SessionData
        A loaded dataset.

    Returns
    -------
    DataFrame
        The canonical session columns (without ``source_row``) followed by the measure
        columns in :meth:`SessionData.measure_names` order, timings pre, post, followup.
        A session without a value of a measure has a missing cell.

    Examples
    --------
    >>> import tempfile, pathlib, warnings
    >>> from tpdn_outcomes import load_sample, load_sessions
    >>> from tpdn_outcomes.io import write_table
    >>> data = load_sample()
    >>> wide = to_wide(data)
    >>> list(wide.columns[-3:])
    ['function_psfs_post', 'function_quickdash_pre', 'function_quickdash_post']
    >>> path = write_table(wide, pathlib.Path(tempfile.mkdtemp()) / "back.csv")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     back = load_sessions(path, export_date="2026-11-24")
    >>> len(back.measures) == len(data.measures)
    True
    """
    sessions = data.sessions.drop(columns=["source_row"], errors="ignore")
    m = data.measures
    if not len(m):
        return sessions.reset_index(drop=True)
    long = pd.DataFrame(
        {
            "session_id": m["session_id"].astype(str).to_numpy(),
            "column": [
                wide_column(a, b)
                for a, b in zip(m["measure"].astype(str), m["timing"].astype(str), strict=True)
            ],
            "value": m["value"].astype(float).to_numpy(),
        }
    )
    table = long.pivot(index="session_id", columns="column", values="value")
    order = [
        wide_column(name, t)
        for name in data.measure_names()
        for t in schema.TIMINGS
        if wide_column(name, t) in table.columns
    ]
    table = table[order]
    ids = sessions["session_id"].astype(str)
    values = table.reindex(ids.to_numpy())
    values.index = sessions.index
    values.columns.name = None
    return pd.concat([sessions, values], axis=1).reset_index(drop=True)


__all__ = ["to_wide", "wide_column"]
