"""Notifications to people: thin e-mails (what happened, an opaque link) to agencies' single
points of contact and the coordinators' mailbox, from an outbox fed by the domain events."""
