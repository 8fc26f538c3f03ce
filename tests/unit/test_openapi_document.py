"""The checked-in OpenAPI document (functions/touchpoint/openapi.json) against the admin handler's
route table: a route declared in admin.py and not documented, or documented and not declared,
fails here. tests/e2e/test_openapi_conformance.py holds the schemas to what the code answers."""

import json
import re
from importlib.resources import files
from typing import Any

import pytest

from touchpoint.domain.access import Action
from touchpoint.handlers import admin

DOCUMENT: dict[str, Any] = json.loads(files("touchpoint").joinpath("openapi.json").read_text())
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
LOCAL_ONLY = {"/_local/tick", "/_local/users", "/_local/outbox", "/openapi.json"}


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def table_routes() -> dict[tuple[str, str], Action]:
    """The route table's routes, their rules written as OpenAPI paths (`<x>` as `{x}`)."""
    return {
        (route.method, re.sub(r"<(\w+)>", r"{\1}", route.rule)): route.action for route in admin.routes.routes
    }


def test_the_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")

    assert DOCUMENT["openapi"].startswith("3.1.")
    validator.validate(DOCUMENT)


def test_every_route_of_the_admin_table_is_documented() -> None:
    documented = set(operations(DOCUMENT))

    missing = sorted(
        f"{method} {path}" for method, path in table_routes() if (method, path) not in documented
    )

    assert missing == [], f"add these routes to functions/touchpoint/openapi.json: {missing}"


def test_every_documented_admin_operation_is_a_route_of_the_table() -> None:
    declared = set(table_routes())

    extra = sorted(
        f"{method} {path}"
        for method, path in operations(DOCUMENT)
        if path.startswith("/admin") and (method, path) not in declared
    )

    assert extra == [], f"documented but not in admin.routes: {extra}"


def test_admin_operations_need_the_bearer_token_and_name_their_action() -> None:
    for (method, path), action in table_routes().items():
        operation = operations(DOCUMENT).get((method, path))
        if operation is None:
            continue  # reported by the test above
        assert operation["security"] == [{"bearer": []}], f"{method} {path}"
        assert operation.get("x-action") == action.value, f"{method} {path}: x-action"
        assert "401" in operation["responses"], f"{method} {path}"
        assert "403" in operation["responses"], f"{method} {path}"


def test_path_parameters_are_the_rules_parameters() -> None:
    for path, item in DOCUMENT["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert declared == named, path


def test_the_public_and_local_routes_are_documented_as_such() -> None:
    documented = operations(DOCUMENT)

    assert documented[("GET", "/health")]["security"] == []
    for method, path in (("POST", "/twilio/inbound"), ("POST", "/twilio/status")):
        operation = documented[(method, path)]
        assert operation["security"] == [{"twilioSignature": []}]
        assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    local = {path for (_, path), operation in documented.items() if operation.get("x-local-only") is True}
    assert local == LOCAL_ONLY


def test_every_error_response_has_the_error_shape() -> None:
    for (method, path), operation in operations(DOCUMENT).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400 and "$ref" not in response:
                assert not response.get("content"), f"{method} {path} {status}: use a components response"
