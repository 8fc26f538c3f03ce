"""The local stack's webhook token (issue 10, item 6): without TWILIO_AUTH_TOKEN it is random for
each run, printed at start, and the only token its webhooks accept; with TWILIO_AUTH_TOKEN set (alone,
no Twilio account), that token is the one."""

import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from infra import local_stack
from infra.local_stack import LocalConfig, configure_environment
from tests.e2e.support import (
    free_port,
    spawn_stack,
    stack_environment,
    stop_process,
    tail,
    wait_until_serving,
)
from tests.integration.inbound_world import incoming_sms, sign

PUBLIC_URL = "https://touchpoint-token.example.test"
THE_OLD_PUBLIC_TOKEN = "local-auth-token"


@pytest.fixture
def restored_environment() -> Iterator[None]:
    """configure_environment sets the functions' environment in os.environ: put it back."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.usefixtures("restored_environment")
def test_without_twilio_the_functions_check_webhooks_with_the_runs_random_token() -> None:
    configure_environment(LocalConfig(public_url=PUBLIC_URL))

    assert os.environ["TWILIO_AUTH_TOKEN"] == local_stack.LOCAL_AUTH_TOKEN
    assert local_stack.LOCAL_AUTH_TOKEN != THE_OLD_PUBLIC_TOKEN
    assert len(local_stack.LOCAL_AUTH_TOKEN) >= 32
    assert "TWILIO_ACCOUNT_SID" not in os.environ  # SMS still go to the outbox


@pytest.mark.usefixtures("restored_environment")
def test_twilio_auth_token_alone_is_the_webhook_token() -> None:
    configure_environment(LocalConfig(public_url=PUBLIC_URL, twilio_auth_token="chosen-webhook-token"))

    assert os.environ["TWILIO_AUTH_TOKEN"] == "chosen-webhook-token"
    assert "TWILIO_ACCOUNT_SID" not in os.environ


def start(extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path, int]:
    port = free_port()
    env = stack_environment(port, TOUCHPOINT_PUBLIC_URL=PUBLIC_URL, **extra)
    process, output = spawn_stack(env, "touchpoint-token-")
    wait_until_serving(port, process, output)
    return process, output, port


def banner(process: subprocess.Popen[bytes], output: Path) -> str:
    deadline = time.monotonic() + 20
    while "Ctrl-C" not in output.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no start banner:\n{tail(output)}")
        time.sleep(0.1)  # polling for the banner, not timing anything
    return output.read_text(errors="replace")


def webhook_status(port: int, token: str) -> int:
    form = incoming_sms("HELP")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/twilio/inbound",
        data=urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(f"{PUBLIC_URL}/twilio/inbound", form, token),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_the_local_stack_prints_its_random_webhook_token_and_accepts_only_that() -> None:
    process, output, port = start({})
    try:
        printed = banner(process, output)
        found = re.search(r"webhook token: (\S+) \(random", printed)
        assert found, printed
        token = found.group(1)

        assert token not in (THE_OLD_PUBLIC_TOKEN, local_stack.LOCAL_AUTH_TOKEN)  # fresh for each run
        assert webhook_status(port, token) == 200
        assert webhook_status(port, THE_OLD_PUBLIC_TOKEN) == 403
    finally:
        stop_process(process)
        output.unlink(missing_ok=True)


def test_the_local_stack_takes_the_webhook_token_from_twilio_auth_token_without_printing_it() -> None:
    process, output, port = start({"TWILIO_AUTH_TOKEN": "chosen-webhook-token"})
    try:
        printed = banner(process, output)

        assert "webhook token: TWILIO_AUTH_TOKEN (as set)" in printed
        assert "chosen-webhook-token" not in printed
        assert webhook_status(port, "chosen-webhook-token") == 200
        assert webhook_status(port, local_stack.LOCAL_AUTH_TOKEN) == 403
    finally:
        stop_process(process)
        output.unlink(missing_ok=True)
