"""`marac partnership` run in-process on a SQLite data directory: the partnership's file
checked (what would change) and applied from an empty database, again with no change,
listed, and a bad file refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.bootstrap import build_platform
from api.cli import main
from api.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partnership.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_apply_builds_the_partnership_once_and_lists_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("partnership", "--demo", "--data-dir", str(tmp_path))
    code, out, err = run(capsys, *base, "apply", str(EXAMPLE), "--check")
    assert code == 0
    checked = json.loads(out)
    assert (checked["areas"], checked["agencies"]) == (2, 16)
    assert "18 changes would be applied (--check: none was)" in err
    code, out, err = run(capsys, *base, "apply", str(EXAMPLE))
    assert code == 0
    changed = json.loads(out)["changed"]
    assert changed == checked["would_change"]
    assert sum(c.startswith("area:") for c in changed) == 2
    assert sum(c.endswith(" registered") for c in changed) == 16  # 9 agencies, most in both
    assert "18 changes applied, in one transaction" in err
    code, out, err = run(capsys, *base, "apply", str(EXAMPLE))
    assert (code, json.loads(out)) == (0, {"changed": []})
    assert "no change: the recorded partnership already matches it" in err
    code, out, _ = run(capsys, *base, "apply", str(EXAMPLE), "--check")
    assert json.loads(out)["would_change"] == []
    code, out, _ = run(capsys, *base, "list")
    listed = json.loads(out)
    assert [(a["code"], a["model"]) for a in listed["areas"]] == [("wex-north", "marac"),
                                                                  ("wex-south", "marrac")]
    assert len({a["code"] for a in listed["agencies"]}) == 9
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("type: housing", "type: hostel"))
    code, _, err = run(capsys, *base, "apply", str(bad))
    assert code == 2
    assert "invalid_partnership_file" in err
    assert "line 44, agencies.4.type" in err
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT actor, action FROM audit_trail ORDER BY at")
        records = cur.fetchall()
    platform.close()
    # Each check read the recorded partnership, as a listing does.
    assert [r[1] for r in records] == ["read_partnership", "apply_partnership",
                                       "apply_partnership", "read_partnership",
                                       "read_partnership"]
    assert all(r[0].startswith("cli:") for r in records)
