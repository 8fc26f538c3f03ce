"""The local stack's edge, as AWS builds it: the HTTP server standing in for API Gateway, and
what a Lambda function receives (an HTTP API payload 2.0 event, an SQS batch, the context).

The routing and the authorizer are the stack's (local_stack.py): the server hands each request
to one callable and writes back what it answers.
"""

import base64
import json
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext

MAX_REQUEST_BYTES = 1024 * 1024

# A status, headers and a body.
Response = tuple[int, dict[str, str], bytes]
# What serves one request: (method, path with its query, headers, body) -> the response.
Http = Callable[[str, str, dict[str, str], bytes], Response]


class LambdaContext(PowertoolsLambdaContext):
    """The context object Lambda passes to a handler, filled in for one local invocation."""

    def __init__(self, function_name: str, timeout_seconds: float = 60) -> None:
        self._deadline = time.monotonic() + timeout_seconds
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._memory_limit_in_mb = 512
        self._invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self._aws_request_id = secrets.token_hex(16)
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = "local"

    # Lambda's is a method of the context; powertools types it a staticmethod.
    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        return max(0, round((self._deadline - time.monotonic()) * 1000))


def query_parameters(query: str) -> dict[str, str] | None:
    """`queryStringParameters` as API Gateway passes them: each name and value percent-decoded
    (a `+` stays a `+`), a repeated name's values joined by commas, None when there are none."""
    found: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if "=" in pair:
            name, value = pair.split("=", 1)
            found.setdefault(unquote(name), []).append(unquote(value))
    return {name: ",".join(values) for name, values in found.items()} or None


def http_api_event(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes, now: datetime
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as AWS builds it."""
    content_type = headers.get("content-type", "")
    textual = content_type.startswith(("application/json", "text/")) or not body
    epoch_ms = int(now.timestamp() * 1000)
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "queryStringParameters": query_parameters(query),
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": secrets.token_hex(8),
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": epoch_ms,
        },
        "body": body.decode("utf-8", "replace") if textual else base64.b64encode(body).decode(),
        "isBase64Encoded": not textual,
    }


def http_response(result: Mapping[str, Any]) -> Response:
    """What API Gateway answers for a function's result (HTTP API, payload 2.0)."""
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return int(result["statusCode"]), dict(result.get("headers") or {}), raw


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_url: str) -> dict[str, Any]:
    """An SQS event source batch, as Lambda's poller builds it."""
    account, name = queue_url.rstrip("/").split("/")[-2:]
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:{account}:{name}",
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message} | ({"field": field} if field else {})}


def json_response(status: int, payload: dict[str, Any]) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


def method_not_allowed(path: str, allowed: str) -> Response:
    status, headers, body = json_response(
        405, error_body("method_not_allowed", f"{path} takes {allowed} only")
    )
    return status, headers | {"Allow": allowed}, body


def _handler(http: Http) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __getattr__(self, name: str) -> Any:
            # Every method (TRACE, OPTIONS, made-up ones) reaches the routing, which answers
            # 404 or 405 in JSON, rather than the server's own 501 page.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def _serve(self) -> None:
            declared = self.headers.get("Content-Length") or "0"
            if not (declared.isascii() and declared.isdigit()) or len(declared) > 12:
                self._refuse(400, "bad_request", "Content-Length must be a whole number of bytes")
                return
            length = int(declared)
            if length > MAX_REQUEST_BYTES:
                # The body is not read, so the connection cannot carry another request.
                self._refuse(413, "too_large", f"request body is larger than {MAX_REQUEST_BYTES} bytes")
                return
            body = self.rfile.read(length) if length else b""
            try:
                reply = http(self.command, self.path, dict(self.headers.items()), body)
            except Exception:  # a crash answers 500, as API Gateway does when a function fails
                stack_error = error_body("internal_error", "the function failed; see the stack's output")
                reply = json_response(500, stack_error)
                traceback.print_exc()
            self._reply(*reply)

        def _refuse(self, status: int, code: str, message: str) -> None:
            self.close_connection = True
            status, headers, body = json_response(status, error_body(code, message))
            self._reply(status, headers | {"Connection": "close"}, body)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            # What the server itself refuses (a malformed request line, headers too long) in JSON too.
            self._refuse(code, "bad_request", message or self.responses.get(code, ("",))[0])

        def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # Paths carry ids only, never phone numbers or bodies.
            path = urlsplit(getattr(self, "path", "")).path
            print(f"[http] {self.command} {path} -> {args[1] if len(args) > 1 else ''}")

    return Handler


@contextmanager
def serving(http: Http, port: int) -> Iterator[ThreadingHTTPServer]:
    """`http` behind a threading HTTP server on 127.0.0.1:`port`, while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(http))
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def outbox_item(entry: Any) -> dict[str, Any]:
    """An outbox entry as `GET /_local/outbox` answers it, its time as UTC text."""
    from touchpoint.domain.timeutil import utc_iso

    item: dict[str, Any] = dict(entry.__dict__)
    return item | {"sent_at": utc_iso(entry.sent_at) if entry.sent_at else None}
