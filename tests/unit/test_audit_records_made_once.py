"""Every audit record is made in one place (audit/sink.py, used by services/actor.py): the API's
requests, the worker's jobs, the command line and webhook delivery alike. No other module
builds an `AuditRecord` of its own (tests and benchmarks write raw records on purpose)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "storage", "security", "projections", "audit", "feeds", "services",
            "notifications", "api")
# The trail's own module defines the record and reads it back; the sink makes every one.
ALLOWED = frozenset({"audit/trail.py", "audit/sink.py"})


def record_builders(root: Path) -> list[str]:
    """Where a module outside ALLOWED calls `AuditRecord(...)`, as path:line."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name in ALLOWED:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=name)):
                if isinstance(node, ast.Call) and (
                        (isinstance(node.func, ast.Name) and node.func.id == "AuditRecord")
                        or (isinstance(node.func, ast.Attribute)
                            and node.func.attr == "AuditRecord")):
                    found.append(f"{name}:{node.lineno}")
    return found


def test_no_module_but_the_sink_builds_an_audit_record() -> None:
    assert record_builders(ROOT) == []


def test_the_check_sees_a_record_built_elsewhere(tmp_path: Path) -> None:
    job = tmp_path / "api" / "job.py"
    job.parent.mkdir()
    job.write_text("from audit import trail\ntrail.AuditRecord('r', 'system:job')\n")
    assert record_builders(tmp_path) == ["api/job.py:2"]
