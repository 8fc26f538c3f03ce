"""The scheduler pass on moto, and the IAM policies of template.yaml: each due job is queued
exactly once even when another pass runs between a pass's query and its claims or at the same
instant; jobs the queue refuses, or claimed by a pass whose queue is unreachable, are queued by
a later pass; and the scheduler's and the sender's IAM policies allow every DynamoDB call their
code makes.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.fakes.twilio_server import FakeTwilio, Reply
from tests.integration import sender_world
from tests.integration.sender_world import (
    BOOKED_AT,
    DUE_AT,
    World,
    book_four,
    job_ids,
)
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.domain.appointment import JobState
from touchpoint.domain.consent import ConsentAction, ConsentChange, ConsentSource
from touchpoint.domain.delivery import JobRef
from touchpoint.usecases.scheduling import PassResult, run_scheduler_pass

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

# sender_world's fixtures, under the names the tests ask for.
twilio = sender_world.twilio
quiet_powertools = sender_world.quiet_powertools
gateway = sender_world.gateway
world = sender_world.world


# ---- the scheduler's claims ----


class PassRunsBetween:
    """A job repository whose `due` query has been read in full, and before it yields the
    `before`-th job (i.e. before this pass claims it) a whole other pass runs."""

    def __init__(self, inner: DynamoJobs, before: int, other_pass: Callable[[], PassResult]) -> None:
        self.inner = inner
        self.before = before
        self.other_pass = other_pass
        self.other: PassResult | None = None

    def due(self, now: datetime, lookback: timedelta) -> Iterator[JobRef]:
        refs = list(self.inner.due(now, lookback))
        for index, ref in enumerate(refs):
            if index == self.before:
                self.other = self.other_pass()
            yield ref

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("before", [0, 1, 2], ids=["before-any-claim", "after-one-claim", "after-two-claims"])
def test_a_scheduler_pass_running_between_another_passs_query_and_claims_queues_each_job_once(
    world: World, before: int
) -> None:
    bookings = book_four(world)
    interleaved = PassRunsBetween(world.jobs, before, lambda: world.schedule())

    first = run_scheduler_pass(interleaved, world.queue, DUE_AT)  # type: ignore[arg-type]

    assert interleaved.other is not None
    assert first.due == 4
    assert first.queued + interleaved.other.queued == 4
    queued = job_ids(world.receive())
    assert sorted(queued) == sorted(booking.job.job_id for booking in bookings)
    assert {world.job(booking).state for booking in bookings} == {JobState.QUEUED}


def test_a_second_scheduler_pass_at_the_same_instant_queues_nothing(world: World) -> None:
    book_four(world)

    first, second = world.schedule(), world.schedule()

    assert (first.queued, second.queued, second.due) == (4, 0, 0)
    assert len(world.receive()) == 4


class RefusingQueue:
    """SQS takes none of the entries (each comes back in `Failed`)."""

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        return list(refs)


class UnavailableQueue:
    """SQS cannot be reached: the send call itself fails."""

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        raise ConnectionError("SQS endpoint unreachable")


def test_jobs_the_queue_refuses_go_back_to_pending_and_the_next_pass_queues_them(world: World) -> None:
    bookings = book_four(world)

    refused = run_scheduler_pass(world.jobs, RefusingQueue(), DUE_AT)
    states = {world.job(booking).state for booking in bookings}
    retried = world.schedule(DUE_AT + timedelta(minutes=1))

    assert (refused.queued, refused.released) == (0, 4)
    assert states == {JobState.PENDING}
    assert retried.queued == 4
    assert len(world.receive()) == 4


def test_jobs_claimed_by_a_pass_whose_queue_is_unreachable_are_queued_by_a_later_pass(world: World) -> None:
    """A failed pass is retried by the next one: it must not strand the jobs it had claimed."""
    bookings = book_four(world)
    with pytest.raises(ConnectionError):
        run_scheduler_pass(world.jobs, UnavailableQueue(), DUE_AT)

    retried = world.schedule(DUE_AT + timedelta(minutes=1))

    assert retried.queued == 4, {booking.job.job_id: world.job(booking).state for booking in bookings}
    assert sorted(job_ids(world.receive())) == sorted(booking.job.job_id for booking in bookings)


# ---- each function's IAM policy allows the DynamoDB calls its code makes ----


def record_dynamodb_calls(world: World) -> list[tuple[str, str | None]]:
    """(IAM action, index name or None) of every DynamoDB call through the world's client."""
    calls: list[tuple[str, str | None]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                [kind] = item
                action = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}.get(
                    kind, "ConditionCheckItem"
                )
                calls.append((f"dynamodb:{action}", None))
            return
        calls.append((f"dynamodb:{model.name}", params.get("IndexName")))

    world.table.client.meta.events.register("before-parameter-build.dynamodb.*", record)
    return calls


def _resource_pattern(resource: Any) -> str:
    """A policy resource, the table's ARN written TABLE: `!GetAtt Table.Arn`, `!Sub ${Table.Arn}/...`."""
    if resource == {"Fn::GetAtt": ["Table", "Arn"]}:
        return "TABLE"
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        return resource["Fn::Sub"].replace("${Table.Arn}", "TABLE")
    return str(resource)


def denied(function: str, calls: Iterable[tuple[str, str | None]]) -> set[tuple[str, str]]:
    """The calls no Allow statement of the function's inline policies grants."""
    from fnmatch import fnmatchcase

    from infra.template import load_template

    policies = load_template()["Resources"][function]["Properties"]["Policies"]
    grants: list[tuple[str, str]] = []
    for policy in policies:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            grants += [(action, _resource_pattern(resource)) for action in actions for resource in resources]
    missing: set[tuple[str, str]] = set()
    for action, index in calls:
        resource = f"TABLE/index/{index}" if index else "TABLE"
        if not any(fnmatchcase(action, a) and fnmatchcase(resource, r) for a, r in grants):
            missing.add((action, resource))
    return missing


def test_the_scheduler_policy_allows_every_dynamodb_call_of_a_pass_including_releasing_refused_jobs(
    world: World,
) -> None:
    book_four(world)
    calls = record_dynamodb_calls(world)

    run_scheduler_pass(world.jobs, RefusingQueue(), DUE_AT)
    world.schedule(DUE_AT + timedelta(minutes=1))

    assert calls
    assert denied("SchedulerFunction", calls) == set()


def test_the_sender_policy_allows_every_dynamodb_call_of_its_deliveries(
    world: World, twilio: FakeTwilio
) -> None:
    bookings = book_four(world)
    world.schedule()
    messages = world.receive()
    world.patients.record_consent(
        ConsentChange(
            bookings[3].patient_id,
            bookings[3].clinic_id,
            ConsentAction.OPT_OUT,
            ConsentSource.ADMIN,
            BOOKED_AT,
        )
    )
    calls = record_dynamodb_calls(world)
    twilio.script(Reply.UNSUBSCRIBED, Reply.SERVER_ERROR, Reply.TOO_MANY_REQUESTS)

    world.deliver(world.event(messages))
    world.deliver(world.event(messages), DUE_AT + timedelta(minutes=3))

    assert {call[0] for call in calls} >= {"dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"}
    assert denied("SenderFunction", calls) == set()
