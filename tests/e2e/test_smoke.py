"""`make smoke`'s check (infra/smoke.py) as a process against a local stack as a process: every
check passes once the stack has a clinic and has ticked; a wrong webhook auth token fails both
webhook checks with the hint and exit status 1; without a token the admin check is skipped."""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.e2e.support import (
    ROOT,
    Api,
    RunningStack,
    free_port,
    spawn_stack,
    stack_environment,
    stop_process,
    wait_until_serving,
)

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

ADMIN_TOKEN = "smoke-e2e-admin-token"
WEBHOOK_TOKEN = "smoke-e2e-webhook-token"
WRONG_SIGNATURE_HINT = (
    "fix: the Twilio secret's auth_token differs from the one used to sign: "
    "pass TWILIO_AUTH_TOKEN or check the secret"
)
CHECKS = ("health", "admin", "inbound webhook", "inbound stored", "status callback", "scheduler")


@pytest.fixture(scope="module")
def local_stack() -> Iterator[RunningStack]:
    """As `make run` runs it (SMS printed, not sent), with a known webhook token; its public URL
    is the one it is reached at, as for a stack Twilio calls directly."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = stack_environment(
        port,
        TOUCHPOINT_PUBLIC_URL=base_url,
        TOUCHPOINT_ADMIN_TOKEN=ADMIN_TOKEN,
        TWILIO_AUTH_TOKEN=WEBHOOK_TOKEN,
    )
    process, output = spawn_stack(env, "touchpoint-smoke-")
    try:
        wait_until_serving(port, process, output)
        yield RunningStack(base_url, base_url, ADMIN_TOKEN, process, output)
    finally:
        stop_process(process)
        output.unlink(missing_ok=True)


def smoke(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m infra.smoke` with `args`, in an environment without the developer's settings."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "TWILIO_", "TOUCHPOINT_"))
        and name not in ("URL", "TOKEN", "STACK", "PUBLIC_URL")
    }
    return subprocess.run(  # noqa: S603 (our own interpreter, the test's arguments)
        [sys.executable, "-m", "infra.smoke", *args],
        cwd=ROOT,
        env=clean | {"PYTHONPATH": str(ROOT)} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def verdicts(output: str) -> dict[str, str]:
    """Each check's verdict (`ok`, `FAIL`, `skip`), by the name it is printed with."""
    found = {}
    for line in output.splitlines():
        verdict, _, rest = line.partition(" ")
        name = next((check for check in CHECKS if rest.strip().startswith(check)), None)
        if verdict in ("ok", "FAIL", "skip") and name:
            found[name] = verdict
    return found


def fix_after(output: str, check: str) -> str:
    """The fix line printed under a check's line."""
    lines = output.splitlines()
    index = next(i for i, line in enumerate(lines) if line[5:].startswith(check))
    return lines[index + 1].strip()


def test_every_check_passes_on_a_stack_with_a_clinic_once_it_has_ticked(local_stack: RunningStack) -> None:
    api = Api(local_stack.base_url, ADMIN_TOKEN)
    api.clinic()
    api.tick(datetime.now(UTC).replace(microsecond=0))

    run = smoke("--url", local_stack.base_url, "--token", ADMIN_TOKEN, "--auth-token", WEBHOOK_TOKEN)

    assert run.returncode == 0, run.stdout + run.stderr
    assert verdicts(run.stdout) == dict.fromkeys(CHECKS, "ok"), run.stdout
    assert "TwiML with 1 <Message>" in run.stdout  # the unknown-number reply
    assert "last run " in run.stdout
    assert "6 ok, 0 FAIL, 0 skip" in run.stdout
    assert ADMIN_TOKEN not in run.stdout + run.stderr
    assert WEBHOOK_TOKEN not in run.stdout + run.stderr


def test_a_wrong_auth_token_fails_both_webhook_checks_with_the_hint(local_stack: RunningStack) -> None:
    run = smoke("--url", local_stack.base_url, "--token", ADMIN_TOKEN, "--auth-token", "not-the-stacks")

    assert run.returncode == 1, run.stdout + run.stderr
    found = verdicts(run.stdout)
    assert (found["inbound webhook"], found["status callback"]) == ("FAIL", "FAIL"), run.stdout
    assert "answered 403" in run.stdout
    assert fix_after(run.stdout, "inbound webhook").startswith(WRONG_SIGNATURE_HINT)
    assert fix_after(run.stdout, "status callback").startswith(WRONG_SIGNATURE_HINT)
    assert (found["health"], found["admin"]) == ("ok", "ok")


def test_without_a_token_the_admin_check_is_skipped_and_nothing_fails(local_stack: RunningStack) -> None:
    run = smoke("--url", local_stack.base_url, TWILIO_AUTH_TOKEN=WEBHOOK_TOKEN)

    assert run.returncode == 0, run.stdout + run.stderr
    found = verdicts(run.stdout)
    assert found["admin"] == "skip", run.stdout
    assert "no token: set TOKEN=$(make -s token)" in run.stdout
    # Signed from $TWILIO_AUTH_TOKEN, to a number no clinic has (no clinic could be listed).
    assert (found["inbound webhook"], found["status callback"]) == ("ok", "ok"), run.stdout
    assert (found["inbound stored"], found["scheduler"]) == ("skip", "skip")


def test_without_an_auth_token_the_webhook_checks_say_which_token_to_pass(local_stack: RunningStack) -> None:
    run = smoke("--url", local_stack.base_url, TOKEN=ADMIN_TOKEN)

    assert run.returncode == 0, run.stdout + run.stderr
    found = verdicts(run.stdout)
    assert (found["admin"], found["inbound webhook"], found["status callback"]) == ("ok", "skip", "skip")
    assert "set TWILIO_AUTH_TOKEN to the `webhook token:` the local stack printed at start" in run.stdout
