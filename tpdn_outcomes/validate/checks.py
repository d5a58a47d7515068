"""The checks of the data contract, declared once: what each checks and what it says.

Each :class:`Check` is data: its name, the canonical columns it reads, its rule, its
severity, the report's ``check`` code, and the text of its message and fix (templates
filled in from the run's settings, such as the export date or the pain scale). The
engines execute the declarations by name: the in-memory engine
(:mod:`tpdn_outcomes.validate.memory`) on a table read into memory, the SQL engine
(:mod:`tpdn_outcomes.validate.sql`) on a Parquet dataset where it lies. Neither holds
any message text of its own.

A per-cell rule flags one cell from its own value, and is written both as a numpy
predicate (:meth:`Rule.flags`, on the parsed values) and as a SQL boolean expression
(:meth:`Rule.sql`, on the parsed SQL expression). How a column's cells are parsed (text
to number, date or category) is itself a rule (:class:`NotNumber`, :class:`NotDate`,
:class:`NotIn`, :class:`Blank`). A cross-row rule (:class:`CrossRow`) compares rows:
each engine has its own code for it, under the declaration's name (the in-memory engine
its numpy passes, the SQL engine a window query).

Examples
--------
>>> CHECKS["session_number.below_1"].check, CHECKS["session_number.below_1"].message
('out_of_range', 'is below 1')
>>> CHECKS["session_number.below_1"].rule.sql("n")
'(n < 1)'
>>> import numpy as np
>>> CHECKS["session_number.below_1"].rule.flags(np.array([0.0, 1.0, np.nan])).tolist()
[True, False, False]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from tpdn_outcomes import schema

#: The largest whole number a float64 holds exactly (2**53); whole-number columns
#: (session numbers, needle counts) refuse larger values rather than round or wrap them.
MAX_WHOLE = float(2**53)


# --------------------------------------------------------------------------- rules


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a cell (or a set of rows) must not be: the base of every rule."""

    def flags(self, values: np.ndarray) -> np.ndarray:
        """The cells that fail, from parsed values (missing never fails)."""
        raise NotImplementedError(f"{type(self).__name__} is run by each engine's own code")

    def sql(self, expr: str) -> str:
        """A SQL boolean expression, true for a cell that fails, of the parsed ``expr``."""
        raise NotImplementedError(f"{type(self).__name__} is run by each engine's own code")


@dataclasses.dataclass(frozen=True)
class Blank(Rule):
    """The cell is missing or holds only white space (text) ."""

    def sql(self, expr: str) -> str:
        return f"({expr} IS NULL OR trim(CAST({expr} AS VARCHAR)) = '')"


@dataclasses.dataclass(frozen=True)
class NotNumber(Rule):
    """A filled cell that is not a (finite; with ``whole``, whole) number."""

    whole: bool = False

    def flags(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            bad = np.isinf(values)
            if self.whole:
                bad |= ~np.isnan(values) & (values != np.round(values))
        return bad

    def sql(self, expr: str) -> str:
        whole = f" OR {expr} <> round({expr})" if self.whole else ""
        return f"(NOT isfinite({expr}){whole})"


@dataclasses.dataclass(frozen=True)
class Below(Rule):
    """A number below ``bound`` (a value, or the name of a setting of the run)."""

    bound: float

    def flags(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # (NaN compares False: missing never fails)
            return values < self.bound

    def sql(self, expr: str) -> str:
        return f"({expr} < {self.bound:g})"


@dataclasses.dataclass(frozen=True)
class Above(Rule):
    """A number above ``bound``."""

    bound: float

    def flags(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return values > self.bound

    def sql(self, expr: str) -> str:
        return f"({expr} > {self.bound!r})"


@dataclasses.dataclass(frozen=True)
class Outside(Rule):
    """A measure value outside its measure's range (bounds from :mod:`schema` by measure
    and pain scale: given to the engines per column or per row)."""


@dataclasses.dataclass(frozen=True)
class NotDate(Rule):
    """A filled cell that is not a real date (ISO ``YYYY-MM-DD``, or the run's
    ``date_format``)."""


@dataclasses.dataclass(frozen=True)
class DateBefore(Rule):
    """A date before ``bound`` (ISO), or, when ``setting`` is given, before that
    setting of the run."""

    bound: str

    def flags(self, values: np.ndarray) -> np.ndarray:
        return values < np.datetime64(self.bound)

    def sql(self, expr: str) -> str:
        return f"({expr} < DATE '{self.bound}')"


@dataclasses.dataclass(frozen=True)
class DateAfter(Rule):
    """A date after the run's export date (given to the engines as ``bound``)."""

    def after(self, values: np.ndarray, bound: np.datetime64) -> np.ndarray:
        """The dates after ``bound`` (NaT never)."""
        return values > bound

    def sql_after(self, expr: str, bound: str) -> str:
        """SQL: ``expr`` after the ISO date ``bound``."""
        return f"({expr} > DATE '{bound}')"


@dataclasses.dataclass(frozen=True)
class NotIn(Rule):
    """A filled label that none of the aliases of ``table`` (a name in :mod:`schema`, or
    ``"conditions"``: the run's condition table) names, after
    :func:`schema.normalise_name`."""

    table: str

    def aliases(self, conditions: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        """The alias table (normalised label -> value)."""
        if self.table == "conditions":
            return schema.condition_aliases(conditions)
        return dict(getattr(schema, self.table))


@dataclasses.dataclass(frozen=True)
class Parsed(Rule):
    """A filled cell that the column's parser (``parser``: a function of the in-memory
    engine, run per distinct value) refuses: lists of events, age bands."""

    parser: str


@dataclasses.dataclass(frozen=True)
class CrossRow(Rule):
    """A rule across rows: each engine runs its own code for the declaration's name."""


# --------------------------------------------------------------------------- the checks


@dataclasses.dataclass(frozen=True)
class Check:
    """One check of the data contract.

    Attributes
    ----------
    name : str
        The declaration's own name (``"<column>.<what>"``), by which the engines run it.
    columns : tuple of str
        The canonical columns it reads (its report rows name the first, as written in
        the file).
    rule : Rule
        What fails.
    severity : {"error", "warning"}
    message : str
        What is wrong with the value, a template (``str.format``) of the run's settings.
    fix : str
        What to do, a template likewise.
    check : str
        The report's ``check`` code (several declarations share one: ``out_of_range``).
    """

    name: str
    columns: tuple[str, ...]
    rule: Rule
    severity: Literal["error", "warning"]
    message: str
    fix: str
    check: str

    def text(self, **settings: Any) -> tuple[str, str]:
        """``(message, fix)`` with the run's settings filled in."""
        return self.message.format(**settings), self.fix.format(**settings)


def _c(
    name: str,
    columns: tuple[str, ...],
    rule: Rule,
    check: str,
    message: str,
    fix: str,
    severity: Literal["error", "warning"] = "error",
) -> Check:
    return Check(name, columns, rule, severity, message, fix, check)


_REQUIRED = "is blank, and this column is required"
_WHOLE_FIX = "{max_whole:.0f}, the largest whole number held exactly"
_ONE_OF = "use one of "

#: Every declared check, in the order the engines report them.
DECLARED: tuple[Check, ...] = (
    # -- session columns, per cell
    _c("patient_id.missing", ("patient_id",), Blank(), "missing_value", _REQUIRED,
       "fill in the patient id or remove the row"),
    _c("condition.missing", ("condition",), Blank(), "missing_value", _REQUIRED,
       "fill in the condition or remove the row"),
    _c("condition.unknown", ("condition",), NotIn("conditions"), "unknown_condition",
       "is not a known condition",
       "use one of {allowed}, or map the label with conditions={{'{value}': 'a_condition'}}"),
    _c("session_date.invalid", ("session_date",), NotDate(), "invalid_date",
       "is not a real date {date_form}",
       "write dates as YYYY-MM-DD (e.g. 2025-03-14), or pass date_format='%d/%m/%Y' "
       "if the whole column uses that form"),
    _c("session_date.too_early", ("session_date",), DateBefore(schema.MIN_SESSION_DATE),
       "date_out_of_range", "is before {min_date}", "correct the date (typing error?)"),
    _c("session_date.too_late", ("session_date",), DateAfter(), "date_out_of_range",
       "is after the export date {export_date}",
       "correct the date, or pass export_date= if the export is newer"),
    _c("session_number.not_whole", ("session_number",), NotNumber(whole=True),
       "invalid_number", "is not a whole number", "write the session number as 1, 2, 3, ..."),
    _c("session_number.below_1", ("session_number",), Below(1), "out_of_range",
       "is below 1", "number sessions from 1"),
    _c("session_number.too_large", ("session_number",), Above(MAX_WHOLE), "out_of_range",
       "is above " + _WHOLE_FIX, "number sessions from 1"),
    _c("session_time.both_blank", ("session_date", "session_number"), Blank(),
       "missing_value", "is blank, as is the session number ({cols})",
       "give the session date or number"),
    _c("session_time.blank", ("session_date",), Blank(), "missing_value", _REQUIRED,
       "give the session date or number"),
    _c("practitioner_role.invalid", ("practitioner_role",), NotIn("PRACTITIONER_ROLE_ALIASES"),
       "invalid_category", "is not allowed", _ONE_OF + ", ".join(schema.PRACTITIONER_ROLES)),
    _c("sex.invalid", ("sex",), NotIn("SEX_ALIASES"), "invalid_category", "is not allowed",
       _ONE_OF + ", ".join(schema.SEXES)),
    _c("twitch_response.invalid", ("twitch_response",), NotIn("BOOLEAN_VALUES"),
       "invalid_boolean", "is not yes or no", "use yes/no, true/false or 1/0"),
    _c("adverse_events.invalid", ("adverse_events",), Parsed("parse_adverse"),
       "invalid_category", "is not allowed",
       "use ';'-separated events from " + ", ".join(schema.ADVERSE_EVENTS) + " ('none' alone)"),
    _c("muscles.invalid", ("muscles",), Parsed("parse_muscles"), "invalid_category",
       "is not allowed", ""),
    _c("age_band.invalid", ("age_band",), Parsed("parse_age_band"), "invalid_category",
       "is not allowed",
       "use a band such as 30-39 (upper bound at most 89) or 90+; exact ages are not accepted"),
    _c("needle_count.not_whole", ("needle_count",), NotNumber(whole=True), "invalid_number",
       "is not a whole number", "write the number of needles as 0, 1, 2, ..."),
    _c("needle_count.negative", ("needle_count",), Below(0), "out_of_range", "is below 0",
       "the needle count cannot be negative; correct it"),
    _c("needle_count.too_large", ("needle_count",), Above(MAX_WHOLE), "out_of_range",
       "is above " + _WHOLE_FIX, "correct the number of needles"),
    _c("session_id.missing", ("session_id",), Blank(), "missing_value",
       "is blank, but the file gives session ids", "fill in the session id"),
    _c("episode_id.missing", ("episode_id",), Blank(), "missing_value",
       "is blank, but the file gives episodes, so this session belongs to none",
       "fill in the episode (that of the patient's other sessions of the same course "
       "of treatment), or remove the column to have episodes found from the dates"),
    # -- measure values (wide columns), per cell
    _c("measure.not_number", ("measure",), NotNumber(), "invalid_number", "is not a number",
       "write a number with a point as decimal separator, or leave the cell blank"),
    _c("measure.not_finite", ("measure",), NotNumber(), "invalid_number",
       "is not a finite number", "write the measured value, or leave the cell blank"),
    _c("pain.out_of_range", ("measure",), Outside(), "out_of_range",
       "is outside {low:g}-{top:g} {unit} for {measure}",
       "pain is NPRS 0-10; correct the value, or if this file records VAS 0-100 mm, "
       "pass pain_scale='vas100'"),
    _c("pain.out_of_range_vas", ("measure",), Outside(), "out_of_range",
       "is outside {low:g}-{top:g} {unit} for {measure}", "VAS is 0-100 mm; correct the value"),
    _c("measure.out_of_range", ("measure",), Outside(), "out_of_range",
       "is outside {low:g}-{top:g} {unit} for {measure}",
       "{label} must lie in {low:g}-{top:g} {unit}; correct the value"),
    # -- the long measures table
    _c("long.unknown_measure", ("measure",), Parsed("canonical_measure"), "unknown_measure",
       "is not a known measure",
       "use pain, rom:<site>[_left|_right] or function:<instrument> (see the data dictionary)"),
    _c("long.unknown_timing", ("timing",), NotIn("TIMING_ALIASES"), "unknown_timing",
       "is not a timing", "use pre, post or followup"),
    _c("long.value_not_number", ("value",), NotNumber(), "invalid_number", "is not a number",
       "write a number with a point as decimal separator"),
    _c("long.unit_mismatch", ("unit",), CrossRow(), "unit_mismatch",
       "does not match the measure's unit",
       "pain values are on the declared scale ({pain_unit}); ROM in deg (mouth opening in "
       "mm); function in points. Convert the value or correct the unit"),
    _c("long.unknown_session", ("session_id",), CrossRow(), "unknown_session",
       "matches no valid session in the session table",
       "check the session key, or fix the session row it refers to"),
    _c("long.duplicate_measure", ("measure",), CrossRow(), "duplicate_measure",
       "is recorded twice for the same session and timing",
       "keep one value per session, measure and timing"),
    # -- rules across rows
    _c("session.order", ("session_date", "session_number"), CrossRow(), "session_order",
       "puts this session out of order: within its episode it has a lower session "
       "number than an earlier-dated session, or an earlier date than a "
       "lower-numbered one",
       "correct the session's date or its session number"),
    _c("session.duplicate", ("session_id", "patient_id", "session_date", "session_number"),
       CrossRow(),
       "duplicate_session",
       "repeats a session already in the file (same patient, episode and session)",
       "remove the repeated row, or correct its date or session number"),
    _c("session.long_gap", ("session_date",), CrossRow(), "long_gap",
       "comes more than {gap_days} days after the patient's previous "
       "session for this condition, so a new episode starts here",
       "nothing to do if this is a new course of treatment; otherwise pass episode_gap_days=",
       "warning"),
    _c("episode.single_session", ("episode_id", "patient_id"), CrossRow(), "single_session_episode",
       "has only one session in its episode",
       "nothing to do if the patient came once; its change is the within-session change",
       "warning"),
    _c("measure.post_without_pre", ("measure",), CrossRow(), "post_without_pre",
       "is a post-needling value without the pre-needling value of the same session",
       "add the pre value, or remove the post value (a within-session change needs both)"),
    _c("pain.rise", ("measure",), CrossRow(), "implausible_change",
       "rises by more than {pain_rise:g} points within one session (possible but unusual)",
       "check the pre and post values", "warning"),
    _c("rom.jump", ("measure",), CrossRow(), "implausible_change",
       "changes by more than {rom_jump:g} within one session (possible but unusual)",
       "check the pre and post values", "warning"),
)  # fmt: skip

#: The declarations by name.
CHECKS: dict[str, Check] = {c.name: c for c in DECLARED}

assert len(CHECKS) == len(DECLARED), "two declarations share a name"


def per_cell() -> list[Check]:
    """The declarations whose rule judges one cell (not across rows).

    >>> "session.duplicate" in {c.name for c in per_cell()}
    False
    """
    return [c for c in DECLARED if not isinstance(c.rule, CrossRow)]


def measure_range(measure: str, pain_scale: str) -> tuple[str, dict[str, Any]]:
    """The declaration of a measure's range check and its settings (``low``, ``top``,
    ``unit``, ``label``, ``measure``): pain on the declared scale, others from
    :func:`schema.measure_spec`.

    >>> name, settings = measure_range("pain", "vas100")
    >>> name, settings["top"], settings["unit"]
    ('pain.out_of_range_vas', 100.0, 'mm')
    """
    spec = schema.measure_spec(measure)
    top = schema.PAIN_SCALES[pain_scale][0] if spec.kind == "pain" else spec.high
    unit = schema.UNITS[spec.unit].words
    if spec.kind == "pain" and pain_scale == "vas100":
        unit = "mm"
    if spec.kind == "pain":
        name = "pain.out_of_range" if pain_scale == "nprs" else "pain.out_of_range_vas"
    else:
        name = "measure.out_of_range"
    settings = {"low": spec.low, "top": top, "unit": unit, "label": spec.label, "measure": measure}
    return name, settings
