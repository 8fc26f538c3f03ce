"""The settings preview (domain/preview.py): the messages a sample appointment would get, planned
and worded by the sender's own code, from settings checked as a PATCH checks them."""

from datetime import timedelta

import pytest

from tests.unit.builders import NEW_YORK, clinic, local, utc
from touchpoint.domain.appointment import Appointment, AppointmentStatus, JobKind
from touchpoint.domain.clinic import parse_clinic_change
from touchpoint.domain.delivery import SendContext
from touchpoint.domain.errors import DomainError, InvalidInput
from touchpoint.domain.gsm7 import GSM7, UCS2, segments
from touchpoint.domain.patient import Patient
from touchpoint.domain.planning import plan_messages, to_job
from touchpoint.domain.preview import Preview, parse_preview, preview
from touchpoint.usecases.sending import render

NOW = utc(2026, 11, 20, 17, 0)  # 12:00 in New York
CURRENT = clinic().settings


def previewed(body: object) -> Preview:
    return preview(parse_preview(body, CURRENT, NOW), NOW)


def test_without_a_time_the_sample_is_tomorrow_at_ten_clinic_local_for_an_hour() -> None:
    request = parse_preview({}, CURRENT, NOW)

    assert request.starts_at == local(NEW_YORK, 2026, 11, 21, 10).astimezone(request.starts_at.tzinfo)
    assert (request.duration_minutes, request.first_name, request.settings) == (60, "Alex", CURRENT)


def test_a_time_without_an_offset_is_the_clinic_local_time_of_the_changed_settings() -> None:
    request = parse_preview(
        {"settings": {"timezone": "America/Los_Angeles"}, "starts_at": "2026-12-01T15:00:00"}, CURRENT, NOW
    )

    assert request.starts_at == utc(2026, 12, 1, 23, 0)


def test_the_messages_come_in_send_order_with_the_texts_the_sender_would_send() -> None:
    body = {"starts_at": "2026-12-01T15:00:00-05:00", "first_name": "Zoë"}
    request = parse_preview(body, CURRENT, NOW)

    found = preview(request, NOW)

    sample = Appointment(
        "ap_1", "cl_1", "pt_1", request.starts_at, 60, AppointmentStatus.SCHEDULED, created_at=NOW
    )
    patient = Patient("pt_1", "cl_1", "Zoë", "+15551230001", NEW_YORK, False, created_at=NOW)
    context = SendContext(clinic(), patient, sample)
    planned = plan_messages(sample, CURRENT, NEW_YORK, NOW)
    sent = [render(to_job(message, sample, "jb_1"), context, message.due_at) for message in planned]
    assert [m.body for m in found.messages] == [outgoing.body for outgoing in sent if outgoing]
    assert [(m.kind, m.instrument) for m in found.messages] == [
        (JobKind.REMINDER, None),
        (JobKind.REMINDER, None),
        (JobKind.REMINDER, None),
        (JobKind.FOLLOW_UP, "anxiety-now"),
        (JobKind.FOLLOW_UP, "gad7"),
    ]
    assert [m.due_at for m in found.messages] == sorted(m.due_at for m in found.messages)
    assert all(m.due_at_local.utcoffset() == timedelta(hours=-5) for m in found.messages)
    assert found.messages[0].body.startswith("Hi Zoe, reminder: your appointment at Calm Waters is Tue Dec 1")
    assert found.skipped == ()


def test_discreet_mode_off_sends_the_first_question_straight_away_in_two_segments() -> None:
    found = previewed(
        {"settings": {"discreet": False, "name": "Ketamine Care"}, "starts_at": "2026-12-01T15:00"}
    )

    gad7 = next(m for m in found.messages if m.instrument == "gad7")
    assert gad7.body.startswith("Q1/7 ")
    assert (gad7.segments, gad7.encoding) == (2, GSM7)
    assert "Ketamine Care" in found.messages[0].body


def test_discreet_mode_leaves_out_a_clinic_name_that_names_the_treatment() -> None:
    found = previewed({"settings": {"name": "Ketamine Care"}, "starts_at": "2026-12-01T15:00"})

    assert all("Ketamine" not in m.body for m in found.messages)
    assert all((m.segments, m.encoding) == (1, GSM7) for m in found.messages)


def test_quiet_hours_move_a_reminder_before_them_and_a_follow_up_to_their_end() -> None:
    body = {
        "settings": {
            "reminders": [{"days_before": 1, "at": "22:00"}],
            "follow_ups": [{"after": "PT4H", "survey": "gad7"}],
        },
        "starts_at": "2026-12-01T19:00",
    }

    reminder, follow_up = previewed(body).messages

    assert reminder.due_at_local == local(NEW_YORK, 2026, 11, 30, 20, 50)
    assert follow_up.due_at_local == local(NEW_YORK, 2026, 12, 2, 8, 0)


def test_a_reminder_already_due_when_booked_now_is_listed_as_skipped_with_its_reason() -> None:
    found = previewed({"settings": {"reminders": [{"before": "P2D"}, {"before": "PT2H"}]}})

    assert [m.kind for m in found.messages] == [JobKind.REMINDER, JobKind.FOLLOW_UP, JobKind.FOLLOW_UP]
    [skipped] = found.skipped
    assert (skipped.kind, skipped.reason) == (JobKind.REMINDER, "overdue")


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"reminders": [{"before": "soon"}]},
        {"follow_ups": [{"after": "PT1H", "survey": "nope"}]},
        {"colour": "blue"},
        [],
        None,
    ],
)
def test_the_settings_are_refused_exactly_as_a_patch_refuses_them(settings: object) -> None:
    with pytest.raises(DomainError) as patched:
        parse_clinic_change(settings, CURRENT)
    with pytest.raises(DomainError) as previewed:
        parse_preview({"settings": settings}, CURRENT, NOW)

    assert (type(previewed.value), previewed.value.message, previewed.value.field) == (
        type(patched.value),
        patched.value.message,
        patched.value.field,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2040-01-01T10:00:00Z"}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"first_name": " "}, "first_name"),
        ({"patient_id": "pt_1"}, "patient_id"),
        ("settings", "body"),
    ],
)
def test_a_bad_sample_is_refused_with_the_field_that_is_wrong(body: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_preview(body, CURRENT, NOW)

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (1, GSM7)),
        ("a" * 160, (1, GSM7)),
        ("a" * 161, (2, GSM7)),
        ("a" * 306, (2, GSM7)),
        ("a" * 307, (3, GSM7)),
        ("€" * 80, (1, GSM7)),  # two septets each
        ("€" * 81, (2, GSM7)),
        ("é" * 160, (1, GSM7)),  # in the GSM-7 alphabet
        ("ó" * 70, (1, UCS2)),
        ("ó" * 71, (2, UCS2)),
        ("😀" * 35, (1, UCS2)),  # two UTF-16 units each
        ("😀" * 36, (2, UCS2)),
    ],
)
def test_segments_count_as_a_carrier_bills_them(text: str, expected: tuple[int, str]) -> None:
    assert segments(text) == expected
