"""Start the clinic app in a subprocess for browser tests, benchmarks and screenshots.

``running_app()`` runs ``tpdn-outcomes app --no-browser`` on a free port of 127.0.0.1 in
its own process (a real uvicorn server, as a user starts it), reads the address with
its token from what the command prints, and stops the process (its private folder is
removed on exit).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(max_upload_mb: float = 200.0, timeout: float = 60.0) -> Iterator[str]:
    """Yield the app's address with its token (``http://127.0.0.1:PORT/?token=...``)."""
    port = free_port()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tpdn_outcomes.cli", "app", "--no-browser", "--port", str(port),
         "--max-upload-mb", str(max_upload_mb)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        if match is None:
            raise RuntimeError(f"the app did not start: {line}{proc.stderr.read()}")
        url = match.group(1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the app did not listen in time")
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
