"""Retention: an area keeps a closed case's records for its retention period, then erases them."""

from __future__ import annotations

from datetime import date

from domain.repeats import add_months


def retention_ends(closed_on: date, retention_months: int) -> date:
    return add_months(closed_on, retention_months)


def retention_expired(closed_on: date | None, retention_months: int, today: date) -> bool:
    """An open case is never expired; a closed one is from the day its period ends."""
    return closed_on is not None and today >= retention_ends(closed_on, retention_months)


# A subject access request (UK GDPR art. 15) keeps the subject's identifiers, sealed under the
# request's own key, for twelve months after it was answered; then the key is destroyed and
# only the fact remains (the audit trail's `subject_access` record: who, when, which cases).
# Why twelve: the answer is due within one month (three when extended for a complex request),
# so the request itself is long settled; the ICO asks a requester to raise a concern within
# three months of their last meaningful contact, and a year leaves room for a complaint to be
# made and investigated with the request in hand. Keeping a requester's name and date of
# birth as long as the cases (6-7 years, or after they are shredded) would hold personal data
# for no purpose of its own (art. 5(1)(e)). A complaint or claim still open at the end would
# need a hold on the request, which the platform does not have yet.
SUBJECT_ACCESS_RETENTION_MONTHS = 12
# One month, extendable by two more for complex or numerous requests (art. 12(3)).
SUBJECT_ACCESS_LONGEST_DEADLINE_MONTHS = 3


def subject_access_retention_ends(received_on: date, answered_on: date | None) -> date:
    """From the answer; a request never answered is kept as long as one answered on the
    last day it could lawfully have been (three months after receipt, at most)."""
    start = answered_on or add_months(received_on, SUBJECT_ACCESS_LONGEST_DEADLINE_MONTHS)
    return add_months(start, SUBJECT_ACCESS_RETENTION_MONTHS)
