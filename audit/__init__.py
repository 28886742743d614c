"""The append-only, tamper-evident audit trail, its verification, and data-protection queries."""
