"""A fake Twilio REST API on 127.0.0.1: the Messages resource, as the Twilio SDK calls it.

    with FakeTwilio(account_sid, auth_token) as twilio:
        TwilioSms(account_sid, auth_token, callback, api_base_url=twilio.base_url)
        twilio.script(Reply.TOO_MANY_REQUESTS)      # the next request answers 429 (code 20429)
        ...
        twilio.messages                             # what Twilio took (and would deliver)

Each request is recorded (method, path, parsed form, Basic auth, what was answered). Replies
can be scripted for the next requests: 429, 500, 400 with 21610 (unsubscribed recipient) or
21211 (invalid 'To'), a stall longer than the client's timeout, or a connection dropped after
Twilio took the message (the client cannot tell whether it was sent).
"""

import base64
import binascii
import contextlib
import json
import secrets
import socket
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import phonenumbers

API_VERSION = "2010-04-01"
MESSAGES_PATH = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json"
DEFAULT_STALL_SECONDS = 30.0


class Reply(StrEnum):
    """How the fake answers one Messages request."""

    ACCEPT = "accept"  # 201, the message resource
    TOO_MANY_REQUESTS = "too_many_requests"  # 429, code 20429: Twilio did not take it
    SERVER_ERROR = "server_error"  # 500: Twilio may or may not have taken it
    UNSUBSCRIBED = "unsubscribed"  # 400, code 21610: the recipient replied STOP
    INVALID_TO = "invalid_to"  # 400, code 21211: not a valid 'To' number
    STALL = "stall"  # Twilio takes the message but answers only after `stall_seconds`
    DROP = "drop"  # Twilio takes the message, then the connection closes without an answer


# Replies after which the message goes out to the patient, whatever the client learnt.
_TAKEN = frozenset({Reply.ACCEPT, Reply.STALL, Reply.DROP})


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    reply: Reply | None  # None: refused before any scripted reply (auth, route, validation)
    status: int | None  # None: no answer was sent
    sid: str | None = None

    @property
    def taken(self) -> bool:
        """Twilio accepted the message: it reaches the patient."""
        return self.reply in _TAKEN and self.sid is not None


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    """The error body of Twilio's REST API (the SDK reads `code` and `message`)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


class FakeTwilio:
    """The Twilio Messages resource on a free port of 127.0.0.1, served from a background thread."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake-auth-token",  # noqa: S107
        *,
        stall_seconds: float = DEFAULT_STALL_SECONDS,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.stall_seconds = stall_seconds
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----

    def start(self) -> "FakeTwilio":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # lets stalled requests finish
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeTwilio":
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Twilio server is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to give the SDK instead of https://api.twilio.com."""
        return f"http://127.0.0.1:{self.port}"

    # ---- scripting ----

    def script(self, *replies: Reply | str, times: int = 1) -> None:
        """Answer the next requests with these replies (each `times` times), then accept again."""
        with self._lock:
            for reply in replies:
                self._script.extend([Reply(reply)] * times)

    def clear_script(self) -> None:
        """Drop replies scripted but not used yet: the next requests are accepted."""
        with self._lock:
            self._script.clear()

    def reset(self) -> None:
        """Forget recorded requests and scripted replies."""
        with self._lock:
            self._requests.clear()
            self._script.clear()

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else Reply.ACCEPT

    # ---- what happened ----

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[RecordedRequest]:
        """The Messages requests Twilio took: each one reaches a phone."""
        return [request for request in self.requests if request.taken]

    def messages_to(self, phone: str) -> list[RecordedRequest]:
        return [request for request in self.messages if request.form.get("To") == phone]

    def requests_to(self, phone: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.form.get("To") == phone]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # ---- the Messages resource ----

    def message_resource(self, form: dict[str, str], sid: str) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        service = form.get("MessagingServiceSid")
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Through a Messaging Service Twilio first answers `accepted`, then picks a sender.
            "status": "accepted" if service and not form.get("From") else "queued",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": form["To"],
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
        }

    def validation_error(self, form: dict[str, str]) -> dict[str, Any] | None:
        if not form.get("To"):
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not _is_e164(form["To"]):
            return twilio_error(400, 21211, f"Invalid 'To' Phone Number: {form['To']}")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return twilio_error(400, 21602, "Message body is required.")
        return None


def _is_e164(phone: str) -> bool:
    if not phone.startswith("+"):
        return False
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _single_values(pairs: dict[str, list[str]]) -> dict[str, str]:
    return {name: values[-1] for name, values in pairs.items()}


def _handler(twilio: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so a dropped connection is never a stale pooled one.
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            form = _single_values(parse_qs(raw, keep_blank_values=True))
            auth = _basic_auth(self.headers.get("Authorization"))
            path = urlsplit(self.path).path

            def refuse(status: int, body: dict[str, Any]) -> None:
                twilio._record(RecordedRequest("POST", path, form, auth, None, status))
                self._json(status, body)

            if auth != (twilio.account_sid, twilio.auth_token):
                refuse(401, twilio_error(401, 20003, "Authenticate"))
                return
            if path != MESSAGES_PATH.format(account_sid=twilio.account_sid):
                refuse(404, twilio_error(404, 20404, f"The requested resource {path} was not found"))
                return
            invalid = twilio.validation_error(form)
            if invalid is not None:
                refuse(400, invalid)
                return
            self._reply(twilio._next_reply(), path, form, auth)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            auth = _basic_auth(self.headers.get("Authorization"))
            twilio._record(RecordedRequest("GET", path, {}, auth, None, 404))
            self._json(404, twilio_error(404, 20404, f"The requested resource {path} was not found"))

        def _reply(self, reply: Reply, path: str, form: dict[str, str], auth: tuple[str, str] | None) -> None:
            sid = new_message_sid() if reply in _TAKEN else None
            if reply is Reply.DROP:
                twilio._record(RecordedRequest("POST", path, form, auth, reply, None, sid))
                self._drop()
                return
            if reply is Reply.STALL:
                twilio._record(RecordedRequest("POST", path, form, auth, reply, None, sid))
                twilio._release.wait(twilio.stall_seconds)
                assert sid is not None
                self._answer_late(201, twilio.message_resource(form, sid))
                return
            status, body = _answer(twilio, reply, form, sid)
            twilio._record(RecordedRequest("POST", path, form, auth, reply, status, sid))
            self._json(status, body)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
            self.end_headers()
            self.wfile.write(payload)

        def _answer_late(self, status: int, body: dict[str, Any]) -> None:
            # The client has given up by now: writing may fail, which is the point.
            with contextlib.suppress(OSError):
                self._json(status, body)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read the recorded requests instead."""

    return Handler


def _answer(
    twilio: FakeTwilio, reply: Reply, form: dict[str, str], sid: str | None
) -> tuple[int, dict[str, Any]]:
    if reply is Reply.ACCEPT:
        assert sid is not None
        return 201, twilio.message_resource(form, sid)
    if reply is Reply.TOO_MANY_REQUESTS:
        return 429, twilio_error(429, 20429, "Too Many Requests")
    if reply is Reply.SERVER_ERROR:
        return 500, twilio_error(500, 20500, "Internal Server Error")
    if reply is Reply.UNSUBSCRIBED:
        return 400, twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
    if reply is Reply.INVALID_TO:
        return 400, twilio_error(400, 21211, f"Invalid 'To' Phone Number: {form.get('To')}")
    raise ValueError(f"no canned answer for {reply}")


def count_by(requests: Iterable[RecordedRequest], name: str) -> dict[str, int]:
    """How many requests carry each value of a form field, e.g. count_by(messages, "To")."""
    counts: dict[str, int] = {}
    for request in requests:
        value = request.form.get(name, "")
        counts[value] = counts.get(value, 0) + 1
    return counts
