"""Masking: the one way the package shows a value that could identify someone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from tpdn_outcomes import _detect as det
from tpdn_outcomes.privacy.patterns import EMAIL, PHONE, SSN, UK_POSTCODE_LOOSE, ZIP4

#: Years that are no living person's year of birth (before 1900, or 1990 on).
_NOT_BIRTH_YEAR = r"(?:199[0-9]|2[0-9]{3}|[3-9][0-9]{3}|1[0-8][0-9]{2}|0[0-9]{3})"
#: Values that may be echoed as written: plain numbers of up to 6 digits, ISO dates from
#: 1990 on (the session dates the data holds), short codes (P0001, CLN-01, 90+, 40-49),
#: words without digits (gout, neck pain, upper_trapezius;masseter) - unless a detector
#: finds an identifier in them (a person's name is words without digits).
_ECHO_SAFE = (
    r"^ *(?:"
    r"[+-]?[0-9]{0,6}(?:[.,][0-9]{1,6})?(?:[eE][+-]?[0-9]{1,3})?"
    r"|" + _NOT_BIRTH_YEAR + r"[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?:[ T][0-9:.+Z]{1,15})?"
    r"|[0-9]{1,2}[-/.][0-9]{1,2}[-/.]" + _NOT_BIRTH_YEAR + r"(?:[ T][0-9:.]{1,15})?"
    r"|\(?[+-]?[0-9]{1,6}(?:\.[0-9]*)?[+-][0-9]{0,6}(?:\.[0-9]*)?j\)?"
    r"|(?:199[0-9]|20[0-9]{2})(?:[-/][0-9]{1,2})?|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"
    r"|[0-9]{1,3} *(?:-|–|to|\+) *[0-9]{0,3}"
    r"|[A-Za-z]{0,4}[-_ ]?[0-9]{1,6}[A-Za-z]?"
    r"|[\p{L}][\p{L} _;/&+'’().,:-]{0,59}"
    r"|nan|NaN|NA|N/A|<NA>|None|NaT|inf|-inf"
    r") *$"
)


def value_kinds(values: Sequence[object]) -> list[str | None]:
    """For each value (a header or a message's value), the first kind of identifier any
    value detector finds in it, or None. Used where one value is judged alone."""
    if not len(values):
        return []
    # text that is not valid Unicode (lone surrogates) is judged as its escaped form
    texts = [str(v).encode("utf-8", "backslashreplace").decode("utf-8") for v in values]
    arr = pa.array(texts, type=pa.string())
    checks: list[tuple[str, np.ndarray]] = [
        ("email", det.contains(arr, EMAIL) | det.contains(arr, det.OBFUSCATED_EMAIL)),
        ("url", det.contains(arr, det.URL)),
        ("ip_address", det.contains(arr, det.IPV4) | det.contains(arr, det.IPV6)),
        ("ssn", det.contains(arr, SSN)),
        ("phone", det.contains(arr, PHONE)),
        ("postcode", det.contains(arr, UK_POSTCODE_LOOSE) | det.contains(arr, ZIP4)),
        ("date_of_birth", det.contains(arr, det.OLD_DATE)),
        ("medical_record_number", det.contains(arr, det.RECORD_PREFIX)),
        ("health_plan", det.contains(arr, det.MBI)),
        ("vehicle", det.contains(arr, det.PLATE)),
        ("photo", det.contains(arr, det.PHOTO)),
        ("ambiguous_number", det.contains(arr, r"[0-9]{7}")),
        ("person_name", det.person_names(arr)[0]),
        ("street_address", det.street_addresses(arr)[0]),
    ]
    out: list[str | None] = [None] * len(values)
    for kind, mask in reversed(checks):
        for i in np.flatnonzero(mask):
            out[int(i)] = kind
    return out


def mask_value(value: object) -> str:
    """A value with every letter and digit but the first of each word replaced by ``*``.

    The one way this package shows a value that could identify someone: messages name
    the row and column and show only the value's shape.

    Parameters
    ----------
    value : object
        Any value; it is turned into text first.

    Returns
    -------
    str
        The masked text (white space and punctuation kept).

    Examples
    --------
    >>> from tpdn_outcomes.privacy import mask_value
    >>> mask_value("Emma Garcia")
    'E*** G*****'
    >>> mask_value("Smith, John (DOB 1975-03-02)")
    'S****, J*** (D** 1***-0*-0*)'
    >>> mask_value(7700900123)
    '7*********'
    """
    out: list[str] = []
    start = True
    for ch in str(value):
        if ch.isalnum():
            out.append(ch if start else "*")
            start = False
        else:
            out.append(ch)
            start = True
    return "".join(out)


def could_identify(values: Sequence[object] | pd.Series) -> np.ndarray:
    """For each value, whether it could identify a person, and so must not be echoed.

    A value may be shown as written only when it has a harmless shape (a number of up
    to 6 digits, an ISO date from 1990 on, a short code such as ``P0001`` or ``CLN-01``,
    an age band, words without digits) **and** none of the guard's value detectors
    finds an identifier in it (person names, e-mail addresses, phone numbers, ...).
    Everything else is masked: this fails closed.

    Parameters
    ----------
    values : sequence or pandas.Series
        The values (turned into text; missing values are never identifying).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> from tpdn_outcomes.privacy import could_identify
    >>> could_identify(["gout", "12", "Emma Garcia", "07700900123", "2025-13-01", "P0001"])
    array([False, False,  True,  True, False, False])
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.array)
    out = np.zeros(len(series), dtype=bool)
    present = series.notna().to_numpy(dtype=bool)
    if not present.any():
        return out
    text = series[present].astype(str)
    uniq = pd.unique(text.to_numpy())
    arr = pa.array(list(uniq), type=pa.string())
    risky = ~det.contains(arr, _ECHO_SAFE)
    # of the harmless shapes, words may be names (or spelled-out e-mails, web addresses)
    # and short codes record numbers (MRN001); numbers, dates and bands cannot identify
    words = np.flatnonzero(~risky & det.contains(arr, r"\p{L}"))
    if len(words):
        sub = arr.take(pa.array(words))
        full, single = det.person_names(sub)
        hit = full | single | det.surnames_only(sub)
        hit |= det.contains(sub, det.OBFUSCATED_EMAIL) | det.contains(sub, det.URL)
        hit |= det.contains(sub, det.RECORD_PREFIX)
        risky[words[hit]] = True
    bad = set(np.asarray(uniq)[risky].tolist())
    out[present] = text.isin(bad).to_numpy(dtype=bool)
    return out


def mask_values(values: Sequence[object] | pd.Series) -> pd.Series:
    """The values as text, each masked with :func:`mask_value` when :func:`could_identify`
    says it could identify someone (missing values stay missing).

    Examples
    --------
    >>> from tpdn_outcomes.privacy import mask_values
    >>> mask_values(["gout", "Emma Garcia", None]).tolist()
    ['gout', 'E*** G*****', <NA>]
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.array)
    text = series.astype("string")
    risky = could_identify(series)
    if risky.any():
        masked = [mask_value(v) if r else v for v, r in zip(text, risky, strict=True)]
        text = pd.Series(masked, dtype="string")
    return text.reset_index(drop=True)
