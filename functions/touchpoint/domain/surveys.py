"""A survey over SMS: invitation, one question per message, answers saved as they arrive,
expiry with at most one nudge, score, band and alerts on completion. Pure."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.clinic import ClinicSettings
from touchpoint.domain.gsm7 import fits_one_segment, greeting_name, to_gsm7
from touchpoint.domain.instruments import Instrument
from touchpoint.domain.lexicon import lexicon
from touchpoint.domain.texts import clinic_label

START_KEYWORDS = frozenset({"y", "yes", "yep", "yeah", "ok", "okay", "start", "begin", "sure"})
LATER_KEYWORDS = frozenset({"n", "no", "later", "not", "skip"})  # "not now": "now" is filler


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
    return survey, invitation or opening_text(instrument, settings, first_name)


def opening_text(instrument: Instrument, settings: ClinicSettings, first_name: str) -> str:
    """A check-in's first SMS (domain/outgoing.py): in discreet mode the invitation, else the first question."""
    if settings.discreet:
        return invitation_text(first_name, settings, len(instrument.items))
    return instrument.question(0)


def invitation_text(first_name: str, settings: ClinicSettings, questions: int) -> str:
    name = greeting_name(first_name)
    label = clinic_label(settings)
    size = "1 question" if questions == 1 else f"{questions} short questions"
    for sender in ([f" from {to_gsm7(label)}"] if label else []) + [""]:
        text = f"Hi {name}, you have a check-in{sender} ({size}). Reply Y to begin. Reply STOP to opt out."
        if fits_one_segment(text):
            return text
    return f"Hi, you have a check-in ({size}). Reply Y to begin. Reply STOP to opt out."


def course_invitation_text(
    first_name: str, settings: ClinicSettings, questions: int, *, baseline: bool
) -> str:
    """A course's own invitation, discreet or not (it comes unprompted, days from any visit):
    before the first session, the baseline; after the last, the end-of-course assessment."""
    name = greeting_name(first_name)
    label = clinic_label(settings)
    size = "1 question" if questions == 1 else f"{questions} short questions"
    lead, tail = (
        ("before your first visit, a check-in", "")
        if baseline
        else ("one last check-in", " to see how you are")
    )
    for sender in ([f" from {to_gsm7(label)}"] if label else []) + [""]:
        text = f"Hi {name}, {lead}{sender}{tail} ({size}). Reply Y to begin. Reply STOP to opt out."
        if fits_one_segment(text):
            return text
    return f"Hi, {lead}{tail} ({size}). Reply Y to begin. Reply STOP to opt out."


def nudge_text(survey: Survey, instrument: Instrument, first_name: str) -> str:
    """The one reminder of an open survey: the invitation again, or the question it stopped at."""
    if survey.status is SurveyStatus.INVITED:
        name = greeting_name(first_name)
        return f"Hi {name}, your check-in is still open. Reply Y to begin. Reply STOP to opt out."
    return instrument.question(len(survey.answers))


def closed_note(first_name: str) -> str:
    name = greeting_name(first_name)
    return f"Thanks, {name}. That check-in has closed, so there is nothing to answer now. We will text you the next one."


def completed_note(first_name: str) -> str:
    name = greeting_name(first_name)
    return f"Thank you, {name}. Your answers have been shared with your care team."


def answer(survey: Survey, instrument: Instrument, text: str, first_name: str, now: datetime) -> SurveyStep:
    """What a reply does to an open survey. Crisis, STOP and HELP are handled before this."""
    status = survey.status_at(now)
    if status not in OPEN:
        return SurveyStep(closed_note(first_name), replace(survey, status=status))
    keyword = lexicon().keyword(text)
    if status is SurveyStatus.INVITED:
        if keyword in START_KEYWORDS:
            return SurveyStep(instrument.question(0), replace(survey, status=SurveyStatus.IN_PROGRESS))
        if keyword in LATER_KEYWORDS:
            return SurveyStep("No problem. Reply Y whenever you are ready. Reply STOP to opt out.", survey)
        return SurveyStep("Reply Y to begin your check-in, or STOP to opt out.", survey)
    position = len(survey.answers)
    given = instrument.parse_answers(text, len(instrument.items) - position)
    if given is None:
        return SurveyStep("Sorry, we could not read that answer. " + instrument.question(position), survey)
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
    return SurveyStep(completed_note(first_name), done, alerts)


def nudge_due(survey: Survey) -> datetime:
    """Half way to expiry: the one nudge an unanswered survey gets."""
    return survey.invited_at + (survey.expires_at - survey.invited_at) / 2
