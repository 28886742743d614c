"""Threads saving the same new aggregate seal under one pending key."""

from __future__ import annotations

import threading
import time
import uuid

from api.bootstrap import Platform
from security.kek import KekProvider


class SlowKeks:
    """Widens the window between "no key yet" and "pending key made"."""

    def __init__(self, inner: KekProvider) -> None:
        self.inner = inner

    def current_kek_id(self) -> str:
        return self.inner.current_kek_id()

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        time.sleep(0.02)
        return self.inner.wrap(plaintext, aad)

    def unwrap(self, kek_id: str, wrapped: bytes, aad: bytes) -> bytes:
        return self.inner.unwrap(kek_id, wrapped, aad)


def test_concurrent_first_uses_share_one_pending_key(platform: Platform) -> None:
    keyring = platform.keyring
    keyring.keks = SlowKeks(keyring.keks)
    scope = uuid.uuid4()
    results: list[object] = []
    barrier = threading.Barrier(6)

    def first_use() -> None:
        barrier.wait()
        results.append(keyring.encryption_key(scope)[1])

    threads = [threading.Thread(target=first_use) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert len({id(r) for r in results}) == 1
