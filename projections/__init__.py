"""Read models and the runner that keeps them up to date (case index, agenda, action tracker,
reporting, feed outbox). Read models of case content are encrypted under the case's key."""
