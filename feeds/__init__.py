"""Integration event feeds: the public event schema, subscriptions, the per-subscriber
outbox, pull and signed webhook delivery."""
