"""The broken-input corpus: every file answered in the words of the interface in use.

``tests/data/broken/`` holds small broken files made from the clean base export by
``make_broken.py`` (one change each; the list and the reason for each expectation are in
``tests/data/broken/README.md``). Big or special inputs (a named pipe, ``/dev/zero``, a
2 GB sparse file, loops of symbolic links, a 1 MB single line, a 200,000-column header)
are made here at run time in a temporary folder.

For every input, as the exception model says (docs/data.md, "Errors and exit codes"):

* ``validate`` returns a report with exactly the expected error checks (never raises for
  a file that exists), and the message of the expected check names the file, the fix
  and the expected words;
* ``load_sessions`` raises the package's documented exception (``SchemaError``, or
  ``IdentifierError`` for identifiers) or loads;
* ``tpdn-outcomes validate FILE`` exits 0 (loadable), 1 (a data problem) or 2 (usage:
  no such file), prints no traceback and a bounded amount of text;
* the input file is unchanged.

The special inputs run the command in a subprocess with a timeout (a hang guard, not a
speed test: benchmarks/bench_broken.py measures time and memory per file).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pandas as pd
import pytest

from tpdn_outcomes import load_sessions, validate
from tpdn_outcomes.cli import main
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning, SchemaError
from tpdn_outcomes.privacy import IdentifierError

BROKEN = Path(__file__).parent / "data" / "broken"
BASE = Path(__file__).parent / "data" / "bad" / "_base_valid.csv"
EXPORT = "2026-11-24"
#: Most characters the command may print about one broken file (its messages are bounded;
#: the 150 KB header or 100 KB cell of a file is never echoed whole).
MAX_OUTPUT = 20_000
#: Seconds a special input may take in a subprocess before it counts as a hang.
HANG = 120


@dataclass(frozen=True)
class Broken:
    """One broken input and what every interface must answer."""

    file: str
    check: str | None  # the error check whose message is inspected (None: no error)
    exit: int  # of `tpdn-outcomes validate FILE`
    words: tuple[str, ...] = ()  # in the message of ``check``
    also: tuple[str, ...] = ()  # the other error checks of the report
    load: type[Exception] | None = SchemaError  # what load_sessions raises (None: loads)
    kwargs: dict[str, Any] = field(default_factory=dict)
    cli: tuple[str, ...] = ()  # the same options as command-line flags


_U = "unreadable_file"
#: Files whose bytes hold a workbook or Parquet file (with its writer's time stamp).
EMBEDDED = {"xlsx_named.csv", "parquet_named.csv", "sessions.xlsx.gz"}

CORPUS: list[Broken] = [
    # -- empty, or no data
    Broken("empty.csv", _U, 1, ("empty", "header row")),
    Broken("blank_lines_only.csv", _U, 1, ("empty",)),
    Broken("header_only.csv", "no_data", 1, ("no data rows",)),
    Broken("header_no_newline.csv", "no_data", 1, ("no data rows",)),
    Broken("header_and_blank_rows.csv", "no_data", 1, ("3 blank rows", "no data rows")),
    Broken("whitespace_only.csv", "no_data", 1, ("no data rows",), also=("missing_column",)),
    Broken("header_only.xlsx", "no_data", 1, ("no data rows",)),
    Broken("header_only.parquet", "no_data", 1, ("no data rows",)),
    Broken(
        "empty_first_sheet.xlsx",
        "no_data",
        1,
        ("sheet 'Empty' was read", "pass sheet='Data'"),
        also=("missing_column",),
    ),
    # -- bytes that are not UTF-8 text
    Broken("nul_bytes.csv", _U, 1, ("NUL bytes", "byte 282, line 2")),
    Broken("nul_only.csv", _U, 1, ("NUL bytes", "binary")),
    Broken("utf16_bom.csv", _U, 1, ("UTF-16", "encoding='utf-16'")),
    Broken("utf16le_no_bom.csv", _U, 1, ("NUL bytes", "UTF-16")),
    Broken("cp1252.csv", _U, 1, ("not utf-8-sig text", "CSV UTF-8")),
    Broken("latin1_header.csv", _U, 1, ("not utf-8-sig text",)),
    Broken("binary_noise.csv", _U, 1, ("not utf-8-sig text",)),
    # -- compressed, and files that are not what their ending says
    Broken("sessions.csv.gz", None, 0, load=None),
    Broken("sessions.csv.bz2", None, 0, load=None),
    Broken("sessions.csv.xz", None, 0, load=None),
    Broken("gzip_named.csv", None, 0, load=None),  # read as the gzip data it is
    Broken("truncated.csv.gz", _U, 1, ("gzip data is damaged",)),
    Broken("not_compressed.csv.gz", _U, 1, ("not", "rename it not_compressed.csv")),
    Broken("zstd_named.csv", _U, 1, ("zstd-compressed",)),
    Broken("zip_named.csv", _U, 1, ("ZIP archive", "extract")),
    Broken("xlsx_named.csv", _U, 1, ("Excel workbook", ".xlsx")),
    Broken("pdf_named.csv", _U, 1, ("PDF",)),
    Broken("parquet_named.csv", _U, 1, ("Parquet file", ".parquet")),
    Broken("ole2_named.csv", _U, 1, ("Excel 97-2003",)),
    Broken("sessions.xlsx.gz", _U, 1, ("'.xlsx.gz'", "sessions.csv.gz")),
    Broken("sessions.txt", _U, 1, ("'.txt'", ".csv")),
    Broken("sessions", _U, 1, ("'(none)'",)),
    Broken("sessions.xls", _U, 1, ("save it as .xlsx",)),
    # -- layout
    Broken("sep_line.csv", None, 0, load=None),
    Broken("sep_line_semicolon.csv", None, 0, load=None),
    Broken(
        "sep_line_bad_value.csv",  # rows counted past the sep= line: the value is on row 4
        "invalid_number",
        1,
        ("row 4", "'eleven'"),
        also=("post_without_pre",),
    ),
    Broken("semicolons.csv", _U, 1, ("semicolons",)),
    Broken("tabs_named.csv", _U, 1, ("tabs", ".tsv")),
    Broken("commas_named.tsv", _U, 1, ("commas", ".csv")),
    Broken("title_row.csv", _U, 1, ("title", "header is the first line")),
    Broken("title_rows_blank.csv", _U, 1, ("title",)),
    Broken("title_rows_single.csv", _U, 1, ("title",)),
    Broken("crlf.csv", None, 0, load=None),
    Broken("cr_only.csv", None, 0, load=None),
    Broken("utf8_bom.csv", None, 0, load=None),
    Broken("more_cells_than_header.csv", _U, 1, ("more cells than the header",)),
    Broken("unclosed_quote.csv", _U, 1, ("cannot be read as CSV", "quoting")),
    Broken("duplicate_header.csv", _U, 1, ("'Patient ID' more than once",)),
    Broken("long_header.csv", _U, 1, ("100000 characters", "TPDN_OUTCOMES_MAX_HEADER_CHARS")),
    Broken("many_columns.csv", _U, 1, ("3020 columns", "TPDN_OUTCOMES_MAX_COLUMNS")),
    # a 5,000-character column name is a warning, shown cut short
    Broken("long_column_name.csv", None, 0, load=None),
    # -- cells
    Broken("blank_episode_id.csv", "missing_value", 1, ("row 4", "column 'episode_id'")),
    Broken("episode_id_all_blank.csv", None, 0, load=None),  # episodes found from dates
    Broken("huge_session_number.csv", "invalid_number", 1, ("row 3", "'1e400'")),
    Broken("session_number_beyond_2_53.csv", "out_of_range", 1, ("row 3",)),
    Broken("pain_inf.csv", "invalid_number", 1, ("row 3", "'inf'"), also=("post_without_pre",)),
    Broken("pain_nan_text.csv", "post_without_pre", 1, ("row 3",)),  # "nan" reads as missing
    # the value is masked: the guard fails closed on date-like text it cannot place
    Broken("date_year_99999.csv", "invalid_date", 1, ("row 3", "'9****-0*-1*'")),
    Broken("long_cell.csv", "unknown_condition", 1, ("row 3",)),
    Broken("emoji_condition.csv", None, 0, load=None),  # "neck pain 🤕" normalises to neck_pain
    # a URL in any column is refused by the identifier guard (URLs can carry names)
    Broken("formula_cell.csv", "identifier", 1, load=IdentifierError),
    Broken("patient_name_column.csv", "identifier", 1, ("Patient name",), load=IdentifierError),
    # -- workbooks
    Broken("truncated.xlsx", _U, 1, ("damaged", "not a complete workbook")),
    Broken("zero_bytes.xlsx", _U, 1, ("empty (0 bytes)",)),
    Broken("csv_named.xlsx", _U, 1, ("text file", ".csv")),
    Broken("encrypted.xlsx", _U, 1, ("password-protected", "remove the password")),
    Broken("zip_not_workbook.xlsx", _U, 1, ("ZIP archive but not an Excel workbook",)),
    Broken("gzip_named.xlsx", _U, 1, ("gzip-compressed",)),
    Broken(
        "second_sheet.xlsx",
        "missing_column",
        1,
        ("sheet 'Info' was read", "pass sheet='Data'"),
        also=("identifier",),  # the notes column of the first sheet
        load=IdentifierError,
    ),
    Broken(
        "second_sheet.xlsx", None, 0, load=None, kwargs={"sheet": "Data"}, cli=("--sheet", "Data")
    ),
    Broken(
        "second_sheet.xlsx",
        _U,
        1,
        ("no sheet 'Sessions'", "'Info', 'Data'"),
        kwargs={"sheet": "Sessions"},
        cli=("--sheet", "Sessions"),
    ),
    Broken("second_sheet.xlsx", _U, 1, ("position 5", "'Info', 'Data'"), kwargs={"sheet": 5}),
    Broken("title_row.xlsx", "missing_column", 1, ("title",), also=()),
    # -- Parquet
    Broken("truncated.parquet", _U, 1, ("damaged parquet",)),
    Broken("text_named.parquet", _U, 1, ("text (a CSV file?)",)),
]


def _id(b: Broken) -> str:
    return b.file + (f"[{b.kwargs}]" if b.kwargs else "")


@contextlib.contextmanager
def hang_guard(seconds: int = HANG) -> Iterator[None]:
    """Fail (instead of waiting forever) when the block runs longer than ``seconds``."""

    def alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"no answer within {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def untouched(path: Path) -> Iterator[None]:
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    yield
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before, f"{path.name} was modified"


def _check_report(path: Path, b: Broken, **kwargs: Any) -> None:
    with hang_guard():
        report = validate(path, export_date=EXPORT, **kwargs)
    errors = report.errors
    expected = {b.check, *b.also} - {None}
    assert set(errors["check"]) == expected, report.table[["row", "column", "check", "message"]]
    if b.check is None:
        return
    messages = errors.loc[errors["check"] == b.check, "message"].astype(str).tolist()
    text = messages[0]
    assert path.name in text and "Fix" in text, text
    for w in b.words:
        assert w in text, (w, text)
    assert all(len(m) < 2_000 for m in report.table["message"])  # nothing echoed whole


def _check_load(path: Path, b: Broken, **kwargs: Any) -> None:
    with hang_guard(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        if b.load is None:
            assert isinstance(load_sessions(path, export_date=EXPORT, **kwargs), SessionData)
            return
        with pytest.raises(b.load) as info:
            load_sessions(path, export_date=EXPORT, **kwargs)
    if b.load is SchemaError:  # (an IdentifierError is a ValueError too, but not this one)
        assert not isinstance(info.value, IdentifierError)
    assert path.name in str(info.value)


def _check_cli(path: Path, b: Broken, capsys: pytest.CaptureFixture[str]) -> None:
    with hang_guard():
        code = main(["validate", str(path), "--export-date", EXPORT, *b.cli])
    out, err = capsys.readouterr()
    assert code == b.exit, out + err
    assert "Traceback" not in out + err
    assert len(out) + len(err) < MAX_OUTPUT, len(out) + len(err)


def test_the_corpus_is_what_make_broken_writes() -> None:
    """The committed files are those the generator makes (and at least 60 of them)."""
    sys.path.insert(0, str(BROKEN))
    try:
        import make_broken
    finally:
        sys.path.remove(str(BROKEN))
    made = make_broken.files()
    on_disk = {p.name for p in BROKEN.iterdir() if p.suffix != ".py" and p.name != "README.md"}
    on_disk.discard("__pycache__")
    assert on_disk == set(made)
    assert len(made) >= 60
    for name, data in made.items():  # (workbooks and Parquet carry their writer's stamps)
        if not name.endswith((".xlsx", ".parquet")) and name not in EMBEDDED:
            assert (BROKEN / name).read_bytes() == data, name
    assert {b.file for b in CORPUS} == set(made)  # every file has its expectation
    readme = (BROKEN / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in made)


@pytest.mark.parametrize("b", CORPUS, ids=_id)
def test_validate_reports(b: Broken) -> None:
    path = BROKEN / b.file
    with untouched(path):
        _check_report(path, b, **b.kwargs)


@pytest.mark.parametrize("b", CORPUS, ids=_id)
def test_load_raises_the_documented_exception(b: Broken) -> None:
    path = BROKEN / b.file
    with untouched(path):
        _check_load(path, b, **b.kwargs)


@pytest.mark.parametrize("b", [b for b in CORPUS if not b.kwargs or b.cli], ids=_id)
def test_cli_exit_code(b: Broken, capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / b.file
    with untouched(path):
        _check_cli(path, b, capsys)


# ---------------------------------------------------------------------------
# Big or special inputs, made at run time
# ---------------------------------------------------------------------------


def _fifo(tmp: Path) -> Path:
    path = tmp / "pipe.csv"
    os.mkfifo(path)
    return path


def _loop(tmp: Path) -> Path:
    a, b = tmp / "a.csv", tmp / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _self_loop(tmp: Path) -> Path:
    a = tmp / "self.csv"
    a.symlink_to(a)
    return a


def _sparse(tmp: Path) -> Path:
    path = tmp / "sparse.csv"
    with path.open("wb") as f:
        f.truncate(2 * 10**9)  # 2 GB of zero bytes that take no disk space
    return path


def _one_mb_line(tmp: Path) -> Path:
    path = tmp / "one_line.csv"
    path.write_text("a" * 1_000_000 + "\n")
    return path


def _wide_header(tmp: Path) -> Path:
    path = tmp / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n" + "1\n")
    return path


def _columns_16000(tmp: Path) -> Path:
    path = tmp / "cols.csv"
    path.write_text(",".join("c" * 3 for _ in range(16_000)) + "\n" + ",".join("1" * 16_000) + "\n")
    return path


def _many_columns_parquet(tmp: Path) -> Path:
    path = tmp / "many.parquet"
    frame = pd.read_csv(BASE)
    extra = pd.DataFrame({f"c{i}": [0.0] * len(frame) for i in range(2100)})
    pd.concat([frame, extra], axis=1).to_parquet(path, index=False)
    return path


def _folder(tmp: Path) -> Path:
    path = tmp / "sessions.csv"
    path.mkdir()
    return path


def _dev_zero(tmp: Path) -> Path:
    return Path("/dev/zero")


SPECIAL: list[tuple[str, Callable[[Path], Path], str, tuple[str, ...]]] = [
    ("fifo", _fifo, _U, ("named pipe",)),
    ("dev_zero", _dev_zero, _U, ("device",)),
    ("symlink_loop", _loop, _U, ("loop",)),
    ("symlink_self_loop", _self_loop, _U, ("loop",)),
    ("sparse_2gb", _sparse, _U, ()),  # memory (too large) or NUL bytes, by the machine
    ("one_mb_single_line", _one_mb_line, _U, ("100000 characters",)),
    ("header_200000_columns", _wide_header, _U, ("100000 characters",)),
    ("columns_16000", _columns_16000, _U, ("16000 columns", "TPDN_OUTCOMES_MAX_COLUMNS")),
    ("parquet_2120_columns", _many_columns_parquet, _U, ("2120 columns",)),
    ("folder", _folder, _U, ("is a folder",)),
]


@pytest.mark.parametrize(("name", "make", "check", "words"), SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_input_is_reported_not_hung(
    name: str, make: Callable[[Path], Path], check: str, words: tuple[str, ...], tmp_path: Path
) -> None:
    path = make(tmp_path)
    b = Broken(path.name, check, 1, words)
    if name == "sparse_2gb":  # the reason depends on the machine's memory: either is right
        with hang_guard():
            text = str(validate(path, export_date=EXPORT).errors["message"].iloc[0])
        assert "memory" in text or "NUL bytes" in text, text
    else:
        _check_report(path, b)
    _check_load(path, b)
    # the command, in a process of its own: a hang is a timeout, a crash a traceback
    run = subprocess.run(
        [sys.executable, "-m", "tpdn_outcomes.cli", "validate", str(path), "--export-date", EXPORT],
        capture_output=True,
        text=True,
        timeout=HANG,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert len(run.stdout) + len(run.stderr) < MAX_OUTPUT


@pytest.mark.parametrize(
    "make",
    [lambda tmp: tmp / "missing.csv", lambda tmp: _dangling(tmp)],
    ids=["missing", "dangling_symlink"],
)
def test_a_path_to_nothing_is_a_usage_error(make: Callable[[Path], Path], tmp_path: Path) -> None:
    path = make(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"Fix|check the path"):
        validate(path)
    with pytest.raises(FileNotFoundError):
        load_sessions(path)
    run = subprocess.run(
        [sys.executable, "-m", "tpdn_outcomes.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr


def _dangling(tmp: Path) -> Path:
    link = tmp / "link.csv"
    link.symlink_to(tmp / "gone.csv")
    return link


def test_limits_can_be_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bounds the messages name are the ones that apply, and raising them works."""
    path = BROKEN / "many_columns.csv"
    assert not validate(path, export_date=EXPORT).ok
    monkeypatch.setenv("TPDN_OUTCOMES_MAX_COLUMNS", "4000")
    report = validate(path, export_date=EXPORT)
    assert report.ok and set(report.warnings["check"]) == {"unknown_column"}
    monkeypatch.setenv("TPDN_OUTCOMES_MAX_COLUMNS", "many")
    assert "TPDN_OUTCOMES_MAX_COLUMNS='many'" in str(validate(path).errors["message"].iloc[0])
    monkeypatch.delenv("TPDN_OUTCOMES_MAX_COLUMNS")
    long = BROKEN / "long_header.csv"
    monkeypatch.setenv("TPDN_OUTCOMES_MAX_HEADER_CHARS", "200000")
    assert validate(long, export_date=EXPORT).ok


def test_memory_estimate_refuses_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """With less memory available than the estimate, the file is refused unread, with the
    estimate, what is available and the ways out; the check can be switched off."""
    import tpdn_outcomes.io as tio

    monkeypatch.setattr(tio, "available_memory", lambda: 10_000)
    path = BROKEN / "sessions.csv.gz"
    text = str(validate(path, export_date=EXPORT).errors["message"].iloc[0])
    assert "needs about" in text and "10.0 KB is available" in text, text
    assert "TPDN_OUTCOMES_MEMORY_CHECK=0" in text
    size = BASE.stat().st_size  # 1,019 bytes: 1.0 KB, and 15 times that 15.3 KB
    assert (size, tio.MEMORY_FACTOR["csv"]) == (1019, 15.0)
    text = str(validate(BASE, export_date=EXPORT).errors["message"].iloc[0])
    assert "the file is 1.0 KB; checking it needs about 15.3 KB" in text, text
    monkeypatch.setenv("TPDN_OUTCOMES_MEMORY_CHECK", "0")
    assert validate(BASE, export_date=EXPORT).ok


def test_blank_lines_before_the_header_keep_the_row_numbers(tmp_path: Path) -> None:
    """Rows are counted as a person counts them in the file, past blank lines."""
    path = tmp_path / "blank_first.csv"
    bad = (BROKEN / "sep_line_bad_value.csv").read_bytes().replace(b"sep=,\n", b"\n\n")
    path.write_bytes(bad)
    report = validate(path, export_date=EXPORT)
    assert report.table.loc[report.table["check"] == "invalid_number", "row"].tolist() == [5]


def test_conditions_as_a_list_is_a_type_error_naming_the_argument() -> None:
    with pytest.raises(TypeError, match=r"conditions= must be a mapping"):
        validate(BASE, conditions=["whiplash"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"conditions= must be a mapping"):
        load_sessions(BASE, conditions=["whiplash"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"column_map= must be a mapping"):
        validate(BASE, column_map=[("Dx", "condition")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"allow_columns= must be a list"):
        validate(BASE, allow_columns="notes")
