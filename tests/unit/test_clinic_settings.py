"""parse_clinic_settings: every field of a clinic, valid and invalid."""

from datetime import time, timedelta
from typing import Any

import pytest

from tests.unit.builders import clinic_body
from touchpoint.domain.clinic import (
    MAX_RULES,
    FollowUpRule,
    QuietHours,
    ReminderRule,
    parse_clinic_settings,
)
from touchpoint.domain.errors import InvalidInput
from touchpoint.handlers.views import settings_view

HEX32 = "0123456789abcdef" * 2


def refused(body: Any, field: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_clinic_settings(body)
    assert caught.value.field == field
    assert field in caught.value.message
    return caught.value


def test_the_contracts_example_is_accepted_as_written() -> None:
    settings = parse_clinic_settings(clinic_body())

    assert settings.name == "Calm Waters"
    assert settings.timezone.key == "America/New_York"
    assert settings.sender == "+15005550006"
    assert settings.phone == "+12125550100"
    assert settings.quiet_hours == QuietHours(time(21, 0), time(8, 0))
    assert settings.reminders == (
        ReminderRule(before=timedelta(days=1)),
        ReminderRule(before=timedelta(hours=2)),
        ReminderRule(days_before=2, at=time(18, 0)),
    )
    assert settings.follow_ups == (
        FollowUpRule(timedelta(hours=4), "anxiety-now"),
        FollowUpRule(timedelta(days=7), "gad7"),
    )
    assert settings.discreet is True


def test_settings_read_back_from_their_dict_are_the_same() -> None:
    settings = parse_clinic_settings(clinic_body())

    assert parse_clinic_settings(settings_view(settings)) == settings


def test_what_get_returns_can_be_put_back() -> None:
    body = clinic_body() | {"clinic_id": "cl_1", "created_at": "2026-01-01T00:00:00Z", "updated_at": "x"}

    assert parse_clinic_settings(body) == parse_clinic_settings(clinic_body())


def test_omitted_settings_take_their_defaults() -> None:
    body = {k: v for k, v in clinic_body().items() if k in ("name", "timezone", "sender", "phone")}

    settings = parse_clinic_settings(body)

    assert settings.quiet_hours == QuietHours(time(21, 0), time(8, 0))
    assert settings.reminders == (ReminderRule(before=timedelta(days=1)),)
    assert settings.follow_ups == ()
    assert settings.discreet is True


def test_the_name_is_trimmed() -> None:
    assert parse_clinic_settings(clinic_body(name="  Calm Waters  ")).name == "Calm Waters"


def test_null_quiet_hours_means_none() -> None:
    assert parse_clinic_settings(clinic_body(quiet_hours=None)).quiet_hours is None


def test_quiet_hours_within_a_day_are_accepted() -> None:
    settings = parse_clinic_settings(clinic_body(quiet_hours={"start": "12:00", "end": "14:00"}))

    assert settings.quiet_hours == QuietHours(time(12, 0), time(14, 0))


@pytest.mark.parametrize("body", [None, [], "clinic", 42, True])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    refused(body, "body")


@pytest.mark.parametrize("field", ["colour", "clinicId", "reminder"])
def test_an_unknown_field_is_refused_by_name(field: str) -> None:
    refused(clinic_body(**{field: "x"}), field)


@pytest.mark.parametrize("name", [None, "", "   ", 5, ["Calm"], "x" * 101])
def test_a_missing_empty_or_overlong_name_is_refused(name: Any) -> None:
    body = clinic_body(name=name)
    if name is None:
        del body["name"]
    refused(body, "name")


def test_a_name_of_100_characters_is_accepted() -> None:
    assert parse_clinic_settings(clinic_body(name="x" * 100)).name == "x" * 100


@pytest.mark.parametrize(
    "zone",
    [
        None,
        "",
        "Mars/Olympus_Mons",
        "America/Gotham",
        "america/new_york",
        "America/New_York ",
        "EST+5",
        "../../etc/passwd",
        "/etc/localtime",
        "America",
        5,
        {"name": "America/New_York"},
    ],
)
def test_an_unknown_or_malformed_timezone_is_refused(zone: Any) -> None:
    refused(clinic_body(timezone=zone), "timezone")


@pytest.mark.parametrize("zone", ["localtime", "right/America/New_York", "posix/America/New_York"])
def test_a_host_dependent_zone_name_is_refused(zone: str) -> None:
    refused(clinic_body(timezone=zone), "timezone")


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney", "UTC", "Asia/Kolkata"]
)
def test_iana_zone_names_are_accepted(zone: str) -> None:
    assert parse_clinic_settings(clinic_body(timezone=zone)).timezone.key == zone


@pytest.mark.parametrize(
    ("sender", "stored"),
    [
        ("+15005550006", "+15005550006"),
        ("+1 (500) 555-0006", "+15005550006"),
        ("MG" + HEX32, "MG" + HEX32),
        ("MG" + HEX32.upper(), "MG" + HEX32),
    ],
)
def test_a_sender_is_an_e164_number_or_a_messaging_service_sid(sender: str, stored: str) -> None:
    assert parse_clinic_settings(clinic_body(sender=sender)).sender == stored


@pytest.mark.parametrize(
    "sender",
    [
        None,
        "",
        "MG123",
        "MG" + HEX32[:-1],
        "MG" + HEX32 + "0",
        "MG" + "g" * 32,
        "mg" + HEX32,
        "PN" + HEX32,
        "Calm Waters",
        "5005550006",
        15005550006,
    ],
)
def test_a_sender_that_is_neither_is_refused(sender: Any) -> None:
    refused(clinic_body(sender=sender), "sender")


@pytest.mark.parametrize(
    "phone", [None, "", "clinic", "+1 212", "2125550100", 12125550100, "+1 212 555 0100 1234 5678"]
)
def test_a_bad_clinic_phone_is_refused(phone: Any) -> None:
    refused(clinic_body(phone=phone), "phone")


def test_the_clinic_phone_is_stored_in_e164() -> None:
    assert parse_clinic_settings(clinic_body(phone="+1 (212) 555-0100")).phone == "+12125550100"


@pytest.mark.parametrize(
    ("quiet_hours", "field"),
    [
        ("21:00-08:00", "quiet_hours"),
        (["21:00", "08:00"], "quiet_hours"),
        ({"start": "21:00"}, "quiet_hours.end"),
        ({"end": "08:00"}, "quiet_hours.start"),
        ({"start": "9pm", "end": "08:00"}, "quiet_hours.start"),
        ({"start": "21:00", "end": "8:00"}, "quiet_hours.end"),
        ({"start": "24:00", "end": "08:00"}, "quiet_hours.start"),
        ({"start": "21:60", "end": "08:00"}, "quiet_hours.start"),
        ({"start": "21:00:00", "end": "08:00"}, "quiet_hours.start"),
        ({"start": 21, "end": 8}, "quiet_hours.start"),
        ({"start": "21:00", "end": "21:00"}, "quiet_hours"),
    ],
)
def test_malformed_quiet_hours_are_refused(quiet_hours: Any, field: str) -> None:
    refused(clinic_body(quiet_hours=quiet_hours), field)


@pytest.mark.parametrize(
    "before",
    [
        "PT0S",
        "P0D",
        "PT0M",
        "P0W",
        "-P1D",
        "-PT2H",
        "P400D",
        "P31D",
        "PT745H",
        "P1M",
        "P1Y",
        "P1Y2M",
        "PT1.5H",
        "P",
        "PT",
        "P1DT",
        "1 day",
        "24h",
        "",
        "p1d",
        1,
        86400,
        None,
        True,
        ["P1D"],
    ],
)
def test_a_zero_negative_absurd_calendar_or_garbage_reminder_duration_is_refused(before: Any) -> None:
    refused(clinic_body(reminders=[{"before": before}]), "reminders[0].before")


@pytest.mark.parametrize("before", ["PT1M", "PT2H", "P1D", "P1DT12H", "P2W", "P30D", "PT720H"])
def test_a_reminder_duration_up_to_thirty_days_is_accepted(before: str) -> None:
    (rule,) = parse_clinic_settings(clinic_body(reminders=[{"before": before}])).reminders

    assert rule.before is not None
    assert timedelta(0) < rule.before <= timedelta(days=30)


def test_the_offending_rule_is_named_by_its_index() -> None:
    refused(clinic_body(reminders=[{"before": "P1D"}, {"before": "P0D"}]), "reminders[1].before")


@pytest.mark.parametrize("reminders", [{"before": "P1D"}, "P1D", None, 3])
def test_reminders_must_be_a_list(reminders: Any) -> None:
    refused(clinic_body(reminders=reminders), "reminders")


def test_too_many_reminders_are_refused() -> None:
    refused(clinic_body(reminders=[{"before": f"PT{n + 1}H"} for n in range(MAX_RULES + 1)]), "reminders")
    assert (
        len(
            parse_clinic_settings(
                clinic_body(reminders=[{"before": f"PT{n + 1}H"} for n in range(MAX_RULES)])
            ).reminders
        )
        == MAX_RULES
    )


@pytest.mark.parametrize(
    "rule",
    [
        "P1D",
        None,
        {},
        {"before": "P1D", "days_before": 1, "at": "18:00"},
        {"before": "P1D", "extra": 1},
        {"days_before": 1},
        {"at": "18:00"},
        {"days_before": 1, "at": "18:00", "extra": True},
    ],
)
def test_a_reminder_is_either_before_or_days_before_with_at(rule: Any) -> None:
    refused(clinic_body(reminders=[rule]), "reminders[0]")


@pytest.mark.parametrize("days_before", [-1, 31, 1000, True, False, "2", 1.5, None])
def test_days_before_out_of_range_or_not_a_whole_number_is_refused(days_before: Any) -> None:
    refused(clinic_body(reminders=[{"days_before": days_before, "at": "18:00"}]), "reminders[0].days_before")


@pytest.mark.parametrize("days_before", [0, 1, 30])
def test_days_before_from_zero_to_thirty_is_accepted(days_before: int) -> None:
    (rule,) = parse_clinic_settings(
        clinic_body(reminders=[{"days_before": days_before, "at": "18:00"}])
    ).reminders

    assert rule == ReminderRule(days_before=days_before, at=time(18, 0))


@pytest.mark.parametrize("at", ["25:00", "6pm", "18", "18:00:00", "", None, 1800])
def test_a_malformed_at_is_refused(at: Any) -> None:
    refused(clinic_body(reminders=[{"days_before": 1, "at": at}]), "reminders[0].at")


@pytest.mark.parametrize("survey", ["gad-7", "GAD7", "phq10", "", None, 7])
def test_a_follow_up_with_an_unknown_survey_is_refused(survey: Any) -> None:
    refused(clinic_body(follow_ups=[{"after": "P1D", "survey": survey}]), "follow_ups[0].survey")


@pytest.mark.parametrize("survey", ["gad7", "phq9", "anxiety-now"])
def test_the_known_surveys_are_accepted(survey: str) -> None:
    (rule,) = parse_clinic_settings(clinic_body(follow_ups=[{"after": "P1D", "survey": survey}])).follow_ups

    assert rule == FollowUpRule(timedelta(days=1), survey)


@pytest.mark.parametrize("after", ["PT0S", "P0D", "-P1D", "P91D", "P400D", "P3M", "soon", 3600, None])
def test_a_zero_negative_absurd_or_garbage_follow_up_delay_is_refused(after: Any) -> None:
    refused(clinic_body(follow_ups=[{"after": after, "survey": "gad7"}]), "follow_ups[0].after")


def test_a_follow_up_delay_of_ninety_days_is_accepted() -> None:
    (rule,) = parse_clinic_settings(clinic_body(follow_ups=[{"after": "P90D", "survey": "gad7"}])).follow_ups

    assert rule.after == timedelta(days=90)


@pytest.mark.parametrize(
    "rule", [{"after": "P1D"}, {"survey": "gad7"}, {"after": "P1D", "survey": "gad7", "x": 1}, "P1D"]
)
def test_a_follow_up_needs_exactly_after_and_survey(rule: Any) -> None:
    refused(clinic_body(follow_ups=[rule]), "follow_ups[0]")


def test_follow_ups_must_be_a_short_list() -> None:
    refused(clinic_body(follow_ups={"after": "P1D", "survey": "gad7"}), "follow_ups")
    refused(clinic_body(follow_ups=[{"after": "P1D", "survey": "gad7"}] * (MAX_RULES + 1)), "follow_ups")


@pytest.mark.parametrize("discreet", ["yes", "true", 1, 0, None, []])
def test_discreet_must_be_a_boolean(discreet: Any) -> None:
    refused(clinic_body(discreet=discreet), "discreet")


def test_discreet_can_be_turned_off() -> None:
    assert parse_clinic_settings(clinic_body(discreet=False)).discreet is False


def test_escalation_minutes_default_to_15_and_read_back_as_set() -> None:
    assert parse_clinic_settings(clinic_body()).escalation_interval == timedelta(minutes=15)
    assert settings_view(parse_clinic_settings(clinic_body()))["escalation_minutes"] == 15
    assert parse_clinic_settings(clinic_body(escalation_minutes=1)).escalation_interval == timedelta(
        minutes=1
    )
    assert (
        settings_view(parse_clinic_settings(clinic_body(escalation_minutes=1440)))["escalation_minutes"]
        == 1440
    )


@pytest.mark.parametrize("value", [0, -5, 1441, 10**40, 1.5, "15", True, None, [15]])
def test_escalation_minutes_must_be_a_whole_number_from_1_to_1440(value: Any) -> None:
    refused(clinic_body(escalation_minutes=value), "escalation_minutes")
