"""The healthchecks of the worker and the witness (docker-compose.yml): each reads only a
heartbeat its process keeps, so a process whose loops died, or whose witness raised an alarm,
is reported unhealthy, and the check itself needs no database or key."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from api.cli import main
from api.heartbeat import beat, heartbeat_path


def test_the_worker_is_alive_only_after_a_recent_beat(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    alive = ["worker", "--alive", "--data-dir", str(tmp_path), "--max-age", "60"]
    assert main(alive) == 1
    assert "no heartbeat" in capsys.readouterr().err
    beat(heartbeat_path(tmp_path))
    assert main(alive) == 0
    old = time.time() - 61
    os.utime(heartbeat_path(tmp_path), (old, old))
    assert main(alive) == 1


def test_a_worker_pass_beats_only_while_every_loop_lives(tmp_path: Path) -> None:
    """The housekeeping loop beats; it does not while another loop's thread is dead."""
    import threading  # noqa: PLC0415
    from types import SimpleNamespace  # noqa: PLC0415
    from typing import Any, cast  # noqa: PLC0415

    from api.background import Background, Intervals  # noqa: PLC0415

    calls: list[str] = []

    def reapply() -> list[str]:
        calls.append("ledger")
        return []

    platform = SimpleNamespace(
        settings=SimpleNamespace(data_dir=tmp_path, audit_checkpoint_seconds=0.05),
        marac=SimpleNamespace(today=lambda: None),
        eraser=SimpleNamespace(reapply=reapply),
        checkpoints=SimpleNamespace(issue=lambda: None))
    background = Background(cast(Any, platform), Intervals(ledger=0.05, day_jobs=3600))
    background._day_jobs = lambda today: None  # type: ignore[method-assign]
    dead = threading.Thread(target=lambda: None)
    dead.start()
    dead.join()
    background._threads = [dead]
    runner = threading.Thread(target=background._housekeeping, daemon=True)
    runner.start()
    try:
        time.sleep(0.3)
        assert not heartbeat_path(tmp_path).exists()  # a loop died: no beat
        background._threads = []
        time.sleep(1.5)
    finally:
        background.stop()
        runner.join()
    assert calls
    assert heartbeat_path(tmp_path).exists()


def test_the_witness_is_healthy_after_a_look_without_alarm(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = ["audit", "witness", "status", "--dir", str(tmp_path), "--max-age", "60"]
    assert main(status) == 1
    beat(tmp_path / "witness-heartbeat")
    assert main(status) == 0
    (tmp_path / "alarms").mkdir()
    (tmp_path / "alarms" / "alarm-000000000012-inconsistent.json").write_text("{}")
    assert main(status) == 1
    assert "alarm-000000000012-inconsistent" in capsys.readouterr().out
