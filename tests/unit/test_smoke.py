"""infra/smoke.py without a stack: how it reads TwiML, judges the scheduler's last run from
CloudWatch's datapoints, and finds the token it signs webhooks with (fake AWS clients)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra import smoke
from infra.smoke import Smoke

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SECRET_TOKEN = "the-real-auth-token"


class FakeClient:
    """Answers each method with the value given for it, or raises it when it is an exception."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(**kwargs: Any) -> Any:
            self.calls.append((method, kwargs))
            answer = self.answers[method]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class FakeSession:
    def __init__(self, **clients: FakeClient) -> None:
        self.clients = clients

    def client(self, name: str) -> FakeClient:
        return self.clients[name]


def denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, operation)


def stack_with(**parameters: str) -> FakeClient:
    listed = [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()]
    resource = {"StackResourceDetail": {"PhysicalResourceId": "touchpoint-SchedulerFunction-abc"}}
    return FakeClient(describe_stacks={"Stacks": [{"Parameters": listed}]}, describe_stack_resource=resource)


# ---- TwiML ----


def test_twiml_messages_reads_the_reply_and_tells_twiml_from_anything_else() -> None:
    reply = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Perdone, no encontramos</Message></Response>'

    assert smoke.twiml_messages(reply) == ["Perdone, no encontramos"]
    assert smoke.twiml_messages('<?xml version="1.0" encoding="UTF-8"?><Response />') == []
    assert smoke.twiml_messages("<html><body>Forbidden</body></html>") is None
    assert smoke.twiml_messages('{"message": "Not Found"}') is None


# ---- the scheduler's last run ----


@pytest.mark.parametrize(("minutes_ago", "verdict"), [(0, "ok  "), (5, "ok  "), (6, "FAIL")])
def test_the_last_run_passes_within_five_minutes(minutes_ago: int, verdict: str) -> None:
    result = smoke.recency(NOW - timedelta(minutes=minutes_ago), NOW, "somewhere", "fix it")

    assert result.verdict == verdict
    assert f"{minutes_ago} min ago" in result.detail


def test_the_scheduler_check_reads_the_functions_invocations_from_cloudwatch() -> None:
    datapoints = [
        {"Timestamp": NOW - timedelta(minutes=9), "Sum": 1.0},
        {"Timestamp": NOW - timedelta(minutes=2), "Sum": 1.0},  # the latest run, not the last listed
        {"Timestamp": NOW - timedelta(minutes=1), "Sum": 0.0},  # no invocation that minute
        {"Timestamp": NOW - timedelta(minutes=5), "Sum": 1.0},
    ]
    cloudwatch = FakeClient(get_metric_statistics={"Datapoints": datapoints})
    session = FakeSession(cloudformation=stack_with(), cloudwatch=cloudwatch)

    result = smoke.scheduler_in_aws(session, "touchpoint", NOW)

    assert result.verdict == "ok  "
    assert "last run 2027-03-01T11:58:00Z, 2 min ago" in result.detail
    [(_, query)] = cloudwatch.calls
    assert query["Dimensions"] == [{"Name": "FunctionName", "Value": "touchpoint-SchedulerFunction-abc"}]
    assert (query["StartTime"], query["EndTime"], query["Period"]) == (NOW - timedelta(minutes=15), NOW, 60)
    assert (query["MetricName"], query["Statistics"]) == ("Invocations", ["Sum"])


def test_a_scheduler_without_invocations_or_an_unreadable_stack_fails_with_a_fix() -> None:
    idle = FakeSession(
        cloudformation=stack_with(), cloudwatch=FakeClient(get_metric_statistics={"Datapoints": []})
    )
    unreadable = FakeSession(
        cloudformation=FakeClient(describe_stack_resource=denied("DescribeStackResource"))
    )

    assert smoke.scheduler_in_aws(idle, "touchpoint", NOW) == smoke.fail(
        "touchpoint-SchedulerFunction-abc: no Invocations in the last 15 minutes", smoke.IDLE
    )
    failed = smoke.scheduler_in_aws(unreadable, "touchpoint", NOW)
    assert failed.verdict == "FAIL"
    assert "AccessDenied" in failed.detail


# ---- the token webhooks are signed with ----


def signed(url: str, session: Any = None, auth_token: str = "", public_url: str = "") -> Smoke:
    """As main() makes it: a deployed URL names the stack `touchpoint`, a local one none."""
    found = Smoke(url, "", "" if smoke.is_local(url) else "touchpoint", session)
    smoke.sign_with(found, auth_token, public_url)
    return found


def test_with_a_stack_the_secrets_auth_token_signs_for_the_stacks_public_url() -> None:
    secret = '{"account_sid": "AC' + "1" * 32 + '", "auth_token": "' + SECRET_TOKEN + '"}'
    secrets = FakeClient(get_secret_value={"SecretString": secret})
    stack = stack_with(TwilioSecretName="touchpoint/twilio", PublicUrl="https://sms.clinic.example")

    found = signed(
        "https://abc.execute-api.us-east-1.amazonaws.com",
        FakeSession(cloudformation=stack, secretsmanager=secrets),
    )

    assert (found.auth_token, found.account_sid) == (SECRET_TOKEN, "AC" + "1" * 32)
    assert found.public_url == "https://sms.clinic.example"
    assert found.note == "the auth_token of secret touchpoint/twilio"
    assert secrets.calls == [("get_secret_value", {"SecretId": "touchpoint/twilio"})]


def test_an_auth_token_given_wins_and_the_url_signed_for_is_the_url_without_a_public_url() -> None:
    stack = stack_with(TwilioSecretName="touchpoint/twilio", PublicUrl="")

    found = signed("https://abc.example/", FakeSession(cloudformation=stack), auth_token="given")

    assert (found.auth_token, found.account_sid) == ("given", smoke.PLACEHOLDER_ACCOUNT_SID)
    assert found.public_url == "https://abc.example"


@pytest.mark.parametrize(
    "secret", ['{"account_sid": "AC1"}', "not json " + SECRET_TOKEN, '["' + SECRET_TOKEN + '"]']
)
def test_a_secret_without_an_auth_token_skips_the_webhooks_and_its_value_is_never_in_the_note(
    secret: str,
) -> None:
    secrets = FakeClient(get_secret_value={"SecretString": secret})
    stack = stack_with(TwilioSecretName="touchpoint/twilio")

    found = signed("https://abc.example", FakeSession(cloudformation=stack, secretsmanager=secrets))

    assert found.auth_token is None
    assert found.note.startswith("cannot read secret touchpoint/twilio")
    assert SECRET_TOKEN not in found.note


def test_without_a_token_or_a_stack_the_note_says_which_token_to_pass() -> None:
    assert "webhook token:" in signed("http://127.0.0.1:3000").note
    without_credentials = signed("https://abc.example").note
    assert (
        without_credentials
        == "set TWILIO_AUTH_TOKEN, or AWS credentials to read stack touchpoint's Twilio secret"
    )
    assert signed("http://localhost:3000").auth_token is None
    unreadable = FakeSession(cloudformation=FakeClient(describe_stacks=denied("DescribeStacks")))
    assert signed("https://abc.example", unreadable).note.startswith("cannot read stack touchpoint: ")


def test_a_url_that_is_not_http_is_refused_with_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        smoke.parse(["--url", "abc.execute-api.us-east-1.amazonaws.com"])

    assert exited.value.code == 2
    assert "set URL to the stack's base URL" in capsys.readouterr().err


# ---- what a refused webhook says to fix ----


@pytest.mark.parametrize(
    ("status", "body", "fix"),
    [
        (403, "forbidden", "the Twilio secret's auth_token differs from the one used to sign"),
        (403, "<Error><Code>AccessDenied</Code></Error>", "URL must be the HTTP API's"),  # the console's URL
        (404, '{"message":"Not Found"}', "URL must be the HTTP API's"),
        (500, '{"message":"Internal Server Error"}', "see the admin and inbound functions' logs"),
        (0, "[Errno 111] Connection refused", "is URL right"),
    ],
)
def test_a_refused_webhook_names_what_to_fix(
    monkeypatch: pytest.MonkeyPatch, status: int, body: str, fix: str
) -> None:
    monkeypatch.setattr(Smoke, "call", lambda *_, **__: (status, body))
    found = Smoke("https://abc.example", "", "", None, "https://abc.example", "token")

    result = smoke.webhook(found, "/twilio/inbound", {"MessageSid": "SM1"}, "a signed SMS")

    assert isinstance(result, smoke.Result)
    assert result.verdict == "FAIL"
    assert result.fix.startswith(fix)


def test_a_deployed_url_reads_the_stack_make_deploy_names_and_a_local_one_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("URL", "TOKEN", "STACK", "TWILIO_AUTH_TOKEN", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)

    assert smoke.parse(["--url", "https://abc.execute-api.us-east-1.amazonaws.com/"]).stack == "touchpoint"
    assert smoke.parse(["--url", "https://abc.example", "--stack", "clinic-b"]).stack == "clinic-b"
    assert smoke.parse(["--url", "http://127.0.0.1:3000"]).stack == ""
    assert smoke.parse(["--url", "https://abc.example/"]).url == "https://abc.example"
