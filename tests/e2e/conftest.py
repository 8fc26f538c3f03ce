"""The local stack as a real process (`python -m infra.local_stack`), with SMS going to a fake
Twilio server over HTTP. One stack per module: its tests keep apart by using their own clinic,
patients and phone numbers, and take "now" from the stack (the latest tick's instant plus the
real time elapsed since)."""

from collections.abc import Iterator

import pytest

from tests.e2e.support import (
    ACCOUNT_SID,
    ADMIN_TOKEN,
    AUTH_TOKEN,
    PUBLIC_URL,
    Api,
    RunningStack,
    free_port,
    spawn_stack,
    stack_environment,
    stop_process,
    tail,
    wait_until_serving,
)
from tests.fakes.twilio_server import FakeTwilio


@pytest.fixture(scope="session")
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


# One stack per module: a tick reads every due bucket of its look-back, and on the emulated table
# a query reads the whole table, so a stack that holds every earlier module's clinics makes each
# tick of a late test many times slower (a module's 22 ticks took 124 s on a session-wide stack).
@pytest.fixture(scope="module")
def local_stack(twilio: FakeTwilio) -> Iterator[RunningStack]:
    port = free_port()
    env = stack_environment(
        port,
        TOUCHPOINT_ADMIN_TOKEN=ADMIN_TOKEN,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=twilio.base_url,
    )
    process, output = spawn_stack(env, "touchpoint-e2e-")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(port, process, output)
        yield RunningStack(base_url, PUBLIC_URL, ADMIN_TOKEN, process, output)
    finally:
        stop_process(process)
        output.unlink(missing_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test's report ends with what the stack printed (its tracebacks, for a 500)."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("local_stack")
    if report.failed and isinstance(stack, RunningStack) and stack.output.exists():
        report.sections.append(("local stack output", tail(stack.output)))
    return report


@pytest.fixture
def api(local_stack: RunningStack) -> Api:
    return Api(local_stack.base_url, local_stack.admin_token)
