"""CSV exports, as a chart review or a claim for a brief standardised assessment needs them:
one row per completed survey (`scores.csv`) or per message (`messages.csv`). Pure rendering:
the use case hands over the records and the ids they point to."""

import csv
import io
from collections.abc import Iterable, Mapping

from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.surveys import Survey
from touchpoint.domain.timeutil import utc_iso

# Enough item columns for the longest instrument (the PHQ-9); a shorter one leaves the rest empty.
ITEM_COLUMNS = 9
SCORE_COLUMNS = (
    "survey_id",
    "patient_id",
    "patient_external_id",
    "appointment_id",
    "appointment_external_id",
    "instrument",
    "score",
    "severity",
    *(f"item_{number}" for number in range(1, ITEM_COLUMNS + 1)),
    "session_at",
    "completed_at",
)
MESSAGE_COLUMNS = (
    "message_id",
    "patient_id",
    "appointment_id",
    "direction",
    "status",
    "at",
    "twilio_sid",
    "error_code",
    "body",
)


def _csv(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text.lstrip("+-").isdigit() else text


def scores_csv(
    surveys: Iterable[Survey],
    patient_external: Mapping[str, str],
    appointment_external: Mapping[str, str],
    *,
    header: bool,
) -> str:
    rows: list[Iterable[object]] = [SCORE_COLUMNS] if header else []
    for survey in surveys:
        items = [str(answer) for answer in survey.answers] + [""] * (ITEM_COLUMNS - len(survey.answers))
        rows.append(
            [
                survey.survey_id,
                survey.patient_id,
                _cell(patient_external.get(survey.patient_id)),
                survey.appointment_id,
                _cell(appointment_external.get(survey.appointment_id)),
                survey.instrument_id,
                survey.score,
                survey.severity or "",
                *items[:ITEM_COLUMNS],
                utc_iso(survey.session_at),
                utc_iso(survey.completed_at) if survey.completed_at else "",
            ]
        )
    return _csv(rows)


def messages_csv(messages: Iterable[MessageRecord], *, header: bool) -> str:
    rows: list[Iterable[object]] = [MESSAGE_COLUMNS] if header else []
    for message in messages:
        rows.append(
            [
                message.message_id,
                message.patient_id,
                message.appointment_id or "",
                message.direction,
                message.status,
                utc_iso(message.at),
                message.twilio_sid or "",
                message.error_code or "",
                _cell(message.body),
            ]
        )
    return _csv(rows)
