"""Progress of the library's long calls, told to a callback, and stopping them.

:func:`~tpdn_outcomes.validate.load_sessions`,
:func:`~tpdn_outcomes.report.quarterly_release` and
:func:`~tpdn_outcomes.report.quarterly_report` take ``progress=``:

- ``False`` (the default): nothing is shown;
- ``True``: a progress bar on stderr (tqdm);
- a callable ``progress(step, done, total)`` (a :class:`ProgressCallback`): called as
  each step starts, with ``done`` of ``total`` units finished, and a last time with
  ``("done", total, total)``. ``done`` never goes down and ``total`` stays the same in
  one call of the library. Reading a large text file reports as it reads, so ``done``
  can move within a step; a step that reports several times (the rounds of disclosure
  control) may repeat ``done`` with a new ``step``.

The bar is one consumer of the callback, not a second way: ``True`` is
:func:`stderr_bar`'s callback. A callback may raise :class:`~tpdn_outcomes.errors.Cancelled`
to stop the work at the step it is told of: the exception goes through unchanged, and
nothing has been written (the library's reports are built in memory; its files are
written atomically).

Examples
--------
>>> seen = []
>>> track = Tracker(lambda step, done, total: seen.append((step, done, total)), total=3)
>>> track.step("one"); track.step("two", units=2); track.finish()
>>> seen
[('one', 0, 3), ('two', 1, 3), ('done', 3, 3)]
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeAlias

from tpdn_outcomes.errors import Cancelled


class ProgressCallback(Protocol):
    """``progress(step, done, total)``: ``step`` starts, ``done`` of ``total`` units are done.

    May raise :class:`~tpdn_outcomes.errors.Cancelled` to stop the work.
    """

    def __call__(self, step: str, done: int, total: int) -> None: ...  # pragma: no cover


#: What ``progress=`` takes: False/None (nothing), True (a bar on stderr) or a callback.
Progress: TypeAlias = "bool | ProgressCallback | None"


def stderr_bar(desc: str, unit: str = "step") -> tuple[ProgressCallback, Callable[[], None]]:
    """A tqdm bar on stderr as a progress callback, and the function that closes it.

    Examples
    --------
    >>> import io, contextlib
    >>> with contextlib.redirect_stderr(io.StringIO()):
    ...     show, close = stderr_bar("report")
    ...     show("sections", 1, 4); close()
    """
    from tqdm.auto import tqdm

    bar: Any = None

    def show(step: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit=unit, leave=False)
        bar.set_postfix_str(step, refresh=False)
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return show, close


def check_progress(progress: object) -> None:
    """Refuse a ``progress=`` that is neither a bool, None nor a callable.

    Examples
    --------
    >>> check_progress("yes")
    Traceback (most recent call last):
    ...
    TypeError: progress= must be True, False or a callable progress(step, done, total), not 'yes'
    """
    if progress is None or isinstance(progress, bool) or callable(progress):
        return
    raise TypeError(
        f"progress= must be True, False or a callable progress(step, done, total), not {progress!r}"
    )


class _Counted(io.RawIOBase):
    """A binary stream that tells the fraction of it read so far."""

    def __init__(self, inner: Any, size: int, tell: Callable[[float], None]) -> None:
        self._inner, self._size, self._tell, self._at = inner, max(size, 1), tell, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._inner.readinto(buffer)
        self._at += n or 0
        self._tell(min(self._at / self._size, 1.0))
        return int(n or 0)

    def close(self) -> None:
        self._inner.close()
        super().close()


@contextlib.contextmanager
def counted(source: Any, progress: Callable[[str, float], None] | None, what: str) -> Iterator[Any]:
    """``source`` (a path or a binary stream) to read, telling ``progress(what, fraction)``
    about every MiB; ``source`` itself when ``progress`` is None. Closed on leaving.

    Examples
    --------
    >>> seen = []
    >>> with counted(io.BytesIO(b"a,b"), lambda w, f: seen.append((w, f)), "x") as f:
    ...     f.read()
    b'a,b'
    >>> seen[-1]
    ('x', 1.0)
    """
    if progress is None:
        yield source
        return
    if isinstance(source, str | os.PathLike):
        inner: Any = open(source, "rb")  # (closed with the stream below)
        size = os.fstat(inner.fileno()).st_size
    else:
        inner, size = source, len(source.getbuffer())
    stream = io.BufferedReader(_Counted(inner, size, lambda f: progress(what, f)), 1 << 20)
    try:
        yield stream
    finally:
        stream.close()


class Tracker:
    """Counts the units of one call and tells each step to the callback.

    Parameters
    ----------
    progress : bool, callable or None
        What ``progress=`` was given (``True``: a bar on stderr named ``desc``).
    total : int
        The units of the whole call (each step is one or more units).
    desc : str
        The bar's name.

    Attributes
    ----------
    timings : dict of str to float
        Seconds each step took (by its name; a step told more than once adds up).
    """

    def __init__(self, progress: Progress, total: int, desc: str = "") -> None:
        check_progress(progress)
        self.total = max(int(total), 1)
        self.done = 0
        self.timings: dict[str, float] = {}
        self._close: Callable[[], None] = lambda: None
        self._callback: ProgressCallback | None
        if progress is True:
            self._callback, self._close = stderr_bar(desc or "working")
        elif progress is None or progress is False:
            self._callback = None
        else:
            self._callback = progress  # type: ignore[assignment]
        self._current: str | None = None
        self._units = 0
        self._last = time.perf_counter()

    def _tell(self, step: str) -> None:
        if self._callback is not None:
            self._callback(step, min(self.done, self.total), self.total)

    def _end_step(self) -> None:
        now = time.perf_counter()
        if self._current is not None:
            self.timings[self._current] = round(
                self.timings.get(self._current, 0.0) + now - self._last, 3
            )
            self.done += self._units
        self._last = now

    def step(self, name: str, units: int = 1) -> None:
        """The previous step is finished; ``name`` (``units`` long) starts."""
        self._end_step()
        self._current, self._units = name, max(int(units), 0)
        self._tell(name)

    def within(self, name: str, fraction: float) -> None:
        """Part of the current step is done (``fraction`` of its units); ``name`` says what."""
        part = int(self._units * max(0.0, min(1.0, fraction)))
        if self._callback is not None:
            self._callback(name, min(self.done + part, self.total), self.total)

    def finish(self) -> None:
        """The last step is finished: tell ``("done", total, total)`` and close the bar."""
        self._end_step()
        self._current, self._units = None, 0
        self.done = self.total
        try:
            self._tell("done")
        finally:
            self._close()

    def close(self) -> None:
        """Close the bar without telling ``done`` (the work stopped on an exception)."""
        self._close()


__all__ = [
    "Cancelled",
    "Progress",
    "ProgressCallback",
    "Tracker",
    "check_progress",
    "counted",
    "stderr_bar",
]
