"""Writing files and folders atomically, with the user's permissions, and no leftovers.

Every output of the package goes through :func:`atomic_write`: the file is written under a
hidden temporary name in the target's folder and moved into place with one rename, so a
reader never sees half a file and an existing file is never half overwritten.

- **Permissions follow the umask.** The temporary file is created with mode
  ``0o666 & ~umask`` (as ``open()`` and ``touch`` make files), not ``0o600`` as
  :func:`tempfile.mkstemp` does, so colleagues who can read the folder can read the output.
- **No hidden file is left behind** when writing fails: on any exception, including
  ``KeyboardInterrupt`` and ``SystemExit``, the temporary file is removed. A process killed
  by ``SIGTERM`` runs the same clean-up when it has turned the signal into an exception with
  :func:`sigterm_as_exit` (the command line does). Only ``SIGKILL`` (or a power cut) can
  leave a ``.<name>.<random>.tmp`` file, and never a half-written target.

:func:`atomic_folder` does the same for a folder of files (the ``--all-clinics`` reports).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

#: What a new file's permission bits are before the umask is applied (as ``open()``).
_FILE_MODE = 0o666


def _create_temp(folder: Path, name: str, suffix: str = ".tmp") -> tuple[Path, int]:
    """Create an empty hidden file in ``folder`` and return it with its permission bits.

    The mode is ``0o666`` less the process's umask (and its folder's default ACL), exactly
    as the kernel applies it to a new file; reading it back avoids changing the umask,
    which is process-wide and not thread-safe.
    """
    while True:
        tmp = folder / f".{name}.{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        except FileExistsError:  # pragma: no cover - 32 random bits collide
            continue
        try:
            mode = os.fstat(fd).st_mode & 0o777
        finally:
            os.close(fd)
        return tmp, mode


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Write a file atomically: ``write(tmp_path)``, then move it into place.

    Parameters
    ----------
    path : path
        The target. Its folder is created if needed.
    write : callable
        Called with a temporary path in the same folder; must write the whole file there
        (it may replace the empty file it is given).

    Returns
    -------
    Path
        The target path. Its permissions are ``0o666 & ~umask``, as for any new file.

    Notes
    -----
    When ``write`` raises (or the process is interrupted), the temporary file is removed
    and the target is left as it was.

    Examples
    --------
    >>> import os, tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> atomic_write(target, lambda p: p.write_text("done")).read_text()
    'done'
    >>> old = os.umask(0o027); _ = atomic_write(target, lambda p: p.write_text("x")); _ = os.umask(old)
    >>> oct(target.stat().st_mode & 0o777)
    '0o640'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, mode = _create_temp(target.parent, target.name)
    try:
        write(tmp)
        os.chmod(tmp, mode)  # (a writer that replaced the file may have used other bits)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_write`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_text(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "é").read_bytes()
    b'\\xc3\\xa9'
    """
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


#: The file in a folder written by :func:`atomic_folder` that says what the folder holds.
MANIFEST = "manifest.json"


class FolderInUse(FileExistsError):
    """The target folder exists and holds files this package did not write there."""


def _owned_files(folder: Path, tool: str) -> set[str] | None:
    """Names of the files that ``folder``'s manifest says ``tool`` wrote, or None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("tool") != tool:
        return None
    files = manifest.get("files", [])
    if not isinstance(files, list):
        return None
    return {MANIFEST, *map(str, files)}


def check_replaceable(target: str | os.PathLike[str], tool: str) -> None:
    """Raise :class:`FolderInUse` unless ``target`` is absent or a complete earlier output.

    A folder may be replaced only when its ``manifest.json`` says ``tool`` wrote it and it
    holds nothing but the files that manifest lists: then nothing of anyone else's is lost.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_replaceable(folder / "new", "me")  # absent: fine
    >>> (folder / "notes.txt").write_text("mine")
    4
    >>> check_replaceable(folder, "me")
    Traceback (most recent call last):
    ...
    tpdn_outcomes._files.FolderInUse: ...
    """
    folder = Path(target)
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise FolderInUse(
            f"{folder} exists and is not a folder this tool wrote; move it away or choose "
            "another output folder"
        )
    owned = _owned_files(folder, tool)
    present = sorted(p.name for p in folder.iterdir())
    if owned is None:
        raise FolderInUse(
            f"{folder} exists and was not written by {tool} (it has no {MANIFEST} of "
            f"{tool}): it is left as it is. Move it away or choose another output folder"
        )
    foreign = [name for name in present if name not in owned or (folder / name).is_dir()]
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise FolderInUse(
            f"{folder} holds files that {tool} did not write there ({shown}); it is left as "
            "it is. Move them away or choose another output folder"
        )


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str], tool: str) -> Iterator[Path]:
    """Build a folder under a temporary name beside ``target``; rename it into place at the end.

    Inside the ``with`` block, write every file into the folder yielded (a hidden
    ``.<name>.<random>.partial`` folder next to ``target``), including its
    ``manifest.json`` with ``"tool": tool`` and a ``"files"`` list. When the block ends
    without an exception, the folder replaces ``target``; when it raises (or the process is
    interrupted), the temporary folder is removed and ``target`` is left as it was. So the
    folder at ``target`` is always one complete set.

    An existing ``target`` is replaced only when it is an earlier complete output of ``tool``
    (see :func:`check_replaceable`); otherwise :class:`FolderInUse` is raised before
    anything is written. The old folder is moved aside, the new one moved in, then the old
    one deleted: for a moment between the two renames ``target`` does not exist.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "set"
    >>> with atomic_folder(out, "me") as tmp:
    ...     _ = (tmp / "a.txt").write_text("a")
    ...     _ = (tmp / "manifest.json").write_text(json.dumps({"tool": "me", "files": ["a.txt"]}))
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in out.parent.iterdir())
    (['a.txt', 'manifest.json'], ['set'])
    """
    final = Path(target)
    check_replaceable(final, tool)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.{secrets.token_hex(4)}.partial"
    tmp.mkdir(mode=0o777)  # (the umask applies, as to any new folder)
    old = final.parent / f".{final.name}.{secrets.token_hex(4)}.old"
    try:
        yield tmp
        check_replaceable(final, tool)  # (again: it may have appeared meanwhile)
        if final.exists():
            os.rename(final, old)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not final.exists():  # (stopped between the two renames)
            os.rename(old, final)
        raise
    finally:
        if old.exists() and final.exists():
            shutil.rmtree(old, ignore_errors=True)


class Terminated(SystemExit):
    """Raised in the main thread when the process receives SIGTERM (see :func:`sigterm_as_exit`)."""


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into a :class:`Terminated` exception (exit code 143) while inside.

    Clean-up code (``finally``, ``except BaseException``) then runs as it does for Ctrl-C,
    so a killed run removes its temporary files. The previous handler is restored on
    exit. Outside the main thread (where signals cannot be handled) it does nothing.

    Examples
    --------
    >>> with sigterm_as_exit():
    ...     pass
    """
    try:
        previous = signal.getsignal(signal.SIGTERM)

        def handler(signum: int, frame: FrameType | None) -> None:
            raise Terminated(128 + signum)

        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = [
    "MANIFEST",
    "FolderInUse",
    "Terminated",
    "atomic_folder",
    "atomic_write",
    "check_replaceable",
    "sigterm_as_exit",
    "write_text",
]
