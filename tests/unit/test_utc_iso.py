"""The one text form of an instant: four-digit years, UTC, whole seconds, sortable as text."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from touchpoint.domain.timeutil import parse_utc, utc_iso


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (datetime(2026, 12, 1, 20, 0, tzinfo=UTC), "2026-12-01T20:00:00Z"),
        (
            datetime(2026, 12, 1, 15, 0, 59, 999_999, tzinfo=timezone(timedelta(hours=-5))),
            "2026-12-01T20:00:59Z",
        ),
        (datetime(999, 1, 1, tzinfo=UTC), "0999-01-01T00:00:00Z"),
        (datetime(45, 6, 7, 8, 9, 10, tzinfo=UTC), "0045-06-07T08:09:10Z"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "9999-12-31T23:59:59Z"),
    ],
)
def test_utc_iso_is_utc_whole_seconds_with_a_four_digit_year(instant: datetime, text: str) -> None:
    assert utc_iso(instant) == text
    assert parse_utc(text) == instant.replace(microsecond=0)


def test_utc_iso_texts_sort_in_time_order_across_year_1000() -> None:
    instants = [datetime(year, 1, 1, tzinfo=UTC) for year in (999, 1000, 2026, 45, 9999)]

    assert sorted(utc_iso(instant) for instant in instants) == [utc_iso(i) for i in sorted(instants)]
