"""A survey over SMS (contract sections 5 and 6): the invitation, one question per message,
answers saved as they arrive, re-prompts, expiry with one nudge, scores and alerts; outcomes
across sessions; and the conversation's order (crisis, STOP, HELP) while a survey is open."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.builders import appointment, patient, settings
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.conversation import CRISIS_REPLY, PHQ9_ITEM9, decide, help_reply
from touchpoint.domain.gsm7 import fits_one_segment
from touchpoint.domain.instruments import Instrument, instruments
from touchpoint.domain.lexicon import Intent
from touchpoint.domain.outcomes import outcomes
from touchpoint.domain.surveys import (
    Survey,
    SurveyStatus,
    answer,
    closed_note,
    nudge_due,
    nudge_text,
    open_survey,
)
from touchpoint.domain.texts import is_discreet
from touchpoint.handlers.views import outcome_view

SESSION = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
INVITED = SESSION + timedelta(hours=5)
DISCREET = settings(discreet=True)
OPEN_CLINIC = settings(discreet=False)


def instrument(instrument_id: str) -> Instrument:
    return instruments()[instrument_id]


def start(
    instrument_id: str = "gad7",
    clinic: ClinicSettings = DISCREET,
    *,
    first_name: str = "Ana",
    survey_id: str = "sv_1",
    session_at: datetime = SESSION,
    now: datetime = INVITED,
) -> tuple[Survey, str]:
    return open_survey(
        survey_id,
        instrument(instrument_id),
        clinic,
        first_name,
        clinic_id="cl_1",
        patient_id="pt_1",
        appointment_id="ap_" + survey_id,
        session_at=session_at,
        now=now,
    )


def started(instrument_id: str = "gad7") -> Survey:
    """A survey whose questions have begun (the patient replied Y)."""
    survey, _ = start(instrument_id, OPEN_CLINIC)
    assert survey.status is SurveyStatus.IN_PROGRESS
    return survey


def reply(survey: Survey, text: str, minutes: int = 5) -> tuple[str, Survey, tuple[str, ...]]:
    step = answer(survey, instrument(survey.instrument_id), text, "Ana", INVITED + timedelta(minutes=minutes))
    return step.reply, step.survey, step.alerts


# ---- opening ---------------------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9", "anxiety-now"])
@pytest.mark.parametrize(
    "clinic",
    [
        DISCREET,
        settings(discreet=True, name="Ketamine Infusion Center for Anxiety & Depression"),
        settings(discreet=True, name="A clinic with a very long name that goes on and on and on and on"),
    ],
    ids=["plain name", "name naming the treatment", "long name"],
)
@pytest.mark.parametrize("first_name", ["Ana", "Zoë", "Maximiliano-Alexander Bartholomew"])
def test_a_discreet_clinic_opens_with_an_invitation_naming_no_condition_in_one_segment(
    instrument_id: str, clinic: ClinicSettings, first_name: str
) -> None:
    survey, text = start(instrument_id, clinic, first_name=first_name)

    assert survey.status is SurveyStatus.INVITED
    assert survey.answers == ()
    assert "Reply Y to begin" in text
    assert is_discreet(text), text
    assert fits_one_segment(text), text
    assert "Q1/" not in text


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9", "anxiety-now"])
def test_a_clinic_not_in_discreet_mode_starts_with_the_first_question(instrument_id: str) -> None:
    survey, text = start(instrument_id, OPEN_CLINIC)

    assert survey.status is SurveyStatus.IN_PROGRESS
    assert text == instrument(instrument_id).question(0)


@pytest.mark.parametrize("hours", [1, 24, 72])
def test_a_survey_expires_after_the_clinics_setting(hours: int) -> None:
    survey, _ = start(clinic=settings(survey_expiry_hours=hours))

    assert survey.invited_at == INVITED
    assert survey.expires_at == INVITED + timedelta(hours=hours)
    assert survey.session_at == SESSION


def test_the_default_expiry_is_24_hours() -> None:
    survey, _ = start()

    assert survey.expires_at - survey.invited_at == timedelta(hours=24)


# ---- the invitation --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Y", "y", "yes", "YES", "Yes!", "ok", "start"])
def test_y_to_the_invitation_starts_with_question_1(text: str) -> None:
    survey, _ = start()

    said, after, _ = reply(survey, text)

    assert said == instrument("gad7").question(0)
    assert after.status is SurveyStatus.IN_PROGRESS
    assert after.answers == ()


@pytest.mark.parametrize("text", ["hello", "who is this?", "2", "what", "\U0001f914"])
def test_other_replies_to_the_invitation_explain_it_again(text: str) -> None:
    survey, _ = start()

    said, after, alerts = reply(survey, text)

    assert "Reply Y" in said
    assert "Q1/" not in said
    assert is_discreet(said)
    assert after == survey
    assert alerts == ()


def test_no_to_the_invitation_keeps_it_open_for_later() -> None:
    survey, _ = start()

    said, after, _ = reply(survey, "later")

    assert "Reply Y" in said
    assert after.status is SurveyStatus.INVITED


# ---- answers ---------------------------------------------------------------------------------


def test_each_answer_is_saved_as_it_arrives_and_the_next_question_follows() -> None:
    gad7 = instrument("gad7")
    survey = started()

    for position, text in enumerate(["1", "several days", "NEARLY EVERY DAY", "0"]):
        said, survey, _ = reply(survey, text, minutes=position)
        assert len(survey.answers) == position + 1
        assert said == gad7.question(position + 1)
        assert survey.status is SurveyStatus.IN_PROGRESS
        assert survey.score is None

    assert survey.answers == (1, 1, 3, 0)


@pytest.mark.parametrize("compact", ["1 2 0 3 1 1 0", "1203110", "1,2,0,3,1,1,0"])
def test_all_answers_in_one_reply_complete_the_survey(compact: str) -> None:
    said, done, _ = reply(started(), compact)

    assert done.status is SurveyStatus.COMPLETED
    assert done.answers == (1, 2, 0, 3, 1, 1, 0)
    assert done.score == 8
    assert done.severity == "mild"
    assert "Q" not in said.split()[0]


def test_the_remaining_answers_in_one_reply_complete_a_survey_begun_one_by_one() -> None:
    _, survey, _ = reply(started(), "2")
    _, survey, _ = reply(survey, "2")

    _, done, _ = reply(survey, "33333")

    assert done.status is SurveyStatus.COMPLETED
    assert done.answers == (2, 2, 3, 3, 3, 3, 3)
    assert done.score == 19


@pytest.mark.parametrize("text", ["4", "7", "banana", "1 2 3 4 5 6 7 8", "33333333"])
def test_an_answer_out_of_range_gets_the_choices_and_the_same_question_again(text: str) -> None:
    gad7 = instrument("gad7")
    _, survey, _ = reply(started(), "1")

    said, after, _ = reply(survey, text)

    assert said.endswith(gad7.question(1))
    for choice in gad7.choices:
        assert f"{choice.value} {choice.label}" in said
    assert after.answers == (1,)
    assert after.status is SurveyStatus.IN_PROGRESS


def test_anxiety_now_out_of_range_names_0_to_10_again() -> None:
    said, after, _ = reply(started("anxiety-now"), "11")

    assert "0" in said
    assert "10" in said
    assert said.endswith(instrument("anxiety-now").question(0))
    assert after.answers == ()


def test_anxiety_now_is_completed_by_its_one_answer_and_10_is_ten() -> None:
    _, done, alerts = reply(started("anxiety-now"), "10")

    assert done.status is SurveyStatus.COMPLETED
    assert done.answers == (10,)
    assert done.score == 10
    assert done.severity is None
    assert alerts == ()


def test_completion_stores_score_severity_and_when() -> None:
    _, survey, _ = reply(started(), "3")
    at = INVITED + timedelta(minutes=42)

    step = answer(survey, instrument("gad7"), "333333", "Ana", at)

    assert step.survey.status is SurveyStatus.COMPLETED
    assert step.survey.score == 21
    assert step.survey.severity == "severe"
    assert step.survey.completed_at == at
    assert step.alerts == ("severe_score",)
    assert "Ana" in step.reply


@pytest.mark.parametrize(("compact", "alerts"), [("2222222", ()), ("3333300", ("severe_score",))])
def test_gad7_raises_severe_score_on_completion_from_15(compact: str, alerts: tuple[str, ...]) -> None:
    _, done, raised = reply(started(), compact)

    assert raised == alerts
    assert done.score == (14 if not alerts else 15)


# ---- expiry and the nudge --------------------------------------------------------------------


def test_a_survey_is_open_until_it_expires_then_expired() -> None:
    survey, _ = start()

    assert survey.status_at(survey.expires_at - timedelta(seconds=1)) is SurveyStatus.INVITED
    assert survey.status_at(survey.expires_at) is SurveyStatus.EXPIRED
    assert survey.status_at(survey.expires_at + timedelta(days=3)) is SurveyStatus.EXPIRED


def test_a_completed_survey_never_expires() -> None:
    _, done, _ = reply(started(), "0000000")

    assert done.status_at(done.expires_at + timedelta(days=30)) is SurveyStatus.COMPLETED


def test_a_reply_after_expiry_gets_the_closed_note_and_keeps_the_partial_answers() -> None:
    _, survey, _ = reply(started(), "1")
    _, survey, _ = reply(survey, "2")
    late = survey.expires_at + timedelta(minutes=1)

    step = answer(survey, instrument("gad7"), "3", "Ana", late)

    assert step.reply == closed_note("Ana")
    assert "Q" not in step.reply
    assert "Reply" not in step.reply
    assert step.survey.status is SurveyStatus.EXPIRED
    assert step.survey.answers == (1, 2)
    assert step.survey.score is None
    assert step.alerts == ()


def test_a_reply_to_an_expired_invitation_gets_the_closed_note() -> None:
    survey, _ = start()

    step = answer(survey, instrument("gad7"), "Y", "Ana", survey.expires_at + timedelta(hours=1))

    assert step.reply == closed_note("Ana")
    assert step.survey.status is SurveyStatus.EXPIRED


def test_the_closed_note_is_kind_short_and_discreet() -> None:
    note = closed_note("Ana")

    assert fits_one_segment(note)
    assert is_discreet(note)
    assert "Ana" in note


@pytest.mark.parametrize(("hours", "half"), [(24, 12), (8, 4), (1, 0.5), (168, 84)])
def test_the_nudge_is_due_half_way_to_expiry(hours: int, half: float) -> None:
    survey, _ = start(clinic=settings(survey_expiry_hours=hours))

    assert nudge_due(survey) == INVITED + timedelta(hours=half)


def test_the_nudge_of_an_invitation_repeats_the_invitation() -> None:
    survey, _ = start()

    text = nudge_text(survey, instrument("gad7"), "Ana")

    assert "Reply Y to begin" in text
    assert "Ana" in text
    assert is_discreet(text)
    assert fits_one_segment(text)


def test_the_nudge_of_a_survey_begun_repeats_the_question_it_stopped_at() -> None:
    _, survey, _ = reply(started(), "1")
    _, survey, _ = reply(survey, "1")

    assert nudge_text(survey, instrument("gad7"), "Ana") == instrument("gad7").question(2)


# ---- PHQ-9 item 9 ----------------------------------------------------------------------------


@pytest.mark.parametrize("item9", ["1", "2", "3", "several days"])
def test_phq9_item_9_above_0_raises_crisis_when_it_is_answered(item9: str) -> None:
    _, survey, _ = reply(started("phq9"), "00000000")
    assert len(survey.answers) == 8

    _, done, alerts = reply(survey, item9)

    assert "crisis" in alerts
    assert done.status is SurveyStatus.COMPLETED
    assert done.answers[8] > 0


def test_phq9_item_9_above_0_in_compact_answers_raises_crisis() -> None:
    _, done, alerts = reply(started("phq9"), "000000001")

    assert alerts == ("crisis",)
    assert done.score == 1


def test_phq9_item_9_at_0_raises_no_crisis() -> None:
    _, done, alerts = reply(started("phq9"), "000000000")

    assert alerts == ()
    assert done.status is SurveyStatus.COMPLETED


def test_phq9_severe_with_item_9_raises_both_alerts() -> None:
    _, done, alerts = reply(started("phq9"), "333333333")

    assert set(alerts) == {"severe_score", "crisis"}
    assert done.severity == "severe"


def test_earlier_answers_do_not_raise_crisis() -> None:
    _, survey, alerts = reply(started("phq9"), "33333333")

    assert alerts == ()
    assert survey.status is SurveyStatus.IN_PROGRESS


# ---- outcomes --------------------------------------------------------------------------------


def completed(
    instrument_id: str,
    score: int,
    week: int,
    *,
    invited_offset: timedelta = timedelta(hours=5),
) -> Survey:
    session_at = SESSION + timedelta(weeks=week)
    survey, _ = start(
        instrument_id,
        OPEN_CLINIC,
        survey_id=f"sv_{instrument_id}_{week}",
        session_at=session_at,
        now=session_at + invited_offset,
    )
    top = max(choice.value for choice in instrument(instrument_id).choices)
    answers: list[int] = []
    for _ in instrument(instrument_id).items:
        answers.append(min(top, score - sum(answers)))
    step = answer(
        survey,
        instrument(instrument_id),
        " ".join(map(str, answers)),
        "Ana",
        survey.invited_at + timedelta(hours=1),
    )
    assert step.survey.status is SurveyStatus.COMPLETED
    assert step.survey.score == score
    return step.survey


def outcome_of(surveys: list[Survey], instrument_id: str) -> dict[str, Any]:
    """What the API answers for one instrument's outcome."""
    [found] = [
        outcome_view(entry) for entry in outcomes(surveys, instruments()) if entry.survey == instrument_id
    ]
    return found


def test_outcomes_show_baseline_latest_change_response_and_remission() -> None:
    surveys = [completed("gad7", 18, 0), completed("gad7", 11, 1), completed("gad7", 6, 2)]

    gad7 = outcome_of(surveys, "gad7")

    assert gad7["baseline"] == {
        "score": 18,
        "severity": "severe",
        "session_at": "2026-12-01T15:00:00Z",
    }
    assert gad7["latest"] == {"score": 6, "severity": "mild", "session_at": "2026-12-15T15:00:00Z"}
    assert gad7["change_percent"] == -66.7
    assert gad7["response"] is True
    assert gad7["remission"] is False
    assert [point["score"] for point in gad7["series"]] == [18, 11, 6]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("baseline", "latest", "response"),
    [(10, 5, True), (20, 10, True), (18, 9, True), (10, 6, False), (19, 10, False), (12, 0, True)],
)
def test_response_is_a_drop_of_50_percent_or_more_and_exactly_50_counts(
    baseline: int, latest: int, response: bool
) -> None:
    gad7 = outcome_of([completed("gad7", baseline, 0), completed("gad7", latest, 1)], "gad7")

    assert gad7["response"] is response


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9"])
@pytest.mark.parametrize(("latest", "remission"), [(4, True), (0, True), (5, False), (9, False)])
def test_remission_is_a_latest_score_below_5(instrument_id: str, latest: int, remission: bool) -> None:
    entry = outcome_of([completed(instrument_id, 16, 0), completed(instrument_id, latest, 1)], instrument_id)

    assert entry["remission"] is remission


def test_anxiety_now_has_no_remission() -> None:
    entry = outcome_of([completed("anxiety-now", 8, 0), completed("anxiety-now", 2, 1)], "anxiety-now")

    assert entry["remission"] is None
    assert entry["change_percent"] == -75.0
    assert entry["response"] is True


def test_a_single_survey_is_baseline_and_latest_with_no_response_yet() -> None:
    entry = outcome_of([completed("gad7", 12, 0)], "gad7")

    assert entry["baseline"] == entry["latest"]
    assert entry["change_percent"] == 0.0
    assert entry["response"] is False


def test_the_series_is_ordered_by_session_whatever_order_the_surveys_come_in() -> None:
    week2 = completed("gad7", 6, 2)
    week0 = completed("gad7", 18, 0)
    # Sent late (quiet hours, an outage): its session still comes second.
    week1 = completed("gad7", 11, 1, invited_offset=timedelta(days=20))

    gad7 = outcome_of([week2, week1, week0], "gad7")

    assert [point["score"] for point in gad7["series"]] == [18, 11, 6]  # type: ignore[attr-defined]
    assert gad7["baseline"]["score"] == 18  # type: ignore[index]
    assert gad7["latest"]["score"] == 6  # type: ignore[index]


def test_expired_and_unfinished_surveys_are_left_out_of_outcomes() -> None:
    unfinished, _ = start("gad7", OPEN_CLINIC, survey_id="sv_open", session_at=SESSION - timedelta(weeks=1))
    _, unfinished, _ = reply(unfinished, "3")
    expired = replace(unfinished, survey_id="sv_expired", status=SurveyStatus.EXPIRED)
    invited, _ = start("gad7", DISCREET, survey_id="sv_invited", session_at=SESSION + timedelta(weeks=9))
    surveys = [unfinished, expired, invited, completed("gad7", 15, 0), completed("gad7", 9, 1)]

    gad7 = outcome_of(surveys, "gad7")

    assert [point["score"] for point in gad7["series"]] == [15, 9]  # type: ignore[attr-defined]
    assert gad7["baseline"]["score"] == 15  # type: ignore[index]
    assert gad7["latest"]["score"] == 9  # type: ignore[index]


def test_outcomes_are_kept_per_instrument() -> None:
    surveys = [
        completed("gad7", 16, 0),
        completed("phq9", 21, 0),
        completed("anxiety-now", 7, 0),
        completed("gad7", 4, 1),
    ]

    by_instrument = {entry.survey: outcome_view(entry) for entry in outcomes(surveys, instruments())}

    assert set(by_instrument) == {"gad7", "phq9", "anxiety-now"}
    assert by_instrument["phq9"]["baseline"]["score"] == 21
    assert len(by_instrument["phq9"]["series"]) == 1
    assert by_instrument["gad7"]["remission"] is True


def test_no_completed_survey_means_no_outcome() -> None:
    survey, _ = start()

    assert outcomes([survey], instruments()) == []


# ---- the conversation while a survey is open -------------------------------------------------

AT = INVITED + timedelta(minutes=10)


def mid_survey(instrument_id: str = "gad7") -> Survey:
    _, survey, _ = reply(started(instrument_id), "12")
    return survey


@pytest.mark.parametrize("text", ["I want to kill myself", "i want to die", "end it all", "suicide"])
def test_crisis_words_mid_survey_get_the_crisis_reply_and_leave_the_survey_untouched(text: str) -> None:
    decision = decide(text, DISCREET, patient(), None, AT, mid_survey())

    assert decision.intent is Intent.CRISIS
    assert decision.reply == CRISIS_REPLY
    assert "988" in decision.reply
    assert "911" in decision.reply
    assert decision.alerts == ("crisis",)
    assert decision.survey is None  # nothing of the survey is written


@pytest.mark.parametrize("text", ["STOP", "stop", "Unsubscribe", "stop texting me"])
def test_stop_mid_survey_opts_out(text: str) -> None:
    decision = decide(text, DISCREET, patient(), None, AT, mid_survey())

    assert decision.intent is Intent.OPT_OUT
    assert decision.opt_out is True
    assert decision.survey is None


@pytest.mark.parametrize("text", ["HELP", "help", "info"])
def test_help_mid_survey_gets_the_help_reply(text: str) -> None:
    decision = decide(text, DISCREET, patient(), None, AT, mid_survey())

    assert decision.intent is Intent.HELP
    assert decision.reply == help_reply(DISCREET)
    assert decision.survey is None


def test_an_answer_mid_survey_goes_to_the_survey() -> None:
    survey = mid_survey()

    decision = decide("3", DISCREET, patient(), None, AT, survey)

    assert decision.intent is Intent.SURVEY_ANSWER
    assert decision.survey is not None
    assert decision.survey.answers == (1, 2, 3)
    assert decision.reply == instrument("gad7").question(3)


def test_phq9_item_9_above_0_is_answered_with_the_988_crisis_reply() -> None:
    _, survey, _ = reply(started("phq9"), "00000000")

    decision = decide("2", DISCREET, patient(), None, AT, survey)

    assert decision.reply == CRISIS_REPLY
    assert "988" in (decision.reply or "")
    assert "crisis" in decision.alerts
    assert decision.survey is not None
    assert decision.survey.status is SurveyStatus.COMPLETED
    assert decision.survey.answers[8] == 2


def test_a_phq9_item_9_crisis_names_the_phq9_item9_rule() -> None:
    _, survey, _ = reply(started("phq9"), "00000000")

    decision = decide("3", DISCREET, patient(), None, AT, survey)

    assert decision.crisis_rule == PHQ9_ITEM9


def test_nine_answers_to_an_open_phq9_are_saved_and_item_9_raises_the_crisis() -> None:
    decision = decide("1 2 0 3 1 1 0 2 1", DISCREET, patient(), None, AT, started("phq9"))

    assert decision.intent is Intent.SURVEY_ANSWER
    assert decision.survey is not None
    assert decision.survey.answers == (1, 2, 0, 3, 1, 1, 0, 2, 1)
    assert decision.survey.status is SurveyStatus.COMPLETED
    assert (decision.reply, decision.crisis_rule) == (CRISIS_REPLY, PHQ9_ITEM9)
    assert "crisis" in decision.alerts


def test_nine_answers_with_item_9_above_0_and_no_survey_open_are_still_a_crisis() -> None:
    decision = decide("1 2 0 3 1 1 0 2 1", DISCREET, patient(), None, AT)

    assert decision.intent is Intent.CRISIS
    assert decision.crisis_rule == "plan.phq9_answers"


def test_phq9_item_9_at_0_is_thanked_as_usual() -> None:
    _, survey, _ = reply(started("phq9"), "00000000")

    decision = decide("0", DISCREET, patient(), None, AT, survey)

    assert decision.reply != CRISIS_REPLY
    assert "988" not in (decision.reply or "")
    assert decision.alerts == ()


def test_a_reply_after_the_survey_expired_gets_the_closed_note_when_nothing_else_awaits() -> None:
    survey = mid_survey()
    late = survey.expires_at + timedelta(minutes=1)

    decision = decide("3", DISCREET, patient(), None, late, survey)

    assert decision.reply == closed_note("Ana")
    assert decision.survey is not None
    assert decision.survey.status is SurveyStatus.EXPIRED
    assert decision.survey.answers == (1, 2)


def test_a_reply_after_the_survey_expired_answers_a_reminder_sent_since() -> None:
    survey = mid_survey()
    late = survey.expires_at + timedelta(days=5)
    next_session = appointment(late + timedelta(hours=2))

    decision = decide("C", DISCREET, patient(), next_session, late, survey)

    assert decision.intent is Intent.CONFIRM
    assert decision.survey is not None
    assert decision.survey.status is SurveyStatus.EXPIRED  # closed, its answers kept
    assert decision.survey.answers == (1, 2)


# ---- two prompts at once: an open survey and a reminder -------------------------------------


def test_c_answers_a_reminder_sent_after_the_survey_opened_and_leaves_the_survey_open() -> None:
    survey, _ = start("gad7", DISCREET)
    reminded = replace(
        patient(), awaiting_appointment_id="ap_next", awaiting_since=INVITED + timedelta(hours=1)
    )
    next_session = appointment(INVITED + timedelta(days=1), appointment_id="ap_next")

    decision = decide("C", DISCREET, reminded, next_session, INVITED + timedelta(hours=2), survey)

    assert decision.intent is Intent.CONFIRM
    assert decision.survey is None  # untouched: still open for its Y


def test_a_survey_opened_after_the_reminder_takes_the_reply() -> None:
    survey, _ = start("gad7", DISCREET)
    reminded = replace(
        patient(), awaiting_appointment_id="ap_next", awaiting_since=INVITED - timedelta(hours=1)
    )
    next_session = appointment(INVITED + timedelta(days=1), appointment_id="ap_next")

    decision = decide("Y", DISCREET, reminded, next_session, INVITED + timedelta(minutes=5), survey)

    assert decision.intent is Intent.SURVEY_ANSWER
    assert decision.survey is not None
    assert decision.survey.status is SurveyStatus.IN_PROGRESS


def test_numbers_still_answer_an_open_survey_after_a_newer_reminder() -> None:
    survey = started("gad7")
    reminded = replace(
        patient(), awaiting_appointment_id="ap_next", awaiting_since=INVITED + timedelta(hours=1)
    )
    next_session = appointment(INVITED + timedelta(days=1), appointment_id="ap_next")

    decision = decide("2", DISCREET, reminded, next_session, INVITED + timedelta(hours=2), survey)

    assert decision.intent is Intent.SURVEY_ANSWER
    assert decision.survey is not None
    assert decision.survey.answers == (2,)
