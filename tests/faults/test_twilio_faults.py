"""Twilio answering 429, 500 or dropping the connection for a share of the sends: after ticks
over 30 simulated minutes every planned message is final, none twice, none lost."""

import random
from datetime import timedelta

import pytest

from tests.fakes.twilio_server import Reply
from tests.faults.conftest import Rig, assert_contract, book_reminders, outcome

pytestmark = [pytest.mark.enable_socket]

FAULTS = [Reply.TOO_MANY_REQUESTS, Reply.SERVER_ERROR, Reply.DROP]


def test_429_500_and_dropped_connections_for_a_share_of_the_sends(rig: Rig) -> None:
    assert rig.api is not None
    booked = book_reminders(rig.api, 40)
    chooser = random.Random("touchpoint-faults-twilio")
    # The first 60 requests: about 45% faults (15% each), then Twilio accepts everything.
    script = [chooser.choice(FAULTS) if chooser.random() < 0.45 else Reply.ACCEPT for _ in range(60)]
    # Each fault at least once, early on.
    script[:3] = FAULTS
    rig.twilio.script(*script)

    answers = [rig.tick(booked.due + timedelta(minutes=minute)) for minute in range(36)]

    result = outcome(rig.api, rig.twilio, booked)
    used = [request.reply for request in rig.twilio.requests if request.method == "POST"]
    print("script used:", {reply.value: used.count(reply) for reply in set(used) if reply})
    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    assert_contract(result)
