"""The independent witness (audit/witness.py) on SQLite and PostgreSQL: it co-signs only
checkpoints whose RFC 9162 consistency proof holds, and `verify` against it detects every
tampering an insider with the database and the application's signing key can do, naming the
first bad record or the narrowest range the evidence allows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import Platform
from audit import merkle, proofs
from audit import witness as witnesses
from audit.chain import FIELDS, record_hash
from audit.checkpoints import Checkpoints
from audit.proofs import TrailTree
from audit.verify import Report, verify
from audit.witness import Witness
from tests.integration.test_audit_trail import as_attacker, fill


@pytest.fixture
def witness_dir(platform: Platform, tmp_path: Path) -> Path:
    directory = tmp_path / "witness"
    witnesses.init(directory, [platform.checkpoints.signer.public_key])
    return directory


def observe(platform: Platform, directory: Path) -> witnesses.Observation:
    witness = Witness(directory)
    try:
        return witness.observe(platform.checkpoints, TrailTree(platform.audit))
    finally:
        witness.close()


def grow(platform: Platform, witness_dir: Path, *sizes: int) -> None:
    """Records in steps, each step checkpointed and co-signed: a trail with a history."""
    for size in sizes:
        fill(platform, size - platform.audit.count())
        assert platform.checkpoints.issue() is not None
        seen = observe(platform, witness_dir)
        assert seen.alarm is None, seen
        assert seen.witnessed_size == size


def check(platform: Platform, witness_dir: Path | None) -> Report:
    evidence = witnesses.evidence(witness_dir) if witness_dir else None
    return verify(platform.audit, platform.checkpoints, platform.settings.audit_checkpoint_dir,
                  {platform.checkpoints.signer.key_id: platform.checkpoints.signer.public_key},
                  evidence)


def first(report: Report) -> tuple[int, str, int | None]:
    assert not report.ok
    assert report.first_fault is not None
    return report.first_fault.seq, report.first_fault.kind, report.first_fault.last


def rewrite_from(platform: Platform, seq: int) -> None:
    """Change record `seq`, recompute every hash after it and the head: a consistent chain."""
    with as_attacker(platform) as cur:
        cur.execute(f"SELECT seq, {', '.join(FIELDS)} FROM audit_trail ORDER BY seq")  # noqa: S608
        rows = cur.fetchall()
        cur.execute("SELECT hash FROM audit_trail WHERE seq = %s", (seq - 1,))
        found = cur.fetchone()
        prev = bytes(found[0]) if found else bytes(32)
        for row in rows[seq - 1:]:
            values = list(row[1:])
            if row[0] == seq:
                values[FIELDS.index("actor")] = "nobody"
            digest = record_hash(prev, int(row[0]), values)
            cur.execute("UPDATE audit_trail SET actor = %s, prev_hash = %s, hash = %s "
                        "WHERE seq = %s", (values[FIELDS.index("actor")], prev, digest, row[0]))
            prev = digest
        cur.execute("UPDATE audit_head SET hash = %s WHERE id = 1", (prev,))


def resign(platform: Platform) -> None:
    """What the insider holding the application's key does next: throw the checkpoints away,
    in the database and the export, and sign the rewritten trail afresh."""
    with as_attacker(platform) as cur:
        cur.execute("DELETE FROM audit_checkpoints")
    export_dir = platform.settings.audit_checkpoint_dir
    assert export_dir is not None
    shutil.rmtree(export_dir)  # its directory is writable, so its files can go
    assert Checkpoints(platform.audit, platform.checkpoints.signer, export_dir).issue()


def test_a_witness_co_signs_a_growing_trail_and_verify_checks_it(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 5, 13, 40)
    assert observe(platform, witness_dir).cosigned == ()  # nothing new
    fill(platform, 3)  # an unwitnessed tail: not a fault
    report = check(platform, witness_dir)
    assert report.ok, report
    assert (report.witnessed_size, report.cosignatures_checked) == (40, 3)
    assert report.witness_key_from == "directory"
    cosigned = sorted(p.name for p in (witness_dir / "cosigned").iterdir())
    assert cosigned == [f"cosignature-{n:012d}.json" for n in (5, 13, 40)]
    assert (witness_dir / "record-hashes.bin").stat().st_size == 40 * 32


def test_a_consistent_rewrite_re_signed_with_the_application_key_is_named_exactly(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 6, 20)
    rewrite_from(platform, 9)
    resign(platform)
    assert check(platform, None).ok  # without the witness, the rewrite passes every check
    assert first(check(platform, witness_dir)) == (9, "rewritten", None)
    # and the witness refuses to co-sign the rewritten history
    fill(platform, 2)
    platform.checkpoints.issue()
    seen = observe(platform, witness_dir)
    assert seen.alarm is not None
    assert (seen.alarm.kind, seen.witnessed_size, seen.cosigned) == ("inconsistent", 20, ())
    assert [p.name for p in (witness_dir / "alarms").iterdir()] == [
        "alarm-000000000022-inconsistent.json"]


def test_without_the_witness_copy_of_hashes_a_rewrite_is_placed_between_co_signatures(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 6, 20, 30)
    rewrite_from(platform, 9)
    resign(platform)
    (witness_dir / "record-hashes.bin").unlink()
    assert first(check(platform, witness_dir)) == (7, "rewritten", 20)


def test_a_changed_deleted_or_swapped_record_is_named_against_the_witness(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 12)
    with as_attacker(platform) as cur:
        cur.execute("UPDATE audit_trail SET outcome = 'denied' WHERE seq = 7")
    assert first(check(platform, witness_dir))[:2] == (7, "changed")
    with as_attacker(platform) as cur:
        cur.execute("DELETE FROM audit_trail WHERE seq = 5")
    assert first(check(platform, witness_dir))[:2] == (5, "deleted")


def test_swapped_records_are_named_against_the_witness(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 12)
    columns = [*FIELDS, "prev_hash", "hash"]
    with as_attacker(platform) as cur:
        rows = {}
        for seq in (4, 9):
            cur.execute(f"SELECT {', '.join(columns)} FROM audit_trail "  # noqa: S608
                        "WHERE seq = %s", (seq,))
            found = cur.fetchone()
            assert found is not None
            rows[seq] = found
        for seq, other in ((4, 9), (9, 4)):
            cur.execute(f"UPDATE audit_trail SET {', '.join(f'{c} = %s' for c in columns)} "  # noqa: S608
                        "WHERE seq = %s", (*rows[other], seq))
    assert first(check(platform, witness_dir))[:2] == (4, "reordered")


def test_a_truncation_with_everything_else_removed_is_named_against_the_witness(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 12)
    with as_attacker(platform) as cur:
        cur.execute("SELECT hash FROM audit_trail WHERE seq = 8")
        row = cur.fetchone()
        assert row is not None
        cur.execute("DELETE FROM audit_trail WHERE seq > 8")
        cur.execute("UPDATE audit_head SET seq = 8, hash = %s WHERE id = 1", (row[0],))
        cur.execute("DELETE FROM audit_checkpoints")
    export_dir = platform.settings.audit_checkpoint_dir
    assert export_dir is not None
    shutil.rmtree(export_dir)
    assert check(platform, None).ok  # nothing left to contradict the shorter trail
    assert first(check(platform, witness_dir))[:2] == (9, "truncated")


def test_a_rewound_head_that_grew_again_is_named_against_the_witness(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 10, 16)
    with as_attacker(platform) as cur:
        cur.execute("SELECT hash FROM audit_trail WHERE seq = 11")
        row = cur.fetchone()
        assert row is not None
        cur.execute("DELETE FROM audit_trail WHERE seq > 11")
        cur.execute("UPDATE audit_head SET seq = 11, hash = %s WHERE id = 1", (row[0],))
    fill(platform, 9)  # new records on the rewound head: another history from 12 on
    resign(platform)
    assert check(platform, None).ok
    assert first(check(platform, witness_dir)) == (12, "rewritten", None)


def test_deleting_the_database_checkpoints_is_detected_against_the_witness(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 7, 15)
    with as_attacker(platform) as cur:
        cur.execute("DELETE FROM audit_checkpoints")
    report = check(platform, witness_dir)
    assert first(report)[:2] == (7, "checkpoint_deleted")
    assert [(f.seq, f.kind) for f in report.checkpoint_faults] == [
        (7, "checkpoint_deleted"), (15, "checkpoint_deleted")]


def test_a_forged_co_signature_fails_its_signature(platform: Platform,
                                                   witness_dir: Path) -> None:
    grow(platform, witness_dir, 4)
    path = witness_dir / "cosigned" / "cosignature-000000000004.json"
    doc = json.loads(path.read_text())
    doc["checkpoint"]["root"] = "00" * 32
    path.chmod(0o644)
    path.write_text(json.dumps(doc))
    report = check(platform, witness_dir)
    assert not report.ok
    assert [f.kind for f in report.checkpoint_faults] == ["bad_witness_signature"]
    assert report.witnessed_size == 0


def test_a_checkpoint_signed_by_an_untrusted_key_is_refused(
    platform: Platform, tmp_path: Path
) -> None:
    directory = tmp_path / "other"
    witnesses.init(directory, [bytes(32)])  # trusts some other key only
    fill(platform, 3)
    platform.checkpoints.issue()
    seen = observe(platform, directory)
    assert seen.alarm is not None
    assert (seen.alarm.kind, seen.witnessed_size) == ("bad_signature", 0)
    witnesses.trust(directory, [platform.checkpoints.signer.public_key])
    assert observe(platform, directory).witnessed_size == 3


def test_one_witness_process_per_directory(platform: Platform, witness_dir: Path) -> None:
    held = Witness(witness_dir)
    try:
        with pytest.raises(witnesses.WitnessError, match="another witness"):
            Witness(witness_dir)
    finally:
        held.close()


def test_the_witness_refuses_a_checkpoint_whose_records_are_gone(
    platform: Platform, witness_dir: Path
) -> None:
    grow(platform, witness_dir, 5)
    fill(platform, 5)
    platform.checkpoints.issue()
    with as_attacker(platform) as cur:
        cur.execute("DELETE FROM audit_trail WHERE seq = 8")
    seen = observe(platform, witness_dir)
    assert seen.alarm is not None
    assert (seen.alarm.kind, seen.witnessed_size) == ("records_missing", 5)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pairs=st.lists(st.tuples(st.integers(1, 70), st.integers(0, 70)), min_size=1,
                      max_size=12),
       learned=st.tuples(st.integers(0, 70), st.integers(0, 70)))
def test_proofs_from_the_database_are_the_rfc_proofs(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, pairs: list[tuple[int, int]],
    learned: tuple[int, int]
) -> None:
    monkeypatch.setattr(proofs, "BLOCK", 4)  # small blocks, so that the cache is exercised
    if platform.audit.count() < 70:
        fill(platform, 70 - platform.audit.count())
    leaves = [bytes(row[-1]) for row in platform.audit.scan()]
    tree = TrailTree(platform.audit)
    first, last = sorted(learned)
    tree.learn(first, leaves[first:last])  # blocks already read by the caller
    for n, m in pairs:
        old = min(m, n)
        assert tree.root(n) == merkle.root(leaves[:n])
        assert tree.consistency_proof(old, n) == merkle.consistency_proof(leaves[:n], old)
