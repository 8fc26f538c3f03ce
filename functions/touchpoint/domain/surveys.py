"""A survey over SMS: invitation, one question per message, answers saved as they arrive,
expiry with at most one nudge, score, band and alerts on completion. Pure."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.instruments import Instrument
from touchpoint.domain.lexicon import lexicon
from touchpoint.domain.texts import sender_name
from touchpoint.domain.wording import ENGLISH, wording


class SurveyStatus(StrEnum):
    INVITED = "invited"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EXPIRED = "expired"


OPEN = (SurveyStatus.INVITED, SurveyStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Survey:
    survey_id: str
    clinic_id: str
    patient_id: str
    appointment_id: str
    instrument_id: str
    status: SurveyStatus
    answers: tuple[int, ...]
    invited_at: datetime
    expires_at: datetime
    session_at: datetime  # when the appointment it follows started
    score: int | None = None
    severity: str | None = None
    completed_at: datetime | None = None
    nudged: bool = False
    # The treatment course and session number of the appointment it follows (domain/courses.py).
    course_id: str | None = None
    session: int | None = None

    def status_at(self, now: datetime) -> SurveyStatus:
        if self.status in OPEN and now >= self.expires_at:
            return SurveyStatus.EXPIRED
        return self.status


@dataclass(frozen=True)
class SurveyStep:
    reply: str
    survey: Survey
    alerts: tuple[AlertKind, ...] = ()


def open_survey(
    survey_id: str,
    instrument: Instrument,
    settings: ClinicSettings,
    first_name: str,
    *,
    clinic_id: str,
    patient_id: str,
    appointment_id: str,
    session_at: datetime,
    now: datetime,
    course: tuple[str, int] | None = None,
    invitation: str | None = None,
    language: str = ENGLISH,
) -> tuple[Survey, str]:
    """The survey as it starts, and its first SMS: `invitation` when given (a course's), in
    discreet mode an invitation naming no condition; otherwise the first question straight away."""
    invited = invitation is not None or settings.discreet
    status = SurveyStatus.INVITED if invited else SurveyStatus.IN_PROGRESS
    survey = Survey(
        survey_id,
        clinic_id,
        patient_id,
        appointment_id,
        instrument.instrument_id,
        status,
        (),
        invited_at=now,
        expires_at=now + settings.survey_expiry,
        session_at=session_at,
        course_id=course[0] if course else None,
        session=course[1] if course else None,
    )
    return survey, invitation or opening_text(instrument, settings, first_name, language)


def opening_text(
    instrument: Instrument, settings: ClinicSettings, first_name: str, language: str = ENGLISH
) -> str:
    """A check-in's first SMS (domain/outgoing.py): in discreet mode the invitation, else the first
    question, in the patient's language (`instrument` is already in it)."""
    if settings.discreet:
        return invitation_text(first_name, settings, len(instrument.items), language)
    return instrument.question(0)


def invitation_text(
    first_name: str,
    settings: ClinicSettings,
    questions: int,
    language: str = ENGLISH,
    key: str = "invitation",
) -> str:
    """The invitation ("Hi Ana, you have a check-in from Calm Waters (7 short questions). Reply
    Y to begin..."): with the clinic's name if it fits, else without, else without the first name."""
    phrasing = wording(language)
    size = (
        phrasing.text("one_question") if questions == 1 else phrasing.text("questions", count=str(questions))
    )
    return phrasing.fit(key, name=phrasing.greeting_name(first_name), clinic=sender_name(settings), size=size)


def course_invitation_text(
    first_name: str, settings: ClinicSettings, questions: int, *, baseline: bool, language: str = ENGLISH
) -> str:
    """A course's own invitation, discreet or not (it comes unprompted, days from any visit):
    before the first session, the baseline; after the last, the end-of-course assessment."""
    key = "baseline_invitation" if baseline else "end_of_course_invitation"
    return invitation_text(first_name, settings, questions, language, key)


def nudge_text(survey: Survey, instrument: Instrument, first_name: str, language: str = ENGLISH) -> str:
    """The one reminder of an open survey: the invitation again, or the question it stopped at."""
    if survey.status is SurveyStatus.INVITED:
        phrasing = wording(language)
        return phrasing.text("invitation_nudge", name=phrasing.greeting_name(first_name))
    return instrument.question(len(survey.answers))


def closed_note(first_name: str, language: str = ENGLISH) -> str:
    phrasing = wording(language)
    return phrasing.text("survey_closed", name=phrasing.greeting_name(first_name))


def completed_note(first_name: str, language: str = ENGLISH) -> str:
    phrasing = wording(language)
    return phrasing.text("survey_completed", name=phrasing.greeting_name(first_name))


def answer(
    survey: Survey, instrument: Instrument, text: str, first_name: str, now: datetime, language: str = ENGLISH
) -> SurveyStep:
    """What a reply does to an open survey, answered in the patient's language (`instrument` is
    already in it). Crisis, STOP and HELP are handled before this."""
    phrasing = wording(language)
    status = survey.status_at(now)
    if status not in OPEN:
        return SurveyStep(closed_note(first_name, language), replace(survey, status=status))
    words = lexicon()
    keyword = words.keyword(text)
    if status is SurveyStatus.INVITED:
        if keyword in words.survey_start_keywords:
            return SurveyStep(instrument.question(0), replace(survey, status=SurveyStatus.IN_PROGRESS))
        if keyword in words.survey_later_keywords:
            return SurveyStep(phrasing.text("invitation_later"), survey)
        return SurveyStep(phrasing.text("invitation_unclear"), survey)
    position = len(survey.answers)
    given = instrument.parse_answers(text, len(instrument.items) - position)
    if given is None:
        return SurveyStep(phrasing.text("answer_unclear", question=instrument.question(position)), survey)
    answers = survey.answers + given
    score = instrument.score(answers)
    before = set(instrument.alerts(survey.answers, None))
    alerts = tuple(kind for kind in instrument.alerts(answers, score) if kind not in before)
    if score is None:
        return SurveyStep(instrument.question(len(answers)), replace(survey, answers=answers), alerts)
    done = replace(
        survey,
        answers=answers,
        status=SurveyStatus.COMPLETED,
        score=score,
        severity=instrument.band(score),
        completed_at=now,
    )
    return SurveyStep(completed_note(first_name, language), done, alerts)


def nudge_due(survey: Survey) -> datetime:
    """Half way to expiry: the one nudge an unanswered survey gets."""
    return survey.invited_at + (survey.expires_at - survey.invited_at) / 2
