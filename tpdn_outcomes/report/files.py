"""File names of the reports, and the per-clinic set written as one folder with a manifest.

A clinic's report must never be sent to another clinic. So:

- **File names are collision-free and traceable**: a readable slug of the clinic id plus the
  first 8 hex digits of the SHA-256 of the *exact* id (:func:`report_stem`). ``CLN 01``,
  ``CLN/01`` and ``CLN.01`` share the slug ``CLN_01`` but not the hash.
- **Two ids that would still share a name are refused** (:func:`check_distinct_names`),
  also when the names differ only in case (as on Windows and macOS file systems).
- **A set is complete or absent**: :func:`write_report_set` writes every report, a
  ``manifest.json`` and an ``index.html`` into a hidden temporary folder beside the output
  and renames it into place only when all are written (see
  :func:`tpdn_outcomes._files.atomic_folder`). A run that fails or is interrupted leaves
  no partial set and no temporary folder; an earlier set of the same quarter stays as it
  was until the new one is complete.

Examples
--------
>>> [report_stem("2026Q2", c) for c in ["CLN 01", "CLN/01", "CLN.01"]]
['tpdn_report_2026Q2_CLN_01-91cfce77', 'tpdn_report_2026Q2_CLN_01-4b757d75', 'tpdn_report_2026Q2_CLN_01-482e71e9']
>>> report_stem("2026Q2", None)
'tpdn_report_2026Q2_all_clinics'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpdn_outcomes._files import MANIFEST, atomic_folder, write_text
from tpdn_outcomes._version import __version__
from tpdn_outcomes.data import parse_quarter

if TYPE_CHECKING:  # pragma: no cover
    from tpdn_outcomes.report.build import Report

#: The ``tool`` recorded in a set's manifest (a folder is replaced only if it says this).
TOOL = "tpdn-outcomes"
#: The listing page of a set.
INDEX = "index.html"
#: Report formats and the method of :class:`~tpdn_outcomes.report.build.Report` writing each.
FORMATS = ("html", "pdf", "xlsx")
_WRITERS = {"html": "to_html", "pdf": "to_pdf", "xlsx": "to_excel"}
_SLUG_MAX = 40


class ReportNameClash(ValueError):
    """Two clinic ids would be written under one file name."""


def clinic_hash(clinic: str) -> str:
    """The first 8 hex digits of the SHA-256 of the clinic id's UTF-8 text.

    Examples
    --------
    >>> clinic_hash("CLN 01")
    '91cfce77'
    """
    return hashlib.sha256(clinic.encode("utf-8")).hexdigest()[:8]


def clinic_slug(clinic: str) -> str:
    """A readable, portable file-name part: ASCII letters, digits, ``-`` and ``_``.

    Accents are dropped (``Zürich`` -> ``Zurich``), every other run of characters becomes
    one ``_``, and the result is cut to 40 characters (``clinic`` when nothing is left).

    Examples
    --------
    >>> clinic_slug("CLN/01"), clinic_slug("Zürich Nord"), clinic_slug("../..")
    ('CLN_01', 'Zurich_Nord', 'clinic')
    """
    ascii_text = unicodedata.normalize("NFKD", clinic).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_text).strip("_-")[:_SLUG_MAX].strip("_-")
    return slug or "clinic"


def report_stem(quarter: str, clinic: str | None) -> str:
    """The file name, without extension, of a clinic's (or the all-clinics) report.

    ``tpdn_report_<quarter>_<slug>-<hash>`` where the hash is :func:`clinic_hash` of the
    exact id; ``tpdn_report_<quarter>_all_clinics`` for the report of all clinics.
    The quarter is written ``2026Q2`` whatever spelling was given.

    Examples
    --------
    >>> report_stem("Q2 2026", "CLN-01")
    'tpdn_report_2026Q2_CLN-01-25836cd2'
    """
    q = parse_quarter(quarter)
    if clinic is None:
        return f"tpdn_report_{q}_all_clinics"
    return f"tpdn_report_{q}_{clinic_slug(clinic)}-{clinic_hash(clinic)}"


def check_distinct_names(quarter: str, clinics: Iterable[str | None]) -> dict[str | None, str]:
    """Each clinic's file stem; raise :class:`ReportNameClash` if two would share one.

    Names are compared as a case-insensitive file system compares them.

    Examples
    --------
    >>> check_distinct_names("2026Q2", [None, "CLN 01", "CLN/01"])[None]
    'tpdn_report_2026Q2_all_clinics'
    """
    stems: dict[str | None, str] = {}
    seen: dict[str, str | None] = {}
    for clinic in clinics:
        stem = report_stem(quarter, clinic)
        key = stem.casefold()
        if key in seen and seen[key] != clinic:
            raise ReportNameClash(
                f"clinics {seen[key]!r} and {clinic!r} would both be written as {stem}; "
                "rename one of them in the data (or write them in separate runs)"
            )
        seen[key] = clinic
        stems[clinic] = stem
    return stems


@dataclass
class ReportSet:
    """What :func:`write_report_set` wrote.

    Attributes
    ----------
    folder : Path
        The set's folder (``<out>/tpdn_reports_<quarter>``).
    files : dict
        Clinic id (None: all clinics) -> {format: path}.
    failed : dict
        Format -> the message of the exception that kept it from being written (a PDF
        without its engine); those files are absent and the manifest says so.
    manifest : dict
        The content of ``manifest.json``.
    """

    folder: Path
    files: dict[str | None, dict[str, Path]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def set_folder(out: str | os.PathLike[str], quarter: str) -> Path:
    """The folder a set of the quarter's reports is written to: ``<out>/tpdn_reports_<quarter>``.

    Examples
    --------
    >>> set_folder("reports", "2026-q2").as_posix()
    'reports/tpdn_reports_2026Q2'
    """
    return Path(out) / f"tpdn_reports_{parse_quarter(quarter)}"


def write_report_files(
    report: Report,
    folder: str | os.PathLike[str],
    stem: str,
    formats: Sequence[str],
    *,
    skip: Iterable[type[BaseException]] = (),
    failed: dict[str, str] | None = None,
) -> dict[str, Path]:
    """Write one report in the given formats as ``folder/stem.<format>``, each atomically.

    Exceptions of the types in ``skip`` (e.g. a missing PDF engine) leave that format
    out and are recorded in ``failed`` (format -> message); any other exception propagates.

    Examples
    --------
    >>> import tempfile
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.report import quarterly_report
    >>> rep = quarterly_report(load_sample(), quarter="2026Q1", clinic="CLN-01")
    >>> sorted(write_report_files(rep, tempfile.mkdtemp(), "r", ["html", "xlsx"]))
    ['html', 'xlsx']
    """
    unknown = [f for f in formats if f not in _WRITERS]
    if unknown:
        raise ValueError(f"formats must be among {list(FORMATS)}, not {unknown}")
    skip_types = tuple(skip)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = Path(folder) / f"{stem}.{fmt}"
        try:
            getattr(report, _WRITERS[fmt])(str(path))
        except skip_types as exc:
            if failed is not None:
                failed[fmt] = str(exc)
            continue
        written[fmt] = path
    return written


def _index_html(manifest: dict[str, Any]) -> str:
    """The set's listing page: which file is which clinic's, and where the data came from."""
    e = html.escape
    rows = []
    for entry in manifest["reports"]:
        who = "All clinics" if entry["clinic"] is None else entry["clinic"]
        links = " ".join(
            f'<a href="{e(name)}">{e(fmt.upper())}</a>' for fmt, name in entry["files"].items()
        )
        rows.append(
            f"<tr><td>{e(who)}</td><td><code>{e(entry['clinic_hash'] or '')}</code></td>"
            f"<td>{links}</td></tr>"
        )
    source = manifest["source"]
    quiet = manifest["clinics_without_sessions"]
    none_line = (
        f"<p>Clinics without sessions in {e(manifest['quarter'])} (no report): "
        f"{e(', '.join(quiet))}</p>"
        if quiet
        else ""
    )
    failed = "".join(
        f"<p>Not written: {e(fmt.upper())} ({e(msg)})</p>"
        for fmt, msg in manifest["failed"].items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>TPDN outcome reports {e(manifest['quarter'])}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;"
        "text-align:left;border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>TPDN outcome reports, {e(manifest['quarter'])}</h1>"
        "<p>One report per clinic and one for all clinics together. Send each clinic only "
        "the files on its own row; the code is the start of the SHA-256 of the clinic id, "
        "also in the file name.</p>"
        "<table><tr><th>Clinic</th><th>Code</th><th>Files</th></tr>"
        + "".join(rows)
        + "</table>"
        + none_line
        + failed
        + f"<p>Source file {e(str(source['file']))}, SHA-256 <code>{e(str(source['sha256']))}"
        f"</code>; tpdn_outcomes {e(manifest['package_version'])}; written "
        f"{e(manifest['created'])}.</p></body></html>\n"
    )


def write_report_set(
    out: str | os.PathLike[str],
    quarter: str,
    clinics: Sequence[str | None],
    build: Callable[[str | None], Report],
    formats: Sequence[str],
    *,
    source: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    clinics_without_sessions: Sequence[str] = (),
    skip: Iterable[type[BaseException]] = (),
    on_written: Callable[[str | None, dict[str, Path]], None] | None = None,
) -> ReportSet:
    """Write the reports of several clinics as one complete set, or nothing.

    Parameters
    ----------
    out : path
        The folder in which the set's folder ``tpdn_reports_<quarter>`` is made.
    quarter : str
        The quarter (any spelling :func:`~tpdn_outcomes.data.parse_quarter` accepts).
    clinics : sequence of str or None
        The clinics, ``None`` for the report of all clinics together.
    build : callable
        ``build(clinic)`` returns that clinic's :class:`~tpdn_outcomes.report.build.Report`.
    formats : sequence of str
        Among ``html``, ``pdf``, ``xlsx``.
    source : dict, optional
        ``file`` and ``sha256`` of the input (``SessionData.metadata["source"]``, ``["sha256"]``).
    settings : dict, optional
        Recorded in the manifest as they are (e.g. ``min_cell``).
    clinics_without_sessions : sequence of str
        Clinics of the data with no report this quarter, recorded in the manifest.
    skip : exception types
        As in :func:`write_report_files` (a missing PDF engine leaves the PDFs out).
    on_written : callable, optional
        Called with ``(clinic, {format: path in the final folder})`` after the set is in place.

    Returns
    -------
    ReportSet

    Raises
    ------
    ReportNameClash
        Before anything is built, when two clinics would share a file name.
    tpdn_outcomes._files.FolderInUse
        Before anything is built, when the set's folder exists but is not an earlier
        set written by this package (or holds other files too): nothing is replaced.

    Notes
    -----
    The folder holds the reports, ``manifest.json`` (quarter, source file and its SHA-256,
    package version, time, settings, and for each clinic its id, hash and files) and
    ``index.html`` (the same as a page). It is built as ``.tpdn_reports_<quarter>.<random>.partial``
    beside its final place and renamed there only when every file is written; if
    ``build`` or a writer raises (or the run is interrupted), the temporary folder is
    removed and an earlier set stays as it was.

    Examples
    --------
    >>> import json, tempfile
    >>> from tpdn_outcomes import load_sample
    >>> from tpdn_outcomes.report import quarterly_report
    >>> data = load_sample()
    >>> done = write_report_set(tempfile.mkdtemp(), "2026Q1", [None, "CLN-01"],
    ...     lambda c: quarterly_report(data, quarter="2026Q1", clinic=c), ["html"])
    >>> sorted(p.name for p in done.folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['index.html', 'manifest.json', 'tpdn_report_2026Q1_CLN-01-25836cd2.html',
     'tpdn_report_2026Q1_all_clinics.html']
    >>> json.loads((done.folder / "manifest.json").read_text())["reports"][1]["clinic"]
    'CLN-01'
    """
    q = parse_quarter(quarter)
    stems = check_distinct_names(q, clinics)
    final = set_folder(out, q)
    result = ReportSet(final)
    entries: list[dict[str, Any]] = []
    listed: list[str] = []
    with atomic_folder(final, TOOL) as tmp:
        for clinic in clinics:
            report = build(clinic)
            files = write_report_files(
                report, tmp, stems[clinic], formats, skip=skip, failed=result.failed
            )
            result.files[clinic] = {fmt: final / p.name for fmt, p in files.items()}
            listed.extend(p.name for p in files.values())
            entries.append(
                {
                    "clinic": clinic,
                    "clinic_hash": None if clinic is None else clinic_hash(clinic),
                    "title": getattr(report, "title", None),
                    "files": {fmt: p.name for fmt, p in files.items()},
                }
            )
        manifest: dict[str, Any] = {
            "tool": TOOL,
            "package_version": __version__,
            "quarter": q,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "source": {"file": None, "sha256": None, **(source or {})},
            "settings": dict(settings or {}),
            "formats": list(formats),
            "failed": dict(result.failed),
            "reports": entries,
            "clinics_without_sessions": list(clinics_without_sessions),
            "files": [*listed, INDEX],
        }
        write_text(tmp / INDEX, _index_html(manifest))
        # the manifest last: a folder with a manifest is a complete set
        write_text(tmp / MANIFEST, json.dumps(manifest, indent=2, default=str) + "\n")
        result.manifest = manifest
    if on_written is not None:
        for clinic, files in result.files.items():
            on_written(clinic, files)
    return result


__all__ = [
    "FORMATS",
    "INDEX",
    "TOOL",
    "ReportNameClash",
    "ReportSet",
    "check_distinct_names",
    "clinic_hash",
    "clinic_slug",
    "report_stem",
    "set_folder",
    "write_report_files",
    "write_report_set",
]
