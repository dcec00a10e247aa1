"""Working days for the 公示 window: Monday to Friday, minus public holidays, plus the weekend days that
are working days by 调休. Pure: the caller passes the calendar's exceptions (the Holiday rows)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta


def is_working_day(day: date, exceptions: Mapping[date, bool]) -> bool:
    """`exceptions` maps a date to whether it is a working day; every other date follows the week."""
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def nth_working_day_after(start: date, n: int, exceptions: Mapping[date, bool]) -> date:
    """The n-th working day after `start` (the day of publication itself is not counted).

    n = 0 gives `start` itself. With n = 5 and publication on a Monday with no holiday, that is the
    next Monday: Tuesday to Friday are days 1–4, the weekend does not count, Monday is day 5.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return day
