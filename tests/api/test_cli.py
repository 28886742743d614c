"""The `marac` command line, run in-process on a SQLite data directory."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from api.bootstrap import build_platform
from api.cli import main
from api.demo import seed_demo
from api.settings import Settings
from audit.signing_key import SigningKeyFile
from domain.exceptions import CaseErased
from domain.subjects import Subject
from security.kek import KeyFile, KeyMaterial


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_init_creates_private_production_keys_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "keys", "--data-dir", str(tmp_path), "init")
    assert code == 0
    key_file = tmp_path / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not KeyFile(key_file).load().demo
    code, _, err = run(capsys, "keys", "--data-dir", str(tmp_path), "init")
    assert code == 1
    assert "refusing" in err


def test_keys_init_keeps_the_signing_key_out_of_the_kek_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "keys", "--data-dir", str(tmp_path), "init")[0] == 0
    assert "audit_signing_key" not in (tmp_path / "keys.json").read_text()
    signing = tmp_path / "audit-signing-key.json"
    assert stat.S_IMODE(signing.stat().st_mode) == 0o600
    assert not SigningKeyFile(signing).load().demo


def test_a_signing_key_in_an_older_kek_document_still_signs_and_moves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    material = KeyMaterial.generate(demo=True)
    material.audit_signing_key = bytes(range(32))
    KeyFile(tmp_path / "keys.json").save(material)
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    legacy_id = platform.checkpoints.signer.key_id
    platform.close()
    base = ("keys", "--demo", "--data-dir", str(tmp_path))
    assert run(capsys, *base, "move-signing-key")[0] == 0
    assert "audit_signing_key" not in (tmp_path / "keys.json").read_text()
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    assert platform.checkpoints.signer.key_id == legacy_id
    platform.close()
    assert run(capsys, *base, "move-signing-key")[0] == 1


def test_demo_keys_are_refused_outside_demo_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "keys", "--demo", "--data-dir", str(tmp_path), "status")[0] == 0
    code, _, err = run(capsys, "keys", "--data-dir", str(tmp_path), "status")
    assert code == 2
    assert "key_configuration_error" in err


def test_a_demo_signing_key_is_refused_outside_demo_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from audit.signing_key import SigningKey  # noqa: PLC0415
    from security.errors import KeyConfigurationError  # noqa: PLC0415

    assert run(capsys, "keys", "--data-dir", str(tmp_path), "init")[0] == 0
    signing = SigningKeyFile(tmp_path / "audit-signing-key.json")
    signing.path.unlink()
    signing.save(SigningKey.generate(demo=True))
    with pytest.raises(KeyConfigurationError, match="demo keys are refused"):
        build_platform(Settings(data_dir=tmp_path))


def test_without_keys_a_production_start_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "keys", "--data-dir", str(tmp_path), "status")
    assert code == 2
    assert "marac keys init" in err


def test_rotate_then_shred_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, demo=True)
    platform = build_platform(settings)
    demo = seed_demo(platform.marac)
    platform.close()
    first_kek = KeyFile(tmp_path / "keys.json").load().current

    code, out, _ = run(capsys, "keys", "--demo", "--data-dir", str(tmp_path), "rotate")
    assert code == 0
    rotated = json.loads(out)
    assert rotated["current_kek"] != first_kek
    assert rotated["rewrapped"] > len(demo.cases)

    case_id = str(demo.cases["accepted"])
    code, out, _ = run(capsys, "keys", "--demo", "--data-dir", str(tmp_path), "shred", case_id,
                       "--reason", "retention_expired")
    assert code == 0
    # The accepted demo case has no linked repeat yet, so exactly one key goes.
    assert json.loads(out) == {"shredded": [case_id]}

    status = json.loads(run(capsys, "keys", "--demo", "--data-dir", str(tmp_path), "status")[1])
    assert status["shredded"] == 1
    assert list(status["data_keys_by_kek"]) == [rotated["current_kek"]]

    platform = build_platform(settings)
    try:
        with pytest.raises(CaseErased):
            platform.marac.get_case(demo.cases["accepted"])
        assert platform.marac.get_case(demo.cases["pending"]).status == "referred"
    finally:
        platform.close()


def test_shredding_an_unknown_case_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "keys", "--demo", "--data-dir", str(tmp_path), "shred",
                       "8d4ac0e4-8f3f-4d58-9e2e-1f0f1b5c2a11", "--reason", "entered_in_error")
    assert code == 2
    assert "case_not_found" in err


def test_the_demo_seed_runs_once(tmp_path: Path) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    try:
        demo = seed_demo(platform.marac)
        statuses = {k: platform.marac.get_case(v).status for k, v in demo.cases.items()}
        assert statuses == {"accepted": "accepted", "repeat": "referred",
                            "declined": "declined", "pending": "referred",
                            "honour_based_abuse": "accepted"}
        repeats = platform.marac.possible_repeats(demo.cases["repeat"])
        assert [r.case_id for r in repeats] == [demo.cases["accepted"]]
        assert seed_demo(platform.marac).cases == {}
    finally:
        platform.close()


def test_the_demo_marrac_area_is_seeded_beside_demoshire_once(tmp_path: Path) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    try:
        app = platform.marac
        demo = seed_demo(app)
        area = app.get_area(demo.marrac_area_id)
        assert (area.code, area.settings.model) == ("demomarrac", "marrac")
        assert app.get_area(demo.area_id).settings.model == "marac"
        assert {app.get_agency(a).code for a in demo.marrac_agencies.values()} == {
            "police", "coreteam", "csc", "health", "gp", "mentalhealth", "school",
            "citizensadvice", "substancemisuse"}
        # A second start changes nothing: not one event more.
        events = app.recorder.max_notification_id()
        assert seed_demo(app).cases == {}
        assert app.recorder.max_notification_id() == events
    finally:
        platform.close()


def test_a_key_file_readable_by_others_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "keys", "--data-dir", str(tmp_path), "init")[0] == 0
    (tmp_path / "keys.json").chmod(0o644)
    code, _, err = run(capsys, "keys", "--data-dir", str(tmp_path), "status")
    assert code == 2
    assert "chmod 600" in err


def test_audit_verify_passes_then_names_a_tampered_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from audit.trail import AuditRecord  # noqa: PLC0415

    settings = Settings(data_dir=tmp_path, demo=True)
    platform = build_platform(settings)
    for n in range(5):
        platform.audit.record(AuditRecord(str(n), "staff", "person", None, None, (), "read",
                                          "research", None, "allowed"))
    platform.close()
    assert run(capsys, "audit", "--demo", "--data-dir", str(tmp_path), "checkpoint")[0] == 0
    code, out, _ = run(capsys, "audit", "--demo", "--data-dir", str(tmp_path), "verify")
    assert code == 0
    assert json.loads(out)["ok"] is True
    import sqlite3  # noqa: PLC0415

    conn = sqlite3.connect(tmp_path / "marac.sqlite")
    conn.execute("DROP TRIGGER audit_trail_no_update")
    conn.execute("UPDATE audit_trail SET actor = 'someone' WHERE seq = 3")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "audit", "--demo", "--data-dir", str(tmp_path), "verify")
    assert code == 1
    assert json.loads(out)["first_fault"] == {"seq": 3, "kind": "changed", "last": None,
                                              "detail": "record 3 does not match its hash"}


def test_audit_verify_needs_no_key_document_only_public_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from audit.trail import AuditRecord  # noqa: PLC0415

    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    for n in range(5):
        platform.audit.record(AuditRecord(str(n), "staff", "person", None, None, (), "read",
                                          "research", None, "allowed"))
    platform.checkpoints.issue()
    public_key = platform.checkpoints.signer.public_key.hex()
    platform.close()
    (tmp_path / "keys.json").unlink()
    (tmp_path / "audit-signing-key.json").unlink(missing_ok=True)
    exports = tmp_path / "audit-checkpoints"
    exported = json.loads(next(exports.glob("checkpoint-*")).read_text())
    assert exported["public_key"] == public_key
    base = ("audit", "--data-dir", str(tmp_path), "verify")  # not even demo mode
    code, out, _ = run(capsys, *base)
    assert code == 0, out
    assert json.loads(out)["checkpoints_checked"] == 1
    code, out, _ = run(capsys, *base, "--public-key", public_key)
    assert (code, json.loads(out)["public_keys_from"]) == (0, "given")
    code, out, _ = run(capsys, *base, "--public-key", "00" * 32)  # not the key that signed
    assert code == 1
    assert json.loads(out)["checkpoint_faults"][0]["kind"] == "bad_signature"
    import sqlite3  # noqa: PLC0415

    conn = sqlite3.connect(tmp_path / "marac.sqlite")
    conn.execute("DROP TRIGGER audit_trail_no_update")
    conn.execute("UPDATE audit_trail SET actor = 'someone' WHERE seq = 2")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, *base, "--public-key", public_key)
    assert code == 1
    assert json.loads(out)["first_fault"]["seq"] == 2


def test_the_witness_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from audit.trail import AuditRecord  # noqa: PLC0415

    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    for n in range(6):
        platform.audit.record(AuditRecord(str(n), "staff", "person", None, None, (), "read",
                                          "research", None, "allowed"))
    platform.checkpoints.issue()
    public_key = platform.checkpoints.signer.public_key.hex()
    platform.close()
    witness = tmp_path / "witness"  # its own directory: the application never writes there
    code, out, _ = run(capsys, "audit", "witness", "init", "--dir", str(witness),
                       "--checkpoint-public-key", public_key)
    assert code == 0, out
    witness_key = json.loads(out)["witness_public_key"]
    assert run(capsys, "audit", "witness", "init", "--dir", str(witness),
               "--checkpoint-public-key", public_key)[0] == 2  # never over an existing one
    base = ("audit", "--data-dir", str(tmp_path))
    code, out, _ = run(capsys, *base, "witness", "run", "--dir", str(witness), "--once")
    # its log lines first (structured, no personal data), then its answer
    assert (code, json.loads(out.splitlines()[-1])["witnessed_size"]) == (0, 6), out
    assert json.loads(out.splitlines()[0])["event"] == "witness_cosigned"
    verify = (*base, "verify", "--witness", str(witness), "--witness-public-key", witness_key)
    code, out, _ = run(capsys, *verify)
    report = json.loads(out)
    assert (code, report["witnessed_size"], report["witness_key_from"]) == (0, 6, "given")
    code, out, _ = run(capsys, *base, "verify", "--witness", str(witness),
                       "--witness-public-key", "00" * 32)  # not the witness's key
    assert code == 1
    assert json.loads(out)["checkpoint_faults"][0]["kind"] == "bad_witness_signature"
    import sqlite3  # noqa: PLC0415

    conn = sqlite3.connect(tmp_path / "marac.sqlite")
    conn.execute("DROP TRIGGER audit_checkpoints_no_delete")
    conn.execute("DELETE FROM audit_checkpoints")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, *verify)
    assert code == 1
    assert json.loads(out)["first_fault"]["kind"] == "checkpoint_deleted"


def test_report_through_the_command_line_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    seed_demo(platform.marac)
    platform.close()
    base = ("report", "--demo", "--data-dir", str(tmp_path))
    year = str(platform.marac.today().year)
    ended = str(platform.marac.today().year - 1)  # released once ended and settled
    code, out, _ = run(capsys, *base, "indicators", "--area", "demo", "--period", ended,
                       "--charts", str(tmp_path / "charts"))
    assert code == 0
    report = json.loads(out)
    assert report["disclosure"]["controlled"]
    assert report["area"]["code"] == "demo"
    assert (tmp_path / "charts" / "monthly_trend.svg").read_text().startswith("<svg")
    code, out, _ = run(capsys, *base, "safelives-return", "--area", "demo", "--period",
                       f"{year}-Q1", "--format", "csv", "--exact")
    assert code == 0
    assert out.splitlines()[0].startswith("MARAC,Quarter,Meeting date")
    code, _, err = run(capsys, *base, "indicators", "--area", "demo", "--start",
                       f"{year}-01-01", "--end", f"{year}-01-15")
    assert code == 2
    assert "invalid_report_period" in err
    code, _, err = run(capsys, *base, "indicators", "--area", "nowhere", "--period", ended)
    assert code == 2
    platform = build_platform(Settings(data_dir=tmp_path, demo=True))
    with platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT actor, item_ids FROM audit_trail WHERE action = 'report'")
        records = cur.fetchall()
    platform.close()
    assert len(records) == 2
    assert all(r[0].startswith("cli:") for r in records)


def test_retention_run_erases_the_subject_access_requests_past_their_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, demo=True)
    platform = build_platform(settings, today=lambda: date(2020, 1, 2))  # long ago
    demo = seed_demo(platform.marac)
    probe = Subject(uuid4(), "victim", "Ann", "Leexq", date_of_birth=date(1980, 1, 2))
    received = platform.marac.receive_subject_access_request(demo.area_id, probe, "dpo-1")
    platform.close()
    base = ("retention", "--demo", "--data-dir", str(tmp_path), "run")
    code, out, _ = run(capsys, *base, "--dry-run")
    assert (code, json.loads(out)["subject_access_requests_would_erase"]) == (0, [str(received)])
    code, out, _ = run(capsys, *base)
    assert (code, json.loads(out)["subject_access_requests_erased"]) == (0, [str(received)])
    code, out, _ = run(capsys, *base)
    assert json.loads(out)["subject_access_requests_erased"] == []
