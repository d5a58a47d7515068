"""Long steps (reading a file, building reports) in a background thread.

A :class:`Job` runs one function in a daemon thread and keeps its progress (a fraction and
a sentence) for the page that polls it. Cancelling sets a flag that the function's
``progress`` callback checks between steps: the library's own calls are not interrupted
in the middle, so a cancel takes effect at the next step, and nothing the step was writing
is kept (the library writes its files atomically).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Cancelled(Exception):
    """Raised inside a job's function by ``progress`` once the job was cancelled."""


Progress = Callable[[float, str], None]


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
        The last progress reported.
    result, error : object, str
        The function's result, or the message of its exception.

    Examples
    --------
    >>> def work(progress):
    ...     progress(0.5, "half way")
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
        work: Callable[[Progress], Any],
        on_error: Callable[[BaseException], str] = str,
    ) -> Job:
        """Start ``work(progress)`` in a daemon thread."""
        job = cls(name=name, done_url=done_url)

        def progress(fraction: float, message: str) -> None:
            if job._cancel.is_set():
                raise Cancelled
            job.fraction = max(0.0, min(1.0, float(fraction)))
            job.message = message

        def target() -> None:
            try:
                job.result = work(progress)
            except Cancelled:
                job.state = "cancelled"
                job.message = "Cancelled"
                return
            except BaseException as exc:  # (the page shows the message; nothing crashes)
                job.error = on_error(exc)
                job.state = "failed"
                return
            if job._cancel.is_set():
                job.state = "cancelled"
                job.message = "Cancelled"
                job.result = None
                return
            job.fraction, job.message, job.state = 1.0, "Done", "done"

        job._thread = threading.Thread(target=target, name=f"tpdn-app-{name}", daemon=True)
        job._thread.start()
        return job

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
            "message": self.message,
            "error": self.error,
            "done_url": self.done_url,
            "seconds": round(time.monotonic() - self.started, 1),
        }
