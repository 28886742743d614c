"""`marac keys rotate` across two running processes sharing one database and one SoftHSM2 token.

Process A (this test's platform) and process B (a subprocess, tests/integration/kek_peer.py)
both write and read cases while the operator stages a new KEK in the token and promotes it:
B shows it can unwrap under the new KEK before it becomes current, a case A writes afterwards
is readable by B (and the reverse), and every data key ends under a KEK both can unwrap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, cast
from uuid import UUID

import pytest

from api.background import keep_kek_roster
from api.bootstrap import Platform, build_platform
from api.cli import main
from api.settings import Settings
from tests.factories import VICTIM_SURNAME, area_with_agency, referral

ROOT = Path(__file__).resolve().parents[2]


class Peer:
    """Process B: one command, one JSON answer."""

    def __init__(self, environment: dict[str, str]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.kek_peer"], cwd=ROOT,
            env={**env, **environment}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        self.process_id = self._answer()["process_id"]

    def ask(self, *command: str) -> dict[str, str]:
        stdin = cast(IO[str], self.process.stdin)
        stdin.write(" ".join(command) + "\n")
        stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, str]:
        line = cast(IO[str], self.process.stdout).readline()
        assert line, f"process B ended (exit {self.process.poll()})"
        answer: dict[str, str] = json.loads(line)
        assert "error" not in answer, answer
        return answer

    def stop(self) -> None:
        cast(IO[str], self.process.stdin).close()  # its loop ends; it leaves the roster
        self.process.wait(timeout=30)
        cast(IO[str], self.process.stdout).close()


@pytest.fixture
def process_a(hsm_environment: dict[str, str],
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    for name, value in hsm_environment.items():  # the `marac` commands below read them too
        monkeypatch.setenv(name, value)
    platform = build_platform(Settings())
    stop = threading.Event()  # its heartbeat, as the server's and the worker's
    heartbeat = threading.Thread(target=keep_kek_roster, args=(platform, stop), daemon=True)
    heartbeat.start()
    yield platform
    stop.set()
    heartbeat.join()
    platform.close()


def until(condition: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"never: {condition}"
        time.sleep(0.05)


def kek_of(platform: Platform, case_id: str) -> str:
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT kek_id FROM data_keys WHERE scope_id = %s", (case_id,))
        row = cur.fetchone()
    assert row is not None
    return str(row[0])


def test_a_new_kek_rolls_out_across_two_running_processes(
    process_a: Platform, hsm_environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    roster = process_a.kek_roster
    first = roster.current_kek_id()
    area, agency = (str(i) for i in area_with_agency(process_a.marac))
    b = Peer(hsm_environment)
    try:
        before = b.ask("refer", area, agency)["case_id"]
        assert kek_of(process_a, before) == first

        # Phase 1: the new KEK in the token, staged; nobody wraps under it yet.
        assert main(["keys", "rotate", "--stage"]) == 0
        staged = json.loads(capsys.readouterr().out)["staged_kek"]
        assert staged != first
        assert b.ask("current")["current_kek"] == first
        # B (and A) prove, at their own heartbeats, that they can unwrap under the new KEK.
        until("A and B ready for the staged KEK", lambda: {
            roster.process_id, b.process_id} <= set(roster.readiness(staged).ready))
        assert main(["keys", "status"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert (status["current_kek"], status["staged_kek"]) == (first, staged)
        assert (status["processes"], status["processes_not_ready"]) == (2, 0)

        # Phase 2: made current (every running process was ready), data keys re-wrapped.
        assert main(["keys", "rotate", "--promote", "--wait", "30"]) == 0
        promoted = json.loads(capsys.readouterr().out)
        assert promoted["current_kek"] == staged
        assert promoted["processes_not_yet_using_it"] == 0
        assert b.ask("current")["current_kek"] == staged

        # A case written by A after the promotion is wrapped under the new KEK; B reads it.
        after = str(process_a.marac.refer(referral(*map(UUID, (area, agency)))))
        assert kek_of(process_a, after) == staged
        assert b.ask("read", after)["surname"] == VICTIM_SURNAME
        # And the reverse: B writes under the new KEK, A reads it, and B's first case.
        from_b = b.ask("refer", area, agency)["case_id"]
        assert kek_of(process_a, from_b) == staged
        for case_id in (before, from_b):
            assert process_a.marac.get_case(UUID(case_id)).victim.surname == VICTIM_SURNAME
        assert b.ask("read", before)["surname"] == VICTIM_SURNAME
        # No data key is left under a KEK one of them cannot unwrap: all under the new one.
        assert set(process_a.keyring.keys_by_kek()) == {staged}
    finally:
        b.stop()
