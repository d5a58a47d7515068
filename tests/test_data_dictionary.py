"""The README's data dictionary says what ``tpdn_outcomes.schema`` declares.

The contract lives in code (``schema.py``); the README restates it in words. These tests
read the README's tables and lists and compare each with the declaration, so a change to
one without the other fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tpdn_outcomes import schema

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    """The text of the README section under the heading ``### title``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {title}")
    end = text.find("\n#", start + 1)
    return text[start : end if end >= 0 else None]


def _session_rows() -> dict[str, list[str]]:
    """The session table: column -> [type, required, rule]."""
    rows = {}
    for line in _section("Session table").splitlines():
        m = re.match(r"^\| `(\w+)` \|(.*)\|$", line)
        if m:
            rows[m[1]] = [cell.strip() for cell in m[2].split(" | ")]
    return rows


def _ticked(text: str) -> list[str]:
    return re.findall(r"`(\w+)`", text)


def test_session_table_lists_every_input_column() -> None:
    rows = _session_rows()
    inputs = set(schema.REQUIRED_SESSION_COLUMNS) | set(schema.SESSION_TIME_COLUMNS)
    inputs |= set(schema.OPTIONAL_SESSION_COLUMNS)
    assert set(rows) == inputs
    # source_row is the loader's own column, not one a file carries
    assert set(schema.SESSION_COLUMNS) - set(rows) == {"source_row"}


def test_session_table_says_which_columns_are_required() -> None:
    rows = _session_rows()
    required = {c for c, (_, req, _) in rows.items() if req == "yes"}
    either = {c for c, (_, req, _) in rows.items() if req == "date or number"}
    assert required == set(schema.REQUIRED_SESSION_COLUMNS)
    assert either == set(schema.SESSION_TIME_COLUMNS)


@pytest.mark.parametrize(
    ("column", "vocabulary"),
    [
        ("practitioner_role", schema.PRACTITIONER_ROLES),
        ("sex", schema.SEXES),
        ("adverse_events", schema.ADVERSE_EVENTS),
    ],
)
def test_session_table_vocabularies(column: str, vocabulary: tuple[str, ...]) -> None:
    rule = _session_rows()[column][2]
    assert list(dict.fromkeys(_ticked(rule))) == list(vocabulary)


def test_list_separator() -> None:
    assert f"`{schema.LIST_SEPARATOR}`-separated" in _session_rows()["muscles"][2]


def test_rom_sites_with_their_maximum_and_normal_value() -> None:
    text = _section("Measures")
    found = re.findall(r"`(\w+)`\s+\((\d+)(?: (\w+))?; (\d+)(?: \w+)?\)", text)
    assert [f[0] for f in found] == list(schema.ROM_SITES)
    for site, high, unit, normal in found:
        spec = schema.ROM_SITES[site]
        assert (float(high), float(normal)) == (spec.high, spec.normal), site
        assert (unit or "deg") == spec.unit, site
        assert spec.low == 0.0, site


def test_function_instruments_with_their_range_and_direction() -> None:
    text = _section("Measures")
    para = text[text.index("Function instruments:") :]
    found = re.findall(r"`(\w+)`\s[^`]*?(\d+)-(\d+)", para)
    assert sorted(f[0] for f in found) == sorted(schema.FUNCTION_INSTRUMENTS)
    for name, low, high in found:
        spec = schema.FUNCTION_INSTRUMENTS[name]
        assert (float(low), float(high)) == (spec.low, spec.high), name
    lower, higher = para.split("lower\nis better for all of these")
    better_high = {n for n, *_ in found if f"`{n}`" in higher}
    assert better_high == {n for n, s in schema.FUNCTION_INSTRUMENTS.items() if s.higher_is_better}
    assert all(f"`{n}`" in lower for n in set(schema.FUNCTION_INSTRUMENTS) - better_high)


def test_pain_row_gives_the_scale_and_direction() -> None:
    row = next(line for line in _section("Measures").splitlines() if line.startswith("| `pain`"))
    low, high = int(schema.PAIN.low), int(schema.PAIN.high)
    assert f"NPRS {low}-{high}" in row
    assert row.rstrip(" |").endswith("lower") == (not schema.PAIN.higher_is_better)
    vas_max = int(schema.PAIN_SCALES["vas100"][0])
    assert f"VAS 0-{vas_max} mm" in row


def test_conditions() -> None:
    assert _ticked(_section("Conditions").split("Extend")[0]) == list(schema.CONDITIONS)


def test_numbers_in_the_rules() -> None:
    episodes = _section("Episodes and changes")
    checks = _section("What the checks refuse and warn about")
    rows = _session_rows()
    assert f"more than {schema.EPISODE_GAP_DAYS} days" in rows["episode_id"][2]
    assert f"within {schema.OPEN_AFTER_DAYS} days" in episodes
    assert f"not before {schema.MIN_SESSION_DATE[:4]}" in rows["session_date"][2]
    assert f"before {schema.MIN_SESSION_DATE[:4]}" in checks
    assert f"more than {schema.PAIN_RISE_WARNING:g} points" in checks
    assert f"more than {schema.ROM_JUMP_WARNING:g} degrees" in checks
