"""Surveys, in their patient's partition: answers as they arrive, score, band, the one nudge.

`stored_status` is the status as last written; an open survey past its expiry reads as expired
(the domain's `status_at`), so a survey expires without a write.
"""

from collections.abc import Mapping
from typing import Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.table import Item, Table, to_attributes
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.timeutil import parse_utc, utc_iso


def to_item(survey: Survey) -> Item:
    return {
        **keys.survey(survey.patient_id, survey.survey_id),
        "type": "survey",
        "survey_id": survey.survey_id,
        "clinic_id": survey.clinic_id,
        "patient_id": survey.patient_id,
        "appointment_id": survey.appointment_id,
        "instrument_id": survey.instrument_id,
        "stored_status": survey.status.value,
        # How many answers: what a write of the next one is conditioned on.
        "answered": len(survey.answers),
        "answers": list(survey.answers),
        "score": survey.score,
        "severity": survey.severity,
        "session_at": utc_iso(survey.session_at),
        "invited_at": utc_iso(survey.invited_at),
        "expires_at": utc_iso(survey.expires_at),
        "completed_at": utc_iso(survey.completed_at) if survey.completed_at else None,
        "nudged": survey.nudged,
    }


def from_item(item: Mapping[str, Any]) -> Survey:
    return Survey(
        survey_id=item["survey_id"],
        clinic_id=item["clinic_id"],
        patient_id=item["patient_id"],
        appointment_id=item["appointment_id"],
        instrument_id=item["instrument_id"],
        status=SurveyStatus(item["stored_status"]),
        answers=tuple(item.get("answers") or ()),
        invited_at=parse_utc(item["invited_at"]),
        expires_at=parse_utc(item["expires_at"]),
        session_at=parse_utc(item["session_at"]),
        score=item.get("score"),
        severity=item.get("severity"),
        completed_at=parse_utc(item["completed_at"]) if item.get("completed_at") else None,
        nudged=bool(item.get("nudged", False)),
    )


class DynamoSurveys:
    def __init__(self, table: Table) -> None:
        self.table = table

    def for_patient(self, patient_id: str) -> list[Survey]:
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :survey)",
            ExpressionAttributeValues=to_attributes(
                {":pk": keys.patient_partition(patient_id), ":survey": keys.SURVEY_PREFIX}
            ),
        )
        return sorted(map(from_item, items), key=lambda survey: survey.invited_at)
