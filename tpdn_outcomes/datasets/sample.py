"""The sample files: written (:func:`write_sample`), found (:func:`sample_path`) and
loaded (:func:`load_sample`); ``python -m tpdn_outcomes.datasets`` regenerates them."""

from __future__ import annotations

import argparse
import os
import shutil
import warnings
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from tpdn_outcomes.data import SessionData

from tpdn_outcomes.datasets.design import (
    MESSY_SEED,
    SAMPLE_EXPORT_DATE,
    SAMPLE_FILES,
    SAMPLES,
    SampleDesign,
)
from tpdn_outcomes.datasets.long import to_long
from tpdn_outcomes.datasets.messy import make_messy, messy_slice
from tpdn_outcomes.datasets.readme import readme_text
from tpdn_outcomes.datasets.simulate import synthesize
from tpdn_outcomes.datasets.text import atomic_write, write_csv, write_xlsx

_EXCEL_MAX_ROWS = 1_048_576  # rows of an Excel sheet, the header included


def sample_frame(sample: Literal["network", "four_clinics"] = "network") -> pd.DataFrame:
    """The wide session table of a named sample design (see :data:`SAMPLES`).

    Parameters
    ----------
    sample : {"network", "four_clinics"}, default "network"
        ``"network"``: the shipped sample (seven clinics, eight quarters to 2026-06-30);
        ``"four_clinics"``: the sample shipped before it (600 patients, four clinics,
        six quarters to 2026-06-30), kept because tests check statistics on it against R.

    Returns
    -------
    DataFrame
        :func:`synthesize` with the design's arguments.

    Examples
    --------
    >>> four = sample_frame("four_clinics")
    >>> four.equals(synthesize())
    True
    >>> sorted(four["clinic_id"].unique())
    ['CLN-01', 'CLN-02', 'CLN-03', 'CLN-04']
    """
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {', '.join(map(repr, SAMPLES))}, not {sample!r}")
    return _design_frame(SAMPLES[sample])


def _design_frame(d: SampleDesign) -> pd.DataFrame:
    if isinstance(d.clinics, int):
        return synthesize(d.n_patients, d.clinics, d.start, d.quarters, d.seed)
    return synthesize(
        d.n_patients, start=d.start, quarters=d.quarters, seed=d.seed, clinic_weights=d.clinics
    )


def write_sample(
    out_dir: str | os.PathLike[str],
    *,
    n_patients: int | None = None,
    seed: int | None = None,
    sample: Literal["network", "four_clinics"] = "network",
) -> dict[str, Path]:
    """Write the sample files to a folder (each atomically).

    Parameters
    ----------
    out_dir : path
        The folder (created if needed).
    n_patients : int, optional
        Patients of the synthetic sample; the design's (:data:`SAMPLES`) by default.
    seed : int, optional
        Seed of :func:`synthesize`; the design's by default.
    sample : {"network", "four_clinics"}, default "network"
        The design (clinics, start, quarters): ``"network"`` is the shipped sample.

    Returns
    -------
    dict
        File name -> path, for the files of :data:`SAMPLE_FILES`: ``sessions.csv``
        (wide), ``sessions.xlsx`` (the same, sheet ``sessions``), ``sessions_index.csv``
        and ``measures_long.csv`` (:func:`to_long`), ``sessions_with_errors.csv``
        (:func:`make_messy` on a 120-row slice of the four-clinic sample, whatever the
        design, so the validation walkthrough stays the same) and ``README.md``. CSVs
        are UTF-8 with ``\\n`` line endings, ISO dates, ``yes``/``no``, blank for
        missing, no index. The XLSX is skipped (with a warning) when the table has more
        rows than an Excel sheet holds.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_sample(tempfile.mkdtemp(), n_patients=60, seed=2)
    >>> sorted(paths)
    ['README.md', 'measures_long.csv', 'sessions.csv', 'sessions.xlsx', 'sessions_index.csv', 'sessions_with_errors.csv']
    """
    out = Path(out_dir)
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {', '.join(map(repr, SAMPLES))}, not {sample!r}")
    design = SAMPLES[sample]
    if n_patients is not None:
        design = design._replace(n_patients=n_patients)
    if seed is not None:
        design = design._replace(seed=seed)
    wide = _design_frame(design)
    index, measures = to_long(wide)
    messy, planted = make_messy(messy_slice(sample_frame("four_clinics")), seed=MESSY_SEED)
    paths = {"sessions.csv": write_csv(wide, out / "sessions.csv")}
    if len(wide) < _EXCEL_MAX_ROWS:
        paths["sessions.xlsx"] = write_xlsx(wide, out / "sessions.xlsx")
    else:
        warnings.warn(
            f"sessions.xlsx not written: {len(wide)} sessions do not fit in one Excel sheet "
            f"({_EXCEL_MAX_ROWS - 1} rows at most)",
            UserWarning,
            stacklevel=2,
        )
    paths["sessions_index.csv"] = write_csv(index, out / "sessions_index.csv")
    paths["measures_long.csv"] = write_csv(measures, out / "measures_long.csv")
    paths["sessions_with_errors.csv"] = write_csv(messy, out / "sessions_with_errors.csv")
    readme = readme_text(
        design=design, wide=wide, index=index, measures=measures, messy=messy, planted=planted
    )
    paths["README.md"] = atomic_write(
        out / "README.md", lambda p: p.write_text(readme, encoding="utf-8", newline="\n")
    )
    return paths


def sample_path(name: str = "sessions.csv") -> Path:
    """The path of a sample file shipped inside the package.

    Parameters
    ----------
    name : str, default "sessions.csv"
        One of :data:`SAMPLE_FILES`.

    Returns
    -------
    Path

    Raises
    ------
    FileNotFoundError
        When there is no such shipped file (the message lists the files).

    Examples
    --------
    >>> sample_path("sessions.csv").name
    'sessions.csv'
    """
    folder = resources.files("tpdn_outcomes").joinpath("sample_data")
    path = Path(str(folder.joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(
            f"no shipped sample file {name!r}; the sample files are {', '.join(SAMPLE_FILES)} "
            "(regenerate them with `python -m tpdn_outcomes.datasets --out data/sample`)"
        )
    return path


def _load_sessions() -> Callable[..., SessionData]:
    """The loader, imported when needed (``tpdn_outcomes.io`` or ``tpdn_outcomes.validate``)."""
    from tpdn_outcomes import io

    loader = getattr(io, "load_sessions", None)
    if loader is None:
        from tpdn_outcomes.validate import load_sessions as loader
    return cast("Callable[..., SessionData]", loader)


def load_sample(kind: Literal["wide", "long", "xlsx"] = "wide", **options: Any) -> SessionData:
    """Load the synthetic sample shipped with the package.

    Seven clinics over two years (:data:`SAMPLES`), ``CLN-01`` the largest.

    Parameters
    ----------
    kind : {"wide", "long", "xlsx"}, default "wide"
        ``"wide"``: ``sessions.csv``; ``"long"``: ``sessions_index.csv`` with
        ``measures_long.csv``; ``"xlsx"``: ``sessions.xlsx``. All three give the same
        sessions and measures.
    **options
        Passed to the loader (``load_sessions``); ``export_date`` defaults to
        :data:`SAMPLE_EXPORT_DATE` so that loading does not depend on today's date.

    Returns
    -------
    SessionData

    Notes
    -----
    The sample holds one-session episodes and recurrences after long gaps on purpose,
    so loading it emits a :class:`~tpdn_outcomes.errors.DataQualityWarning` that points
    to ``data.report``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     data = load_sample()
    >>> data.sessions["condition"].nunique()
    9
    """
    if kind not in ("wide", "long", "xlsx"):
        raise ValueError(f"kind must be 'wide', 'long' or 'xlsx', not {kind!r}")
    options.setdefault("export_date", SAMPLE_EXPORT_DATE)
    load_sessions = _load_sessions()
    if kind == "wide":
        return load_sessions(sample_path("sessions.csv"), **options)
    if kind == "long":
        return load_sessions(
            sample_path("sessions_index.csv"), measures=sample_path("measures_long.csv"), **options
        )
    options.setdefault("sheet", "sessions")
    return load_sessions(sample_path("sessions.xlsx"), **options)


def _package_sample_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "sample_data"


def _copy_atomic(src: Path, dst: Path) -> Path:
    return atomic_write(dst, lambda p: shutil.copyfile(src, p))


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the sample: ``python -m tpdn_outcomes.datasets --out data/sample``.

    Writes the files of :data:`SAMPLE_FILES` to ``--out`` and copies them into the
    package's ``sample_data`` folder (unless ``--no-package-copy``).

    Examples
    --------
    >>> import tempfile
    >>> main(["--out", tempfile.mkdtemp(), "--patients", "60", "--no-package-copy"])  # doctest: +ELLIPSIS
    wrote sessions.csv ...
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m tpdn_outcomes.datasets",
        description="Regenerate the synthetic sample files.",
    )
    parser.add_argument(
        "--out", default="data/sample", help="folder to write (default data/sample)"
    )
    parser.add_argument(
        "--sample",
        choices=sorted(SAMPLES),
        default="network",
        help="the design (default network: the shipped seven-clinic sample)",
    )
    parser.add_argument("--patients", type=int, default=None, help="default: the design's")
    parser.add_argument("--seed", type=int, default=None, help="default: the design's")
    parser.add_argument(
        "--no-package-copy",
        action="store_true",
        help="do not copy the files into tpdn_outcomes/sample_data",
    )
    args = parser.parse_args(argv)
    paths = write_sample(args.out, n_patients=args.patients, seed=args.seed, sample=args.sample)
    for name, path in paths.items():
        print(f"wrote {name} ({path})")
    if not args.no_package_copy:
        target = _package_sample_dir()
        for name, path in paths.items():
            if Path(path).resolve() != (target / name).resolve():
                _copy_atomic(Path(path), target / name)
        print(f"copied to {target}")
    return 0
