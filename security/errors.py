"""Security errors. Messages name ids only."""


class SecurityError(Exception):
    code = "security_error"


class TamperedCiphertext(SecurityError):
    """Decryption failed authentication: the bytes were changed, or moved from their row."""

    code = "tampered_ciphertext"


class MissingDataKey(SecurityError):
    code = "missing_data_key"


class KeyConfigurationError(SecurityError):
    code = "key_configuration_error"


class KekNotReady(SecurityError):
    """A staged KEK may not become current: a running process has not shown it can unwrap
    under it (security/kek_roster.py)."""

    code = "kek_not_ready"
