"""Database access for the platform's own tables, and the event store's configuration."""
