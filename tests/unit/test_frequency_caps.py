"""Frequency caps: the pure decision (when the next counted message may go: a calendar day in the
clinic's zone, a rolling week, across daylight-saving changes), the hold at send time that it
gives (held to the next allowed time out of quiet hours, a reminder dropped when that is after
the session, a nudge never counted), and the setting's validation."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.builders import NEW_YORK, appointment, job, local, patient, settings
from touchpoint.domain.appointment import JobKind
from touchpoint.domain.caps import FrequencyCaps, RecentSend, next_allowed
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.planning import NUDGE_RULE, HoldReason, SkipReason
from touchpoint.domain.send_checks import Hold, counts_toward_caps, frequency_cap_hold

DEFAULT = FrequencyCaps()  # 1 a day, 3 a week, reminders


def at(*parts: int) -> datetime:
    """A wall-clock time in New York, as UTC."""
    return local(NEW_YORK, *parts).astimezone(UTC)


# ---- next_allowed: the pure decision ----


def test_with_nothing_sent_a_message_may_go_now() -> None:
    assert next_allowed([], DEFAULT, NEW_YORK, at(2030, 3, 5, 13)) is None


def test_a_second_message_of_the_day_waits_for_local_midnight() -> None:
    allowed = next_allowed([at(2030, 3, 5, 9)], DEFAULT, NEW_YORK, at(2030, 3, 5, 13))

    assert allowed == at(2030, 3, 6, 0)


def test_the_day_is_the_clinics_calendar_day_not_utcs() -> None:
    # 23:30 in New York is 04:30 UTC the next day: still the same local day as 20:00.
    late = at(2030, 3, 5, 23, 30)
    assert next_allowed([at(2030, 3, 5, 20)], DEFAULT, NEW_YORK, late) == at(2030, 3, 6, 0)
    # Ten minutes after local midnight it is a new day, though UTC's date has not changed since.
    assert next_allowed([late], DEFAULT, NEW_YORK, at(2030, 3, 6, 0, 10)) is None


def test_a_day_that_springs_forward_ends_at_the_next_local_midnight() -> None:
    # 8 March 2026: clocks go from 02:00 EST to 03:00 EDT, a day of 23 hours.
    allowed = next_allowed([at(2026, 3, 8, 9)], DEFAULT, NEW_YORK, at(2026, 3, 8, 20))

    assert allowed == datetime(2026, 3, 9, 4, tzinfo=UTC)  # 00:00 EDT
    assert allowed - at(2026, 3, 8, 0) == timedelta(hours=23)


def test_a_day_that_falls_back_ends_at_the_next_local_midnight() -> None:
    # 1 November 2026: clocks go from 02:00 EDT back to 01:00 EST, a day of 25 hours.
    allowed = next_allowed([at(2026, 11, 1, 1, 30)], DEFAULT, NEW_YORK, at(2026, 11, 1, 22))

    assert allowed == datetime(2026, 11, 2, 5, tzinfo=UTC)  # 00:00 EST
    assert allowed - at(2026, 11, 1, 0) == timedelta(hours=25)


def test_the_week_is_rolling_the_fourth_waits_for_the_oldest_to_be_seven_days_old() -> None:
    sent = [at(2030, 3, 4, 10), at(2030, 3, 5, 10), at(2030, 3, 6, 10)]

    oldest_leaves = at(2030, 3, 4, 10) + timedelta(days=7)
    assert next_allowed(sent, DEFAULT, NEW_YORK, at(2030, 3, 8, 12)) == oldest_leaves
    # The day's cap and the week's are both met at the later of the two.
    assert next_allowed(sent, DEFAULT, NEW_YORK, at(2030, 3, 6, 12)) == oldest_leaves


def test_the_rolling_week_is_seven_times_24_hours_across_a_clock_change() -> None:
    sent = [at(2026, 10, 30, 10), at(2026, 10, 31, 10), at(2026, 11, 2, 10)]

    allowed = next_allowed(sent, DEFAULT, NEW_YORK, at(2026, 11, 3, 12))

    assert allowed == at(2026, 10, 30, 10) + timedelta(days=7)
    assert allowed == at(2026, 11, 6, 9)  # an hour earlier on the clock: EDT became EST


def test_messages_older_than_the_week_do_not_count() -> None:
    sent = [at(2030, 2, 20, 10), at(2030, 2, 21, 10), at(2030, 2, 22, 10), at(2030, 3, 1, 9)]

    assert next_allowed(sent, DEFAULT, NEW_YORK, at(2030, 3, 5, 13)) is None


def test_higher_caps_allow_more() -> None:
    caps = FrequencyCaps(per_day=2, per_week=5)
    sent = [at(2030, 3, 5, 9)]

    assert next_allowed(sent, caps, NEW_YORK, at(2030, 3, 5, 13)) is None
    assert next_allowed([*sent, at(2030, 3, 5, 13)], caps, NEW_YORK, at(2030, 3, 5, 15)) == at(2030, 3, 6, 0)


# ---- the hold at send time ----


def recent(*sends: tuple[datetime, str]) -> list[RecentSend]:
    return [RecentSend(f"jb_{index}", when, kind) for index, (when, kind) in enumerate(sends)]


def hold(
    kind: JobKind = JobKind.REMINDER,
    *,
    starts_at: datetime,
    sent: list[RecentSend],
    now: datetime,
    rule: str = "before:P1D",
    **overrides: Any,
) -> Hold | None:
    return frequency_cap_hold(
        job(now, kind=kind, rule=rule),
        appointment(starts_at),
        patient(),
        settings(**overrides),
        sent,
        now,
    )


def test_a_second_reminder_of_the_day_is_held_to_the_end_of_the_nights_quiet_hours() -> None:
    decision = hold(
        starts_at=at(2030, 3, 6, 15), sent=recent((at(2030, 3, 5, 9), "reminder")), now=at(2030, 3, 5, 15)
    )

    # Local midnight falls in quiet hours (21:00-08:00): it waits for their end.
    assert decision == Hold(at(2030, 3, 6, 8), HoldReason.FREQUENCY_CAP)


def test_a_reminder_whose_next_allowed_time_is_after_its_session_is_dropped() -> None:
    decision = hold(
        starts_at=at(2030, 3, 5, 18), sent=recent((at(2030, 3, 5, 9), "reminder")), now=at(2030, 3, 5, 16)
    )

    assert decision == Hold(None, SkipReason.FREQUENCY_CAP)


def test_only_the_counted_kinds_count_and_hold() -> None:
    sent = recent((at(2030, 3, 5, 9), "follow_up"))
    now = at(2030, 3, 5, 15)

    # The default kinds are reminders: a check-in sent today does not hold a reminder...
    assert hold(starts_at=at(2030, 3, 6, 15), sent=sent, now=now) is None
    # ...nor is a follow-up itself held by a reminder sent today.
    reminded = recent((at(2030, 3, 5, 9), "reminder"))
    assert hold(JobKind.FOLLOW_UP, starts_at=at(2030, 3, 4, 15), sent=reminded, now=now) is None
    # With follow-ups counted too, the check-in holds the reminder.
    both = {"frequency_caps": {"kinds": ["reminder", "follow_up"]}}
    assert hold(starts_at=at(2030, 3, 6, 15), sent=sent, now=now, **both) == Hold(
        at(2030, 3, 6, 8), HoldReason.FREQUENCY_CAP
    )


def test_a_nudge_of_an_open_check_in_is_never_counted_nor_held() -> None:
    caps = settings(frequency_caps={"kinds": ["reminder", "follow_up"]})
    nudge = job(at(2030, 3, 5, 15), kind=JobKind.FOLLOW_UP, rule=NUDGE_RULE + "sv_1")

    assert not counts_toward_caps(nudge, caps)
    assert counts_toward_caps(job(at(2030, 3, 5, 15), kind=JobKind.FOLLOW_UP, rule="after:PT4H:gad7"), caps)


def test_without_caps_nothing_is_held() -> None:
    sent = recent(*((at(2030, 3, 5, hour), "reminder") for hour in (8, 9, 10, 11)))

    assert hold(starts_at=at(2030, 3, 6, 15), sent=sent, now=at(2030, 3, 5, 15), frequency_caps=None) is None


# ---- the setting ----


def test_the_default_caps_are_one_a_day_and_three_a_week_of_reminders() -> None:
    assert settings().frequency_caps == FrequencyCaps(1, 3, frozenset({JobKind.REMINDER}))


def test_null_turns_the_caps_off_and_a_field_left_out_takes_its_default() -> None:
    assert settings(frequency_caps=None).frequency_caps is None
    assert settings(frequency_caps={"per_week": 5}).frequency_caps == FrequencyCaps(1, 5)


@pytest.mark.parametrize(
    ("caps", "field"),
    [
        ({"per_day": 0}, "frequency_caps.per_day"),
        ({"per_day": -1}, "frequency_caps.per_day"),
        ({"per_day": 10_000}, "frequency_caps.per_day"),
        ({"per_day": 1.5}, "frequency_caps.per_day"),
        ({"per_day": True}, "frequency_caps.per_day"),
        ({"per_week": 0}, "frequency_caps.per_week"),
        ({"per_week": 10_000}, "frequency_caps.per_week"),
        ({"per_day": 3, "per_week": 2}, "frequency_caps.per_week"),
        ({"kinds": []}, "frequency_caps.kinds"),
        ({"kinds": "reminder"}, "frequency_caps.kinds"),
        ({"kinds": ["sms"]}, "frequency_caps.kinds"),
        ({"kinds": [{"kind": "reminder"}]}, "frequency_caps.kinds"),
        ({"kinds": ["reminder", "reminder"]}, "frequency_caps.kinds"),
        ({"per_month": 4}, "per_month"),
        (3, "frequency_caps"),
    ],
)
def test_bad_caps_are_refused_naming_the_field(caps: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        settings(frequency_caps=caps)

    assert refused.value.field == field
