"""The app's pages: File -> Columns -> Problems -> Report -> Explore.

Each tab works in its own :class:`~tpdn_outcomes.app.workspace.Workspace`, whose random id
is in every address (``/w/<id>/...``). Long steps run as
:class:`~tpdn_outcomes.app.jobs.Job` s and show the progress page, which moves on by
itself when they end. Every page is a Jinja2 template with autoescaping, so file names,
column names and cells are always shown as text.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tpdn_outcomes.app import reports
from tpdn_outcomes.app.jobs import Job, Progress
from tpdn_outcomes.app.workspace import FHIR_ENDINGS, TABLE_ENDINGS, Workspace, safe_name

STEPS = [
    ("file", "File"),
    ("columns", "Columns"),
    ("problems", "Problems"),
    ("report", "Report"),
    ("explore", "Explore"),
]
_MAGIC = {".xlsx": b"PK\x03\x04", ".xlsm": b"PK\x03\x04", ".parquet": b"PAR1", ".pq": b"PAR1"}
_TEXT = (".csv", ".tsv", ".tab", ".txt", ".json", ".ndjson")


class UploadRefused(Exception):
    """A file the app does not take; the message says why and what to do."""


def _space(request: Request) -> Workspace:
    space = request.app.state.workspaces.get(request.path_params["wid"])
    if space is None:
        raise HTTPException(
            404,
            "This workspace is closed (the app was restarted). Start again from the first page.",
        )
    return space


def _page(
    request: Request, name: str, space: Workspace | None, status: int = 200, **context: Any
) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        name,
        {"space": space, "steps": STEPS, "step": name.split(".")[0], **context},
        status_code=status,
    )


def _go(space: Workspace, where: str) -> RedirectResponse:
    return RedirectResponse(f"/w/{space.id}/{where}", status_code=303)


def _start(
    space: Workspace, name: str, done: str, work: Any, cleanup: Any = None
) -> RedirectResponse:
    before = space.job
    if before is not None and before.state == "running":
        before.cancel()  # (it stops at its next step; the new job starts after it)
    space.job = Job.start(
        name,
        f"/w/{space.id}/{done}",
        work,
        on_error=lambda e: reports.app_words(str(e)),
        cleanup=cleanup,
        after=before,
    )
    return _go(space, "job")


def _reload(space: Workspace, done: str) -> RedirectResponse:
    def work(progress: Progress) -> None:
        reports.load(space, progress)

    return _start(space, f"Reading {space.display_name}", done, work)


# ---------------------------------------------------------------------------
# File
# ---------------------------------------------------------------------------


async def home(request: Request) -> Response:
    space = request.app.state.workspaces.new()
    return _go(space, "")


async def file_page(request: Request) -> Response:
    return _page(request, "file.html", _space(request))


def check_upload(name: str, head: bytes, allowed: tuple[str, ...]) -> str:
    """The safe name of an uploaded file, or :class:`UploadRefused` saying why not.

    Examples
    --------
    >>> check_upload("../x.csv", b"a,b\\n1,2", TABLE_ENDINGS)
    'x.csv'
    >>> check_upload("x.exe", b"MZ", TABLE_ENDINGS)
    Traceback (most recent call last):
    ...
    tpdn_outcomes.app.routes.UploadRefused: The file 'x.exe' is not a table the app reads. Choose a .csv, .tsv, .tab, .txt, .xlsx, .xlsm, .parquet, .pq file (or a FHIR .json bundle).
    """
    safe = safe_name(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in allowed:
        listed = ", ".join(e for e in allowed if e not in FHIR_ENDINGS)
        raise UploadRefused(
            f"The file {name!r} is not a table the app reads. Choose a {listed} file (or a FHIR .json bundle)."
        )
    if not head:
        raise UploadRefused(f"The file {name!r} is empty. Choose the exported file again.")
    magic = _MAGIC.get(suffix)
    if magic is not None and not head.startswith(magic):
        raise UploadRefused(
            f"The file {name!r} is not really a {suffix} file (its content is of another kind). Save it again from the program that made it."
        )
    if suffix in _TEXT and b"\x00" in head:
        raise UploadRefused(
            f"The file {name!r} holds binary data, not text, so it is not a {suffix} table. Export the table again as CSV."
        )
    return safe


async def _save(upload: UploadFile, folder: Path, allowed: tuple[str, ...]) -> tuple[Path, str]:
    head = await upload.read(8192)
    display = upload.filename or "upload"
    safe = check_upload(display, head, allowed)
    target = folder / safe
    with target.open("wb") as out:
        out.write(head)
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return target, display


async def upload(request: Request) -> Response:
    space = _space(request)
    form = await request.form(max_files=2, max_fields=20)
    main = form.get("file")
    dictionary = form.get("dictionary")
    if not isinstance(main, UploadFile) or not main.filename:
        return _page(request, "file.html", space, 400, error="Choose a file first.")
    space.reset()
    try:
        path, display = await _save(main, space.input_folder(), TABLE_ENDINGS + FHIR_ENDINGS)
        if isinstance(dictionary, UploadFile) and dictionary.filename:
            folder = space.input_folder() / "dictionary"
            folder.mkdir(exist_ok=True)
            space.dictionary, _ = await _save(dictionary, folder, (".csv",))
    except UploadRefused as exc:
        space.reset()
        return _page(request, "file.html", space, 400, error=str(exc))
    finally:
        await form.close()
    space.file, space.display_name = path, display
    if space.dictionary is not None:
        space.kind = "redcap"
    elif path.suffix.lower() in FHIR_ENDINGS:
        space.kind = "fhir"
    else:
        space.kind = "table"
    return _reload(space, "columns")


async def sample(request: Request) -> Response:
    from tpdn_outcomes.datasets import sample_path

    space = _space(request)
    form = await request.form(max_files=0, max_fields=5)
    name = "sessions_with_errors.csv" if form.get("which") == "errors" else "sessions.csv"
    space.reset()
    target = space.input_folder() / name
    shutil.copyfile(sample_path(name), target)
    space.file, space.display_name, space.kind = target, name, "table"
    return _reload(space, "columns")


# ---------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------


async def job_page(request: Request) -> Response:
    space = _space(request)
    if space.job is None:
        return _go(space, "")
    if space.job.state == "done":
        return RedirectResponse(space.job.done_url, status_code=303)
    return _page(request, "job.html", space, job=space.job)


async def job_state(request: Request) -> Response:
    space = _space(request)
    if space.job is None:
        return JSONResponse({"state": "none"})
    return JSONResponse(space.job.as_dict())


async def job_cancel(request: Request) -> Response:
    space = _space(request)
    if space.job is not None:
        space.job.cancel()
    return _go(space, "job")


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------


def _need_file(space: Workspace) -> bool:
    return space.file is None or (space.job is not None and space.job.state == "running")


async def columns_page(request: Request) -> Response:
    space = _space(request)
    if _need_file(space):
        return _go(space, "" if space.file is None else "job")
    plan = await run_in_threadpool(reports.column_plan, space)
    return _page(request, "columns.html", space, plan=plan)


async def columns_post(request: Request) -> Response:
    space = _space(request)
    form = await request.form(max_files=0, max_fields=2000)
    mapping = dict(space.column_map)
    for key, value in form.multi_items():
        if key.startswith("col_"):
            target = str(form.get("map_" + key[4:], "") or "")
            if target:
                mapping[str(value)] = target
            else:
                mapping.pop(str(value), None)
    if form.get("pain_scale") in ("nprs", "vas100"):
        space.pain_scale = str(form.get("pain_scale"))
    space.column_map = mapping
    return _reload(space, "problems")


async def mapping_download(request: Request) -> Response:
    space = _space(request)
    body = json.dumps(space.column_map, indent=2, ensure_ascii=False) + "\n"
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="column_map.json"'},
    )


def parse_mapping(text: bytes) -> dict[str, str]:
    """A column mapping file: a JSON object of your column name -> canonical name.

    The same object ``--column-map`` takes on the command line and ``column_map=`` in
    Python.

    Examples
    --------
    >>> parse_mapping(b'{"Pt": "patient_id"}')
    {'Pt': 'patient_id'}
    >>> parse_mapping(b'[1]')
    Traceback (most recent call last):
    ...
    tpdn_outcomes.app.routes.UploadRefused: A mapping file is a JSON object such as {"Pt": "patient_id"}: your column name, then the name it stands for.
    """
    try:
        value = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UploadRefused(
            f"The mapping file is not JSON ({exc}). Save the mapping from this page and edit that file."
        ) from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise UploadRefused(
            'A mapping file is a JSON object such as {"Pt": "patient_id"}: your column name, then the name it stands for.'
        )
    return dict(value)


async def mapping_upload(request: Request) -> Response:
    space = _space(request)
    form = await request.form(max_files=1, max_fields=5)
    upload_file = form.get("mapping")
    try:
        if not isinstance(upload_file, UploadFile):
            raise UploadRefused("Choose a mapping file first.")
        space.column_map = parse_mapping(await upload_file.read(1 << 20))
    except UploadRefused as exc:
        plan = await run_in_threadpool(reports.column_plan, space)
        return _page(request, "columns.html", space, 400, plan=plan, error=str(exc))
    finally:
        await form.close()
    return _reload(space, "columns")


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------


async def problems_page(request: Request) -> Response:
    space = _space(request)
    if _need_file(space):
        return _go(space, "" if space.file is None else "job")
    table = reports.problems(space)
    checks = sorted(set(table["check"].astype(str)))
    cols = sorted(set(table["column"].astype(str)))
    check = request.query_params.get("check", "")
    column = request.query_params.get("column", "")
    shown = table
    if check:
        shown = shown[shown["check"].astype(str) == check]
    if column:
        shown = shown[shown["column"].astype(str) == column]
    flagged = sorted(reports.identifier_columns(space))
    n_errors = int((table["severity"] == "error").sum()) if len(table) else 0
    return _page(
        request,
        "problems.html",
        space,
        table=shown.head(1000),
        n_total=len(table),
        n_shown=len(shown),
        n_errors=n_errors,
        checks=checks,
        columns=cols,
        check=check,
        column=column,
        flagged=flagged,
        excluded=reports.exclusions(space),
    )


async def problems_csv(request: Request) -> Response:
    from tpdn_outcomes.io import neutralise_formulas

    space = _space(request)
    table = neutralise_formulas(reports.problems(space))
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="problems.csv"'},
    )


async def allow_post(request: Request) -> Response:
    space = _space(request)
    form = await request.form(max_files=0, max_fields=500)
    flagged = reports.identifier_columns(space)
    chosen = [str(v) for v in form.getlist("allow") if str(v) in flagged]
    space.allow_columns = sorted(set(space.allow_columns) | set(chosen))
    return _reload(space, "problems")


async def coerce_post(request: Request) -> Response:
    space = _space(request)
    space.coerce = True
    return _reload(space, "problems")


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


async def report_page(request: Request) -> Response:
    space = _space(request)
    if space.data is None:
        return _go(space, "problems" if space.file is not None else "")
    available = reports.quarters(space.data)
    return _page(
        request,
        "report.html",
        space,
        quarters=available,
        quarter=reports.default_quarter(available),
        clinics=reports.clinics(space.data),
    )


def _report_form(form: Any, space: Workspace) -> tuple[str, str | None, int, list[str], str]:
    available = reports.quarters(space.data)
    quarter = str(form.get("quarter") or reports.default_quarter(available))
    if quarter not in available:
        raise UploadRefused(f"Choose one of the quarters with sessions: {', '.join(available)}.")
    clinic = str(form.get("clinic") or "") or None
    if clinic is not None and clinic not in reports.clinics(space.data):
        raise UploadRefused("Choose a clinic from the list.")
    try:
        min_cell = int(str(form.get("min_cell") or 11))
    except ValueError:
        min_cell = 0
    if not 1 <= min_cell <= 1000:
        raise UploadRefused("The minimum cell is a whole number from 1 to 1000 (11 is usual).")
    chosen = [str(f) for f in form.getlist("format")]
    if not chosen and not form.get("formats_shown"):  # (a post without the form's boxes)
        chosen = ["html", "pdf", "xlsx"]
    formats: list[str] = [f for f in ("html", "pdf", "xlsx") if f in chosen]
    if not formats:
        raise UploadRefused("Choose at least one kind of file: HTML, PDF or Excel.")
    audience = str(form.get("audience") or "external")
    if audience not in ("external", "internal"):
        raise UploadRefused("Choose the audience: external or internal.")
    return quarter, clinic, min_cell, formats, audience


async def report_post(request: Request) -> Response:
    space = _space(request)
    if space.data is None:
        return _go(space, "problems")
    form = await request.form(max_files=0, max_fields=20)
    try:
        quarter, clinic, min_cell, formats, audience = _report_form(form, space)
    except UploadRefused as exc:
        available = reports.quarters(space.data)
        return _page(
            request,
            "report.html",
            space,
            400,
            quarters=available,
            quarter=reports.default_quarter(available),
            clinics=reports.clinics(space.data),
            error=str(exc),
        )
    space.built = {"min_cell": min_cell, "audience": audience}
    if form.get("what") == "release":

        def release(progress: Progress) -> Path:
            space.built.update({"quarter": quarter, "min_cell": min_cell, "audience": audience})
            return reports.build_release(
                space, quarter, min_cell, formats, progress, audience=audience
            )

        return _start(
            space,
            "Building every clinic's report",
            "report/view",
            release,
            cleanup=lambda: reports.discard(space, "release"),
        )

    def single(progress: Progress) -> dict[str, Path]:
        return reports.build_report(
            space, quarter, clinic, min_cell, formats, progress, audience=audience
        )

    return _start(
        space,
        "Building the report",
        "report/view",
        single,
        cleanup=lambda: reports.discard(space, "single"),
    )


async def report_view(request: Request) -> Response:
    space = _space(request)
    if not space.built.get("files") and not space.built.get("release"):
        return _go(space, "report")
    return _page(request, "report_view.html", space, built=space.built)


_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def report_preview(request: Request) -> Response:
    space = _space(request)
    path = space.built.get("files", {}).get("html")
    if path is None:
        raise HTTPException(404, "No report yet.")
    return FileResponse(
        path,
        media_type=_TYPES["html"],
        headers={
            "content-security-policy": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:",
            "x-frame-options": "SAMEORIGIN",
        },
    )


async def download(request: Request) -> Response:
    space = _space(request)
    fmt = request.path_params["fmt"]
    if fmt == "zip":
        path = space.built.get("release")
        media = "application/zip"
    else:
        path = space.built.get("files", {}).get(fmt)
        media = _TYPES.get(fmt, "application/octet-stream")
    if path is None:
        raise HTTPException(404, f"No {fmt.upper()} file was written.")
    return FileResponse(path, media_type=media, filename=Path(path).name)


# ---------------------------------------------------------------------------
# Explore
# ---------------------------------------------------------------------------


async def explore_page(request: Request) -> Response:
    space = _space(request)
    if space.data is None:
        return _go(space, "problems" if space.file is not None else "")
    try:
        result = await run_in_threadpool(reports.explore, space.data)
    except ValueError as exc:
        return _page(request, "explore.html", space, result=None, error=reports.app_words(str(exc)))
    return _page(request, "explore.html", space, result=result)


def routes() -> list[Route]:
    """The app's routes (the static files are mounted by ``server.create_app``)."""
    w = "/w/{wid:str}"
    return [
        Route("/", home),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route(f"{w}/", file_page),
        Route(f"{w}/upload", upload, methods=["POST"]),
        Route(f"{w}/sample", sample, methods=["POST"]),
        Route(f"{w}/job", job_page),
        Route(f"{w}/job.json", job_state),
        Route(f"{w}/job/cancel", job_cancel, methods=["POST"]),
        Route(f"{w}/columns", columns_page),
        Route(f"{w}/columns", columns_post, methods=["POST"]),
        Route(f"{w}/mapping.json", mapping_download),
        Route(f"{w}/mapping", mapping_upload, methods=["POST"]),
        Route(f"{w}/problems", problems_page),
        Route(f"{w}/problems.csv", problems_csv),
        Route(f"{w}/allow", allow_post, methods=["POST"]),
        Route(f"{w}/coerce", coerce_post, methods=["POST"]),
        Route(f"{w}/report", report_page),
        Route(f"{w}/report", report_post, methods=["POST"]),
        Route(f"{w}/report/view", report_view),
        Route(f"{w}/report/preview", report_preview),
        Route(f"{w}/download/{{fmt:str}}", download),
        Route(f"{w}/explore", explore_page),
    ]


__all__ = ["check_upload", "parse_mapping", "routes"]
