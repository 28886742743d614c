"""Keys in an HSM: KEKs and the checkpoint signing key in a real SoftHSM2 token, through PKCS#11.

KEKs wrap and unwrap data keys inside the token and never leave it; checkpoints are signed
inside it and verify with the public key alone; a shredded case stays unreadable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pkcs11 import Attribute, KeyType, ObjectClass, WrapMixin
from pkcs11 import exceptions as p11

from api.bootstrap import Platform, build_platform
from api.cli import main
from api.key_sources import kek_token, signing_token
from api.settings import Settings
from audit.checkpoints import Checkpoint
from audit.trail import AuditRecord
from audit.verify import verify
from domain.exceptions import CaseErased
from security.errors import TamperedCiphertext
from security.hsm_kek import HsmKekStore
from security.kek import KeyFile
from tests.factories import VICTIM_SURNAME, area_with_agency, referral

AAD = b"marac:dek:v1:case-1"


@pytest.fixture
def store(hsm_settings: Settings) -> HsmKekStore:
    return HsmKekStore(kek_token(hsm_settings), hsm_settings.pkcs11_kek_label)


@pytest.fixture
def hsm_platform(hsm_settings: Settings) -> Iterator[Platform]:
    platform = build_platform(hsm_settings)
    yield platform
    platform.close()


def test_a_data_key_wrapped_in_the_token_unwraps_there_only_as_it_was(
    store: HsmKekStore,
) -> None:
    kek_id = store.create_kek()
    data_key = bytes(range(32))
    wrapped = store.wrap_with(kek_id, data_key, AAD)
    assert data_key not in wrapped
    assert store.unwrap(kek_id, wrapped, AAD) == data_key
    with pytest.raises(TamperedCiphertext):  # moved to another case
        store.unwrap(kek_id, wrapped, b"marac:dek:v1:case-2")
    flipped = bytearray(wrapped)
    flipped[-1] ^= 1
    with pytest.raises(TamperedCiphertext):
        store.unwrap(kek_id, bytes(flipped), AAD)
    # Another KEK of the token cannot open it either.
    with pytest.raises(TamperedCiphertext):
        store.unwrap(store.create_kek(), wrapped, AAD)


def test_the_kek_is_sensitive_and_never_leaves_the_token(
    store: HsmKekStore, hsm_settings: Settings
) -> None:
    kek_id = store.create_kek()
    with kek_token(hsm_settings).session() as session:
        kek = session.get_key(ObjectClass.SECRET_KEY, KeyType.AES, label=kek_id)
        assert kek[Attribute.SENSITIVE]
        assert not kek[Attribute.EXTRACTABLE]
        assert kek[Attribute.TOKEN]
        assert kek[Attribute.NEVER_EXTRACTABLE]
        with pytest.raises(p11.AttributeSensitive):
            kek[Attribute.VALUE]
        # Not even wrapped under another key of the token.
        wrapper = session.generate_key(KeyType.AES, 256, label=f"{kek_id}-wrapper",
                                       template={Attribute.WRAP: True})
        assert isinstance(wrapper, WrapMixin)
        with pytest.raises((p11.KeyUnextractable, p11.KeyNotWrappable)):
            wrapper.wrap_key(kek)


def test_cases_written_under_the_token_kek_read_back_in_a_fresh_platform(
    hsm_settings: Settings, hsm_platform: Platform
) -> None:
    app = hsm_platform.marac
    case_id = app.refer(referral(*area_with_agency(app)))
    current = hsm_platform.kek_roster.current_kek_id()
    assert current.startswith(hsm_settings.pkcs11_kek_label + "-")
    assert set(hsm_platform.keyring.keys_by_kek()) == {current}
    # The key document holds the blind-index key only: no KEK is kept outside the token.
    assert KeyFile(hsm_settings.key_path).load(kek_required=False).keks == {}
    fresh = build_platform(hsm_settings)
    try:
        assert fresh.marac.get_case(case_id).victim.surname == VICTIM_SURNAME
    finally:
        fresh.close()


def test_a_checkpoint_signed_in_the_token_verifies_with_its_public_key(
    hsm_settings: Settings, hsm_platform: Platform
) -> None:
    for n in range(3):
        hsm_platform.audit.record(AuditRecord(str(n), "staff", "person", None, None, (), "read",
                                              "research", None, "allowed"))
    checkpoint = hsm_platform.checkpoints.issue()
    assert checkpoint is not None
    with signing_token(hsm_settings).session() as session:
        public = session.get_key(ObjectClass.PUBLIC_KEY, KeyType.EC_EDWARDS,
                                 label=hsm_settings.pkcs11_signing_key_label)
        public_key = bytes(public[Attribute.EC_POINT])[2:]
        private = session.get_key(ObjectClass.PRIVATE_KEY, KeyType.EC_EDWARDS,
                                  label=hsm_settings.pkcs11_signing_key_label)
        assert private[Attribute.SENSITIVE]
        assert not private[Attribute.EXTRACTABLE]
    assert hsm_platform.checkpoints.signer.public_key == public_key
    assert checkpoint.signed_by(public_key)
    assert not checkpoint.signed_by(bytes(32))
    forged = Checkpoint(checkpoint.size, checkpoint.root, checkpoint.head_hash,
                        checkpoint.signed_at, checkpoint.key_id, bytes(64))
    assert not forged.signed_by(public_key)
    # The whole trail verifies against the public key alone, as `marac audit verify` does.
    report = verify(hsm_platform.audit, None, hsm_settings.audit_checkpoint_dir,
                    {checkpoint.key_id: public_key})
    assert report.ok
    assert (report.checkpoints_checked, report.public_keys_from) == (1, "given")


def test_a_shredded_case_is_unreadable_afterwards(
    hsm_settings: Settings, hsm_platform: Platform
) -> None:
    app = hsm_platform.marac
    area, agency = area_with_agency(app)
    doomed, kept = app.refer(referral(area, agency)), app.refer(referral(area, agency))
    hsm_platform.eraser.erase(doomed, "retention_expired")
    with hsm_platform.database.transaction(readonly=True) as cur:
        cur.execute("SELECT COUNT(*) FROM data_keys WHERE scope_id = %s", (str(doomed),))
        assert cur.fetchone() == (0,)
    fresh = build_platform(hsm_settings)  # another process: nothing cached
    try:
        with pytest.raises(CaseErased):
            fresh.marac.get_case(doomed)
        assert fresh.marac.get_case(kept).victim.surname == VICTIM_SURNAME
    finally:
        fresh.close()


def test_keys_init_puts_the_first_kek_and_the_signing_key_in_the_tokens(
    hsm_environment: dict[str, str], hsm_settings: Settings,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {**hsm_environment, "MARAC_DEMO": "false"}.items():
        monkeypatch.setenv(name, value)
    assert main(["keys", "init"]) == 0
    created = json.loads(capsys.readouterr().out)["created"]
    store = HsmKekStore(kek_token(hsm_settings), hsm_settings.pkcs11_kek_label)
    kek_id = store.initial_kek_id()
    assert kek_id is not None
    assert f"pkcs11:{hsm_settings.pkcs11_kek_token}/{kek_id}" in created
    assert signing_token(hsm_settings).holds(hsm_settings.pkcs11_signing_key_label)
    document = KeyFile(hsm_settings.key_path).load(kek_required=False)
    assert (document.keks, document.demo) == ({}, False)
    assert not hsm_settings.signing_key_path.exists()  # no signing key file beside it
    assert main(["keys", "init"]) == 1
    assert "refusing" in capsys.readouterr().err


def test_a_deployment_moves_its_keks_from_the_key_file_into_the_token(
    hsm_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in hsm_environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MARAC_KEK_PROVIDER", "file")
    before = build_platform(Settings())
    case_id = before.marac.refer(referral(*area_with_agency(before.marac)))
    file_kek = before.kek_roster.current_kek_id()
    before.close()

    monkeypatch.setenv("MARAC_KEK_PROVIDER", "pkcs11")
    assert main(["keys", "rotate"]) == 0
    rotated = json.loads(capsys.readouterr().out)
    assert rotated["current_kek"] != file_kek
    settings = Settings()
    assert rotated["current_kek"].startswith(settings.pkcs11_kek_label + "-")
    # Every data key is now under the token's KEK: the file's KEKs can go.
    document = KeyFile(settings.key_path).load()
    document.keks, document.current = {}, ""
    KeyFile(settings.key_path).save(document)
    after = build_platform(settings)
    try:
        assert after.keyring.keys_by_kek() == {rotated["current_kek"]: 3}
        assert after.marac.get_case(case_id).victim.surname == VICTIM_SURNAME
    finally:
        after.close()
