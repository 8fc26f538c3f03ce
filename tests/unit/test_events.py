"""The sample events in events/ (for `sam local invoke -e` and the tests) have the shape
that their event source gives the handlers."""

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from infra.template import load_template

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TEMPLATE = load_template()
SCHEDULER_INPUT = json.loads(
    TEMPLATE["Resources"]["SchedulerFunction"]["Properties"]["Events"]["Tick"]["Properties"]["Input"]
)


def _routes() -> dict[str, dict[str, Any]]:
    routes = {}
    for resource in TEMPLATE["Resources"].values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] == "HttpApi":
                properties = event["Properties"]
                routes[f"{properties['Method'].upper()} {properties['Path']}"] = properties
    return routes


def _path_pattern(route_path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^/]+?\\\+\\\}", ".+", re.escape(route_path))
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", pattern) + "$")


def check_http_api_event(event: dict[str, Any]) -> None:
    route = _routes().get(event["routeKey"])
    assert route is not None, f"no HttpApi route {event['routeKey']} in template.yaml"
    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert context["routeKey"] == event["routeKey"]
    assert context["http"]["path"] == event["rawPath"]
    assert _path_pattern(route["Path"]).match(event["rawPath"])
    assert route["Method"].upper() in ("ANY", context["http"]["method"])
    assert isinstance(context["timeEpoch"], int)
    assert all(name == name.lower() for name in event["headers"]), "HTTP API gives headers lowercased"
    if "Auth" in route:
        assert context["authorizer"]["jwt"]["claims"]["token_use"] in ("id", "access")
    if event["rawPath"].startswith("/twilio/"):
        # Twilio posts forms; HTTP API hands a form body over base64-encoded.
        assert event["isBase64Encoded"] is True
        assert event["headers"]["content-type"] == "application/x-www-form-urlencoded"
        form = dict(parse_qsl(base64.b64decode(event["body"]).decode()))
        assert form["MessageSid"].startswith("SM")
        assert event["headers"]["x-twilio-signature"]
        return
    assert event["isBase64Encoded"] is False
    if "body" in event:
        assert event["headers"]["content-type"] == "application/json"
        assert isinstance(json.loads(event["body"]), dict)


def check_sqs_event(event: dict[str, Any]) -> None:
    assert event["Records"]
    for record in event["Records"]:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"].startswith(f"arn:aws:sqs:{record['awsRegion']}:")
        assert record["messageId"]
        assert record["receiptHandle"]
        assert int(record["attributes"]["ApproximateReceiveCount"]) >= 1
        assert int(record["attributes"]["SentTimestamp"]) > 0
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324
        body = json.loads(record["body"])
        assert isinstance(body["appointment_id"], str)
        assert isinstance(body["job_id"], str)


def check_scheduler_event(event: dict[str, Any]) -> None:
    assert event.keys() == SCHEDULER_INPUT.keys()
    assert datetime.fromisoformat(event["time"]).utcoffset() == UTC.utcoffset(None)


def _event(path: Path) -> dict[str, Any]:
    event = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(event, dict)
    return event


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*")), ids=lambda path: path.name)
def test_every_sample_event_is_json_of_the_shape_its_source_sends(path: Path) -> None:
    event = _event(path)

    if "routeKey" in event:
        check_http_api_event(event)
    elif "Records" in event:
        check_sqs_event(event)
    else:
        check_scheduler_event(event)


def test_the_samples_cover_every_function() -> None:
    assert {path.name for path in EVENTS.glob("*.json")} >= {
        "admin_create_clinic.json",
        "admin_get_clinic.json",
        "scheduler.json",
        "sender.json",
    }


def test_create_clinic_sample_posts_the_contract_example_clinic() -> None:
    event = _event(EVENTS / "admin_create_clinic.json")
    clinic = json.loads(event["body"])

    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"] == "/admin/clinics"
    assert clinic["name"] == "Calm Waters"
    assert clinic["timezone"] == "America/New_York"
    assert {"sender", "phone", "quiet_hours", "reminders", "follow_ups", "discreet"} <= clinic.keys()


def test_acknowledge_sample_posts_a_note_as_a_named_cognito_user() -> None:
    event = _event(EVENTS / "admin_acknowledge_alert.json")

    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"].endswith("/acknowledge")
    assert set(json.loads(event["body"])) == {"note"}
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:username"] == "dr-lee"


def test_scheduler_sample_is_what_eventbridge_scheduler_sends_for_the_template_input() -> None:
    assert SCHEDULER_INPUT == {"time": "<aws.scheduler.scheduled-time>"}
    assert _event(EVENTS / "scheduler.json") == {"time": "2026-12-01T14:00:00Z"}


def test_sender_sample_carries_one_job_reference() -> None:
    (record,) = _event(EVENTS / "sender.json")["Records"]

    assert json.loads(record["body"]) == {"appointment_id": "ap_example", "job_id": "jb_example"}


def test_an_event_of_no_known_shape_is_refused() -> None:
    with pytest.raises(AssertionError):
        check_scheduler_event({"detail-type": "Scheduled Event"})
    with pytest.raises(AssertionError, match="no HttpApi route"):
        check_http_api_event({"routeKey": "GET /nowhere"})
