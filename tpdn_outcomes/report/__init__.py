"""The quarterly outcome report for clinics: one call (or one command) to HTML, PDF, XLSX.

>>> from tpdn_outcomes import load_sample
>>> from tpdn_outcomes.report import quarterly_report
>>> report = quarterly_report(load_sample(), quarter="2026Q1", clinic="CLN-01")
>>> report.clinic, report.quarter
('CLN-01', '2026Q1')

See :func:`quarterly_report` and :func:`quarterly_release`; the disclosure control in
:mod:`tpdn_outcomes.report.disclosure`.
"""

from tpdn_outcomes.report.build import MIN_CELL, Report, quarterly_release, quarterly_report
from tpdn_outcomes.report.context import Section
from tpdn_outcomes.report.render import PdfEngineMissing

__all__ = [
    "MIN_CELL",
    "PdfEngineMissing",
    "Report",
    "Section",
    "quarterly_release",
    "quarterly_report",
]
