"""Twilio answering 429, 500 or dropping the connection for a share of the sends, and once
taking a message without answering within the SDK's timeout: after ticks over 30 simulated
minutes every planned message is final, none twice, none lost, none left unknown."""

import random

import pytest

from tests.fakes.twilio_server import Reply
from tests.faults.conftest import Contract, Rig, book_reminders, outcome, settle

pytestmark = [pytest.mark.enable_socket]

FAULTS = [Reply.TOO_MANY_REQUESTS, Reply.SERVER_ERROR, Reply.DROP]


def test_429_500_and_dropped_connections_for_a_share_of_the_sends(rig: Rig, contract: Contract) -> None:
    assert rig.api is not None
    booked = book_reminders(rig.api, 30)
    chooser = random.Random("touchpoint-faults-twilio")
    # The first 60 requests: about 45% faults (15% each), then Twilio accepts everything.
    script = [chooser.choice(FAULTS) if chooser.random() < 0.45 else Reply.ACCEPT for _ in range(60)]
    # Each fault at least once, early on, and one timeout (Twilio takes it, the answer never comes).
    script[:4] = [*FAULTS, Reply.STALL]
    rig.twilio.script(*script)

    answers = settle(rig, booked.due, (0, 1, 2, 3, 4, 6, 12, 18, 24, 30))

    result = outcome(rig.api, rig.twilio, booked)
    used = [request.reply for request in rig.twilio.requests if request.method == "POST"]
    print("script used:", {reply.value: used.count(reply) for reply in set(used) if reply})
    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    contract("Twilio 429 / 500 / reset / timeout on 45% of the first 60 sends", result, answers)
