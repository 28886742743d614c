"""A duty one worker at a time does (storage/database.py `exclusively`): the day's jobs, which
two workers must not both run (each would record the same erasure)."""

from __future__ import annotations

from storage.database import Database


def test_a_duty_is_held_by_one_database_at_a_time(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        with first.exclusively("day-jobs") as held:
            assert held
            with second.exclusively("day-jobs") as other:
                # PostgreSQL: the other worker is told no; SQLite's one host orders writes.
                assert other is (first.dialect == "sqlite")
            with second.exclusively("another duty") as unrelated:
                assert unrelated
        with second.exclusively("day-jobs") as after:
            assert after  # let go at the end of the block
    finally:
        first.close()
        second.close()
