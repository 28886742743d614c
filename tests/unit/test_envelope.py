from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.envelope import key_id_of, open_sealed, position, seal
from security.errors import TamperedCiphertext

KEY = AESGCM(AESGCM.generate_key(bit_length=256))
SCOPE = uuid4()
HERE = position(SCOPE, 1, "domain.case:Case.Referred")


def test_sealed_bytes_open_in_place_and_name_their_key() -> None:
    sealed = seal(KEY, SCOPE, b"secret", HERE)
    assert key_id_of(sealed) == SCOPE
    assert open_sealed(KEY, sealed, HERE) == b"secret"


@pytest.mark.parametrize("elsewhere", [
    position(SCOPE, 2, "domain.case:Case.Referred"),
    position(uuid4(), 1, "domain.case:Case.Referred"),
    position(SCOPE, 1, "domain.case:Case.ThresholdDecided"),
], ids=["another_version", "another_case", "another_event"])  # the same in every process
def test_a_ciphertext_moved_elsewhere_fails(elsewhere: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        open_sealed(KEY, seal(KEY, SCOPE, b"secret", HERE), elsewhere)


def test_every_changed_byte_is_detected() -> None:
    sealed = seal(KEY, SCOPE, b"secret", HERE)
    for i in range(len(sealed)):
        changed = bytearray(sealed)
        changed[i] ^= 0x01
        with pytest.raises(TamperedCiphertext):
            open_sealed(KEY, bytes(changed), HERE)
