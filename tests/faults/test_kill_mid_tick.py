"""SIGKILL of the local stack in the middle of a tick, on a moto server that outlives it: after a
restart and the ticks of a lease and the reconciler's window, every planned message is final,
none was sent twice and none is lost (contract, section 5)."""

import random
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

    rig.restart_stack()
    answers = settle(rig, booked.due + timedelta(minutes=1))

    result = outcome(rig.api, rig.twilio, booked)
    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    contract("SIGKILL while Twilio holds a send", result, answers)
    assert result.states == {"sent": booked.planned}, result.summary()
    assert sum(answer["reconciled"] for answer in answers) == 1  # the stalled one, adopted


# A seeded random delay in each range: early kills land in the scheduler's pass (claiming and
# queueing), later ones among the sends.
DELAYS = {"in_the_pass": (0.05, 0.6), "among_the_sends": (0.8, 3.0)}


@pytest.mark.parametrize("when", list(DELAYS))
def test_kill_after_a_random_delay_into_a_big_tick_then_restart(
    rig: Rig, contract: Contract, when: str
) -> None:
    assert rig.api is not None
    booked = book_reminders(rig.api, 60)
    delay = random.Random(f"touchpoint-faults-{when}").uniform(*DELAYS[when])
    rig.tick_in_background(booked.due)
    time.sleep(delay)  # the fault's timing: kill this far into the tick
    rig.kill_stack()
    taken_before_kill = len(rig.twilio.messages)

    rig.restart_stack()
    answers = settle(rig, booked.due + timedelta(minutes=1))

    result = outcome(rig.api, rig.twilio, booked)
    print(f"delay={delay:.2f}s sent_before_kill={taken_before_kill}")
    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    contract(f"SIGKILL {when.replace('_', ' ')} ({delay:.2f} s in)", result, answers)
    assert result.states == {"sent": booked.planned}, result.summary()
