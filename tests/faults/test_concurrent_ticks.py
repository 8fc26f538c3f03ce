"""Ten ticks posted at once, at the same `now`, over 100 due reminders: the stack serialises
them (one invocation at a time) and each reminder goes out exactly once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from tests.faults.conftest import Contract, Rig, book_reminders, outcome

pytestmark = [pytest.mark.enable_socket]

TICKS = 10


def test_ten_concurrent_ticks_send_each_of_100_reminders_once(rig: Rig, contract: Contract) -> None:
    assert rig.api is not None
    # 10 patients x 10 reminder rules: 100 reminders, all due by `booked.due`.
    booked = book_reminders(rig.api, 10, rules=10)
    assert booked.planned == 100

    def tick(_: int) -> dict[str, Any]:
        return rig.tick(booked.due)  # each its own HTTP request (Api.tick asserts a 200)

    rig.clock.set_to(booked.due)
    with ThreadPoolExecutor(max_workers=TICKS) as pool:
        answers = list(pool.map(tick, range(TICKS)))

    print("ticks:", [{k: v for k, v in answer.items() if v} for answer in answers])
    assert sum(answer["queued"] for answer in answers) == 100
    assert sum(answer["sent"] for answer in answers) == 100
    later = rig.tick(booked.due + timedelta(minutes=6))  # past a queued lease: nothing left to send
    assert later["sent"] == later["queued"] == 0, later

    result = outcome(rig.api, rig.twilio, booked)
    contract("10 concurrent ticks over 100 due", result, [*answers, later])
    assert result.states == {"sent": 100}, result.summary()
    assert result.twilio_messages == 100
