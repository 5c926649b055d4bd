"""The driver's side of the probe agent: one long-lived process, one request at a time."""

from __future__ import annotations

import base64
import collections
import logging
import queue
import subprocess
import threading
from collections.abc import Sequence
from typing import Any

from hil.lab.agent import decode, encode, raise_for
from hil.lab.errors import LabError

log = logging.getLogger("hil.lab")

STDERR_TAIL = 5
# Once the agent is reaped its stderr reaches EOF and the reader ends; only a descendant still
# holding the pipe open keeps it going, and this bounds how long its last words are awaited then.
STDERR_EOF_WAIT = 10.0


class AgentClient:
    """Starts ``argv`` (``hil probe-agent …``, possibly behind ``ssh host --``) and talks to it."""

    def __init__(self, argv: Sequence[str], where: str) -> None:
        self.argv = list(argv)
        self.where = where
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._lock = threading.Lock()
        log.debug("start probe agent: %s", " ".join(self.argv))
        try:
            self._proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as err:
            raise LabError(f"cannot start the probe agent for {where}: {err}") from None
        threading.Thread(target=self._read_stdout, name="agent stdout", daemon=True).start()
        self._stderr_reader = threading.Thread(
            target=self._read_stderr, name="agent stderr", daemon=True
        )
        self._stderr_reader.start()

    def _read_stdout(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def _read_stderr(self) -> None:
        assert self._proc.stderr is not None
        for raw in self._proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self._keep_stderr(line)

    def _keep_stderr(self, line: str) -> None:
        self._stderr.append(line)
        log.debug("agent %s: %s", self.where, line)

    def _gone(self) -> LabError:
        """The agent stopped: reap it, read its stderr to the end, report its last line."""
        self.close()
        self._stderr_reader.join(STDERR_EOF_WAIT)
        said = self._stderr[-1] if self._stderr else "no output"
        return LabError(f"the probe agent for {self.where} stopped ({said})")

    def call(self, timeout: float, **request: Any) -> dict[str, Any]:
        """Send one request, wait up to ``timeout`` s for its reply; probe errors re-raised."""
        with self._lock:
            if self._proc.poll() is not None and self._replies.empty():
                raise self._gone()
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(encode(request))
                self._proc.stdin.flush()
            except (OSError, ValueError):  # a broken pipe, or stdin closed when it was stopped
                raise self._gone() from None
            try:
                line = self._replies.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise LabError(
                    f"the probe agent for {self.where} did not answer {request.get('op')} "
                    f"within {timeout:g} s; it was stopped"
                ) from None
            if line is None:
                self._replies.put(None)
                raise self._gone()
        return raise_for(decode(line))

    def read(self, timeout: float, **request: Any) -> bytes:
        reply = self.call(timeout, op="read", **request)
        return base64.b64decode(reply.get("data", ""))

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
