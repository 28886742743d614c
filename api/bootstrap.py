"""The composition root: wires storage, keys and the domain application together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from api.settings import Settings
from domain.application import Marac
from security.blind_index import BlindIndex
from security.errors import KeyConfigurationError
from security.kek import KeyFile, KeyMaterial, LocalKekProvider
from security.keyring import Keyring
from security.mapper import EncryptingMapper, encrypted_store_env
from storage.database import Database


@dataclass
class Platform:
    settings: Settings
    database: Database
    keyring: Keyring
    blind_index: BlindIndex
    marac: Marac

    def close(self) -> None:
        self.marac.close()
        self.database.close()


def load_key_material(settings: Settings) -> KeyMaterial:
    """Keys from MARAC_KEYS_JSON or the key file. Demo mode generates marked demo keys on
    first run; outside demo mode keys must exist (`marac keys init`) and not be demo keys."""
    if settings.keys_json:
        material = KeyMaterial.from_json(settings.keys_json)
    else:
        key_file = KeyFile(settings.key_path)
        if not key_file.exists():
            if not settings.demo:
                raise KeyConfigurationError(
                    "no key material: run `marac keys init` or set MARAC_KEYS_JSON"
                )
            key_file.save(KeyMaterial.generate(demo=True))
        material = key_file.load()
    if material.demo and not settings.demo:
        raise KeyConfigurationError("demo keys are refused outside demo mode")
    return material


def build_platform(
    settings: Settings,
    *,
    material: KeyMaterial | None = None,
    today: Callable[[], date] = date.today,
) -> Platform:
    database = Database(settings.database_url)
    material = material or load_key_material(settings)
    keyring = Keyring(database, LocalKekProvider(material), ledger_file=settings.shred_ledger_file)
    keyring.create_tables()
    keyring.reapply_ledger()
    blind_index = BlindIndex(database, material.blind_index_key)
    blind_index.create_tables()
    marac = Marac(
        env=encrypted_store_env(database),
        mapper_factory=lambda transcoder: EncryptingMapper(transcoder, keyring),
        identifier_index=blind_index,
        today=today,
    )
    return Platform(settings, database, keyring, blind_index, marac)
