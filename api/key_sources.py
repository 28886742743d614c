"""Where the platform's keys come from, as the settings say: the key document, the KEKs (the
document, or a PKCS#11 token) and the checkpoint signing key (its own file, or a token)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from api.settings import Settings
from audit.checkpoints import CheckpointSigner
from audit.hsm_signing_key import create_signing_key, hsm_signer
from audit.signing_key import SigningKey, SigningKeyFile
from security.errors import KeyConfigurationError
from security.hsm_kek import HsmKekStore
from security.kek import KekStore, KeyFile, KeyMaterial, LocalKekProvider
from security.pkcs11_token import Token, TokenConfig, open_token


def load_key_material(settings: Settings) -> KeyMaterial:
    """Keys from MARAC_KEYS_JSON or the key file. Demo mode generates marked demo keys on
    first run; outside demo mode keys must exist (`marac keys init`) and not be demo keys.
    With KEKs in a token the document holds the blind-index key (and any earlier KEKs)."""
    in_file = settings.kek_provider == "file"
    if settings.keys_json:
        material = KeyMaterial.from_json(settings.keys_json, kek_required=in_file)
    else:
        key_file = KeyFile(settings.key_path)
        if not key_file.exists():
            if not settings.demo:
                raise KeyConfigurationError(
                    "no key material: run `marac keys init` or set MARAC_KEYS_JSON"
                )
            key_file.save(KeyMaterial.generate(demo=True, with_kek=in_file))
        material = key_file.load(kek_required=in_file)
    if material.demo and not settings.demo:
        raise KeyConfigurationError("demo keys are refused outside demo mode")
    return material


def kek_store(settings: Settings, material: KeyMaterial, *, from_file: bool) -> KekStore:
    """`from_file`: the material was read from the key file, which a new KEK is written to
    and which is read again for a KEK another process added."""
    if settings.kek_provider == "pkcs11":
        earlier = LocalKekProvider(material) if material.keks else None
        store = HsmKekStore(kek_token(settings), settings.pkcs11_kek_label, earlier)
        if settings.demo and store.initial_kek_id() is None:
            store.create_kek()
        return store
    return LocalKekProvider(material, KeyFile(settings.key_path) if from_file else None)


def checkpoint_signer(settings: Settings, material: KeyMaterial, *,
                      injected: bool = False) -> CheckpointSigner:
    if settings.audit_signing_provider == "pkcs11":
        token = signing_token(settings)
        if settings.demo and not token.holds(settings.pkcs11_signing_key_label):
            create_signing_key(token, settings.pkcs11_signing_key_label)
        return hsm_signer(token, settings.pkcs11_signing_key_label)
    return CheckpointSigner.from_private_key(
        load_signing_key(settings, material, injected=injected).private_key)


def load_signing_key(settings: Settings, material: KeyMaterial, *,
                     injected: bool = False) -> SigningKey:
    """The checkpoint signing key from MARAC_AUDIT_SIGNING_KEY_JSON or its own file; a KEK
    document from before it had a source of its own still serves (move it out with `marac keys
    move-signing-key`). Demo mode generates a marked demo key on first run; so does key material
    `injected` by a caller (tests), which is exempt from the demo check like that material."""
    if settings.audit_signing_key_json:
        key = SigningKey.from_json(settings.audit_signing_key_json)
    else:
        key_file = SigningKeyFile(settings.signing_key_path)
        if key_file.exists():
            key = key_file.load()
        elif material.audit_signing_key is not None:
            key = SigningKey(material.audit_signing_key, material.demo)
        elif settings.demo or injected:
            key = SigningKey.generate(demo=settings.demo or material.demo)
            key_file.save(key)
        else:
            raise KeyConfigurationError(
                "no audit signing key: run `marac keys init` or set MARAC_AUDIT_SIGNING_KEY_JSON")
    if key.demo and not settings.demo and not injected:
        raise KeyConfigurationError("demo keys are refused outside demo mode")
    return key


def kek_token(settings: Settings) -> Token:
    return _token(settings, settings.pkcs11_kek_token, settings.pkcs11_kek_pin_file,
                  settings.pkcs11_kek_pin, "KEK")


def signing_token(settings: Settings) -> Token:
    return _token(settings, settings.pkcs11_signing_token, settings.pkcs11_signing_pin_file,
                  settings.pkcs11_signing_pin, "SIGNING")


def _token(settings: Settings, label: str, pin_file: Path | None, pin: SecretStr,
           which: str) -> Token:
    if settings.pkcs11_module is None:
        raise KeyConfigurationError("set MARAC_PKCS11_MODULE to the HSM's PKCS#11 library")
    if not label:
        raise KeyConfigurationError(f"set MARAC_PKCS11_{which}_TOKEN to the token's label")
    if (pin_file is None) == (not pin.get_secret_value()):
        raise KeyConfigurationError(
            f"set one of MARAC_PKCS11_{which}_PIN_FILE and MARAC_PKCS11_{which}_PIN")
    secret = (pin_file.read_text(encoding="utf-8").strip() if pin_file is not None
              else pin.get_secret_value())
    return open_token(TokenConfig(settings.pkcs11_module, label, secret))
