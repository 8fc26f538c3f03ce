"""`make smoke URL=... [TOKEN=...] [STACK=...]`: checks a stack end to end without texting anyone,
each check `ok  `, `FAIL` (and what to fix) or `skip`: /health; /admin/clinics with the token, 401
without; a signed SMS from a Twilio test number no patient has to the first clinic's sender answers
TwiML with the unknown-number <Message> and is then listed in the clinic's messages; a signed status
callback for an unknown MessageSid answers 200; the scheduler's last run (CloudWatch Invocations of
the stack's SchedulerFunction, or the local GET /_local/tick). Webhooks are signed for the URL Twilio
calls with --auth-token/$TWILIO_AUTH_TOKEN or the stack's Twilio secret, never printed. Exit 1: a FAIL.
"""

import argparse
import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from twilio.request_validator import RequestValidator

FROM_NUMBER = "+15005550001"  # a Twilio test number: nobody's phone, and none of the demo's
NO_CLINIC_NUMBER = "+15005550002"  # the To when no clinic is listed
PLACEHOLDER_ACCOUNT_SID = "AC" + "0" * 32
RECENT, WINDOW = timedelta(minutes=5), timedelta(minutes=15)
WRONG_SIGNATURE = "the Twilio secret's auth_token differs from the one used to sign: pass TWILIO_AUTH_TOKEN or check the secret (and that {url} is the URL Twilio calls: the stack's Twilio...Url outputs)"
IDLE = "the scheduler has not run in 5 minutes: check the SchedulerFunction's schedule and its Errors alarm"
NOT_TICKED = "the local stack has not ticked in 5 minutes: start it with TOUCHPOINT_AUTO_TICK=1 (the default)"
SIGN_IN = "sign in again: TOKEN=$(make -s token) (an ID token lasts 1 hour)"
UNREACHABLE = "is URL right: the stack's ApiUrl output (locally, is `make run` running)?"
NOT_THE_API = "URL must be the HTTP API's (its ApiUrl output): the console's URL has no /twilio/* routes"
LOGS = "see the admin and inbound functions' logs in CloudWatch (locally, the stack's output)"
Form = dict[str, str]  # a webhook's fields
INVOCATIONS = {"Namespace": "AWS/Lambda", "MetricName": "Invocations", "Period": 60, "Statistics": ["Sum"]}


@dataclass(frozen=True)
class Result:
    verdict: str  # "ok  ", "FAIL" or "skip"
    detail: str
    fix: str = ""


ok, fail, skip = partial(Result, "ok  "), partial(Result, "FAIL"), partial(Result, "skip")


@dataclass
class Smoke:
    url: str
    token: str  # "": none given
    stack: str  # "": none (a local URL) or none given
    session: Any  # boto3's, when STACK is given and AWS credentials are found
    public_url: str = ""  # the base URL the webhooks' signatures cover
    auth_token: str | None = None  # None: the webhook checks are skipped, for `note`
    account_sid: str = PLACEHOLDER_ACCOUNT_SID
    note: str = ""  # where the auth token came from, or why there is none
    clinic: dict[str, Any] | None = None  # the first clinic the admin call listed
    inbound_sid: str | None = None  # the SMS the inbound check sent, once answered

    def call(self, method: str, path: str, bearer: bool = False, form: Form | None = None) -> tuple[int, str]:
        """The status and body of one request (status 0 and the reason when none came)."""
        headers = {"Authorization": f"Bearer {self.token}"} if bearer else {}
        if form is not None:  # signed for the URL Twilio calls
            signature = RequestValidator(self.auth_token).compute_signature(self.public_url + path, form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)  # noqa: S310 (the operator's URL)
        # Straight to a local stack, whatever proxy the machine's environment names.
        handlers = [urllib.request.ProxyHandler({})] if is_local(self.url) else []
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode("utf-8", "replace")
        except (urllib.error.URLError, TimeoutError, ConnectionError) as failed:
            return 0, str(getattr(failed, "reason", failed))

    def items(self, path: str) -> list[dict[str, Any]] | Result:
        """The first page of an admin list, or the check's failure."""
        status, body = self.call("GET", path, bearer=True)
        if status != 200:
            return failure(f"GET {path} with the token", status, body, SIGN_IN if status == 401 else LOGS)
        return list(json.loads(body).get("items") or [])


def is_local(url: str) -> bool:
    return urllib.parse.urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def failure(what: str, status: int, body: str, fix: str) -> Result:
    if status == 0:  # nothing answered
        return fail(f"{what}: cannot connect ({body})", UNREACHABLE)
    return fail(f"{what} answered {status}", fix)


def twiml_messages(body: str) -> list[str] | None:
    """The texts of a TwiML answer's <Message> elements; None when it is not TwiML."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 (the stack's answer, a few hundred bytes)
    except ElementTree.ParseError:
        return None
    return [message.text or "" for message in root.iter("Message")] if root.tag == "Response" else None


def recency(last: datetime, now: datetime, source: str, fix: str) -> Result:
    ran = f"last run {last.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}, {int((now - last).total_seconds()) // 60} min ago"
    return ok(f"{ran} ({source})") if now - last <= RECENT else fail(ran, fix)


def check_health(smoke: Smoke) -> Result:
    status, body = smoke.call("GET", "/health")
    if status == 200:
        return ok("GET /health answered 200")
    return failure("GET /health", status, body, UNREACHABLE)


def check_admin(smoke: Smoke) -> Result:
    if not smoke.token:
        return skip("no token: set TOKEN=$(make -s token)")
    clinics = smoke.items("/admin/clinics")
    if isinstance(clinics, Result):
        return clinics
    anonymous, _ = smoke.call("GET", "/admin/clinics")
    if anonymous != 401:
        fix = "the JWT authorizer is off: check HttpApi's Auth in template.yaml and deploy"
        return fail(f"GET /admin/clinics without a token answered {anonymous}, not 401", fix)
    smoke.clinic = clinics[0] if clinics else None
    listed = f"first clinic {smoke.clinic['clinic_id']}" if smoke.clinic else "no clinic yet"
    return ok(f"GET /admin/clinics answered 200 with the token ({listed}), 401 without")


def webhook(smoke: Smoke, path: str, form: Form, what: str) -> Result | str:
    """The body of a signed webhook's 200 answer, or the check's failure."""
    form = form | {"AccountSid": smoke.account_sid, "ApiVersion": "2010-04-01"}
    status, body = smoke.call("POST", path, form=form)
    if status == 200:
        return body
    fix = NOT_THE_API if status in (403, 404) else LOGS
    if (status, body) == (403, "forbidden"):  # the inbound function's answer to a wrong signature
        fix = WRONG_SIGNATURE.format(url=smoke.public_url + path)
    return failure(what, status, body, fix)


def check_inbound_webhook(smoke: Smoke) -> Result:
    if smoke.auth_token is None:
        return skip(smoke.note)
    sender = smoke.clinic["sender"] if smoke.clinic else NO_CLINIC_NUMBER
    sid = "SM" + secrets.token_hex(16)
    form = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "From": FROM_NUMBER, "To": sender}
    form |= {"Body": "Touchpoint smoke check, please ignore", "NumMedia": "0", "SmsStatus": "received"}
    if sender.startswith("MG"):  # the clinic sends through a Messaging Service
        form |= {"MessagingServiceSid": sender, "To": NO_CLINIC_NUMBER}
    to = f"clinic {smoke.clinic['clinic_id']}'s sender" if smoke.clinic else "a number no clinic has"
    what = f"a signed SMS from a number no patient has to {to}"
    body = webhook(smoke, "/twilio/inbound", form, what)
    if isinstance(body, Result):
        return body
    replies = twiml_messages(body)
    if replies is None:
        return fail(f"{what} answered 200 without TwiML", NOT_THE_API)
    if smoke.clinic and not replies:
        return fail(f"{what} answered TwiML without the unknown-number <Message>", LOGS)
    smoke.inbound_sid = sid
    return ok(f"{what} answered 200, TwiML with {len(replies)} <Message>")


def check_inbound_stored(smoke: Smoke) -> Result:
    if not (smoke.clinic and smoke.inbound_sid):
        return skip("needs the token, a clinic listed and the inbound webhook's check passed")
    path = f"/admin/clinics/{smoke.clinic['clinic_id']}/messages"
    messages = smoke.items(f"{path}?limit=50")  # newest first
    if isinstance(messages, Result):
        return messages
    stored = [(m["direction"], m["patient_id"]) for m in messages if m.get("twilio_sid") == smoke.inbound_sid]
    if stored != [("inbound", "unknown")]:
        return fail(f"GET {path} does not list the SMS just answered", LOGS)
    return ok(f"GET {path} lists it, from a number no patient has")


def check_status_callback(smoke: Smoke) -> Result:
    if smoke.auth_token is None:
        return skip(smoke.note)
    sid = "SM" + "0" * 8 + secrets.token_hex(12)  # no message's: Twilio's SIDs are random
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": "delivered", "SmsStatus": "delivered"}
    what = "a signed status callback for a MessageSid no message has"
    answer = webhook(smoke, "/twilio/status", form, what)
    return answer if isinstance(answer, Result) else ok(f"{what} answered 200")


def check_scheduler(smoke: Smoke) -> Result:
    if smoke.stack:
        if smoke.session is None:
            return skip(f"no AWS credentials to read stack {smoke.stack}'s CloudWatch metrics")
        return scheduler_in_aws(smoke.session, smoke.stack, datetime.now(UTC))
    if not is_local(smoke.url):
        return skip("set STACK=<stack name> (with AWS credentials) to read its last run")
    if not smoke.token:
        return skip("GET /_local/tick needs the admin token: set TOKEN")
    status, body = smoke.call("GET", "/_local/tick", bearer=True)
    if status != 200:
        return failure("GET /_local/tick", status, body, "is URL a local stack (make run)?")
    last = json.loads(body).get("last_tick")
    if last is None:
        return skip("the local stack has not ticked yet: wait a minute, or POST /_local/tick")
    return recency(datetime.fromisoformat(last), datetime.now(UTC), "GET /_local/tick", NOT_TICKED)


def scheduler_in_aws(session: Any, stack: str, now: datetime) -> Result:
    try:
        cloudformation = session.client("cloudformation")
        found = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId="SchedulerFunction")
        function = found["StackResourceDetail"]["PhysicalResourceId"]
        dimensions = [{"Name": "FunctionName", "Value": function}]
        query = {"StartTime": now - WINDOW, "EndTime": now, "Dimensions": dimensions}
        stats = session.client("cloudwatch").get_metric_statistics(**INVOCATIONS, **query)
    except (BotoCoreError, ClientError) as error:
        fix = "check STACK, the AWS region, and cloudformation:DescribeStackResource, cloudwatch:GetMetricStatistics"
        return fail(f"cannot read the scheduler's invocations: {error}", fix)
    runs = [point["Timestamp"] for point in stats["Datapoints"] if point.get("Sum", 0) > 0]
    if not runs:
        return fail(f"{function}: no Invocations in the last 15 minutes", IDLE)
    return recency(max(runs), now, f"CloudWatch Invocations of {function}", IDLE)  # datapoints: in no order


CHECKS = [check_health, check_admin, check_inbound_webhook, check_inbound_stored, check_status_callback]


def sign_with(smoke: Smoke, auth_token: str, public_url: str) -> None:
    """The auth token the webhooks are signed with, and the URL they are signed for."""
    parameters: dict[str, str] = {}  # the stack's: PublicUrl, TwilioSecretName
    try:
        if smoke.session:
            [found] = smoke.session.client("cloudformation").describe_stacks(StackName=smoke.stack)["Stacks"]
            parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found["Parameters"]}
    except (BotoCoreError, ClientError, KeyError, ValueError) as error:
        parameters = {"error": str(error)}
    smoke.public_url = (public_url or parameters.get("PublicUrl") or smoke.url).rstrip("/")
    if auth_token:
        smoke.auth_token, smoke.note = auth_token, "--auth-token/TWILIO_AUTH_TOKEN"
    elif name := parameters.get("TwilioSecretName"):
        try:
            got = smoke.session.client("secretsmanager").get_secret_value(SecretId=name)
            secret = json.loads(got["SecretString"])
            smoke.auth_token, smoke.note = str(secret["auth_token"]), f"the auth_token of secret {name}"
            smoke.account_sid = secret.get("account_sid") or PLACEHOLDER_ACCOUNT_SID
        except (BotoCoreError, ClientError, KeyError, ValueError, TypeError, AttributeError) as error:
            # Safe to print: json's, KeyError's and AWS's messages hold no part of the secret.
            smoke.note = f'cannot read secret {name} as {{"auth_token": ...}}: {error!r}'
    elif "error" in parameters:
        smoke.note = f"cannot read stack {smoke.stack}: {parameters['error']}"
    elif is_local(smoke.url):
        smoke.note = "set TWILIO_AUTH_TOKEN to the `webhook token:` the local stack printed at start"
    else:
        smoke.note = f"set TWILIO_AUTH_TOKEN, or AWS credentials to read stack {smoke.stack}'s Twilio secret"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("URL", ""), help="the stack's ApiUrl output")
    parser.add_argument("--token", default=os.environ.get("TOKEN", ""), help="an admin bearer token")
    parser.add_argument("--stack", default=os.environ.get("STACK", ""), help="touchpoint unless local")
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN", ""))
    parser.add_argument("--public-url", default=os.environ.get("PUBLIC_URL", ""), help="the URL Twilio calls")
    args = parser.parse_args(argv)
    args.url = args.url.rstrip("/")
    args.stack = args.stack or ("" if is_local(args.url) else "touchpoint")  # as make deploy names it
    if urllib.parse.urlsplit(args.url).scheme not in ("http", "https"):
        parser.error("set URL to the stack's base URL: its ApiUrl output, or http://127.0.0.1:3000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    session = boto3.session.Session() if args.stack else None
    session = session if session and session.get_credentials() else None
    smoke = Smoke(args.url, args.token, args.stack, session)
    sign_with(smoke, args.auth_token, args.public_url)
    if smoke.auth_token:
        print(f"webhooks signed for {smoke.public_url}, with {smoke.note}")
    verdicts = []
    for check in [*CHECKS, check_scheduler]:
        verdicts.append((result := check(smoke)).verdict)
        name = check.__name__.removeprefix("check_").replace("_", " ")
        print(f"{result.verdict} {name:<16} {result.detail}", flush=True)
        if result.fix:
            print(f"     fix: {result.fix}", flush=True)
    print(", ".join(f"{verdicts.count(verdict)} {verdict.strip()}" for verdict in ("ok  ", "FAIL", "skip")))
    return 1 if "FAIL" in verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
