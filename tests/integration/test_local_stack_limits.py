"""The local stack over real HTTP (embedded moto): every method and path answers JSON (404, 405
with Allow), an oversized body answers 413 and closes its connection, and /_local/tick takes
only a JSON object whose `now` lies in 2000-2100."""

import http.client
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local_http import MAX_REQUEST_BYTES
from infra.local_stack import LocalConfig, LocalStack
from touchpoint import bootstrap

ADMIN_TOKEN = "local-stack-limits-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    saved = dict(os.environ)
    config = LocalConfig(
        port=0, public_url="https://touchpoint-local.example.test", admin_token=ADMIN_TOKEN, auto_tick=False
    )
    try:
        with LocalStack(config) as running:
            yield running
    finally:
        os.environ.clear()
        os.environ.update(saved)
        bootstrap.reset()


@pytest.fixture(scope="module")
def port(stack: LocalStack) -> Iterator[int]:
    with stack.serving(port=0) as server:
        yield server.server_address[1]


def send(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=AUTH | (headers or {}))
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def error_of(raw: bytes) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(raw)["error"]
    return error


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "DELETE", "BREW", "PROPFIND"])
@pytest.mark.parametrize("path", ["/", "/nowhere", "/_local/nothing", "/twilio/other", "/admin/nothing"])
def test_any_method_on_an_unknown_path_answers_404_in_json(port: int, method: str, path: str) -> None:
    status, headers, raw = send(port, method, path)
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert error_of(raw)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/_local/tick", "GET, POST"),
        ("TRACE", "/_local/tick", "GET, POST"),
        ("OPTIONS", "/_local/tick", "GET, POST"),
        ("POST", "/_local/outbox", "GET"),
        ("TRACE", "/twilio/inbound", "POST"),
        ("GET", "/twilio/status", "POST"),
        ("OPTIONS", "/admin/clinics", "GET, POST"),
        ("GET", "/_local/users", "POST"),
        ("TRACE", "/admin/clinics/cl_x", "GET, PATCH, PUT"),
    ],
)
def test_a_known_path_with_another_method_answers_405_with_allow(
    port: int, method: str, path: str, allowed: str
) -> None:
    status, headers, raw = send(port, method, path)
    assert status == 405
    assert headers["allow"] == allowed
    assert error_of(raw)["code"] == "method_not_allowed"


def test_head_answers_the_status_and_headers_without_a_body(port: int) -> None:
    status, headers, raw = send(port, "HEAD", "/_local/users")
    assert (status, headers["allow"], raw) == (405, "POST", b"")
    assert int(headers["content-length"]) > 0
    # The connection was left in order: the next request is served.
    assert send(port, "GET", "/_local/outbox")[0] == 200


def test_a_body_over_one_mib_answers_413_in_json_and_closes_the_connection(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", "/admin/clinics")
        connection.putheader("Authorization", AUTH["Authorization"])
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(MAX_REQUEST_BYTES + 1))
        connection.endheaders()
        connection.send(b"[" * 65536)  # part of the body: the server answers without reading it
        response = connection.getresponse()
        raw = response.read()
        assert response.status == 413
        assert response.getheader("Connection") == "close"
        assert error_of(raw)["code"] == "too_large"
        assert "1048576" in error_of(raw)["message"]
    finally:
        connection.close()
    assert send(port, "GET", "/_local/outbox")[0] == 200


def test_the_server_closes_the_connection_after_a_413(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw_socket:
        request = (
            f"POST /_local/tick HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH['Authorization']}\r\n"
            f"Content-Length: {MAX_REQUEST_BYTES * 10}\r\n\r\n"
        )
        raw_socket.sendall(request.encode())
        received = b""
        while chunk := raw_socket.recv(65536):  # ends when the server closes its side
            received += chunk
    assert received.startswith(b"HTTP/1.1 413")
    assert b"Connection: close" in received


@pytest.mark.parametrize("length", ["abc", "-5", "9" * 40])
def test_a_content_length_that_is_not_a_byte_count_answers_400_in_json(port: int, length: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw_socket:
        raw_socket.sendall(
            f"POST /_local/tick HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        received = b""
        while chunk := raw_socket.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert error_of(body)["code"] == "bad_request"


def test_a_request_line_the_server_cannot_read_answers_json_not_an_html_page(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw_socket:
        raw_socket.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while chunk := raw_socket.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414")
    assert b"application/json" in head
    assert "error" in json.loads(body)


@pytest.mark.parametrize(
    "body", [b"[]", b'"2030-01-01T00:00:00Z"', b"7", b"null", b'{"now": "2030-01-01T00:00:00Z", "x": 1}']
)
def test_a_tick_body_that_is_not_an_object_of_now_answers_422(port: int, body: bytes) -> None:
    status, _, raw = send(port, "POST", "/_local/tick", body, {"Content-Type": "application/json"})
    assert status == 422
    assert error_of(raw)["field"] == "body"


@pytest.mark.parametrize("body", [b"[" * 20_000, b'{"now": ' + b"9" * 5000 + b"}", b"{", b'{"now": 1e999}'])
def test_a_tick_body_that_cannot_be_read_answers_400(port: int, body: bytes) -> None:
    status, _, raw = send(port, "POST", "/_local/tick", body, {"Content-Type": "application/json"})
    assert status == 400
    assert error_of(raw)["code"] == "bad_request"


@pytest.mark.parametrize(
    "now",
    [
        "0001-01-01T00:00:00+05:00",
        "0999-12-31T23:59:59Z",
        "1999-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_a_tick_outside_2000_to_2100_answers_422_and_leaves_the_clock_working(
    stack: LocalStack, port: int, now: str
) -> None:
    before = stack.clock.now()
    status, _, raw = send(port, "POST", "/_local/tick", json.dumps({"now": now}).encode())
    assert status == 422
    assert error_of(raw)["field"] == "now"
    assert "2000" in error_of(raw)["message"]
    assert abs((stack.clock.now() - before).total_seconds()) < 60

    status, _, raw = send(port, "POST", "/_local/tick", b'{"now": "2030-06-01T12:00:00Z"}')
    assert status == 200, raw
    assert stack.clock.now().astimezone(UTC) >= datetime(2030, 6, 1, 12, tzinfo=UTC)
