"""Who signs an acknowledgement: the caller's name, read from the verified token's claims."""

import json
from pathlib import Path
from typing import Any

import pytest

from touchpoint.handlers.identity import MAX_NAME_CHARS, caller_name

EVENTS = Path(__file__).resolve().parents[2] / "events"


def event_with(claims: dict[str, Any] | None) -> dict[str, Any]:
    authorizer = {} if claims is None else {"jwt": {"claims": claims, "scopes": None}}
    return {"requestContext": {"authorizer": authorizer}}


def test_a_cognito_id_token_names_the_caller_by_cognito_username() -> None:
    sample = json.loads((EVENTS / "admin_get_clinic.json").read_text())
    claims = sample["requestContext"]["authorizer"]["jwt"]["claims"]

    assert caller_name(sample) == claims["cognito:username"]


@pytest.mark.parametrize(
    ("claims", "name"),
    [
        (
            {"cognito:username": "dr-lee", "username": "x", "email": "lee@clinic.example", "sub": "s"},
            "dr-lee",
        ),
        ({"username": "dr-lee", "sub": "7c9e"}, "dr-lee"),  # an access token
        ({"email": "lee@clinic.example", "sub": "7c9e"}, "lee@clinic.example"),
        ({"sub": "7c9e2a54"}, "7c9e2a54"),
        ({"cognito:username": "  ", "email": "lee@clinic.example"}, "lee@clinic.example"),
        ({"cognito:username": 7, "sub": "7c9e"}, "7c9e"),
    ],
)
def test_the_name_is_the_first_claim_that_holds_one(claims: dict[str, Any], name: str) -> None:
    assert caller_name(event_with(claims)) == name


def test_the_local_stack_admin_token_stands_for_local_admin() -> None:
    assert caller_name(event_with({"sub": "local-admin", "username": "local-admin"})) == "local-admin"


@pytest.mark.parametrize("event", [{}, {"requestContext": {}}, event_with(None), event_with({"iss": "x"})])
def test_no_authorizer_or_no_name_is_nobody(event: dict[str, Any]) -> None:
    assert caller_name(event) is None


def test_a_very_long_name_is_cut_to_a_bound() -> None:
    assert caller_name(event_with({"sub": "x" * 10_000})) == "x" * MAX_NAME_CHARS
