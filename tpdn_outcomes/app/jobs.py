"""Long steps (reading a file, building reports) in a background thread.

A :class:`Job` runs one function in a daemon thread and keeps its progress (a fraction,
the library's step and a sentence) for the page that polls it. The function is given a
:class:`JobProgress`: called as ``progress(fraction, message)`` for the app's own steps,
and ``progress.part(start, end)`` is a library progress callback
(:class:`~tpdn_outcomes.progress.ProgressCallback`) for
:func:`~tpdn_outcomes.validate.load_sessions` and
:func:`~tpdn_outcomes.report.quarterly_release`, mapped onto that share of the bar.

Cancelling sets a flag; the next call of either raises
:class:`~tpdn_outcomes.errors.Cancelled`, which the library lets through, so a load or a
report stops at its next step (a section, a stage of disclosure control, a MiB of the
file), not only between the app's steps. The job then runs its ``cleanup`` (the partial
outputs are removed) and shows "Cancelled".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tpdn_outcomes.errors import Cancelled
from tpdn_outcomes.progress import ProgressCallback


class JobProgress:
    """What a job's function is given to report its progress (and be cancelled by).

    Examples
    --------
    >>> job = Job(name="Example", done_url="/next")
    >>> progress = JobProgress(job)
    >>> progress(0.1, "Reading")
    >>> library = progress.part(0.2, 0.6)
    >>> library("checking the sessions", 1, 2)
    >>> job.fraction, job.step, job.done, job.total
    (0.4, 'checking the sessions', 1, 2)
    >>> job.cancel()
    >>> library("checking the measures", 2, 2)
    Traceback (most recent call last):
    ...
    tpdn_outcomes.errors.Cancelled
    """

    def __init__(self, job: Job) -> None:
        self.job = job

    def __call__(self, fraction: float, message: str) -> None:
        """The app's own step: raise Cancelled if asked to stop, else show it."""
        self.job.check()
        self.job.show(fraction, message, message, 0, 0)

    def part(self, start: float, end: float) -> ProgressCallback:
        """A library progress callback shown on the bar from ``start`` to ``end``."""

        def callback(step: str, done: int, total: int) -> None:
            self.job.check()
            share = done / total if total > 0 else 0.0
            fraction = start + (end - start) * share
            self.job.show(fraction, _sentence(step), step, done, total)

        return callback


def _sentence(step: str) -> str:
    """A library step as the page says it.

    Examples
    --------
    >>> _sentence("CLN-01: time_to_relief"), _sentence("reading x.csv")
    ('CLN-01: time to relief', 'Reading x.csv')
    """
    if step == "done":
        return "Finishing"
    step = step.replace("_", " ") if ": " in step else step
    return step[:1].upper() + step[1:]


#: What a job's function is given (the name the routes use).
Progress = JobProgress


@dataclass
class Job:
    """One background step.

    Attributes
    ----------
    name : str
        What it does, in words ("Reading sessions.csv").
    done_url : str
        Where the page goes when the job has finished.
    state : str
        ``running``, ``done``, ``failed`` or ``cancelled``.
    fraction, message : float, str
        The last progress reported (of the whole job) and what it said.
    step, done, total : str, int, int
        The library's last step and its count (``done`` of ``total`` units of the
        library call running; 0 and 0 for the app's own steps).
    result, error : object, str
        The function's result, or the message of its exception.

    Examples
    --------
    >>> def work(progress):
    ...     progress(0.5, "half way")
    ...     progress.part(0.5, 1.0)("a library step", 1, 1)
    ...     return 42
    >>> job = Job.start("Example", "/next", work)
    >>> job.wait(5).state, job.result
    ('done', 42)
    """

    name: str
    done_url: str
    state: str = "running"
    fraction: float = 0.0
    message: str = "Starting"
    step: str = ""
    done: int = 0
    total: int = 0
    result: Any = None
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        name: str,
        done_url: str,
        work: Callable[[JobProgress], Any],
        on_error: Callable[[BaseException], str] = str,
        cleanup: Callable[[], None] | None = None,
        after: Job | None = None,
    ) -> Job:
        """Start ``work(progress)`` in a daemon thread.

        ``cleanup`` is run when the job is cancelled (to remove what it left half made);
        ``after``, a job of the same workspace, ends first (it was cancelled: two jobs
        never change one workspace at once).
        """
        job = cls(name=name, done_url=done_url)

        def target() -> None:
            if after is not None:
                after.wait()
            try:
                job.result = work(JobProgress(job))
                if job._cancel.is_set():  # (asked after its last step)
                    raise Cancelled
            except Cancelled:
                job._cancelled(cleanup)
                return
            except BaseException as exc:  # (the page shows the message; nothing crashes)
                job.error = on_error(exc)
                job.state = "failed"
                return
            job.fraction, job.message, job.state = 1.0, "Done", "done"

        job._thread = threading.Thread(target=target, name=f"tpdn-app-{name}", daemon=True)
        job._thread.start()
        return job

    def _cancelled(self, cleanup: Callable[[], None] | None) -> None:
        self.result = None
        if cleanup is not None:
            try:
                cleanup()
            except OSError:  # (a file left behind is removed with the workspace at exit)
                pass
        self.state, self.message = "cancelled", "Cancelled"

    def check(self) -> None:
        """Raise :class:`~tpdn_outcomes.errors.Cancelled` if the job was asked to stop."""
        if self._cancel.is_set():
            raise Cancelled

    def show(self, fraction: float, message: str, step: str, done: int, total: int) -> None:
        """Keep the progress for the page (the fraction never goes back)."""
        self.fraction = max(self.fraction, max(0.0, min(1.0, float(fraction))))
        self.message, self.step, self.done, self.total = message, step, done, total

    def cancel(self) -> None:
        """Ask the job to stop at its next step."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> Job:
        """Wait for the thread to end (for tests and benchmarks)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self

    def as_dict(self) -> dict[str, Any]:
        """The job's state as the page polls it."""
        return {
            "name": self.name,
            "state": self.state,
            "fraction": round(self.fraction, 3),
            "percent": int(self.fraction * 100),
            "message": self.message,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "done_url": self.done_url,
            "seconds": round(time.monotonic() - self.started, 1),
        }


__all__ = ["Cancelled", "Job", "JobProgress", "Progress"]
