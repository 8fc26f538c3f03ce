"""CSV exports (contract section 9): `scores.csv`, one row per completed survey with the EHR ids,
its item answers and the session it followed; `messages.csv`; both by date range, in parts of
at most EXPORT_ROWS rows continued by `X-Next-Cursor`; on moto through the admin handler."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration import admin_world
from tests.integration.admin_world import Api, Booked
from tests.integration.moto_table import module_table_fixture
from touchpoint.adapters.dynamo import messages as message_items
from touchpoint.adapters.dynamo import surveys as survey_items
from touchpoint.adapters.dynamo.table import to_attributes
from touchpoint.domain.exports import SCORE_COLUMNS
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.surveys import Survey, SurveyStatus
from touchpoint.usecases import lists

moto_table = module_table_fixture()
api = admin_world.api
booked = admin_world.booked

SESSION = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def put(api: Api, item: dict[str, Any]) -> None:
    api.dynamodb.put_item(
        TableName=api.table.name, Item=to_attributes({k: v for k, v in item.items() if v is not None})
    )


def completed(
    booked: Booked, survey_id: str, instrument: str, answers: tuple[int, ...], at: datetime
) -> Survey:
    return Survey(
        survey_id,
        booked.clinic_id,
        booked.patient_id,
        booked.appointment_id,
        instrument,
        SurveyStatus.COMPLETED,
        answers,
        invited_at=at - timedelta(hours=1),
        expires_at=at + timedelta(days=1),
        session_at=SESSION,
        score=sum(answers),
        severity="moderate",
        completed_at=at,
    )


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_scores_csv_has_a_row_per_completed_survey_with_items_and_the_session(
    api: Api, booked: Booked
) -> None:
    at = SESSION + timedelta(days=1)
    put(api, survey_items.to_item(completed(booked, "sv_1", "gad7", (1, 2, 3, 0, 1, 2, 3), at)))
    put(
        api,
        survey_items.to_item(
            completed(booked, "sv_2", "phq9", (1, 1, 1, 1, 1, 1, 1, 1, 2), at + timedelta(days=7))
        ),
    )
    open_one = completed(booked, "sv_3", "gad7", (1,), at)
    put(
        api,
        survey_items.to_item(
            Survey(**{**open_one.__dict__, "status": SurveyStatus.IN_PROGRESS, "completed_at": None})
        ),
    )

    reply = api.call("GET", f"/admin/clinics/{booked.clinic_id}/exports/scores.csv")

    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"].startswith("text/csv")
    text = reply.body if isinstance(reply.body, str) else ""
    assert text.splitlines()[0] == ",".join(SCORE_COLUMNS)
    rows = rows_of(text)
    assert [row["survey_id"] for row in rows] == ["sv_1", "sv_2"]  # by completion; the open one is not in
    assert (rows[0]["instrument"], rows[0]["score"], rows[0]["item_7"], rows[0]["item_8"]) == (
        "gad7",
        "12",
        "3",
        "",
    )
    assert rows[1]["item_9"] == "2"
    assert rows[0]["session_at"] == "2026-12-01T20:00:00Z"
    assert rows[0]["patient_id"] == booked.patient_id
    assert reply.headers["X-Row-Count"] == "2"


def test_scores_csv_by_date_range(api: Api, booked: Booked) -> None:
    for day in range(3):
        put(
            api,
            survey_items.to_item(
                completed(booked, f"sv_{day}", "gad7", (1,) * 7, SESSION + timedelta(days=day + 1))
            ),
        )

    reply = api.call(
        "GET", f"/admin/clinics/{booked.clinic_id}/exports/scores.csv", query="from=2026-12-03&to=2026-12-03"
    )

    assert [row["survey_id"] for row in rows_of(reply.body)] == ["sv_1"]


def test_messages_csv_is_exported_in_parts_continued_by_the_cursor(
    api: Api, booked: Booked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lists, "EXPORT_ROWS", 3)
    monkeypatch.setattr(lists, "EXPORT_PAGE", lists.PageQuery(2))
    for index in range(5):
        record = MessageRecord(
            f"msg_{index}",
            booked.clinic_id,
            booked.patient_id,
            "outbound",
            f"=HYPERLINK({index})",
            "delivered",
            SESSION + timedelta(minutes=index),
        )
        put(api, message_items.to_item(record, shards=8))
    path = f"/admin/clinics/{booked.clinic_id}/exports/messages.csv"

    first = api.call("GET", path)
    second = api.call("GET", path, query=f"cursor={first.headers['X-Next-Cursor']}")

    ids = [row["message_id"] for row in rows_of(first.body) + rows_of(second.body)]
    assert ids == [f"msg_{index}" for index in (4, 3, 2, 1, 0)]  # newest first, each once
    assert first.headers["X-Row-Count"] == "4"  # two pages of two: past 3, the part ends
    assert "X-Next-Cursor" not in second.headers
    assert rows_of(first.body)[0]["body"] == "'=HYPERLINK(4)"  # a spreadsheet does not run it


def test_an_export_with_a_bad_range_is_a_400(api: Api, booked: Booked) -> None:
    reply = api.call("GET", f"/admin/clinics/{booked.clinic_id}/exports/scores.csv", query="from=last-week")

    assert reply.status == 400
    assert reply.body["error"]["field"] == "from"
