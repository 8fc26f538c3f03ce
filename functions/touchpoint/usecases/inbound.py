"""A patient's SMS arrives: understand it, answer it, keep it. Twilio's status callbacks too."""

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from touchpoint.domain.alerts import Alert, new_alert
from touchpoint.domain.checkpoints import course_scores, score_checkpoints
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.conversation import Decision, crisis_reply, decide
from touchpoint.domain.crisis import explain
from touchpoint.domain.errors import Conflict, InvalidInput
from touchpoint.domain.ids import new_id
from touchpoint.domain.inbound import (
    MAX_BODY_CHARS,
    DuplicateDelivery,
    InboundRecord,
    InboundSms,
    StatusCallback,
)
from touchpoint.domain.instruments import instruments
from touchpoint.domain.lexicon import Intent
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.patient import Patient
from touchpoint.domain.phones import to_e164
from touchpoint.domain.ports.alerts import AlertPublisher
from touchpoint.domain.ports.inbound import InboundStore, StatusStore
from touchpoint.domain.ports.stores import PatientRepository
from touchpoint.domain.surveys import SurveyStatus

UNKNOWN = "unknown"
# The reply is logged just after the message it answers, so the log reads in order.
REPLY_DELAY = timedelta(microseconds=1)


@dataclass(frozen=True)
class Received:
    reply: str | None
    unpublished_alerts: tuple[str, ...] = ()  # stored, but the notification could not be sent


class Inbound:
    def __init__(self, store: InboundStore, alerts: AlertPublisher) -> None:
        self.store = store
        self.alerts = alerts

    def receive(self, sms: InboundSms, now: datetime) -> Received:
        """The reply to send back in the webhook's response, if any."""
        try:
            return self._receive(sms, now)
        except Conflict:
            # Something the reply changes moved on (a second STOP, a cancel): read again, once.
            return self._receive(sms, now)

    def _receive(self, sms: InboundSms, now: datetime) -> Received:
        sms = replace(sms, body=sms.body[:MAX_BODY_CHARS])
        clinic = self.store.clinic_for_sender(sms.messaging_service_sid or sms.to)
        if clinic is None and sms.messaging_service_sid:
            clinic = self.store.clinic_for_sender(sms.to)
        patient = self._patient(clinic.clinic_id, sms.sender) if clinic else None
        awaiting = survey = None
        if patient and patient.active_survey_id:
            survey = self.store.survey(patient.patient_id, patient.active_survey_id)
        if patient and patient.awaiting_appointment_id:
            awaiting = self.store.appointment(patient.awaiting_appointment_id)
        checklist = None
        if patient and patient.checklist_appointment_id:
            checklist = (
                awaiting
                if awaiting and awaiting.appointment_id == patient.checklist_appointment_id
                else self.store.appointment(patient.checklist_appointment_id)
            )
        if clinic is None:
            crisis = explain(sms.body)
            # No clinic to alert: the help alone, without saying anyone was told.
            decision = (
                Decision(Intent.CRISIS, crisis_reply(crisis.language, clinic_alerted=False))
                if crisis
                else Decision(Intent.OTHER, None)
            )
        else:
            decision = decide(sms.body, clinic.settings, patient, awaiting, now, survey, checklist)
        clinic_id = clinic.clinic_id if clinic else None
        record = InboundRecord(
            sms=sms,
            at=now,
            clinic_id=clinic_id,
            patient=patient,
            intent=decision.intent.value,
            inbound=_message(clinic_id, patient, "inbound", sms.body, "received", now, sms.message_sid),
            reply=_message(clinic_id, patient, "outbound", decision.reply, "replied", now + REPLY_DELAY)
            if decision.reply
            else None,
            consent=_consent(decision, patient, now, sms.message_sid),
            appointment_seen=awaiting.status.value if awaiting else None,
            appointment=replace(awaiting, status=decision.appointment_status)
            if awaiting and decision.appointment_status
            else None,
            clear_prompt=decision.clear_prompt,
            survey=decision.survey,
            answered_before=len(survey.answers) if survey else 0,
            checklist=replace(checklist, checklist=decision.checklist)
            if checklist and decision.checklist
            else None,
            checklist_seen=checklist.checklist.value if checklist and checklist.checklist else None,
            alerts=_alerts(decision, clinic, patient, sms, now)
            + self._checkpoints(decision, clinic, patient, now),
        )
        try:
            self.store.record(record)
        except DuplicateDelivery:
            return Received(self.store.reply_for(sms.message_sid))
        unpublished = []
        for alert in record.alerts:
            try:
                self.alerts.publish(alert)
            except Exception:  # the patient's reply, 988 included, must not wait on the notification
                unpublished.append(alert.alert_id)
        return Received(decision.reply, tuple(unpublished))

    def _checkpoints(
        self, decision: Decision, clinic: Clinic | None, patient: Patient | None, now: datetime
    ) -> tuple[Alert, ...]:
        """The alerts of a course's checkpoints, when the reply completes one of its surveys."""
        survey = decision.survey
        if clinic is None or patient is None or survey is None or survey.course_id is None:
            return ()
        if survey.status is not SurveyStatus.COMPLETED:
            return ()
        course = self.store.course(patient.patient_id, survey.course_id)
        if course is None:
            return ()
        known = [s for s in self.store.surveys(patient.patient_id) if s.survey_id != survey.survey_id]
        scores = course_scores([*known, survey], course)
        return tuple(
            new_alert(
                new_id("al"),
                clinic.clinic_id,
                found.kind,
                now,
                found.text,
                escalation_interval=clinic.settings.escalation_interval,
                patient_id=patient.patient_id,
                first_name=patient.first_name,
                rule=found.rule,
            )
            for found in score_checkpoints(course, scores, survey, instruments()[survey.instrument_id])
        )

    def _patient(self, clinic_id: str, sender: str) -> Patient | None:
        try:
            phone = to_e164(sender, "From")
        except InvalidInput:
            return None
        return self.store.patient_by_phone(clinic_id, phone)


def apply_status(store: StatusStore, patients: PatientRepository, callback: StatusCallback) -> bool:
    """Record a delivery status; False when the SID is not one of ours."""
    outcome = store.apply(callback) or store.adopt(callback)
    if outcome is None:
        return False
    message = outcome.message
    # A late callback changes nothing: not the status, and not consent (a START may have come since).
    if outcome.applied and callback.unsubscribed:
        with suppress(Conflict):  # opted out already
            patients.record_consent(
                ConsentChange(
                    message.patient_id,
                    message.clinic_id,
                    ConsentAction.OPT_OUT,
                    ConsentSource.CARRIER_OPT_OUT,
                    callback.at,
                    callback.message_sid,
                )
            )
    return True


def _alerts(
    decision: Decision, clinic: Clinic | None, patient: Patient | None, sms: InboundSms, now: datetime
) -> tuple[Alert, ...]:
    """The alerts the reply raises, open; a crisis one says which rule fired."""
    if clinic is None:
        return ()
    return tuple(
        new_alert(
            new_id("al"),
            clinic.clinic_id,
            kind,
            now,
            decision.alert_text or sms.body,
            escalation_interval=clinic.settings.escalation_interval,
            patient_id=patient.patient_id if patient else None,
            first_name=patient.first_name if patient else None,
            phone=None if patient else sms.sender,
            rule=decision.crisis_rule,
        )
        for kind in decision.alerts
    )


def _consent(
    decision: Decision, patient: Patient | None, now: datetime, message_sid: str
) -> ConsentChange | None:
    if patient is None or not (decision.opt_out or decision.opt_in):
        return None
    action = ConsentAction.OPT_OUT if decision.opt_out else ConsentAction.OPT_IN
    return ConsentChange(
        patient.patient_id, patient.clinic_id, action, ConsentSource.KEYWORD, now, message_sid
    )


def _message(
    clinic_id: str | None,
    patient: Patient | None,
    direction: str,
    body: str | None,
    status: str,
    now: datetime,
    sid: str | None = None,
) -> MessageRecord:
    return MessageRecord(
        message_id=new_id("msg"),
        clinic_id=clinic_id or UNKNOWN,
        patient_id=patient.patient_id if patient else UNKNOWN,
        direction=direction,
        body=body or "",
        status=status,
        at=now,
        twilio_sid=sid,
    )
