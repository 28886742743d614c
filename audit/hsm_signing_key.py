"""The audit checkpoint signing key in a PKCS#11 token: Ed25519, signing inside the token.

CKM_EDDSA over an edwards25519 key (PKCS#11 3.0; SoftHSM2 2.6 has it) makes the same
signatures as the key file's Ed25519 key, so verification, the witness and exported checkpoints
are unchanged: they need the public key only, which the token gives out. The private key is
generated in the token, sensitive and never extractable.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, PublicKey, SignMixin
from pkcs11 import exceptions as p11
from pkcs11.util.ec import encode_named_curve_parameters

from audit.checkpoints import CheckpointSigner
from security.errors import KeyConfigurationError
from security.pkcs11_token import Token

ED25519_OID = "1.3.101.112"
_PROBE = b"marac:audit-signing-probe:v1"

PRIVATE_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.MODIFIABLE: False,
    Attribute.SIGN: True,
    Attribute.DECRYPT: False,
    Attribute.UNWRAP: False,
    Attribute.DERIVE: False,
}
PUBLIC_TEMPLATE = {Attribute.TOKEN: True, Attribute.VERIFY: True, Attribute.MODIFIABLE: False}


def create_signing_key(token: Token, label: str) -> bytes:
    """A new key pair in the token under `label` (refused if one exists); its public key."""
    if token.holds(label):
        raise KeyConfigurationError(f"token {token.label!r} already holds a key labelled {label!r}")
    with token.session() as session:
        params = session.create_domain_parameters(
            KeyType.EC_EDWARDS,
            {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)}, local=True)
        public, _ = params.generate_keypair(
            store=True, label=label, public_template=PUBLIC_TEMPLATE,
            private_template=PRIVATE_TEMPLATE)
        return _raw_public_key(public)


def hsm_signer(token: Token, label: str) -> CheckpointSigner:
    """A signer over the token's key: checked once, by a signature its public key verifies,
    so that a mislabelled or foreign key is found at start and not by a later verification."""
    with token.session() as session:
        try:
            private = session.get_key(ObjectClass.PRIVATE_KEY, KeyType.EC_EDWARDS, label=label)
            public = session.get_key(ObjectClass.PUBLIC_KEY, KeyType.EC_EDWARDS, label=label)
        except p11.NoSuchKey:
            raise KeyConfigurationError(
                f"no Ed25519 key labelled {label!r} in token {token.label!r}: "
                "run `marac keys init`") from None
        if not isinstance(private, SignMixin) or not isinstance(public, PublicKey):
            raise KeyConfigurationError(f"the key labelled {label!r} is not a key pair")
        public_key = _raw_public_key(public)

    def sign(statement: bytes) -> bytes:
        with token.session():
            return bytes(private.sign(statement, mechanism=Mechanism.EDDSA))

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(sign(_PROBE), _PROBE)
    except InvalidSignature:
        raise KeyConfigurationError(
            f"the key labelled {label!r} does not sign for its public key") from None
    return CheckpointSigner(public_key, sign)


def _raw_public_key(public: PublicKey) -> bytes:
    """CKA_EC_POINT: the 32-byte key in a DER OCTET STRING (some tokens give it bare)."""
    point = bytes(public[Attribute.EC_POINT])
    if len(point) == 34 and point[:2] == b"\x04\x20":
        point = point[2:]
    if len(point) != 32:
        raise KeyConfigurationError("the token's public key is not a 32-byte Ed25519 key")
    return point
