"""`marac doctor` on a good production configuration (keys made by `marac keys init`, a real
key set server on loopback) and on broken ones: each fault said in words, exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main
from security.issuer import LocalIssuer
from tests.api.test_health import KeySetServer


@pytest.fixture
def configured(tmp_path: Path, issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> Iterator[KeySetServer]:
    """A production data directory with its keys, trusting a running identity provider."""
    server = KeySetServer(issuer)
    monkeypatch.setenv("MARAC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MARAC_OIDC_ISSUER", issuer.issuer)
    monkeypatch.setenv("MARAC_OIDC_AUDIENCE", issuer.audience)
    monkeypatch.setenv("MARAC_OIDC_JWKS_URL", server.url)
    assert main(["keys", "init"]) == 0
    assert main(["db", "upgrade"]) == 0  # the owner's step before the first start
    capsys.readouterr()
    yield server
    server.stop()


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    code = main(["doctor"])
    out = capsys.readouterr().out
    found = {}
    for line in out.splitlines()[:-1]:
        state, _, rest = line.partition(" ")
        name, _, words = rest.strip().partition(": ")
        found[name] = f"{state}: {words}"
    return code, found, out.splitlines()[-1]


def test_a_good_configuration_passes_every_check(
    configured: KeySetServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found, summary = doctor(capsys)
    assert code == 0, found
    assert summary == "marac doctor: all 9 checks passed"
    assert all(state.startswith("ok") for state in found.values())
    assert set(found) == {"settings", "data directory", "database", "schema", "keys", "kek",
                          "audit signing key", "identity provider", "mail"}
    assert configured.url in found["identity provider"]


def test_an_identity_provider_that_does_not_answer_is_said_in_words(
    configured: KeySetServer, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.stop()
    code, found, summary = doctor(capsys)
    assert code == 1
    assert found["identity provider"].startswith(
        f"FAILED: cannot fetch the key set at {configured.url}")
    assert summary == "marac doctor: 1 of 9 checks failed"


def test_a_key_set_with_no_key_is_said(
    configured: KeySetServer, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.body = b'{"keys": []}'
    code, found, _ = doctor(capsys)
    assert code == 1
    assert found["identity provider"] == f"FAILED: {configured.url} answers, but with no keys"


def test_missing_keys_and_a_bad_database_url_are_said_and_what_needs_them_skipped(
    configured: KeySetServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keys.json").unlink()
    monkeypatch.setenv("MARAC_DATABASE_URL", "mysql://somewhere/else")
    code, found, _ = doctor(capsys)
    assert code == 1
    assert found["keys"] == ("FAILED: no key material: run `marac keys init` or set "
                             "MARAC_KEYS_JSON")
    assert found["database"].startswith("FAILED: MARAC_DATABASE_URL:")
    assert found["kek"] == found["audit signing key"] == "skipped: needs what failed above"


def test_a_key_document_that_does_not_open_the_stored_keys_is_said(
    configured: KeySetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.bootstrap import build_platform  # noqa: PLC0415
    from api.settings import Settings  # noqa: PLC0415

    platform = build_platform(Settings())
    platform.marac.create_area("wexshire", "Wexshire MARAC")  # a data key stored
    platform.close()
    # Another deployment's key document, put in its place.
    keys = tmp_path / "keys.json"
    other = tmp_path / "other"
    assert main(["keys", "init", "--data-dir", str(other)]) == 0
    keys.unlink()
    keys.write_text((other / "keys.json").read_text())
    keys.chmod(0o600)
    capsys.readouterr()
    code, found, _ = doctor(capsys)
    assert code == 1
    assert found["kek"].startswith("FAILED: the KEKs configured do not open the data keys "
                                   "stored in this database")


def test_settings_that_do_not_parse_are_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARAC_METRICS_PORT", "ninety")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED  settings: MARAC_METRICS_PORT: Input should be a valid "
                          "integer")
    assert "ninety" not in out  # a value is not repeated: it could be a secret


def test_a_database_behind_this_release_is_said_with_what_to_run(
    configured: KeySetServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = tmp_path / "fresh.sqlite"
    monkeypatch.setenv("MARAC_DATABASE_URL", f"sqlite:///{fresh}")
    code, found, _ = doctor(capsys)
    assert code == 1
    assert "run `marac db upgrade`" in found["database"]
    fresh.touch()  # made, empty (an empty file is an empty SQLite database): no schema
    code, found, _ = doctor(capsys)
    assert code == 1
    assert found["schema"].startswith("FAILED: the database has no schema yet")
    assert "marac db upgrade" in found["schema"]
