"""ISO 8601 durations of elapsed time: parse and format round trip."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.timeutil import format_duration, parse_duration

MAX = timedelta(days=90)


@pytest.mark.parametrize(
    ("text", "duration", "canonical"),
    [
        ("PT1S", timedelta(seconds=1), "PT1S"),
        ("PT45S", timedelta(seconds=45), "PT45S"),
        ("PT1M", timedelta(minutes=1), "PT1M"),
        ("PT90M", timedelta(minutes=90), "PT1H30M"),
        ("PT2H", timedelta(hours=2), "PT2H"),
        ("PT24H", timedelta(days=1), "P1D"),
        ("P1D", timedelta(days=1), "P1D"),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30), "P1DT2H30M"),
        ("P1DT1S", timedelta(days=1, seconds=1), "P1DT1S"),
        ("P1W", timedelta(weeks=1), "P7D"),
        ("P2W3D", timedelta(days=17), "P17D"),
        ("P90D", timedelta(days=90), "P90D"),
    ],
)
def test_durations_parse_to_elapsed_time_and_format_canonically(
    text: str, duration: timedelta, canonical: str
) -> None:
    assert parse_duration(text, "after", maximum=MAX) == duration
    assert format_duration(duration) == canonical
    assert parse_duration(canonical, "after", maximum=MAX) == duration


def test_zero_formats_as_pt0s() -> None:
    assert format_duration(timedelta(0)) == "PT0S"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=int(MAX.total_seconds())))
def test_every_whole_second_duration_round_trips(seconds: int) -> None:
    duration = timedelta(seconds=seconds)

    assert parse_duration(format_duration(duration), "before", maximum=MAX) == duration


@pytest.mark.parametrize("text", ["P91D", "P13W", "PT2161H", "P100000D", "P99999999999999999999D"])
def test_durations_past_the_maximum_are_refused_saying_the_maximum(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text, "after", maximum=MAX)

    assert caught.value.field == "after"
    assert "P90D" in caught.value.message
