"""The 公示 window counts working days: Monday to Friday, minus holidays, plus 调休 working weekends;
the day of publication does not count, and the window ends at 23:59:59 Shanghai of the last day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reviews.models import Holiday
from reviews.services.notices import notice_ends_at
from reviews.workdays import is_working_day, nth_working_day_after

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 2025 National Day and Mid-Autumn: 10-01 … 10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
NATIONAL_DAY_2025 = {
    **{date(2025, 10, day): False for day in range(1, 9)},
    date(2025, 9, 28): True,
    date(2025, 10, 11): True,
}


def test_an_ordinary_week_skips_the_weekend():
    # Published Monday 2025-04-07: Tue–Fri are days 1–4, Monday 04-14 is day 5.
    assert nth_working_day_after(date(2025, 4, 7), 5, {}) == date(2025, 4, 14)


def test_publication_on_a_friday_or_a_weekend():
    assert nth_working_day_after(date(2025, 4, 11), 5, {}) == date(2025, 4, 18)  # Friday → next Friday
    assert nth_working_day_after(date(2025, 4, 12), 5, {}) == date(2025, 4, 18)  # Saturday → Friday
    assert nth_working_day_after(date(2025, 4, 13), 1, {}) == date(2025, 4, 14)  # Sunday → Monday


def test_zero_days_ends_on_the_day_of_publication():
    assert nth_working_day_after(date(2025, 4, 7), 0, {}) == date(2025, 4, 7)


def test_a_negative_count_is_an_error():
    with pytest.raises(ValueError):
        nth_working_day_after(date(2025, 4, 7), -1, {})


def test_across_national_day_the_holiday_is_skipped_and_the_working_weekends_count():
    # Published Friday 09-26: Sun 09-28 (1, 调休), Mon 09-29 (2), Tue 09-30 (3), the holiday,
    # Thu 10-09 (4), Fri 10-10 (5).
    assert nth_working_day_after(date(2025, 9, 26), 5, NATIONAL_DAY_2025) == date(2025, 10, 10)
    # Published Tuesday 09-30: 10-09 (1), 10-10 (2), Sat 10-11 (3, 调休), Mon 10-13 (4), Tue 10-14 (5).
    assert nth_working_day_after(date(2025, 9, 30), 5, NATIONAL_DAY_2025) == date(2025, 10, 14)
    # Without the calendar the same count would end a week earlier: the holiday matters.
    assert nth_working_day_after(date(2025, 9, 30), 5, {}) == date(2025, 10, 7)


def test_is_working_day_follows_the_exceptions_first():
    assert is_working_day(date(2025, 9, 28), NATIONAL_DAY_2025)  # a Sunday, 调休
    assert not is_working_day(date(2025, 10, 1), NATIONAL_DAY_2025)  # a Wednesday, holiday
    assert not is_working_day(date(2025, 10, 4), NATIONAL_DAY_2025)  # a Saturday inside the holiday
    assert is_working_day(date(2025, 10, 9), NATIONAL_DAY_2025)


@pytest.mark.django_db
def test_the_notice_window_reads_the_holiday_calendar_and_ends_at_the_end_of_the_day():
    Holiday.objects.bulk_create(
        [
            Holiday(date=day, name="国庆节、中秋节" if not working else "调休上班", is_working_day=working)
            for day, working in NATIONAL_DAY_2025.items()
        ]
    )
    published = datetime(2025, 9, 30, 16, 45, tzinfo=SHANGHAI)
    assert notice_ends_at(published, 5) == datetime(2025, 10, 14, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_the_day_is_the_shanghai_day_even_late_in_the_evening():
    # 23:30 Shanghai on Monday 04-07 is still Monday there (15:30 UTC): the count starts from Monday.
    published = datetime(2025, 4, 7, 23, 30, tzinfo=SHANGHAI)
    assert notice_ends_at(published, 5) == datetime(2025, 4, 14, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_staff_keep_the_calendar_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/reviews/holiday/add/", {"date": "2026-10-10", "name": "调休上班", "is_working_day": "on"}
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=date(2026, 10, 10)).is_working_day is True
    assert admin_client.get("/admin/reviews/holiday/").status_code == 200
