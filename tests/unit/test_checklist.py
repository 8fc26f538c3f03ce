"""The pre-session checklist in the domain: the setting, its text, its planning and the replies."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.builders import NEW_YORK, appointment, job, local, patient, settings
from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.appointment import Appointment, AppointmentChange, JobKind, JobState, apply_change
from touchpoint.domain.checklist import DEFAULT_ITEMS, Checklist, ChecklistState
from touchpoint.domain.checklist_text import checklist_text, read_answer
from touchpoint.domain.clinic import ClinicSettings, parse_clinic_change
from touchpoint.domain.conversation import CRISIS_REPLY, decide
from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.gsm7 import fits_one_segment, segments
from touchpoint.domain.lexicon import Intent
from touchpoint.domain.patient import Patient
from touchpoint.domain.planning import SkipReason, plan_messages, replan
from touchpoint.domain.send_checks import reason_not_to_send
from touchpoint.domain.texts import is_discreet

STARTS = local(NEW_YORK, 2030, 3, 5, 10, 0)
SENT = STARTS - timedelta(days=1)
DEFAULT_TEXT = (
    "Before tomorrow 10:00 AM: 1 a ride home, 2 nothing to eat for 6 hours before, "
    "3 no alcohol since yesterday? Reply YES if all set, or the number of what is not."
)


def with_checklist(**checklist: object) -> ClinicSettings:
    return settings(checklist=checklist, reminders=[], follow_ups=[])


# ---- the setting ----


def test_the_checklist_is_off_by_default() -> None:
    assert settings().checklist is None


def test_turned_on_without_items_it_asks_the_default_items_which_name_no_treatment() -> None:
    checklist = settings(checklist={}).checklist

    assert checklist == Checklist(DEFAULT_ITEMS, timedelta(days=1), timedelta(hours=2), False)
    assert all(is_discreet(item) for item in DEFAULT_ITEMS)


def test_a_clinic_sets_its_own_items_times_and_the_no_answer_alert() -> None:
    checklist = settings(
        checklist={
            "items": ["  a driver ", "no coffee"],
            "before": "PT12H",
            "answer_by": "PT3H",
            "alert_no_answer": True,
        }
    ).checklist

    assert checklist == Checklist(("a driver", "no coffee"), timedelta(hours=12), timedelta(hours=3), True)


@pytest.mark.parametrize(
    ("checklist", "field"),
    [
        ({"items": []}, "checklist.items"),
        ({"items": ["a"] * 7}, "checklist.items"),
        ({"items": ["x" * 41]}, "checklist.items[0]"),
        ({"items": [" "]}, "checklist.items[0]"),
        ({"items": ["a ride", "A ride"]}, "checklist.items"),
        ({"before": "P30D"}, "checklist.before"),
        ({"before": "PT2H", "answer_by": "PT2H"}, "checklist.answer_by"),
        ({"alert_no_answer": "yes"}, "checklist.alert_no_answer"),
        ({"colour": "red"}, "colour"),
        ("on", "checklist"),
    ],
)
def test_a_bad_checklist_is_refused_naming_its_field(checklist: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        settings(checklist=checklist)

    assert refused.value.field == field


def test_patching_the_checklist_changes_only_it() -> None:
    current = settings()

    changed = parse_clinic_change({"checklist": {"items": ["a ride home"]}}, current)

    assert changed == replace(current, checklist=Checklist(("a ride home",)))


# ---- the text ----


def test_the_default_checklist_is_one_gsm7_segment_with_the_local_day_and_time() -> None:
    text = checklist_text(DEFAULT_ITEMS, "Ana", STARTS, NEW_YORK, NEW_YORK, SENT)

    assert text == DEFAULT_TEXT
    assert len(text) == 159
    assert segments(text) == (1, "GSM-7")


def test_the_text_names_the_day_when_it_is_not_today_or_tomorrow_and_a_zone_that_differs() -> None:
    text = checklist_text(DEFAULT_ITEMS, "Ana", STARTS, ZoneInfo("America/Chicago"), NEW_YORK, None)

    assert text.startswith("Before Tue Mar 5 9:00 AM CST: 1 a ride home")
    assert fits_one_segment(text)


def test_a_short_checklist_greets_the_patient() -> None:
    text = checklist_text(("a ride home",), "Ana", STARTS, NEW_YORK, NEW_YORK, STARTS - timedelta(hours=3))

    assert (
        text
        == "Hi Ana, before today 10:00 AM: 1 a ride home? Reply YES if all set, or the number of what is not."
    )


# ---- planning ----


def test_the_checklist_is_planned_before_each_session_and_out_of_quiet_hours() -> None:
    late = local(NEW_YORK, 2030, 3, 5, 6, 0)  # P1D before is 06:00, inside 21:00-08:00

    [planned] = plan_messages(appointment(late), with_checklist(), NEW_YORK, STARTS - timedelta(days=3))

    assert planned.kind is JobKind.CHECKLIST
    assert planned.rule == "checklist:before:P1D"
    assert planned.due_at == local(NEW_YORK, 2030, 3, 3, 20, 50)


def test_a_checklist_that_would_reach_the_patient_after_its_answer_by_is_skipped() -> None:
    clinic = with_checklist()
    checklist_job = job(SENT, kind=JobKind.CHECKLIST, rule="checklist:before:P1D")

    reason = reason_not_to_send(
        checklist_job, appointment(STARTS), patient(), clinic, STARTS - timedelta(hours=1)
    )

    assert reason is SkipReason.ANSWER_BY_PASSED


def test_re_planning_leaves_a_sent_checklists_deadline_alone() -> None:
    booked = appointment(STARTS)
    deadline = job(
        STARTS - timedelta(hours=2),
        kind=JobKind.CHECKLIST_DEADLINE,
        rule="checklist_deadline:jb_1",
        job_id="jb_2",
    )
    sent = job(SENT, JobState.SENT, kind=JobKind.CHECKLIST, rule="checklist:before:P1D")
    planned = plan_messages(booked, with_checklist(), NEW_YORK, SENT)

    change = replan(booked, [sent, deadline], planned, lambda: "jb_new", SENT + timedelta(minutes=5))

    assert deadline not in change.remove


def test_moving_an_appointment_asks_its_checklist_again() -> None:
    answered = replace(appointment(STARTS), checklist=ChecklistState.READY, checklist_due_at=STARTS)

    moved = apply_change(answered, AppointmentChange(starts_at=STARTS + timedelta(days=1)))

    assert (moved.checklist, moved.checklist_due_at) == (None, None)


# ---- replies ----


@pytest.mark.parametrize("text", ["YES", "y", "yes", "si", "Yes, all set!"])
def test_yes_is_ready(text: str) -> None:
    answer = read_answer(text, DEFAULT_ITEMS)

    assert answer is not None
    assert answer.ready


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("NO", ()),
        ("no", ()),
        ("2", (2,)),
        ("1 and 3", (1, 3)),
        ("no ride", (1,)),
        ("yes but I had food", (2,)),
        ("I drank a beer", (3,)),
    ],
)
def test_no_a_number_or_an_item_named_is_not_ready(text: str, missing: tuple[int, ...]) -> None:
    answer = read_answer(text, DEFAULT_ITEMS)

    assert answer is not None
    assert (answer.ready, answer.missing) == (False, missing)


@pytest.mark.parametrize("text", ["hello", "7", "C", "see you"])
def test_anything_else_is_not_understood(text: str) -> None:
    assert read_answer(text, DEFAULT_ITEMS) is None


def awaiting_checklist(state: ChecklistState = ChecklistState.PENDING) -> tuple[Appointment, Patient]:
    booked = replace(appointment(STARTS), checklist=state, checklist_due_at=STARTS - timedelta(hours=2))
    asked = replace(patient(), checklist_appointment_id=booked.appointment_id, checklist_since=SENT)
    return booked, asked


def test_a_yes_to_the_checklist_makes_it_ready_with_a_short_confirmation() -> None:
    booked, asked = awaiting_checklist()

    decision = decide("YES", with_checklist(), asked, None, SENT + timedelta(hours=1), checklist=booked)

    assert decision.intent is Intent.CHECKLIST_ANSWER
    assert decision.checklist is ChecklistState.READY
    assert decision.alerts == ()
    assert decision.reply == "Thanks Ana, you are all set. See you soon."


def test_a_number_is_not_ready_with_a_checklist_alert_naming_the_item() -> None:
    booked, asked = awaiting_checklist()

    decision = decide("2", with_checklist(), asked, None, SENT + timedelta(hours=1), checklist=booked)

    assert decision.checklist is ChecklistState.NOT_READY
    assert decision.alerts == (AlertKind.CHECKLIST,)
    assert decision.alert_text == (
        "Checklist not ready: 2 nothing to eat for 6 hours before. The patient replied: 2"
    )
    assert (
        decision.reply
        == "Thanks Ana, we have told the clinic. If you need to talk it through, call +12125550100."
    )


def test_a_late_answer_after_no_answer_still_counts() -> None:
    booked, asked = awaiting_checklist(ChecklistState.NO_ANSWER)

    decision = decide("yes", with_checklist(), asked, None, STARTS - timedelta(minutes=30), checklist=booked)

    assert decision.checklist is ChecklistState.READY


def test_crisis_language_goes_to_the_crisis_net_never_to_the_checklist() -> None:
    booked, asked = awaiting_checklist()

    decision = decide(
        "I want to die", with_checklist(), asked, None, SENT + timedelta(hours=1), checklist=booked
    )

    assert decision.intent is Intent.CRISIS
    assert decision.reply == CRISIS_REPLY
    assert decision.checklist is None


def test_stop_and_help_keep_their_precedence_over_the_checklist() -> None:
    booked, asked = awaiting_checklist()
    now = SENT + timedelta(hours=1)

    assert decide("STOP", with_checklist(), asked, None, now, checklist=booked).intent is Intent.OPT_OUT
    assert decide("HELP", with_checklist(), asked, None, now, checklist=booked).intent is Intent.HELP


def test_a_reminder_sent_after_the_checklist_takes_the_yes_and_the_checklist_the_no() -> None:
    booked, asked = awaiting_checklist()
    reminded = replace(
        asked, awaiting_appointment_id=booked.appointment_id, awaiting_since=SENT + timedelta(hours=1)
    )
    now = SENT + timedelta(hours=2)

    yes = decide("YES", with_checklist(), reminded, booked, now, checklist=booked)
    no = decide("no ride", with_checklist(), reminded, booked, now, checklist=booked)

    assert (yes.intent, yes.checklist) == (Intent.CONFIRM, None)
    assert no.checklist is ChecklistState.NOT_READY


def test_an_answer_after_the_session_started_is_not_the_checklists() -> None:
    booked, asked = awaiting_checklist()

    decision = decide("YES", with_checklist(), asked, None, STARTS + timedelta(minutes=1), checklist=booked)

    assert decision.checklist is None


def test_the_checklist_items_are_folded_to_gsm7() -> None:
    text = checklist_text(
        ("a ride home \u2013 arranged",), "Zoë", STARTS, NEW_YORK, NEW_YORK, datetime(2030, 3, 5, tzinfo=UTC)
    )

    assert segments(text)[1] == "GSM-7"
