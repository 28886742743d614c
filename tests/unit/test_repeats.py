from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.repeats import add_months, is_repeat

LAST = date(2025, 1, 10)


def test_a_referral_364_days_after_the_last_is_a_repeat() -> None:
    assert is_repeat(LAST, LAST + timedelta(days=364), 12)


def test_a_referral_366_days_after_the_last_is_a_new_case() -> None:
    assert not is_repeat(LAST, LAST + timedelta(days=366), 12)


def test_the_anniversary_itself_is_inside_the_window() -> None:
    assert is_repeat(LAST, date(2026, 1, 10), 12)
    assert not is_repeat(LAST, date(2026, 1, 11), 12)


def test_month_arithmetic_clamps_to_the_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


@given(last=st.dates(date(2000, 1, 1), date(2090, 1, 1)), days=st.integers(0, 800),
       months=st.integers(1, 24))
def test_inside_the_window_exactly_until_the_window_ends(
    last: date, days: int, months: int
) -> None:
    new = last + timedelta(days=days)
    assert is_repeat(last, new, months) is (new <= add_months(last, months))
