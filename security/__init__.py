"""Identity, access policy and key management: envelope encryption, per-case keys,
crypto-shredding and blind indexes."""
