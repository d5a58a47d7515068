"""Registry of minimal detectable changes (MDC) of range-of-motion sites, with sources.

ROM has no universal MCID (DATA.md). What a clinician can say is whether a change is
larger than measurement error: the minimal detectable change, ``MDC = z * sqrt(2) * SEM``
(see :func:`tpdn_outcomes.stats.mdc`). Published MDCs depend on the instrument (goniometer,
inclinometer, CROM device, ruler), on who measures (one rater or two) and on the
population, so every entry names all three, and the table is overridable: pass your own
(same columns) as ``registry=`` or a ``{site: mdc}`` mapping as ``mdc=`` to
:func:`tpdn_outcomes.outcomes.rom_change`.

Entries are per *site* without side (``cervical_rotation`` serves ``_left`` and
``_right``). Where a paper's abstract gives only the range of MDCs over several movements,
the registry takes the upper end, so that "change beyond the MDC" errs on the side of
calling a change noise; ``basis`` says so.
"""

from __future__ import annotations

import pandas as pd

from tpdn_outcomes import schema

MDC_COLUMNS: tuple[str, ...] = (
    "site",
    "mdc",
    "unit",
    "confidence",
    "basis",
    "population",
    "citation",
)

_ROWS: list[tuple[str, float, str, float, str, str, str]] = [
    (
        "cervical_rotation",
        9.6,
        "deg",
        0.95,
        "upper end of the MDC range reported over six cervical movements (5.4-9.6 deg), "
        "one rater, CROM device",
        "adults with and without neck pain",
        "Fletcher JP, Bandy WD. Intrarater reliability of CROM measurement of cervical spine "
        "active range of motion in persons with and without neck pain. J Orthop Sports Phys "
        "Ther 2008;38(10):640-645.",
    ),
    (
        "shoulder_abduction",
        19.6,
        "deg",
        0.95,
        "half-width of the inter-observer 95 % limits of agreement (0.8 +/- 19.6 deg) of "
        "passive glenohumeral abduction, digital inclinometer, two physical therapists",
        "155 patients with shoulder pain",
        "de Winter AF, Heemskerk MAMB, Terwee CB, et al. Inter-observer reproducibility of "
        "measurements of range of motion in patients with shoulder pain using a digital "
        "inclinometer. BMC Musculoskelet Disord 2004;5:18.",
    ),
    (
        "lumbar_flexion",
        15.0,
        "deg",
        0.90,
        "upper end of the MDC90 range reported for most lumbo-pelvic ROM (5-15 deg), "
        "inertial sensors, intra- and inter-rater",
        "adults with and without chronic low back pain",
        "Laird RA, Kent P, Keating JL. How consistent are lordosis, range of movement and "
        "lumbo-pelvic rhythm in people with and without back pain? BMC Musculoskelet Disord "
        "2016;17:403 (PMC5034504; MDC90 estimates in the abstract).",
    ),
    (
        "mouth_opening",
        9.0,
        "mm",
        0.95,
        "smallest detectable difference of maximal mouth opening for a single measurement "
        "(6 mm with repeated measurements)",
        "25 patients with painfully restricted temporomandibular joint",
        "Kropmans TJB, Dijkstra PU, Stegenga B, Stewart R, de Bont LGM. Smallest detectable "
        "difference of maximal mouth opening in patients with painfully restricted "
        "temporomandibular joint function. Eur J Oral Sci 2000;108:9-13.",
    ),
]


def mdc_registry() -> pd.DataFrame:
    """The default MDC registry (a fresh copy).

    Returns
    -------
    DataFrame
        One row per ROM site: ``site``, ``mdc`` (in ``unit``), ``confidence`` (of the
        published MDC: 0.95 or 0.90), ``basis`` (how the value was read from the source),
        ``population`` and ``citation``.

    Examples
    --------
    >>> mdc_registry().set_index("site")["mdc"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'cervical_rotation': 9.6, 'shoulder_abduction': 19.6, 'lumbar_flexion': 15.0,
     'mouth_opening': 9.0}
    """
    return pd.DataFrame(_ROWS, columns=list(MDC_COLUMNS))


def rom_site(measure: str) -> str:
    """The registry site of a ROM measure: the site without ``rom:`` and side.

    Examples
    --------
    >>> rom_site("rom:cervical_rotation_left"), rom_site("rom:lumbar_flexion")
    ('cervical_rotation', 'lumbar_flexion')
    """
    spec = schema.measure_spec(measure)
    if spec.kind != "rom":
        raise ValueError(f"{measure!r} is not a range-of-motion measure")
    rest = measure.split(":", 1)[1]
    for side in schema.ROM_SIDES:
        if rest.endswith("_" + side) and rest[: -len(side) - 1] in schema.ROM_SITES:
            return rest[: -len(side) - 1]
    return rest


def check_mdc_registry(table: pd.DataFrame) -> pd.DataFrame:
    """Validate a user's MDC registry; return it. Raises ValueError naming the problem.

    Examples
    --------
    >>> list(check_mdc_registry(mdc_registry())["site"])[:2]
    ['cervical_rotation', 'shoulder_abduction']
    """
    missing = [c for c in ("site", "mdc") if c not in table]
    if missing:
        raise ValueError(
            f"the MDC registry lacks column(s) {missing}; see tpdn_outcomes.mdc.mdc_registry()"
        )
    values = pd.to_numeric(table["mdc"], errors="coerce")
    if values.isna().any() or (values <= 0).any():
        raise ValueError("MDC values must be numbers > 0")
    if table["site"].duplicated().any():
        dup = sorted(set(table.loc[table["site"].duplicated(), "site"]))
        raise ValueError(f"the MDC registry has more than one row for site(s) {dup}")
    return table


def mdc_for(measure: str, table: pd.DataFrame | None = None) -> pd.Series | None:
    """The registry row of a ROM measure's site, or ``None`` when the site has none.

    Examples
    --------
    >>> float(mdc_for("rom:mouth_opening")["mdc"])
    9.0
    >>> mdc_for("rom:knee_flexion") is None
    True
    """
    table = check_mdc_registry(mdc_registry() if table is None else table)
    rows = table[table["site"] == rom_site(measure)]
    return None if rows.empty else rows.iloc[0]


__all__ = ["MDC_COLUMNS", "check_mdc_registry", "mdc_for", "mdc_registry", "rom_site"]
