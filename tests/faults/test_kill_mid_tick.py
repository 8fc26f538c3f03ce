"""SIGKILL of the local stack in the middle of a tick, on a moto server that outlives it: after a
restart and the ticks of a lease and the reconciler's window, every planned message is final,
none was sent twice and none is lost (contract, section 5)."""

import time
from datetime import timedelta

import pytest

from tests.fakes.twilio_server import Reply
from tests.faults.conftest import Contract, Rig, book_reminders, outcome, settle

pytestmark = [pytest.mark.enable_socket]

WAIT_FOR_STALL_SECONDS = 30


def test_kill_while_twilio_holds_a_send_then_restart(rig: Rig, contract: Contract) -> None:
    assert rig.api is not None
    booked = book_reminders(rig.api, 20)
    # Five go out, the sixth stalls at Twilio (which takes it) for longer than the SDK waits.
    rig.twilio.script(Reply.ACCEPT, times=5)
    rig.twilio.script(Reply.STALL)
    rig.tick_in_background(booked.due)
    deadline = time.monotonic() + WAIT_FOR_STALL_SECONDS
    while not [request for request in rig.twilio.requests if request.reply is Reply.STALL]:
        assert time.monotonic() < deadline, "the tick never reached the stalled send"
        time.sleep(0.05)  # polling the fake for the stalled request
    rig.kill_stack()
    assert len(rig.twilio.messages) == 6  # five answered, one taken but never answered

    api = rig.restart_stack()
    at_fault = outcome(api, rig.twilio, booked).states
    answers = settle(rig, booked.due + timedelta(minutes=1))

    result = outcome(rig.api, rig.twilio, booked)
    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    contract("SIGKILL while Twilio holds a send", result, answers, at_fault)
    assert result.states == {"sent": booked.planned}, result.summary()
    assert sum(answer["reconciled"] for answer in answers) == 1  # the stalled one, adopted


# When to kill, as seen from outside while the tick runs: in the scheduler's pass (some jobs
# claimed and on the queue, nothing sent yet), or among the sends (a third of them out).
KILL_WHEN = {
    "in_the_pass": lambda rig, booked: rig.job_states()["queued"] > 0 and not rig.twilio.messages,
    "among_the_sends": lambda rig, booked: len(rig.twilio.messages) >= booked.planned // 3,
}
WAIT_FOR_MOMENT_SECONDS = 120


@pytest.mark.parametrize("when", list(KILL_WHEN))
def test_kill_in_the_middle_of_a_big_tick_then_restart(rig: Rig, contract: Contract, when: str) -> None:
    assert rig.api is not None
    booked = book_reminders(rig.api, 40)
    rig.tick_in_background(booked.due)
    deadline = time.monotonic() + WAIT_FOR_MOMENT_SECONDS
    while not KILL_WHEN[when](rig, booked):
        assert time.monotonic() < deadline, f"the tick never reached the moment {when}"
        time.sleep(0.01)  # polling the table and the fake for the moment to kill at
    rig.kill_stack()

    api = rig.restart_stack()
    at_fault = outcome(api, rig.twilio, booked).states
    answers = settle(rig, booked.due + timedelta(minutes=1))

    result = outcome(rig.api, rig.twilio, booked)
    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    contract(f"SIGKILL {when.replace('_', ' ')}", result, answers, at_fault)
    assert result.states == {"sent": booked.planned}, result.summary()
    # The kill landed where it was meant to: jobs taken off the due index but not all sent.
    assert at_fault["sent"] < booked.planned, at_fault
    assert at_fault["queued"] + at_fault["sending"] > 0, at_fault
