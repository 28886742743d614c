"""A child process kept running beside the server: restarted if it dies (after a pause that
grows, so that one failing at start does not spin), stopped with the server and waited for,
so that stopping the server leaves no process behind."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence

import structlog

log = structlog.get_logger("supervisor")


class Supervised:
    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.name = name
        self._argv = list(argv)
        self._env = dict(env)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._watcher = threading.Thread(target=self._watch, name=f"supervise-{name}",
                                         daemon=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        self._spawn()
        self._watcher.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            # Its output goes where the server's goes: one stream of JSON log lines.
            self._process = subprocess.Popen(  # noqa: S603 - our own command
                self._argv, env=self._env, preexec_fn=_end_with_parent)  # noqa: PLW1509
        log.info("child_started", child=self.name, pid=self._process.pid)

    def _watch(self) -> None:
        pause = 1.0
        while not self._stop.is_set():
            process = self._process
            if process is None:
                return
            code = process.wait()
            # 0: it was asked to stop (Ctrl-C in a terminal reaches the whole group).
            if self._stop.is_set() or code == 0:
                return
            log.error("child_exited", child=self.name, exit_code=code, restart_in=pause)
            if self._stop.wait(pause):
                return
            pause = min(pause * 2, 60.0)
            self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the child to stop (SIGTERM), wait for it, and kill it if it will not."""
        with self._lock:
            self._stop.set()
            process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._watcher.join(timeout=timeout)
        log.info("child_stopped", child=self.name, exit_code=process.returncode)


def _end_with_parent() -> None:
    """In the child, before it runs: if the server dies without stopping it (killed, say),
    Linux sends the child SIGTERM (prctl PR_SET_PDEATHSIG), so nothing is left behind.
    Elsewhere, `stop()` alone ends it."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(name, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
