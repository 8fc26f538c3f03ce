"""The local stack: the deployed HTTP API, scheduler and sender on one machine, without AWS or Twilio.

It calls the very same Lambda handlers as AWS does, with API Gateway (HTTP API, payload 2.0)
events, scheduled events and SQS batches, on an embedded moto unless AWS_ENDPOINT_URL is set.
Here: the configuration, the clock, the wiring, the routing, the scheduler's tick and the
sender's queue; the HTTP server and the events themselves are in local_http.py.
"""

import json
import os
import secrets
import signal
import sys
import threading
import time
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from infra.local_console import console_file
from infra.local_http import (
    LambdaContext,
    Response,
    error_body,
    http_api_event,
    http_response,
    json_response,
    method_not_allowed,
    outbox_item,
    serving,
    sqs_event,
)
from infra.local_time import LocalClock, TickResult
from infra.local_users import InvalidUser, LocalUsers

TABLE_NAME = "touchpoint-local"
QUEUE_NAME = "touchpoint-send-local"
TICK_INTERVAL_SECONDS = 60
TICK_YEARS = (2000, 2100)  # the instants POST /_local/tick accepts
# Checks webhook signatures unless TWILIO_AUTH_TOKEN is set: fresh for each run and printed at start,
# so that no one can sign a webhook for a local stack they did not start (a tunnel makes it public).
LOCAL_AUTH_TOKEN = secrets.token_urlsafe(24)


@dataclass(frozen=True)
class LocalConfig:
    port: int = 3000
    public_url: str = ""
    admin_token: str = ""
    auto_tick: bool = True
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base_url: str | None = None
    aws_endpoint_url: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "LocalConfig":
        env = dict(os.environ if environ is None else environ)
        port = int(env.get("TOUCHPOINT_PORT") or 3000)
        return cls(
            port=port,
            public_url=(env.get("TOUCHPOINT_PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            admin_token=env.get("TOUCHPOINT_ADMIN_TOKEN") or secrets.token_urlsafe(24),
            auto_tick=env.get("TOUCHPOINT_AUTO_TICK", "1") != "0",
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_api_base_url=env.get("TWILIO_API_BASE_URL") or None,
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        )

    @property
    def uses_twilio(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)


def configure_environment(config: LocalConfig, queue_url: str | None = None) -> None:
    """What the template's Globals and each function's Environment set in AWS."""
    defaults = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_SERVICE_NAME": "touchpoint",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    if not config.aws_endpoint_url:
        # The embedded emulation takes any credentials; never let real ones reach it.
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
    os.environ["TABLE_NAME"] = TABLE_NAME
    os.environ["PUBLIC_URL"] = config.public_url
    if queue_url:
        os.environ["QUEUE_URL"] = queue_url
    # Without both credentials SMS go to the outbox; webhooks are signed with TWILIO_AUTH_TOKEN
    # when it is set (alone, it is the webhook token), else with LOCAL_AUTH_TOKEN.
    twilio: dict[str, str | None] = {
        "TWILIO_ACCOUNT_SID": config.twilio_account_sid if config.uses_twilio else None,
        "TWILIO_AUTH_TOKEN": config.twilio_auth_token or LOCAL_AUTH_TOKEN,
        "TWILIO_API_BASE_URL": config.twilio_api_base_url,
    }
    for name, setting in twilio.items():
        if setting:
            os.environ[name] = setting
        else:
            os.environ.pop(name, None)


class LocalStack:
    """The stack's wiring in one process; `serving()` puts the HTTP API in front of it."""

    def __init__(self, config: LocalConfig) -> None:
        self.config = config
        self.clock = LocalClock()
        self._invocations = threading.Lock()  # one Lambda invocation at a time, like reserved concurrency 1
        self._resources = ExitStack()
        self.queue_url = ""
        self.users = LocalUsers(config.admin_token)
        # The latest finished tick: when it ran on the wall clock, and the instant it ran as.
        self.last_tick: tuple[datetime, datetime] | None = None

    def start(self) -> "LocalStack":
        configure_environment(self.config)
        if not self.config.aws_endpoint_url:
            from moto import mock_aws

            self._resources.enter_context(mock_aws())
        import boto3

        from infra.template import create_aws_resources

        created = create_aws_resources(boto3.session.Session(), TABLE_NAME, QUEUE_NAME)
        self.queue_url = created["queue_url"]
        configure_environment(self.config, self.queue_url)
        from touchpoint import bootstrap

        bootstrap.reset()
        bootstrap.outbox().clock = self.clock.now  # its records, in the stack's time
        return self

    def stop(self) -> None:
        self._resources.close()

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ---- the HTTP API, as API Gateway would call the functions ----

    def http(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        """One request to the HTTP API: routing and the authorizer as API Gateway does them."""
        headers = {name.lower(): value for name, value in (headers or {}).items()}
        url = urlsplit(path)
        claims = None
        if url.path.startswith(("/admin/", "/_local/")):
            scheme, _, token = headers.get("authorization", "").partition(" ")
            claims = self.users.claims_for(token) if scheme == "Bearer" and token else None
            if claims is None:
                return json_response(401, error_body("unauthorized", "missing or wrong bearer token"))
        if (
            url.path.startswith("/_local/")
            and claims is not None
            and not self.users.is_platform_admin(claims)
        ):
            message = "the /_local/ routes are a platform admin's"
            return json_response(403, error_body("forbidden", message))
        if url.path == "/health":
            return self._invoke_http("admin", method, url.path, url.query, headers, body)
        if url.path == "/openapi.json":
            from importlib.resources import files

            if method != "GET":
                return method_not_allowed(url.path, "GET")
            return json_response(200, json.loads(files("touchpoint").joinpath("openapi.json").read_text()))
        if url.path == "/_local/tick":
            return self._tick_request(method, body)
        if url.path == "/_local/users":
            return self._users_request(method, body)
        if url.path == "/_local/outbox":
            if method != "GET":
                return method_not_allowed(url.path, "GET")
            return json_response(200, {"items": [outbox_item(entry) for entry in self.outbox_entries()]})
        if url.path.startswith("/admin/"):
            return self._invoke_http("admin", method, url.path, url.query, headers, body, claims)
        if url.path.startswith("/twilio/"):
            return self._invoke_http("inbound", method, url.path, url.query, headers, body)
        if url.path == "/console" or url.path.startswith("/console/"):
            return console_file(method, url.path)
        return json_response(404, error_body("not_found", f"no route {method} {url.path}"))

    def _invoke_http(
        self,
        function: str,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        claims: dict[str, Any] | None = None,
    ) -> Response:
        event = http_api_event(method, path, query, headers, body, self.clock.now())
        if claims is not None:
            # What API Gateway's JWT authorizer passes on for a verified access token.
            event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": []}}
        with self._invocations:
            from touchpoint.handlers import admin, inbound

            handler = admin.handler if function == "admin" else inbound.handler
            # The template's timeouts: the admin function's 29 s, the webhook's 10 s.
            timeout = 29 if function == "admin" else 10
            result = handler(event, LambdaContext(f"touchpoint-{function}", timeout))
        return http_response(result)

    def _users_request(self, method: str, body: bytes) -> Response:
        from touchpoint.domain.errors import DomainError
        from touchpoint.domain.json_input import decode_json

        if method != "POST":
            return method_not_allowed("/_local/users", "POST")
        try:
            return json_response(201, self.users.add(decode_json(body.decode("utf-8", "replace") or "{}")))
        except DomainError as problem:
            return json_response(400, error_body(problem.code, problem.message, problem.field))
        except InvalidUser as problem:
            return json_response(422, error_body("invalid_input", problem.message, problem.field))

    # ---- the scheduler and the sender ----

    def tick(self, now: datetime, *, simulated: bool = True) -> TickResult:
        """One scheduler pass at `now`, then every message it queued, through the sender.

        A simulated tick (`POST /_local/tick`, the demo) sets the stack's clock to `now`; the
        automatic tick runs on the wall clock and leaves the stack's clock alone.
        """
        from touchpoint.handlers import reconciler, scheduler

        if simulated:
            self.clock.set_to(now)
        started = datetime.now(UTC)
        result = TickResult()
        event = {"time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        with self._invocations:
            # Unknown sends first: one Twilio never had is pending again for this very pass.
            settled = reconciler.handler(event, LambdaContext("touchpoint-reconciler"))
            result.reconciled = settled["adopted"] + settled["sent_again"] + settled["not_sent"]
            scheduled = scheduler.handler(event, LambdaContext("touchpoint-scheduler"))
            result.queued = scheduled["queued"]
            result.missed = scheduled["missed"]
            result.escalated = scheduled["escalated"]
            self._drain_send_queue(now, result)
        self.last_tick = (started, now)
        return result

    def _drain_send_queue(self, now: datetime, result: TickResult) -> None:
        import boto3

        from touchpoint import bootstrap
        from touchpoint.handlers import sender
        from touchpoint.usecases.sending import Delivery, Sender

        sqs = boto3.client("sqs")

        class RecordingSender(Sender):
            def deliver(self, ref: Any, at: datetime) -> Delivery:
                delivery = super().deliver(ref, at)
                result.deliveries.append({"job_id": ref.job_id, **delivery.__dict__})
                count = delivery.outcome if delivery.outcome != "ignored" else None
                if count:
                    setattr(result, count, getattr(result, count) + 1)
                return delivery

        base = bootstrap.sender()
        recording = RecordingSender(base.jobs, base.patients, base.sms)
        to_retry: list[str] = []
        while True:
            received = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not received:
                break
            event = sqs_event(received, self.queue_url)
            response = sender.handler(
                event,
                LambdaContext("touchpoint-sender"),
                sender=recording,
                clock=lambda: now,
            )
            failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
            result.retried += len(failed)
            for message in received:
                if message["MessageId"] in failed:
                    to_retry.append(message["ReceiptHandle"])
                else:
                    sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        # A record the sender gave back (Twilio 429, 401, 403) would stay invisible for the
        # queue's visibility timeout, 180 s of real time; in simulated time the next tick is
        # the next retry. Released only once the queue is drained, so a lasting 429 cannot
        # keep this loop going.
        for receipt in to_retry:
            sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0)

    def _tick_request(self, method: str, body: bytes) -> Response:
        from touchpoint.domain.errors import DomainError
        from touchpoint.domain.json_input import decode_json
        from touchpoint.domain.timeutil import utc_iso

        if method == "GET":  # when the latest tick (automatic or POSTed) ran, and as which instant
            ran = [utc_iso(instant) if instant else None for instant in self.last_tick or (None, None)]
            return json_response(200, {"last_tick": ran[0], "now": ran[1]})
        if method != "POST":
            return method_not_allowed("/_local/tick", "GET, POST")
        try:
            payload = decode_json(body.decode("utf-8", "replace") or "{}")
        except DomainError as problem:
            return json_response(400, error_body(problem.code, problem.message, problem.field))
        if not isinstance(payload, dict) or set(payload) - {"now"}:
            return json_response(
                422, error_body("invalid_input", 'body must be {"now": "<ISO 8601 instant>"}', "body")
            )
        if "now" not in payload:
            return json_response(200, self.tick(self.clock.now()).to_dict())
        try:
            now = datetime.fromisoformat(payload["now"])
        except (ValueError, TypeError):
            message = 'body must be {"now": "<ISO 8601 instant>"}'
            return json_response(400, error_body("bad_request", message, "now"))
        if now.tzinfo is None:
            return json_response(422, error_body("invalid_input", "now must carry an offset or Z", "now"))
        # Far enough either way for any simulation; outside it the stack's clock (now plus an
        # offset) and the scheduler's key ranges would leave what datetime can hold.
        if not TICK_YEARS[0] <= now.year <= TICK_YEARS[1]:
            message = f"now must be an instant in the years {TICK_YEARS[0]} to {TICK_YEARS[1]}"
            return json_response(422, error_body("invalid_input", message, "now"))
        return json_response(200, self.tick(now.astimezone(UTC)).to_dict())

    def outbox_entries(self) -> list[Any]:
        from touchpoint import bootstrap

        return list(bootstrap.outbox().sent)

    # ---- serving ----

    def serving(self, port: int | None = None) -> AbstractContextManager[ThreadingHTTPServer]:
        return serving(self.http, self.config.port if port is None else port)

    def auto_tick(self, stop: threading.Event) -> None:
        while not stop.wait(TICK_INTERVAL_SECONDS):
            result = self.tick(datetime.now(UTC).replace(microsecond=0), simulated=False)
            if result.queued or result.escalated:
                print(f"[tick] {json.dumps(result.to_dict())}", flush=True)


def main() -> None:
    config = LocalConfig.from_env()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalStack(config) as stack, stack.serving():
        sms = "Twilio REST API" if config.uses_twilio else "printed here (no Twilio credentials)"
        webhook_token = (
            "TWILIO_AUTH_TOKEN (as set)"
            if config.twilio_auth_token
            else f"{LOCAL_AUTH_TOKEN} (random for this run; set TWILIO_AUTH_TOKEN to choose it)"
        )
        print(
            f"Touchpoint local stack on http://127.0.0.1:{config.port}\n"
            f"  admin token:   {config.admin_token}\n"
            f"  console:       http://127.0.0.1:{config.port}/console/#token={config.admin_token}\n"
            f"  public URL:    {config.public_url} (Twilio webhooks are signed against it)\n"
            f"  webhook token: {webhook_token}\n"
            f"  AWS:           {config.aws_endpoint_url or 'embedded emulation (moto)'}\n"
            f"  SMS:           {sms}\n"
            f"  scheduler:     {'every 60 s' if config.auto_tick else 'POST /_local/tick only'}\n"
            "Ctrl-C to stop.",
            flush=True,
        )
        if config.auto_tick:
            threading.Thread(target=stack.auto_tick, args=(stop,), name="tick", daemon=True).start()
        try:
            while not stop.is_set():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    print("stopped", file=sys.stderr)


if __name__ == "__main__":
    main()
