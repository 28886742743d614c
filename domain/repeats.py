"""The repeat rule: a new referral within the window of the *last referral* is a repeat."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def repeat_window_ends(last_referral_on: date, window_months: int) -> date:
    return add_months(last_referral_on, window_months)


def is_repeat(last_referral_on: date, new_referral_on: date, window_months: int) -> bool:
    """SafeLives: any new referral within 12 months of the last referral (not the last
    meeting) is a repeat; the anniversary itself is still inside the window."""
    return last_referral_on <= new_referral_on <= repeat_window_ends(
        last_referral_on, window_months
    )
