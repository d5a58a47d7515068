"""Input checks shared by the statistics (public within :mod:`tpdn_outcomes.stats`).

Examples
--------
>>> check_confidence(0.9)
0.9
>>> check_confidence(95)
Traceback (most recent call last):
...
ValueError: confidence must be strictly between 0 and 1 (e.g. 0.95), got 95
"""

from __future__ import annotations


def check_confidence(confidence: float) -> float:
    """The confidence level as a float strictly between 0 and 1, or a ValueError.

    Parameters
    ----------
    confidence : float
        A confidence level such as 0.95.

    Returns
    -------
    float
    """
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(
            f"confidence must be a number strictly between 0 and 1, got {confidence!r}"
        ) from None
    if not (0.0 < value < 1.0):
        raise ValueError(
            f"confidence must be strictly between 0 and 1 (e.g. 0.95), got {confidence!r}"
        )
    return value
