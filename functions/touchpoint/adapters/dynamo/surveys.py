"""Surveys, in their patient's partition: answers as they arrive, score, band, the one nudge.

`stored_status` is the status as last written; an open survey past its expiry reads as expired
(the domain's `status_at`), so a survey expires without a write.
"""

from collections.abc import Mapping
from typing import Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.fields import copied, read
from touchpoint.adapters.dynamo.table import Item, Repository, to_attributes
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.domain.timeutil import parse_utc, utc_iso

_COPIED = ("survey_id", "clinic_id", "patient_id", "appointment_id", "instrument_id")
_OPTIONAL = ("score", "severity", "course_id", "session")
_INSTANTS = ("session_at", "invited_at", "expires_at")


def to_item(survey: Survey) -> Item:
    return {
        **keys.survey(survey.patient_id, survey.survey_id),
        "type": "survey",
        **copied(survey, _COPIED + _OPTIONAL),
        **copied(survey, _INSTANTS, utc_iso),
        "stored_status": survey.status.value,
        # How many answers: what a write of the next one is conditioned on.
        "answered": len(survey.answers),
        "answers": list(survey.answers),
        "completed_at": utc_iso(survey.completed_at) if survey.completed_at else None,
        "nudged": survey.nudged,
        # Completed, it is on the by_clinic index too: the clinic's scores by completion, for exports.
        **(
            keys.clinic_survey(survey.clinic_id, survey.completed_at, survey.survey_id)
            if survey.completed_at
            else {}
        ),
    }


def from_item(item: Mapping[str, Any]) -> Survey:
    return Survey(
        **read(item, _COPIED, optional=_OPTIONAL),
        **read(item, _INSTANTS, convert=parse_utc),
        status=SurveyStatus(item["stored_status"]),
        answers=tuple(item.get("answers") or ()),
        completed_at=parse_utc(item["completed_at"]) if item.get("completed_at") else None,
        nudged=bool(item.get("nudged", False)),
    )


class DynamoSurveys(Repository):
    def for_patient(self, patient_id: str) -> list[Survey]:
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :survey)",
            ExpressionAttributeValues=to_attributes(
                {":pk": keys.patient_partition(patient_id), ":survey": keys.SURVEY_PREFIX}
            ),
        )
        return sorted(map(from_item, items), key=lambda survey: survey.invited_at)
