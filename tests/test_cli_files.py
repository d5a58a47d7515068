"""Files the command writes: permissions, atomicity, no leftovers, and clinic report sets.

Issue 18 part 3 (clinic reports that cannot be mixed up) and issue 19 "Files".
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from samples import four_clinic_path as sample_path  # the sample fixture's files

from tpdn_outcomes import __version__
from tpdn_outcomes._files import (
    FolderInUse,
    atomic_folder,
    atomic_write,
    sigterm_as_exit,
)
from tpdn_outcomes.cli import main
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.datasets import synthesize
from tpdn_outcomes.report import files as report_files
from tpdn_outcomes.report.files import (
    ReportNameClash,
    check_distinct_names,
    clinic_hash,
    clinic_slug,
    report_stem,
)

EXPORT = ["--export-date", "2026-07-01"]
# clinic ids that all became tpdn_report_2026Q2_CLN_01.html before (issue 18)
LOOKALIKES = {"CLN-01": "CLN 01", "CLN-02": "CLN/01", "CLN-03": "CLN.01"}


def _leftovers(folder: Path) -> list[str]:
    """Hidden temporary files or folders anywhere under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# ----------------------------------------------------------------- atomic files
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_outputs_follow_the_umask(tmp_path: Path, mask: int, mode: int, umask: None) -> None:
    # before: mkstemp made every output 0600 whatever the umask
    os.umask(mask)
    target = atomic_write(tmp_path / "out.csv", lambda p: p.write_text("x\n"))
    assert target.stat().st_mode & 0o777 == mode
    # also over an existing file of other permissions, and through a writer that
    # replaces the temporary file rather than writing into it
    target.chmod(0o600)

    def replace(p: Path) -> None:
        p.unlink()
        p.write_text("y\n")
        p.chmod(0o600)

    atomic_write(target, replace)
    assert target.stat().st_mode & 0o777 == mode and target.read_text() == "y\n"


def test_cli_outputs_follow_the_umask(tmp_path: Path, umask: None) -> None:
    os.umask(0o027)
    path = tmp_path / "adtpdn.csv"
    assert main(["convert", str(sample_path("sessions.csv")), str(path),
                 "--from", "sessions", "--to", "adam", *EXPORT]) == 0  # fmt: skip
    assert path.stat().st_mode & 0o777 == 0o640


def test_failed_overwrite_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    target.write_text("old\n")

    def half_then_fail(p: Path) -> None:
        p.write_text("half of the new")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []

    def half_then_ctrl_c(p: Path) -> None:
        p.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half_then_ctrl_c)
    assert target.read_text() == "old\n" and _leftovers(tmp_path) == []


_SLOW_WRITE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tpdn_outcomes._files import atomic_write, sigterm_as_exit

    def slow(p):
        p.write_text("half of the new")
        print("writing", flush=True)
        time.sleep(60)

    with sigterm_as_exit():
        atomic_write(Path(sys.argv[1]), slow)
    """
)


def test_sigterm_during_an_overwrite_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITE, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    assert len(_leftovers(tmp_path)) == 1  # (the temporary file exists while writing)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_sigterm_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_as_exit():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


# ----------------------------------------------------------------- atomic folders
def _set(folder: Path, tool: str = "me", files: tuple[str, ...] = ("a.txt",)) -> None:
    for name in files:
        (folder / name).write_text(name)
    (folder / "manifest.json").write_text(json.dumps({"tool": tool, "files": list(files)}))


def test_atomic_folder_replaces_an_earlier_set_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "set"
    with atomic_folder(target, "me") as tmp:
        _set(tmp, files=("a.txt", "b.txt"))
    with pytest.raises(RuntimeError), atomic_folder(target, "me") as tmp:
        _set(tmp, files=("c.txt",))
        raise RuntimeError("killed midway")
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "b.txt", "manifest.json"]
    assert _leftovers(tmp_path) == []
    with atomic_folder(target, "me") as tmp:
        _set(tmp, files=("c.txt",))
    assert sorted(p.name for p in target.iterdir()) == ["c.txt", "manifest.json"]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("case", ["no manifest", "other tool", "extra file", "extra folder"])
def test_atomic_folder_never_replaces_other_files(tmp_path: Path, case: str) -> None:
    target = tmp_path / "set"
    target.mkdir()
    if case == "no manifest":
        (target / "notes.txt").write_text("mine")
    else:
        _set(target, tool="other" if case == "other tool" else "me")
        if case == "extra file":
            (target / "notes.txt").write_text("mine")
        elif case == "extra folder":
            (target / "drafts").mkdir()
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(FolderInUse), atomic_folder(target, "me") as tmp:
        _set(tmp)  # pragma: no cover - refused before the block runs
    assert sorted(p.name for p in target.iterdir()) == before
    assert _leftovers(tmp_path) == []


# ----------------------------------------------------------------- report names
def test_lookalike_clinic_ids_get_distinct_traceable_names() -> None:
    stems = [report_stem("2026Q2", c) for c in LOOKALIKES.values()]
    assert len(set(stems)) == 3
    for clinic, stem in zip(LOOKALIKES.values(), stems, strict=True):
        digest = hashlib.sha256(clinic.encode("utf-8")).hexdigest()[:8]
        assert stem == f"tpdn_report_2026Q2_CLN_01-{digest}"
    assert report_stem("Q2-2026", "CLN 01") == stems[0]  # the quarter in one form
    assert clinic_slug("../../etc/passwd") == "etc_passwd"
    assert clinic_slug("Zürich") == "Zurich" and clinic_slug("北京") == "clinic"


def test_two_ids_sharing_a_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # (SHA-256 prefixes of real ids do not collide on demand: make them collide)
    monkeypatch.setattr(report_files, "clinic_hash", lambda clinic: "00000000")
    with pytest.raises(ReportNameClash, match="'CLN 01' and 'CLN/01'"):
        check_distinct_names("2026Q2", [None, "CLN 01", "CLN/01"])
    with pytest.raises(ReportNameClash, match="'CLN-a' and 'cln-A'"):  # case-insensitive disks
        check_distinct_names("2026Q2", ["CLN-a", "cln-A"])
    assert len(check_distinct_names("2026Q2", ["CLN-a", "CLN-b", None])) == 3


# ----------------------------------------------------------------- report sets (CLI)
@pytest.fixture(scope="module")
def lookalike_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = synthesize(n_patients=120, n_clinics=3, start="2026-01-01", quarters=2, seed=5)
    frame["clinic_id"] = frame["clinic_id"].astype(str).map(LOOKALIKES)
    path = tmp_path_factory.mktemp("data") / "sessions.csv"
    frame.to_csv(path, index=False)
    return path


def _report(path: Path, out: Path, *more: str) -> list[str]:
    return ["report", str(path), "--quarter", "Q2 2026", "--format", "html", "--out", str(out),
            "--quiet", "--all-clinics", *EXPORT, *more]  # fmt: skip


def test_all_clinics_set_is_one_folder_with_a_manifest(
    lookalike_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert main(_report(lookalike_file, out)) == 0
    printed = capsys.readouterr().out
    folder = out / "tpdn_reports_2026Q2"
    assert sorted(p.name for p in out.iterdir()) == ["tpdn_reports_2026Q2"]  # nothing else
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tool"] == "tpdn-outcomes" and manifest["quarter"] == "2026Q2"
    assert manifest["package_version"] == __version__
    assert manifest["source"] == {
        "file": "sessions.csv",
        "sha256": hashlib.sha256(lookalike_file.read_bytes()).hexdigest(),
    }
    by_clinic = {r["clinic"]: r for r in manifest["reports"]}
    assert set(by_clinic) == {None, *LOOKALIKES.values()}
    names = set()
    for clinic, entry in by_clinic.items():
        (name,) = entry["files"].values()
        names.add(name)
        assert (folder / name).is_file() and printed.count(name) == 1  # "wrote" once each
        if clinic is not None:
            assert entry["clinic_hash"] == clinic_hash(clinic) and clinic_hash(clinic) in name
            html = (folder / name).read_text(encoding="utf-8")
            assert clinic in html  # each file is its own clinic's report
            assert all(other not in html for other in LOOKALIKES.values() if other != clinic)
    assert len(names) == 4
    assert sorted(manifest["files"]) == sorted([*names, "index.html"])
    assert {p.name for p in folder.iterdir()} == {*names, "index.html", "manifest.json"}
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{n}"' in index for n in names) and "CLN/01" in index
    assert _leftovers(out) == []


@pytest.fixture(scope="module")
def one_report(lookalike_file: Path):  # type: ignore[no-untyped-def]
    import warnings

    from tpdn_outcomes import load_sessions
    from tpdn_outcomes.report import quarterly_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_sessions(lookalike_file, export_date="2026-07-01")
    return quarterly_report(data, quarter="2026Q2", progress=False)


def test_a_run_failing_midway_leaves_no_partial_set(
    lookalike_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    one_report,  # type: ignore[no-untyped-def]
) -> None:
    import tpdn_outcomes.report as report_package
    from tpdn_outcomes.report.build import Report

    # the reports of a run are built together (one disclosure audit), then written one
    # by one: the third report's file fails to write
    calls: list[str] = []
    real_to_html = Report.to_html

    def fails_at_the_third(self, path=None):  # type: ignore[no-untyped-def]
        calls.append(str(path))
        if len(calls) == 3:
            raise ValueError("the report of this clinic failed")
        return real_to_html(self, path)

    monkeypatch.setattr(report_package, "quarterly_release",
                        lambda d, *, clinics, **k: [one_report] * len(clinics))  # fmt: skip
    monkeypatch.setattr(Report, "to_html", fails_at_the_third)
    out = tmp_path / "reports"
    assert main(_report(lookalike_file, out)) == 1
    assert "failed" in capsys.readouterr().err
    assert len(calls) == 3
    assert not out.exists() or list(out.iterdir()) == []  # no set, no temporary folder

    # an earlier complete set is kept as it was when the next run fails
    monkeypatch.setattr(Report, "to_html", real_to_html)
    assert main(_report(lookalike_file, out)) == 0
    before = {p.name: p.read_bytes() for p in (out / "tpdn_reports_2026Q2").iterdir()}
    calls.clear()
    monkeypatch.setattr(Report, "to_html", fails_at_the_third)
    assert main(_report(lookalike_file, out)) == 1
    after = {p.name: p.read_bytes() for p in (out / "tpdn_reports_2026Q2").iterdir()}
    assert after == before and _leftovers(out) == []


def test_an_output_folder_with_other_files_is_left_alone(
    lookalike_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports" / "tpdn_reports_2026Q2"
    folder.mkdir(parents=True)
    (folder / "my_notes.txt").write_text("keep me")
    with pytest.raises(SystemExit) as info:
        main(_report(lookalike_file, tmp_path / "reports"))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "tpdn_reports_2026Q2" in err and "choose another output folder" in err
    assert [p.name for p in folder.iterdir()] == ["my_notes.txt"]
    assert (folder / "my_notes.txt").read_text() == "keep me"


_KILLED_RUN = textwrap.dedent(
    """
    import sys, time
    from tpdn_outcomes.report.build import Report
    from tpdn_outcomes.cli import main

    real = Report.to_html
    count = []

    def slow(self, path=None):
        count.append(1)
        if len(count) == 2:
            print("building", flush=True)
            time.sleep(60)
        return real(self, path)

    Report.to_html = slow
    sys.exit(main(sys.argv[1:]))
    """
)


def test_a_killed_all_clinics_run_leaves_nothing(lookalike_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUN, *_report(lookalike_file, out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == "building"
    partial = [p for p in out.iterdir() if p.name.endswith(".partial")]
    assert len(partial) == 1 and any(partial[0].iterdir())  # the first report is written
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    err = proc.stderr.read()
    assert "Traceback" not in err and "no partial output" in err
    assert list(out.iterdir()) == []


def test_single_clinic_report_uses_the_traceable_name(
    lookalike_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    one_report,  # type: ignore[no-untyped-def]
) -> None:
    import tpdn_outcomes.report as report_package

    monkeypatch.setattr(report_package, "quarterly_release",
                        lambda d, *, clinics, **k: [one_report] * len(clinics))  # fmt: skip
    argv = ["report", str(lookalike_file), "--quarter", "2026-q2", "--clinic", "CLN/01",
            "--format", "html,xlsx", "--out", str(tmp_path), "--quiet", *EXPORT]  # fmt: skip
    assert main(argv) == 0
    stem = f"tpdn_report_2026Q2_CLN_01-{clinic_hash('CLN/01')}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.html", f"{stem}.xlsx"]


# ----------------------------------------------------------------- convert --to sessions
def test_convert_to_sessions_is_one_file_that_loads_as_it_is(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sample: SessionData,
) -> None:
    import warnings

    from tpdn_outcomes import load_sessions

    adam, back = tmp_path / "adtpdn.xpt", tmp_path / "back.csv"
    assert main(["convert", str(sample_path("sessions.csv")), str(adam),
                 "--from", "sessions", "--to", "adam", *EXPORT]) == 0  # fmt: skip
    assert main(["convert", str(adam), str(back), "--from", "adam", "--to", "sessions",
                 *EXPORT]) == 0  # fmt: skip
    # before: back.csv and back_measures.csv, and back.csv alone loaded without values
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adtpdn.xpt", "back.csv"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_sessions(back, export_date="2026-07-01")

    def key(m: pd.DataFrame) -> pd.DataFrame:
        cols = ["session_id", "measure", "timing", "value", "unit"]
        out = m[cols].astype({"session_id": str, "measure": str, "timing": str, "unit": str})
        return out.sort_values(cols[:3]).reset_index(drop=True)

    pd.testing.assert_frame_equal(key(loaded.measures), key(sample.measures))
    assert len(loaded.sessions) == len(sample.sessions)
    assert loaded.episodes("pain")["change"].notna().sum() == (
        sample.episodes("pain")["change"].notna().sum()
    )


def test_atomic_folder_interrupted_between_the_renames_keeps_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tpdn_outcomes._files as files_module

    target = tmp_path / "set"
    with atomic_folder(target, "me") as tmp:
        _set(tmp, files=("old.txt",))
    real_rename = os.rename

    def rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src).name.endswith(".partial"):  # the new set moving in: killed here
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(files_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt), atomic_folder(target, "me") as tmp:
        _set(tmp, files=("new.txt",))
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json", "old.txt"]
    assert _leftovers(tmp_path) == []
