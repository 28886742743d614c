"""The command line's global options, anywhere on the line, and the progress of its long
commands as lines on standard error when that is not a terminal (as here, and in CI)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from api.bootstrap import build_platform
from api.cli import main
from api.demo import seed_demo
from api.settings import Settings
from audit.trail import AuditRecord
from domain.subjects import Subject

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def progress_lines(err: str, label: str) -> list[tuple[int, int]]:
    """(done, total) of each progress line for `label`."""
    pattern = rf"^marac {re.escape(label)}: ([\d,]+) of ([\d,]+) \w[\w ]* \(\d+%\)$"
    return [(int(m[1].replace(",", "")), int(m[2].replace(",", "")))
            for m in re.finditer(pattern, err, re.MULTILINE)]


@pytest.mark.parametrize("where", ["before the command", "after the command",
                                   "after the subcommand"])
def test_the_data_directory_may_be_given_anywhere_on_the_line(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = ("--data-dir", str(tmp_path))
    argv = {"before the command": (*given, "keys", "init"),
            "after the command": ("keys", *given, "init"),
            "after the subcommand": ("keys", "init", *given)}[where]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert sorted(json.loads(out)["created"]) == sorted([
        str(tmp_path / "keys.json"), str(tmp_path / "audit-signing-key.json")])


def test_options_given_at_two_levels_both_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --demo after the command, --data-dir after the subcommand.
    code, _, _ = run(capsys, "keys", "--demo", "status", "--data-dir", str(tmp_path))
    assert code == 0
    assert (tmp_path / "marac.sqlite").exists()
    code, out, _ = run(capsys, "--demo", "audit", "verify", "--data-dir", str(tmp_path))
    assert (code, json.loads(out)["ok"]) == (0, True)


def test_projections_rebuild_shows_its_progress_in_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    seed_demo(platform.marac)
    events = platform.marac.recorder.max_notification_id() or 0
    platform.close()
    code, out, err = run(capsys, "projections", "rebuild", "--demo", "--data-dir",
                         str(tmp_path))
    assert code == 0
    assert json.loads(out)["cases"]["projected"] == events
    lines = progress_lines(err, "projections rebuild (cases)")
    assert lines[0] == (0, events)
    assert lines[-1] == (events, events)
    # A line a tenth of the way, not one a batch.
    assert len(lines) <= 11
    assert progress_lines(err, "projections rebuild (reporting)")[-1] == (events, events)


def test_audit_verify_shows_its_progress_in_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    for n in range(25):
        platform.audit.record(AuditRecord(str(n), "staff", "person", None, None, (), "read",
                                          "research", None, "allowed"))
    records = platform.audit.count()
    platform.close()
    assert records >= 25
    code, out, err = run(capsys, "audit", "verify", "--demo", "--data-dir", str(tmp_path))
    assert (code, json.loads(out)["records"]) == (0, records)
    lines = progress_lines(err, "audit verify")
    assert (lines[0], lines[-1]) == ((0, records), (records, records))


def test_retention_run_shows_its_progress_in_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True),
                              today=lambda: date(2020, 1, 2))  # long ago
    demo = seed_demo(platform.marac)
    probe = Subject(uuid4(), "victim", "Ann", "Leexq", date_of_birth=date(1980, 1, 2))
    platform.marac.receive_subject_access_request(demo.area_id, probe, "dpo-1")
    platform.close()
    code, _, err = run(capsys, "retention", "run", "--demo", "--data-dir", str(tmp_path))
    assert code == 0
    assert progress_lines(err, "retention run (subject access requests)") == [(0, 1), (1, 1)]
    assert progress_lines(err, "retention run (cases)") == [(0, 0)]


def test_partnership_apply_shows_its_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "partnership", "apply", str(EXAMPLE), "--demo", "--data-dir",
                       str(tmp_path))
    assert code == 0
    assert progress_lines(err, "partnership apply") == [(1, 3), (2, 3), (3, 3)]
