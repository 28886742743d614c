"""storage/database.py's pipelined transactions: the same all-or-nothing as any other, with
the statements sent without waiting for each answer (PostgreSQL; elsewhere a plain one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.database import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.transaction() as cur:
        cur.execute("CREATE TABLE piped (n INTEGER PRIMARY KEY)")
    yield database
    database.close()


def _rows(db: Database) -> list[int]:
    with db.transaction(readonly=True) as cur:
        cur.execute("SELECT n FROM piped ORDER BY n")
        return [int(r[0]) for r in cur.fetchall()]


def test_a_pipelined_transaction_commits_its_writes_and_answers_a_read(db: Database) -> None:
    with db.transaction(pipelined=True) as cur:
        cur.execute("INSERT INTO piped (n) VALUES (%s)", (1,))
        cur.execute("SELECT COUNT(*) FROM piped")
        seen = cur.fetchone()  # an answer asked for in the middle of the block
        cur.executemany("INSERT INTO piped (n) VALUES (%s)", [(2,), (3,)])
    assert seen == (1,)
    assert _rows(db) == [1, 2, 3]


def _insert_twice(db: Database) -> None:
    with db.transaction(pipelined=True) as cur:
        cur.execute("INSERT INTO piped (n) VALUES (%s)", (1,))
        cur.execute("INSERT INTO piped (n) VALUES (%s)", (1,))  # refused: the same key
        cur.execute("INSERT INTO piped (n) VALUES (%s)", (2,))


def test_a_failing_statement_rolls_back_the_whole_pipelined_transaction(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        _insert_twice(db)
    assert _rows(db) == []


def _insert_then_refuse(db: Database) -> None:
    with db.transaction(pipelined=True) as cur:
        cur.execute("INSERT INTO piped (n) VALUES (%s)", (1,))
        raise LookupError("the caller's own refusal, as the blind index's for an erased case")


def test_an_error_raised_in_a_pipelined_block_rolls_it_back(db: Database) -> None:
    with pytest.raises(LookupError):
        _insert_then_refuse(db)
    assert _rows(db) == []
