"""An eventsourcing Mapper that encrypts each aggregate's events under its own data key.

The library's CIPHER_KEY is one key for the whole store; erasing one case needs one key per
case. The library's own Mapper still does transcoding, upcasting and id conversion: this class
only seals its output and opens its input.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from security.envelope import key_id_of, open_sealed, position, seal
from security.errors import TamperedCiphertext
from security.keyring import Keyring
from security.recorders import RECORDER_TOPICS, SealedEvent
from storage.database import Database


class EncryptingMapper(Mapper[UUID]):
    def __init__(self, transcoder: Transcoder, keyring: Keyring) -> None:
        super().__init__(transcoder=transcoder)
        self.keyring = keyring

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        plain = super().to_stored_event(domain_event)
        scope = plain.originator_id
        if not isinstance(scope, UUID):
            scope = UUID(scope)
        context = position(plain.originator_id, plain.originator_version, plain.topic)
        aead, new_key = self.keyring.encryption_key(scope)
        return SealedEvent(
            originator_id=plain.originator_id,
            originator_version=plain.originator_version,
            topic=plain.topic,
            state=seal(aead, scope, plain.state, context),
            new_key=new_key,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        key_id = key_id_of(stored_event.state)
        if key_id != UUID(str(stored_event.originator_id)):
            raise TamperedCiphertext(
                f"event {stored_event.originator_id} v{stored_event.originator_version} "
                "is sealed under another aggregate's key"
            )
        context = position(
            stored_event.originator_id, stored_event.originator_version, stored_event.topic
        )
        state = open_sealed(self.keyring.decryption_key(key_id), stored_event.state, context)
        return super().to_domain_event(
            StoredEvent(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=state,
            )
        )


def encrypted_store_env(database: Database) -> dict[str, str]:
    """The eventsourcing settings for an encrypted store on `database`: its connection, and
    the recorder that stores new data keys with their events (in memory, the recorder is
    given to the application itself: see security/recorders.py's in_memory_recorder)."""
    if database.url.in_memory:
        return database.url.eventsourcing_env()
    return {
        **database.url.eventsourcing_env(),
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPICS[database.dialect],
        # The events table is storage/migrations' (migration 0001 holds the library's DDL):
        # the application creates no table of its own at start.
        "CREATE_TABLE": "no",
    }
