"""One private folder per tab: the uploaded files, the settings chosen and the results.

Every visit to the app's front page opens a new :class:`Workspace` with its own random
id in its addresses (``/w/<id>/...``), so two tabs (or two users of one launch) never see
each other's files. Its folder lives under the launch's private temporary folder (mode
0700), which :meth:`Workspaces.close` removes when the app stops. Uploads are copied
there under a safe name; the library reads the copy, so the user's own file is never
touched.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Endings the app accepts, by kind of input.
TABLE_ENDINGS = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")
FHIR_ENDINGS = (".json", ".ndjson")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, default: str = "upload") -> str:
    """A file name that stays inside its folder: no path, no leading dots, plain characters.

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\Sessions Q2.csv"), safe_name("..")
    ('passwd', 'Sessions_Q2.csv', 'upload')
    >>> safe_name("<script>.csv")
    'script_.csv'
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = _UNSAFE.sub("_", base).lstrip("._-")[:120]
    return base or default


@dataclass
class Workspace:
    """The state of one tab.

    Attributes
    ----------
    id : str
        Random, in the tab's addresses.
    folder : Path
        Its private folder.
    kind : str
        ``table``, ``redcap`` or ``fhir`` once a file is chosen.
    file : Path, optional
        The copy of the uploaded file the library reads.
    display_name : str
        The name the user's file had (shown escaped, never used as a path).
    dictionary : Path, optional
        The REDCap data dictionary's copy.
    column_map, allow_columns, pain_scale
        The settings chosen on the Columns and Problems pages.
    report, data, release
        The last validation report, loaded data and built reports.
    job : Job, optional
        The running or last background step.
    """

    id: str
    folder: Path
    kind: str = ""
    file: Path | None = None
    display_name: str = ""
    dictionary: Path | None = None
    column_map: dict[str, str] = field(default_factory=dict)
    allow_columns: list[str] = field(default_factory=list)
    pain_scale: str = "nprs"
    coerce: bool = False
    report: Any = None
    data: Any = None
    load_error: str = ""
    identifier_error: str = ""
    built: dict[str, Any] = field(default_factory=dict)
    job: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def input_folder(self) -> Path:
        path = self.folder / "input"
        path.mkdir(exist_ok=True)
        return path

    def output_folder(self) -> Path:
        path = self.folder / "output"
        path.mkdir(exist_ok=True)
        return path

    def reset(self) -> None:
        """Forget the file and everything made from it (a new file was chosen)."""
        for sub in ("input", "output"):
            shutil.rmtree(self.folder / sub, ignore_errors=True)
        self.kind, self.file, self.display_name, self.dictionary = "", None, "", None
        self.column_map, self.allow_columns, self.pain_scale = {}, [], "nprs"
        self.coerce, self.report, self.data = False, None, None
        self.load_error = self.identifier_error = ""
        self.built = {}


class Workspaces:
    """The workspaces of one launch, under one private temporary folder.

    Examples
    --------
    >>> spaces = Workspaces()
    >>> a, b = spaces.new(), spaces.new()
    >>> a.id != b.id and a.folder != b.folder and spaces.get(a.id) is a
    True
    >>> root = spaces.root
    >>> spaces.close(); root.exists()
    False
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tpdn-app-", dir=root))  # (mode 0700)
        self._spaces: dict[str, Workspace] = {}
        self._lock = threading.Lock()

    def new(self) -> Workspace:
        """Open a workspace with a new random id and its own folder."""
        with self._lock:
            wid = secrets.token_urlsafe(12)
            folder = self.root / wid
            folder.mkdir(mode=0o700)
            space = Workspace(id=wid, folder=folder)
            self._spaces[wid] = space
            return space

    def get(self, wid: str) -> Workspace | None:
        """The workspace of an id, or None (unknown, or from an earlier launch)."""
        with self._lock:
            return self._spaces.get(wid)

    def close(self) -> None:
        """Cancel running jobs and remove every workspace's folder."""
        with self._lock:
            for space in self._spaces.values():
                if space.job is not None:
                    space.job.cancel()
            self._spaces.clear()
        shutil.rmtree(self.root, ignore_errors=True)
