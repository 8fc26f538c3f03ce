"""Twilio's signature check at the inbound handler, on moto (issue 10, item 6): a rotated auth token
is read anew from Secrets Manager, once and rate-limited, before a request is refused; every form
pair is checked, repeated fields too; the URL checked is right behind a named stage and behind a
custom domain's base path."""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from aws_lambda_powertools.utilities.parameters.secrets import SecretsProvider
from mypy_boto3_dynamodb import DynamoDBClient

from infra.local_http import LambdaContext
from tests.integration.inbound_world import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    INBOUND_URL,
    World,
    incoming_sms,
    sign,
    webhook_event,
    world_fixture,
)
from tests.integration.moto_table import module_table_fixture
from touchpoint import bootstrap
from touchpoint.handlers import inbound as inbound_handler

moto_table = module_table_fixture()

ROTATED_TOKEN = "inbound-test-auth-token-after-rotation"


@pytest.fixture
def world(moto_table: tuple[DynamoDBClient, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_fixture(moto_table, monkeypatch)


def status_of(world: World, event: dict[str, Any]) -> int:
    """The handler as deployed: with the signature check bootstrap builds from the environment."""
    result = inbound_handler.handler(event, LambdaContext("touchpoint-inbound"), inbound=world.inbound)
    return int(result["statusCode"])


def text_signed_with(token: str, body: str = "HELP") -> dict[str, Any]:
    form = incoming_sms(body)
    return webhook_event("/twilio/inbound", form, signature=sign(INBOUND_URL, form, token))


# ---- a rotated auth token ----


class SecretReads:
    """How many times the function read a secret from Secrets Manager (not from its cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        read = SecretsProvider._get

        def counted(provider: SecretsProvider, name: str, **options: Any) -> Any:
            self.count += 1
            return read(provider, name, **options)

        monkeypatch.setattr(SecretsProvider, "_get", counted)


@pytest.fixture
def secret(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The function takes its auth token from a Twilio secret; nothing read or cached yet."""
    client = boto3.client("secretsmanager")
    name = f"touchpoint/twilio-{secrets.token_hex(4)}"
    client.create_secret(
        Name=name, SecretString=json.dumps({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN})
    )
    monkeypatch.setenv("TWILIO_SECRET_NAME", name)
    monkeypatch.setattr(bootstrap, "_secret_refetched_at", {})
    DEFAULT_PROVIDERS.clear()  # a fresh provider: nothing cached
    bootstrap.reset()
    try:
        yield name
    finally:
        DEFAULT_PROVIDERS.clear()  # a fresh provider: nothing cached
        client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def rotate(secret_name: str, token: str) -> None:
    """Twilio's auth token rotated, and the secret updated with the new one."""
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret_name, SecretString=json.dumps({"account_sid": ACCOUNT_SID, "auth_token": token})
    )


def test_after_a_rotation_a_webhook_signed_with_the_new_token_is_accepted_before_the_cache_expires(
    world: World, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = SecretReads(monkeypatch)
    assert status_of(world, text_signed_with(AUTH_TOKEN)) == 200
    assert reads.count == 1  # the token is cached from here on
    rotate(secret, ROTATED_TOKEN)

    assert status_of(world, text_signed_with(ROTATED_TOKEN)) == 200
    assert reads.count == 2  # read once more, on the failed check
    assert status_of(world, text_signed_with(ROTATED_TOKEN)) == 200
    assert reads.count == 2  # the cache now holds the new token
    assert status_of(world, text_signed_with(AUTH_TOKEN)) == 403  # the old one is gone


def test_forged_webhooks_are_refused_with_at_most_one_secret_read_per_interval(
    world: World, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = SecretReads(monkeypatch)
    assert status_of(world, text_signed_with(AUTH_TOKEN)) == 200
    before = world.count()

    statuses = [status_of(world, text_signed_with("a-forgers-guess")) for _ in range(5)]

    assert statuses == [403] * 5
    assert reads.count == 2  # the first read, and one for all five forgeries
    assert world.count() == before
    # Once the interval has passed, a failed check may read the secret again: once.
    interval = bootstrap.SECRET_REFETCH_INTERVAL_SECONDS
    bootstrap._secret_refetched_at[secret] -= interval
    assert [status_of(world, text_signed_with("a-forgers-guess")) for _ in range(3)] == [403] * 3
    assert reads.count == 3


def test_a_secret_out_of_reach_on_a_failed_check_refuses_with_403_not_a_500(
    world: World, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert status_of(world, text_signed_with(AUTH_TOKEN)) == 200  # cached
    boto3.client("secretsmanager").delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)
    boto3.client("secretsmanager").create_secret(Name=secret, SecretString="not json")

    assert status_of(world, text_signed_with(ROTATED_TOKEN)) == 403
    assert status_of(world, text_signed_with(AUTH_TOKEN)) == 200  # the cached token still works


def test_with_the_token_given_directly_a_failed_check_reads_no_secret(
    world: World, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    bootstrap.reset()
    reads = SecretReads(monkeypatch)
    rotate(secret, ROTATED_TOKEN)

    assert status_of(world, text_signed_with(ROTATED_TOKEN)) == 403
    assert status_of(world, text_signed_with(AUTH_TOKEN)) == 200
    assert reads.count == 0


# ---- every form pair ----


def twilio_signature(url: str, pairs: list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """Twilio's algorithm, written out: HMAC-SHA1 of the URL and every name and value, sorted."""
    data = url + "".join(name + value for name, value in sorted(pairs))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def form_with(**repeated: list[str]) -> list[tuple[str, str]]:
    single = [(name, value) for name, value in incoming_sms("HELP").items() if name not in repeated]
    return single + [(name, value) for name, values in repeated.items() for value in values]


REPEATED = {
    "two MediaUrl": {"MediaUrl": ["https://api.twilio.com/media/ME1", "https://api.twilio.com/media/ME2"]},
    "a duplicate Body": {"Body": ["HELP", "STOP"]},
}


@pytest.mark.parametrize("repeated", REPEATED.values(), ids=REPEATED.keys())
def test_a_repeated_field_signed_over_all_its_values_is_accepted(
    world: World, repeated: dict[str, list[str]]
) -> None:
    pairs = form_with(**repeated)
    event = webhook_event(
        "/twilio/inbound", {}, signature=twilio_signature(INBOUND_URL, pairs), body=urlencode(pairs)
    )

    assert world.call(event).status == 200


@pytest.mark.parametrize("repeated", REPEATED.values(), ids=REPEATED.keys())
@pytest.mark.parametrize("change", ["one value changed", "one value dropped", "one value added"])
def test_a_repeated_field_not_as_signed_is_refused_and_changes_nothing(
    world: World, repeated: dict[str, list[str]], change: str
) -> None:
    [(name, values)] = repeated.items()
    signed = form_with(**repeated)
    sent = {
        "one value changed": form_with(**{name: [values[0], values[1] + "x"]}),
        "one value dropped": form_with(**{name: values[1:]}),
        "one value added": form_with(**{name: [*values, "STOP"]}),
    }[change]
    event = webhook_event(
        "/twilio/inbound", {}, signature=twilio_signature(INBOUND_URL, signed), body=urlencode(sent)
    )
    before = world.count()

    assert world.call(event).status == 403
    assert world.count() == before


# ---- the URL checked: stages and base paths ----

EXECUTE_API = "abc123.execute-api.us-east-1.amazonaws.com"
CUSTOM_DOMAIN = "sms.clinic.example"

# (PUBLIC_URL, the API's domain name, the stage, rawPath, the URL Twilio calls and signs)
DEPLOYMENTS = {
    "$default stage": (
        f"https://{EXECUTE_API}",
        EXECUTE_API,
        "$default",
        "/twilio/inbound",
        f"https://{EXECUTE_API}/twilio/inbound",
    ),
    "$default stage, no PUBLIC_URL": (
        "",
        EXECUTE_API,
        "$default",
        "/twilio/inbound",
        f"https://{EXECUTE_API}/twilio/inbound",
    ),
    "named stage": (
        f"https://{EXECUTE_API}/prod",
        EXECUTE_API,
        "prod",
        "/prod/twilio/inbound",
        f"https://{EXECUTE_API}/prod/twilio/inbound",
    ),
    "named stage, no PUBLIC_URL": (
        "",
        EXECUTE_API,
        "prod",
        "/prod/twilio/inbound",
        f"https://{EXECUTE_API}/prod/twilio/inbound",
    ),
    "named stage, status callback": (
        f"https://{EXECUTE_API}/prod",
        EXECUTE_API,
        "prod",
        "/prod/twilio/status",
        f"https://{EXECUTE_API}/prod/twilio/status",
    ),
    "custom domain, base path stripped from rawPath": (
        f"https://{CUSTOM_DOMAIN}/touchpoint",
        CUSTOM_DOMAIN,
        "prod",
        "/twilio/inbound",
        f"https://{CUSTOM_DOMAIN}/touchpoint/twilio/inbound",
    ),
    "custom domain, base path kept in rawPath": (
        f"https://{CUSTOM_DOMAIN}/touchpoint",
        CUSTOM_DOMAIN,
        "prod",
        "/touchpoint/twilio/inbound",
        f"https://{CUSTOM_DOMAIN}/touchpoint/twilio/inbound",
    ),
    "custom domain at its root": (
        f"https://{CUSTOM_DOMAIN}",
        CUSTOM_DOMAIN,
        "$default",
        "/twilio/inbound",
        f"https://{CUSTOM_DOMAIN}/twilio/inbound",
    ),
}


def deployed_event(domain: str, stage: str, raw_path: str, url: str, form: dict[str, str]) -> dict[str, Any]:
    """The event HTTP API builds behind `domain` and `stage`, signed by Twilio for `url`."""
    event = webhook_event(raw_path, form, signature=sign(url, form))
    route_key = "POST /twilio/" + raw_path.rsplit("/", 1)[1]
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    event["headers"]["host"] = event["requestContext"]["domainName"] = domain
    event["requestContext"]["domainPrefix"] = domain.split(".")[0]
    event["requestContext"]["stage"] = stage
    return event


def form_for(raw_path: str) -> dict[str, str]:
    if raw_path.endswith("/status"):
        return {
            "MessageSid": "SM" + secrets.token_hex(16),
            "MessageStatus": "delivered",
            "AccountSid": ACCOUNT_SID,
        }
    return incoming_sms("HELP")


@pytest.mark.parametrize(
    ("public_url", "domain", "stage", "raw_path", "url"), DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys()
)
def test_the_signature_is_checked_against_the_url_twilio_calls(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    public_url: str,
    domain: str,
    stage: str,
    raw_path: str,
    url: str,
) -> None:
    monkeypatch.setenv("PUBLIC_URL", public_url)
    bootstrap.reset()
    form = form_for(raw_path)
    before = world.count()

    response = world.call(deployed_event(domain, stage, raw_path, url, form))

    assert response.status == 200, response.body
    if raw_path.endswith("/inbound"):
        assert world.count() > before  # stored: the route was recognised behind the prefix


def wrong_urls(url: str, raw_path: str) -> list[str]:
    """What a check that forgot the stage or the base path, or kept both, would compare with."""
    base = url.removesuffix(raw_path.removeprefix("/prod").removeprefix("/touchpoint"))
    scheme_and_host = "https://" + base.split("/")[2]
    route = url.removeprefix(base)
    candidates = {scheme_and_host + route, base + "/prod" + route, base + "/touchpoint" + route}
    return sorted(candidates - {url})


@pytest.mark.parametrize(
    ("public_url", "domain", "stage", "raw_path", "url"), DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys()
)
def test_a_signature_over_another_url_is_refused(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    public_url: str,
    domain: str,
    stage: str,
    raw_path: str,
    url: str,
) -> None:
    monkeypatch.setenv("PUBLIC_URL", public_url)
    bootstrap.reset()
    before = world.count()
    for wrong in wrong_urls(url, raw_path):
        form = form_for(raw_path)
        event = deployed_event(domain, stage, raw_path, url, form)
        event["headers"]["x-twilio-signature"] = sign(wrong, form)
        assert world.call(event).status == 403, wrong
    assert world.count() == before
