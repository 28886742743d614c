"""A PKCS#11 token (an HSM; SoftHSM2 in tests): opened once per process, used under one lock.

PKCS#11 logs a whole process in or out of a token at once (a second login fails, a logout ends
every session), and python-pkcs11 initialises the library without locking callbacks, which
tells the library it will never be called from two threads at once. So each library is loaded
once, each token gets one logged-in session for the life of the process, and every call into a
library is made under that library's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pkcs11
from pkcs11 import exceptions as p11

from security.errors import KeyConfigurationError

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as loaded_library


@dataclass(frozen=True)
class TokenConfig:
    """Where a token is and how to log in to it. The PIN comes from a file or the environment,
    never the repository; it is left out of the repr so that it never reaches a log."""

    module: Path
    label: str
    pin: str = field(repr=False)


@dataclass
class _Library:
    lib: loaded_library
    # Re-entrant: a key looked up inside an operation asks for the session again.
    lock: threading.RLock = field(default_factory=threading.RLock)


class Token:
    """A logged-in session on one token; `session()` lends it under the library's lock."""

    def __init__(self, config: TokenConfig, library: _Library, session: pkcs11.Session) -> None:
        self.label = config.label
        self._library = library
        self._session = session

    @contextmanager
    def session(self) -> Iterator[pkcs11.Session]:
        with self._library.lock:
            yield self._session

    def holds(self, label: str) -> bool:
        """Whether any object in the token has this label."""
        with self.session() as session:
            return any(True for _ in session.get_objects({pkcs11.Attribute.LABEL: label}))


_libraries: dict[Path, _Library] = {}
_tokens: dict[tuple[Path, str], Token] = {}
_opening = threading.Lock()


def open_token(config: TokenConfig) -> Token:
    """The process's session on the token, logged in with its PIN on first use."""
    with _opening:
        found = _tokens.get((config.module, config.label))
        if found is not None:
            return found
        library = _library(config.module)
        with library.lock:
            try:
                token = library.lib.get_token(token_label=config.label)
            except p11.NoSuchToken:
                raise KeyConfigurationError(
                    f"no PKCS#11 token labelled {config.label!r} in {config.module}") from None
            try:
                session = token.open(user_pin=config.pin, rw=True)
            except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange, p11.PinLocked):
                raise KeyConfigurationError(
                    f"the PIN of PKCS#11 token {config.label!r} was refused") from None
        opened = Token(config, library, session)
        _tokens[(config.module, config.label)] = opened
        return opened


def _library(module: Path) -> _Library:
    found = _libraries.get(module)
    if found is None:
        if not module.is_file():
            raise KeyConfigurationError(f"no PKCS#11 module at {module}")
        # Kept for the life of the process: a second load of the same module would fail
        # (already initialised), and unloading it would close every session.
        found = _libraries[module] = _Library(pkcs11.lib(str(module)))
    return found
