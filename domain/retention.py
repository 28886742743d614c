"""Retention: an area keeps a closed case's records for its retention period, then erases them."""

from __future__ import annotations

from datetime import date

from domain.repeats import add_months


def retention_ends(closed_on: date, retention_months: int) -> date:
    return add_months(closed_on, retention_months)


def retention_expired(closed_on: date | None, retention_months: int, today: date) -> bool:
    """An open case is never expired; a closed one is from the day its period ends."""
    return closed_on is not None and today >= retention_ends(closed_on, retention_months)
