"""The sender when its own run fails, on moto with a fake Twilio: the process dying or an error
after Twilio took a message, then SQS redelivering the batch, sends none twice and leaves the
interrupted send unknown (and listed in the patient's log); a failure before Twilio was called
puts the job back on the queue and the redelivery sends it once.
"""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.twilio_server import FakeTwilio
from tests.integration import sender_world
from tests.integration.sender_world import (
    DUE_AT,
    World,
    book_four,
    failed_ids,
    job_ids,
)
from touchpoint.adapters.dynamo.jobs import DynamoJobs
from touchpoint.domain.appointment import Job, JobState
from touchpoint.domain.delivery import SmsReceipt
from touchpoint.domain.ports.sms import SmsGateway

pytestmark = pytest.mark.enable_socket  # the fake Twilio listens on 127.0.0.1

# sender_world's fixtures, under the names the tests ask for.
twilio = sender_world.twilio
quiet_powertools = sender_world.quiet_powertools
gateway = sender_world.gateway
world = sender_world.world


class ProcessDied(BaseException):
    """Stands in for the runtime killing the sender (timeout, out of memory): nothing catches it."""


# ---- crashes and redelivery ----


class SendsThenCrashes:
    """Hands the message to Twilio, then the process dies on the `crash_on`-th send."""

    def __init__(self, inner: SmsGateway, crash_on: int, crash: BaseException) -> None:
        self.inner = inner
        self.crash_on = crash_on
        self.crash = crash
        self.calls = 0

    def send(self, *, to: str, sender: str, body: str) -> SmsReceipt:
        self.calls += 1
        receipt = self.inner.send(to=to, sender=sender, body=body)
        if self.calls == self.crash_on:
            raise self.crash
        return receipt


def test_process_dying_after_twilio_took_the_second_of_four_then_full_redelivery_sends_none_twice(
    world: World, twilio: FakeTwilio
) -> None:
    bookings = book_four(world)
    assert world.schedule().queued == 4
    messages = world.receive()
    event = world.event(messages)
    order = job_ids(messages)

    with pytest.raises(ProcessDied):
        world.deliver(event, gateway=SendsThenCrashes(world.gateway, 2, ProcessDied()))
    redelivered = world.deliver(event, DUE_AT + timedelta(minutes=3))

    assert failed_ids(redelivered) == []
    assert Counter(request.form["To"] for request in twilio.messages) == Counter(
        booking.phone for booking in bookings
    )
    assert len(twilio.requests) == 4
    states = {booking.job.job_id: world.job(booking) for booking in bookings}
    interrupted = states[order[1]]
    assert (interrupted.state, interrupted.reason) == (JobState.UNKNOWN, "interrupted_while_sending")
    assert [states[job_id].state for job_id in (order[0], order[2], order[3])] == [JobState.SENT] * 3


def test_an_error_after_twilio_took_the_message_retries_the_record_without_resending(
    world: World, twilio: FakeTwilio
) -> None:
    bookings = book_four(world)
    world.schedule()
    messages = world.receive()
    event = world.event(messages)
    order = job_ids(messages)

    first = world.deliver(event, gateway=SendsThenCrashes(world.gateway, 2, RuntimeError("lost reply")))
    retried = [m for m in messages if m["MessageId"] in failed_ids(first)]
    second = world.deliver(world.event(retried), DUE_AT + timedelta(minutes=3))

    assert failed_ids(first) == [messages[1]["MessageId"]]
    assert failed_ids(second) == []
    assert len(twilio.requests) == 4
    assert sorted(Counter(r.form["To"] for r in twilio.messages).values()) == [1, 1, 1, 1]
    states = {booking.job.job_id: world.job(booking).state for booking in bookings}
    assert states[order[1]] is JobState.UNKNOWN


def test_a_send_interrupted_after_twilio_took_it_is_listed_in_the_patients_log_as_unknown(
    world: World, twilio: FakeTwilio
) -> None:
    """Twilio delivers it, so the clinic must see it, like any other message of unknown outcome."""
    booking = world.book(world.clinic())
    world.schedule()
    event = world.event(world.receive())
    with pytest.raises(ProcessDied):
        world.deliver(event, gateway=SendsThenCrashes(world.gateway, 1, ProcessDied()))

    world.deliver(event, DUE_AT + timedelta(minutes=3))

    assert len(twilio.messages_to(booking.phone)) == 1
    assert world.job(booking).state is JobState.UNKNOWN
    logged = [
        (message.direction, message.status, message.job_id)
        for message in world.log.for_patient(booking.patient_id)
    ]
    assert logged == [("outbound", "unknown", booking.job.job_id)]


def test_a_failure_before_twilio_puts_the_job_back_on_the_queue(world: World, twilio: FakeTwilio) -> None:
    booking = world.book(world.clinic())
    flaky = FailingOnce(world.jobs)
    world.jobs = flaky  # type: ignore[assignment]
    event, response = world.queue_and_deliver()

    assert failed_ids(response) == [record["messageId"] for record in event["Records"]]
    assert world.job(booking).state is JobState.QUEUED
    assert twilio.requests == []

    world.deliver(event, DUE_AT + timedelta(minutes=3))
    assert world.job(booking).state is JobState.SENT
    assert len(twilio.requests) == 1


class FailingOnce:
    """The job store, whose first read of a send's context fails (throttled, say)."""

    def __init__(self, inner: DynamoJobs) -> None:
        self.inner = inner
        self.failed = False

    def context(self, job: Job) -> Any:
        if not self.failed:
            self.failed = True
            raise RuntimeError("ProvisionedThroughputExceeded")
        return self.inner.context(job)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
