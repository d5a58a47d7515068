"""HTTP tests of the clinic app (tpdn_outcomes.app) with Starlette's test client.

Bad uploads (binary, oversized, wrong type, ``../`` names, markup in names and cells), a
wrong or missing token, a foreign Host or Origin, and the flow's pages.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("starlette")
pytest.importorskip("multipart")

from samples import four_clinic_path
from starlette.testclient import TestClient

from tpdn_outcomes.app.security import COOKIE, Security
from tpdn_outcomes.app.server import create_app
from tpdn_outcomes.app.workspace import Workspaces
from tpdn_outcomes.datasets import sample_path

TOKEN = "test-token-123"
BASE = "http://127.0.0.1:8765"
ORIGIN = {"origin": BASE}


@pytest.fixture
def spaces(tmp_path: Path) -> Workspaces:
    return Workspaces(tmp_path)


@pytest.fixture
def client(spaces: Workspaces):  # type: ignore[no-untyped-def]
    # 5 MB: the shipped sample's sessions.csv (about 2.4 MB) fits, the oversized tests do not
    app = create_app(Security(token=TOKEN, max_upload_mb=5), spaces)
    with TestClient(app, base_url=BASE) as c:
        c.get(f"/?token={TOKEN}", follow_redirects=False)
        yield c


def _workspace(client: TestClient) -> str:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"].split("/")[2]


def _wait(client: TestClient, wid: str, seconds: float = 600) -> dict:
    # (generous: the five-report release takes about a minute on a shared, busy machine)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/w/{wid}/job.json").json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError("job did not end")


def _upload(client: TestClient, wid: str, name: str, content: bytes, **files: tuple) -> object:
    return client.post(
        f"/w/{wid}/upload",
        files={"file": (name, content, "application/octet-stream"), **files},
        headers=ORIGIN,
    )


# ---------------------------------------------------------------------------
# Token, Host, Origin
# ---------------------------------------------------------------------------


def test_missing_and_wrong_token_are_refused(spaces: Workspaces) -> None:
    app = create_app(Security(token=TOKEN), spaces)
    with TestClient(app, base_url=BASE) as c:
        r = c.get("/")
        assert r.status_code == 403 and "secret link" in r.text
        r = c.get("/?token=wrong")
        assert r.status_code == 403
        c.cookies.set(COOKIE, "wrong")
        assert c.get("/").status_code == 403
        assert c.get("/static/app.js").status_code == 403


def test_token_in_url_becomes_a_cookie_and_leaves_the_address(spaces: Workspaces) -> None:
    app = create_app(Security(token=TOKEN), spaces)
    with TestClient(app, base_url=BASE) as c:
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        r = c.get("/")
        assert r.status_code == 200 and TOKEN not in str(r.url)
    # the header form works too (scripts)
    with TestClient(create_app(Security(token=TOKEN)), base_url=BASE) as c:
        assert c.get("/", headers={"authorization": f"token {TOKEN}"}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example"])
def test_foreign_host_is_refused(client: TestClient, host: str) -> None:
    r = client.get("/", headers={"host": host})
    assert r.status_code == 400 and "127.0.0.1" in r.text


def test_foreign_origin_post_is_refused(client: TestClient) -> None:
    wid = _workspace(client)
    for origin in (
        "http://evil.example",
        "null",
        "http://localhost:9999",
        "https://127.0.0.1:8765",
    ):
        r = client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers={"origin": origin})
        assert r.status_code == 403, origin
        assert "another web site" in r.text
    r = client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    assert r.status_code == 200


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_workspaces_are_isolated(client: TestClient) -> None:
    a, b = _workspace(client), _workspace(client)
    assert a != b
    client.post(f"/w/{a}/sample", data={"which": "errors"}, headers=ORIGIN)
    _wait(client, a)
    assert "sessions_with_errors.csv" in client.get(f"/w/{a}/problems").text
    r = client.get(f"/w/{b}/problems", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/w/{b}/"
    assert client.get(f"/w/{b}/").text.count("sessions_with_errors.csv") == 0
    assert client.get("/w/unknown-id/problems").status_code == 404


# ---------------------------------------------------------------------------
# Bad uploads
# ---------------------------------------------------------------------------


def test_binary_upload_is_refused(client: TestClient) -> None:
    wid = _workspace(client)
    r = _upload(client, wid, "sessions.csv", b"\x00\x01\x02\xff" * 100)
    assert r.status_code == 400 and "binary data" in r.text


def test_fake_excel_is_refused(client: TestClient) -> None:
    wid = _workspace(client)
    r = _upload(client, wid, "sessions.xlsx", b"patient_id,date\n1,2\n")
    assert r.status_code == 400 and "not really a .xlsx file" in r.text


def test_oversized_upload_is_refused_with_the_limit(client: TestClient) -> None:
    wid = _workspace(client)
    r = _upload(client, wid, "big.csv", b"a,b\n" + b"1,2\n" * 1_500_000)  # 6 MB
    assert r.status_code == 413
    assert "5 MB" in r.text and "--max-upload-mb" in r.text


def test_oversized_body_without_length_is_refused(client: TestClient) -> None:
    wid = _workspace(client)

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):  # 6.5 MB
            yield b"x" * 65536

    r = client.post(
        f"/w/{wid}/upload",
        content=chunks(),
        headers={**ORIGIN, "content-type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 413 and "--max-upload-mb" in r.text


def test_wrong_type_is_refused(client: TestClient) -> None:
    wid = _workspace(client)
    r = _upload(client, wid, "setup.exe", b"MZ\x90\x00")
    assert r.status_code == 400 and "not a table the app reads" in r.text
    r = _upload(client, wid, "empty.csv", b"")
    assert r.status_code == 400 and "is empty" in r.text


def test_dot_dot_name_stays_in_the_workspace(client: TestClient, spaces: Workspaces) -> None:
    wid = _workspace(client)
    content = sample_path("sessions.csv").read_bytes()
    r = _upload(client, wid, "../../escaped.csv", content)
    assert r.status_code == 200
    _wait(client, wid)
    space = spaces.get(wid)
    assert space is not None and space.file is not None
    assert space.file.parent == space.folder / "input"
    assert space.file.name == "escaped.csv"
    assert not (spaces.root / "escaped.csv").exists()
    assert not (spaces.root.parent / "escaped.csv").exists()


def test_markup_in_names_and_cells_is_escaped(client: TestClient, tmp_path: Path) -> None:
    frame = pd.read_csv(sample_path("sessions.csv")).head(60)
    frame["condition"] = frame["condition"].astype(object)
    frame.loc[3, "condition"] = "<script>alert(1)</script>"
    frame = frame.rename(columns={"clinic_id": "<img src=x onerror=alert(2)>"})
    wid = _workspace(client)
    name = '<b onmouseover="x">evil</b>.csv'
    r = _upload(client, wid, name, frame.to_csv(index=False).encode())
    assert r.status_code == 200
    _wait(client, wid)
    for page in ("columns", "problems"):
        text = client.get(f"/w/{wid}/{page}").text
        assert "<script>alert(1)" not in text
        assert "<img src=x" not in text
        assert "<b onmouseover" not in text
    columns = client.get(f"/w/{wid}/columns").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in columns
    assert (
        "File: <strong>&lt;b onmouseover=" in columns and "evil&lt;/b&gt;.csv</strong>" in columns
    )
    problems = client.get(f"/w/{wid}/problems").text
    assert "&lt;s*****&gt;a****(1)&lt;/s*****&gt;" in problems  # (the library masked it)
    assert "&lt;img src=x onerror=alert(2)&gt;" in problems


def test_input_file_is_never_modified(client: TestClient, spaces: Workspaces) -> None:
    wid = _workspace(client)
    content = sample_path("sessions_with_errors.csv").read_bytes()
    _upload(client, wid, "errors.csv", content)
    _wait(client, wid)
    client.post(f"/w/{wid}/coerce", headers=ORIGIN)
    _wait(client, wid)
    space = spaces.get(wid)
    assert space is not None and space.file is not None
    assert space.file.read_bytes() == content


def test_workspaces_are_removed_on_exit(tmp_path: Path) -> None:
    spaces = Workspaces(tmp_path)
    app = create_app(Security(token=TOKEN), spaces)
    with TestClient(app, base_url=BASE) as c:
        c.get(f"/?token={TOKEN}")
        assert any(spaces.root.iterdir())
    assert not spaces.root.exists()


# ---------------------------------------------------------------------------
# The flow
# ---------------------------------------------------------------------------


def test_errors_are_listed_filtered_downloaded_and_coerced(client: TestClient) -> None:
    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "errors"}, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    page = client.get(f"/w/{wid}/problems").text
    assert "Set bad values missing and continue" in page
    assert "unknown_condition" in page and "Continue to the report" not in page
    only = client.get(f"/w/{wid}/problems", params={"check": "unknown_condition"}).text
    assert "2 of 20 shown" in only
    csv = client.get(f"/w/{wid}/problems.csv")
    table = pd.read_csv(io.StringIO(csv.text))
    assert len(table) == 20 and {"row", "column", "value", "check", "fix"} <= set(table.columns)
    # the library's masking: a date that could identify is masked in the value column
    assert "1***-0*-1*" in set(table["value"].astype(str))
    client.post(f"/w/{wid}/coerce", headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    page = client.get(f"/w/{wid}/problems").text
    assert "Bad values were set missing" in page and "Continue to the report" in page
    assert "duplicate session" in page  # (the reason of an excluded row)


def test_identifier_is_explained_and_can_be_allowed(client: TestClient) -> None:
    frame = pd.read_csv(sample_path("sessions.csv")).head(80)
    frame["Name"] = "Emma Garcia"
    wid = _workspace(client)
    _upload(client, wid, "named.csv", frame.to_csv(index=False).encode())
    _wait(client, wid)
    page = client.get(f"/w/{wid}/problems").text
    assert "identifies people" in page and "Not an identifier: Name" in page
    assert "Emma Garcia" not in page and "allow_columns" not in page
    assert "Emma Garcia" not in client.get(f"/w/{wid}/columns").text
    client.post(f"/w/{wid}/allow", data={"allow": "Name"}, headers=ORIGIN)
    _wait(client, wid)
    page = client.get(f"/w/{wid}/problems").text
    assert "identifies people" not in page and "Continue to the report" in page


def test_column_mapping_with_suggestions_saved_and_loaded(client: TestClient) -> None:
    frame = pd.read_csv(sample_path("sessions.csv")).rename(
        columns={"patient_id": "Pateint Ident", "clinic_id": "Praxis"}
    )
    wid = _workspace(client)
    _upload(client, wid, "renamed.csv", frame.to_csv(index=False).encode())
    _wait(client, wid)
    page = client.get(f"/w/{wid}/columns").text
    assert "Not recognised (2)" in page
    # the close match is suggested and preselected
    assert '<option value="patient_id" selected>' in page
    form = {
        "col_1": "Pateint Ident",
        "map_1": "patient_id",
        "col_2": "Praxis",
        "map_2": "clinic_id",
    }
    client.post(f"/w/{wid}/columns", data={**form, "pain_scale": "nprs"}, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    assert "Continue to the report" in client.get(f"/w/{wid}/problems").text
    saved = client.get(f"/w/{wid}/mapping.json").json()
    assert saved == {"Pateint Ident": "patient_id", "Praxis": "clinic_id"}
    # the saved file is what Python's column_map= takes
    from tpdn_outcomes.validate import load_sessions

    data = load_sessions(frame, column_map=saved)
    assert data.metadata["n_patients"] == frame["Pateint Ident"].nunique()
    # load it into a fresh tab
    other = _workspace(client)
    _upload(client, other, "renamed.csv", frame.to_csv(index=False).encode())
    _wait(client, other)
    r = client.post(
        f"/w/{other}/mapping",
        files={"mapping": ("column_map.json", json.dumps(saved).encode(), "application/json")},
        headers=ORIGIN,
    )
    assert r.status_code == 200
    _wait(client, other)
    assert "Every column was recognised" in client.get(f"/w/{other}/columns").text
    bad = client.post(
        f"/w/{other}/mapping",
        files={"mapping": ("m.json", b"[1, 2]", "application/json")},
        headers=ORIGIN,
    )
    assert bad.status_code == 400 and "JSON object" in bad.text


def test_saved_mapping_file_is_what_the_cli_and_python_take(
    client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tpdn_outcomes.cli import main
    from tpdn_outcomes.validate import load_sessions

    frame = pd.read_csv(sample_path("sessions.csv")).rename(
        columns={"patient_id": "Pateint Ident", "clinic_id": "Praxis Nr."}
    )
    export = tmp_path / "renamed.csv"
    frame.to_csv(export, index=False)
    wid = _workspace(client)
    _upload(client, wid, "renamed.csv", export.read_bytes())
    _wait(client, wid)
    form = {"col_1": "Pateint Ident", "map_1": "patient_id", "col_2": "Praxis Nr.",
            "map_2": "clinic_id", "pain_scale": "nprs"}  # fmt: skip
    client.post(f"/w/{wid}/columns", data=form, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    r = client.get(f"/w/{wid}/mapping.json")
    assert 'filename="column_map.json"' in r.headers["content-disposition"]
    saved = tmp_path / "column_map.json"
    saved.write_bytes(r.content)  # the file as the browser saves it
    export_date = ["--export-date", "2026-11-24"]
    # without the mapping the CLI refuses the file (two required columns are missing) ...
    assert main(["validate", str(export), *export_date]) == 1
    capsys.readouterr()
    # ... with the saved file, as a path or as its text, it takes it
    assert main(["validate", str(export), *export_date, "--column-map", str(saved)]) == 0
    assert main(["validate", str(export), *export_date, "--column-map", saved.read_text()]) == 0
    capsys.readouterr()
    # and Python's column_map= takes the same file, read with json
    mapping = json.loads(saved.read_text(encoding="utf-8"))
    data = load_sessions(export, column_map=mapping, export_date="2026-11-24")
    assert data.metadata["n_patients"] == frame["Pateint Ident"].nunique()
    # a file that is not a mapping is refused with the flag's words
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(SystemExit) as exit_:
        main(["validate", str(export), "--column-map", str(bad)])
    assert exit_.value.code == 2
    assert "--column-map must be a JSON object" in capsys.readouterr().err


def test_report_and_release_are_the_librarys(client: TestClient) -> None:
    from tpdn_outcomes.report import quarterly_release

    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    _wait(client, wid)
    page = client.get(f"/w/{wid}/report").text
    assert '<option value="2026Q2" selected>' in page  # the last complete quarter
    assert (
        '<option value="internal">' in page
        and "disabled" not in page.split('id="audience"')[1].split("</select>")[0]
    )
    client.post(
        f"/w/{wid}/report",
        data={
            "quarter": "2026Q1",
            "clinic": "CLN-02",
            "min_cell": "5",
            "what": "one",
            "formats_shown": "1",
            "format": ["html", "xlsx"],
        },
        headers=ORIGIN,
    )
    assert _wait(client, wid)["state"] == "done"
    view = client.get(f"/w/{wid}/report/view").text
    assert 'sandbox=""' in view and "Download HTML" in view
    preview = client.get(f"/w/{wid}/report/preview")
    assert "sandbox" in preview.headers["content-security-policy"]
    html = client.get(f"/w/{wid}/download/html")
    assert "CLN-02" in html.text and "2026Q1" in html.text
    xlsx = client.get(f"/w/{wid}/download/xlsx")
    assert xlsx.content[:2] == b"PK"
    # the same tables as the library's own call
    from tpdn_outcomes.validate import load_sessions

    data = load_sessions(sample_path("sessions.csv"))
    (expected,) = quarterly_release(data, quarter="2026Q1", clinics=["CLN-02"], min_cell=5)
    import html as _html

    captions = [expected.captions[k] for k in expected.tables if k in expected.captions]
    assert captions
    for caption in captions:
        assert _html.escape(caption, quote=False) in html.text
    # every clinic as one zip with its manifest: the four-clinic sample (tests/samples.py),
    # as a release of the shipped seven clinics takes minutes on a busy machine
    wid = _workspace(client)
    _upload(client, wid, "sessions.csv", four_clinic_path("sessions.csv").read_bytes())
    _wait(client, wid)
    client.post(
        f"/w/{wid}/report",
        data={"quarter": "2026Q1", "min_cell": "11", "what": "release", "format": "html"},
        headers=ORIGIN,
    )
    assert _wait(client, wid)["state"] == "done"
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/w/{wid}/download/zip").content))
    names = z.namelist()
    manifest = json.loads(z.read("tpdn_reports_2026Q1/manifest.json"))
    assert [r["clinic"] for r in manifest["reports"]] == [
        None,
        "CLN-01",
        "CLN-02",
        "CLN-03",
        "CLN-04",
    ]
    assert manifest["settings"]["min_cell"] == 11
    assert manifest["settings"]["audience"] == "external"
    assert "tpdn_reports_2026Q1/index.html" in names


def test_internal_report_and_release_from_the_form(client: TestClient) -> None:
    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    _wait(client, wid)
    form = {"quarter": "2026Q1", "clinic": "CLN-02", "min_cell": "11", "what": "one",
            "formats_shown": "1", "format": ["html"], "audience": "internal"}  # fmt: skip
    client.post(f"/w/{wid}/report", data=form, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    view = client.get(f"/w/{wid}/report/view").text
    assert 'id="internal-notice"' in view and "must not leave the clinic" in view
    html = client.get(f"/w/{wid}/download/html").text
    assert "must not leave the clinic" in html and "small n" in html
    assert "&lt;11</td>" not in html and "‡</td>" not in html  # nothing suppressed
    client.post(
        f"/w/{wid}/report",
        data={**form, "what": "release", "clinic": ""},
        headers=ORIGIN,
    )
    assert _wait(client, wid)["state"] == "done"
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/w/{wid}/download/zip").content))
    manifest = json.loads(z.read("tpdn_reports_2026Q1/manifest.json"))
    assert manifest["settings"]["audience"] == "internal"
    assert manifest["settings"]["window"] == 4


def test_report_settings_are_checked(client: TestClient) -> None:
    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    _wait(client, wid)
    r = client.post(f"/w/{wid}/report", data={"quarter": "2019Q1"}, headers=ORIGIN)
    assert r.status_code == 400 and "quarters with sessions" in r.text
    r = client.post(f"/w/{wid}/report", data={"quarter": "2026Q1", "min_cell": "0"}, headers=ORIGIN)
    assert r.status_code == 400 and "minimum cell" in r.text
    r = client.post(f"/w/{wid}/report", data={"formats_shown": "1"}, headers=ORIGIN)
    assert r.status_code == 400 and "at least one kind of file" in r.text
    r = client.post(f"/w/{wid}/report", data={"clinic": "<x>"}, headers=ORIGIN)
    assert r.status_code == 400 and "<x>" not in r.text
    r = client.post(f"/w/{wid}/report", data={"audience": "public"}, headers=ORIGIN)
    assert r.status_code == 400 and "external or internal" in r.text


def test_explore_shows_the_librarys_tables(client: TestClient, network) -> None:  # type: ignore[no-untyped-def]
    sample = network  # the app's sample button loads the shipped sample
    from tpdn_outcomes.labels import value_label
    from tpdn_outcomes.outcomes import change_summary

    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    _wait(client, wid)
    page = client.get(f"/w/{wid}/explore").text
    assert page.count("data:image/png;base64,") == 3
    table = change_summary(sample, measure="pain", by="condition")
    for condition, n in zip(table["condition"], table["n"], strict=True):
        assert f"<td>{value_label(condition)}</td><td>{n}</td>" in page
    assert '<th scope="col">Baseline mean</th>' in page and "mean_baseline" not in page


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Hold a job's library call at a chosen step until the test lets it go.

    ``gate.at = predicate`` (of the library's step); the job's callback then waits at the
    first such step (inside load_sessions or quarterly_release) until ``gate.go.set()``.
    """
    import threading

    from tpdn_outcomes.app import jobs

    class Gate:
        at = staticmethod(lambda step: False)
        reached = threading.Event()
        go = threading.Event()

    part = jobs.JobProgress.part

    def gated(self, start, end):  # type: ignore[no-untyped-def]
        callback = part(self, start, end)

        def wrapper(step: str, done: int, total: int) -> None:
            if Gate.at(step) and not Gate.reached.is_set():
                callback(step, done, total)  # (shown on the page first)
                Gate.reached.set()
                assert Gate.go.wait(120)
            callback(step, done, total)  # (raises Cancelled once the job was cancelled)

        return wrapper

    call = jobs.JobProgress.__call__

    def gated_call(self, fraction: float, message: str) -> None:  # type: ignore[no-untyped-def]
        if Gate.at(message) and not Gate.reached.is_set():
            Gate.reached.set()
            assert Gate.go.wait(120)
        call(self, fraction, message)

    monkeypatch.setattr(jobs.JobProgress, "part", gated)
    monkeypatch.setattr(jobs.JobProgress, "__call__", gated_call)
    yield Gate
    Gate.go.set()


def _start_report(client: TestClient, wid: str, what: str = "one") -> None:
    r = client.post(
        f"/w/{wid}/report",
        data={"quarter": "2026Q1", "clinic": "CLN-02", "min_cell": "5", "what": what,
              "formats_shown": "1", "format": ["html", "xlsx"]},
        headers=ORIGIN,
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/w/{wid}/job"


def test_job_progress_reports_the_librarys_steps(client: TestClient, gate) -> None:  # type: ignore[no-untyped-def]
    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    gate.at = lambda step: step.startswith("disclosure control: suppression")
    _start_report(client, wid)
    assert gate.reached.wait(300)
    job = client.get(f"/w/{wid}/job.json").json()
    # the library's own step, with its count, and the fraction of the whole job
    assert job["state"] == "running"
    assert job["step"] == "disclosure control: suppression, round 1"
    assert job["message"] == "Disclosure control: suppression, round 1"
    assert 0 < job["done"] < job["total"]
    assert 0.02 < job["fraction"] < 0.6 and job["percent"] == int(job["fraction"] * 100)
    page = client.get(f"/w/{wid}/job").text
    assert '<progress id="job-progress" max="100" value="' in page
    assert '<label for="job-progress">' in page and 'aria-live="polite"' in page
    assert "Disclosure control: suppression, round 1" in page
    gate.go.set()
    done = _wait(client, wid)
    assert done["state"] == "done" and done["fraction"] == 1.0
    assert client.get(f"/w/{wid}/download/html").status_code == 200


@pytest.mark.parametrize("what", ["one", "release"])
def test_cancel_stops_a_running_report_inside_the_library(
    client: TestClient,
    spaces: Workspaces,
    gate,
    what: str,  # type: ignore[no-untyped-def]
) -> None:
    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    space = spaces.get(wid)
    assert space is not None
    gate.at = lambda step: step.startswith("disclosure control: suppression")
    _start_report(client, wid, what)
    assert gate.reached.wait(300)
    r = client.post(f"/w/{wid}/job/cancel", headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303
    gate.go.set()  # the library goes on to its next step, and its callback stops it
    job = _wait(client, wid)
    assert job["state"] == "cancelled" and job["message"] == "Cancelled"
    assert job["step"].startswith("disclosure control")  # (it never reached the figures)
    assert "Cancelled" in client.get(f"/w/{wid}/job").text
    # nothing of it is kept: no files, no report to view or download
    out = space.folder / "output"
    assert not out.exists() or list(out.iterdir()) == []
    assert space.built == {}
    assert client.get(f"/w/{wid}/download/html").status_code == 404
    r = client.get(f"/w/{wid}/report/view", follow_redirects=False)
    assert r.headers["location"] == f"/w/{wid}/report"
    # the data stays loaded: the report can be built again
    _start_report(client, wid)
    assert _wait(client, wid)["state"] == "done"


def test_cancel_while_writing_removes_the_files_written(
    client: TestClient,
    spaces: Workspaces,
    gate,  # type: ignore[no-untyped-def]
) -> None:
    wid = _workspace(client)
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    assert _wait(client, wid)["state"] == "done"
    space = spaces.get(wid)
    assert space is not None
    gate.at = lambda message: message == "Writing the XLSX file"
    _start_report(client, wid)
    assert gate.reached.wait(300)
    written = list((space.folder / "output" / "single").iterdir())
    assert [p.suffix for p in written] == [".html"]  # the HTML file was written already
    client.post(f"/w/{wid}/job/cancel", headers=ORIGIN)
    gate.go.set()
    assert _wait(client, wid)["state"] == "cancelled"
    assert list((space.folder / "output").iterdir()) == []
    assert client.get(f"/w/{wid}/download/html").status_code == 404


def test_cancel_stops_a_running_load(client: TestClient, spaces: Workspaces, gate) -> None:  # type: ignore[no-untyped-def]
    wid = _workspace(client)
    gate.at = lambda step: step == "checking the sessions"
    client.post(f"/w/{wid}/sample", data={"which": "clean"}, headers=ORIGIN)
    assert gate.reached.wait(300)
    assert client.get(f"/w/{wid}/job.json").json()["message"] == "Checking the sessions"
    client.post(f"/w/{wid}/job/cancel", headers=ORIGIN)
    gate.go.set()
    job = _wait(client, wid)
    assert job["state"] == "cancelled"
    space = spaces.get(wid)
    assert space is not None and space.data is None
    assert "Cancelled" in client.get(f"/w/{wid}/job").text


def test_app_subcommand_options() -> None:
    from tpdn_outcomes.cli import build_parser

    args = build_parser().parse_args(
        ["app", "--port", "9000", "--no-browser", "--max-upload-mb", "5"]
    )
    assert (args.port, args.no_browser, args.max_upload_mb) == (9000, True, 5.0)


def test_redcap_export_with_its_dictionary(client: TestClient) -> None:
    wid = _workspace(client)
    r = _upload(
        client,
        wid,
        "redcap_records.csv",
        sample_path("redcap_records.csv").read_bytes(),
        dictionary=("redcap_dictionary.csv", sample_path("redcap_dictionary.csv").read_bytes()),
    )
    assert r.status_code == 200
    assert _wait(client, wid)["state"] == "done"
    assert "no columns to map" in client.get(f"/w/{wid}/columns").text
    assert "Continue to the report" in client.get(f"/w/{wid}/problems").text


def test_fhir_bundle(tmp_path: Path, sample) -> None:  # type: ignore[no-untyped-def]
    from tpdn_outcomes.interop import write_fhir

    path = write_fhir(sample, tmp_path / "bundle.json")
    # (the bundle is larger than the 1 MB limit of this client: a client with a larger one)
    app = create_app(Security(token=TOKEN, max_upload_mb=200))
    with TestClient(app, base_url=BASE) as c:
        c.get(f"/?token={TOKEN}")
        wid = _workspace(c)
        r = _upload(c, wid, "bundle.json", Path(path).read_bytes())
        assert r.status_code == 200
        assert _wait(c, wid)["state"] == "done"
        assert "FHIR bundle" in c.get(f"/w/{wid}/columns").text
        assert "Continue to the report" in c.get(f"/w/{wid}/problems").text
