"""A fake Twilio REST API on 127.0.0.1: the Messages resource, as the Twilio SDK calls it.

    with FakeTwilio(account_sid, auth_token) as twilio:
        TwilioSms(account_sid, auth_token, callback, api_base_url=twilio.base_url)
        twilio.script(Reply.TOO_MANY_REQUESTS)      # the next request answers 429 (code 20429)
        ...
        twilio.messages                             # what Twilio took (and would deliver)
        twilio.clock = lambda: datetime(2030, 3, 5, 18, 0, tzinfo=UTC)   # the "now" it stamps
        twilio.set_status(sid, "delivered")         # what Twilio later holds for that message

Each request is recorded (method, path, parsed form, Basic auth, what was answered). Replies
can be scripted for the next requests: 429, 500, 400 with 21610 (unsubscribed recipient) or
21211 (invalid 'To'), a stall longer than the client's timeout, or a connection dropped after
Twilio took the message (the client cannot tell whether it was sent).

Every message Twilio took (ACCEPT, STALL, DROP) is also in Twilio's own records, as the SDK
reads them: `GET .../Messages.json` (filters `To`, `From`, `DateSent`, `DateSent>`, `DateSent<`;
`PageSize`, `Page`, `PageToken`; newest first) and `GET .../Messages/{Sid}.json` (404, code
20404, for a SID it never took). A message Twilio refused (429, 500, 4xx) is not in them.
"""

import base64
import binascii
import contextlib
import json
import re
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import phonenumbers

API_VERSION = "2010-04-01"
MESSAGES_PATH = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json"
MESSAGE_PATH = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages/{{sid}}.json"
DEFAULT_STALL_SECONDS = 30.0
DEFAULT_PAGE_SIZE = 50  # Twilio's, when the request names none
MAX_PAGE_SIZE = 1000  # Twilio's largest page
# The status a message Twilio took holds in its records (the POST itself answers queued/accepted).
TAKEN_STATUS = "sent"
# The list filters Twilio's Messages resource knows, in the order its page URIs carry them.
LIST_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
_MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-fA-F]{32}")


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
    query: str = ""  # the raw query string (a GET's filters and paging)

    @property
    def params(self) -> dict[str, str]:
        """The query string, parsed (last value of each name)."""
        return _single_values(parse_qs(self.query, keep_blank_values=True))

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


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class StoredMessage:
    """A message in Twilio's records: its resource as a GET answers it, and when it was sent."""

    seq: int  # arrival order: breaks ties between messages sent in the same second
    sent_at: datetime  # UTC, to the second (Twilio's RFC 2822 dates carry no fraction)
    resource: dict[str, Any]


class BadRequest(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["message"])
        self.body = body


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
        self._stored: dict[str, StoredMessage] = {}
        # The "now" the fake stamps on what it takes; a test with simulated time replaces it.
        self.clock: Callable[[], datetime] = wall_clock
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
        """Forget recorded requests, scripted replies and the messages Twilio holds."""
        with self._lock:
            self._requests.clear()
            self._script.clear()
            self._stored.clear()

    def set_status(self, sid: str, status: str, error_code: int | str | None = None) -> None:
        """What Twilio holds for a message it took, from now on (e.g. "delivered", or
        "undelivered" with error code 30003)."""
        with self._lock:
            stored = self._stored[sid]
            stored.resource["status"] = status
            stored.resource["error_code"] = None if error_code is None else int(error_code)
            stored.resource["error_message"] = None if error_code is None else f"Error {error_code}"
            stored.resource["date_updated"] = format_datetime(self._now(), usegmt=True)

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

    def stored(self, sid: str) -> dict[str, Any] | None:
        """The message resource Twilio holds for this SID (a copy), or None."""
        with self._lock:
            stored = self._stored.get(sid)
            return None if stored is None else dict(stored.resource)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    # ---- the Messages resource ----

    def take(self, form: dict[str, str], sid: str) -> None:
        """Twilio took the message: it goes out now, and is in its records from now on."""
        sent_at = self._now()
        resource = self.message_resource(form, sid) | {
            "status": TAKEN_STATUS,
            "date_sent": format_datetime(sent_at, usegmt=True),
        }
        with self._lock:
            self._stored[sid] = StoredMessage(len(self._stored), sent_at, resource)

    def fetch(self, sid: str) -> dict[str, Any] | None:
        return self.stored(sid)

    def message_list(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """One page of the Messages list, as Twilio answers it: newest first, with its page URIs."""
        page_size = _int_param(params, "PageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        page = _int_param(params, "Page", 0, 0, None)
        filters = {name: params[name] for name in LIST_FILTERS if params.get(name)}
        wanted = _matcher(filters)
        with self._lock:
            matching = [stored for stored in self._stored.values() if wanted(stored)]
        matching.sort(key=lambda stored: (stored.sent_at, stored.seq), reverse=True)
        sids = [stored.resource["sid"] for stored in matching]
        token = params.get("PageToken", "")
        # PA<sid>: the page after that message; PB<sid>: the page before it. Else by page number.
        if token.startswith("PA") and token[2:] in sids:
            first = sids.index(token[2:]) + 1
        elif token.startswith("PB") and token[2:] in sids:
            first = max(sids.index(token[2:]) - page_size, 0)
        else:
            first = page * page_size
        rows = matching[first : first + page_size]

        def uri(number: int, page_token: str | None = None) -> str:
            query = filters | {"PageSize": str(page_size), "Page": str(number)}
            if page_token:
                query["PageToken"] = page_token
            return f"{path}?{urlencode(query)}"

        more = first + page_size < len(matching)
        start = page * page_size
        return {
            "messages": [dict(stored.resource) for stored in rows],
            "end": start + len(rows) - 1 if rows else start,
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, "PA" + rows[-1].resource["sid"]) if more and rows else None,
            "previous_page_uri": (
                uri(page - 1, "PB" + rows[0].resource["sid"]) if page > 0 and rows else None
            ),
            "page": page,
            "page_size": page_size,
            "start": start,
            "uri": uri(page, token or None),
        }

    def message_resource(self, form: dict[str, str], sid: str) -> dict[str, Any]:
        now = format_datetime(self._now(), usegmt=True)
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


def _int_param(params: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        raise BadRequest(twilio_error(400, 20001, f"Invalid {name}: {raw}"))
    return value


def _filter_time(name: str, raw: str) -> date | datetime:
    """Twilio's DateSent filters take a GMT date (YYYY-MM-DD) or a date-time (the SDK sends
    YYYY-MM-DDTHH:MM:SSZ)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(twilio_error(400, 20001, f"Invalid {name}: {raw}")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _matcher(filters: dict[str, str]) -> Callable[[StoredMessage], bool]:
    after = _filter_time("DateSent>", filters["DateSent>"]) if "DateSent>" in filters else None
    before = _filter_time("DateSent<", filters["DateSent<"]) if "DateSent<" in filters else None
    on = _filter_time("DateSent", filters["DateSent"]) if "DateSent" in filters else None

    def key(stored: StoredMessage, bound: date | datetime) -> date | datetime:
        # A date bound compares with the day the message was sent on (GMT); a date-time, with the second.
        return stored.sent_at if isinstance(bound, datetime) else stored.sent_at.date()

    def wanted(stored: StoredMessage) -> bool:
        resource = stored.resource
        if "To" in filters and resource["to"] != filters["To"]:
            return False
        if "From" in filters and resource["from"] != filters["From"]:
            return False
        if after is not None and key(stored, after) < after:
            return False
        if before is not None and key(stored, before) > before:
            return False
        return on is None or key(stored, on) == on

    return wanted


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
            parts = urlsplit(self.path)
            path, query = parts.path, parts.query
            auth = _basic_auth(self.headers.get("Authorization"))
            status, body = self._get(path, query, auth)
            twilio._record(RecordedRequest("GET", path, {}, auth, None, status, query=query))
            self._json(status, body)

        def _get(self, path: str, query: str, auth: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
            not_found = 404, twilio_error(404, 20404, f"The requested resource {path} was not found")
            if auth != (twilio.account_sid, twilio.auth_token):
                return 401, twilio_error(401, 20003, "Authenticate")
            if path == MESSAGES_PATH.format(account_sid=twilio.account_sid):
                try:
                    return 200, twilio.message_list(path, _single_values(parse_qs(query)))
                except BadRequest as error:
                    return 400, error.body
            name = path.rpartition("/")[2]
            sid = name.removesuffix(".json")
            if (
                name.endswith(".json")
                and _MESSAGE_SID.fullmatch(sid)
                and path == MESSAGE_PATH.format(account_sid=twilio.account_sid, sid=sid)
            ):
                resource = twilio.fetch(sid)
                return (200, resource) if resource is not None else not_found
            return not_found

        def _reply(self, reply: Reply, path: str, form: dict[str, str], auth: tuple[str, str] | None) -> None:
            sid = new_message_sid() if reply in _TAKEN else None
            if sid is not None:
                twilio.take(form, sid)
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
