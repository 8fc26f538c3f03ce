"""The local stack's time and what a tick did: its clock follows the latest simulated tick,
and a tick's counts are what `POST /_local/tick` answers."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


class LocalClock:
    """The stack's time: the wall clock until the first simulated tick; after a simulated tick
    at instant T (earlier or later than before), T plus the wall-clock time elapsed since.

    Admin requests and webhooks take their time from here, so that a message booked after a
    simulated tick is planned against the same "now" the scheduler saw, and a reply sent a
    few seconds after it is stamped a few seconds later. The clock follows the latest tick
    wherever it goes, so a tick back to an earlier instant brings the stack back with it.
    """

    def __init__(self, wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._wall = wall
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._wall() + self._offset

    def set_to(self, instant: datetime) -> None:
        """A simulated tick at `instant`: time goes on from there at the wall clock's pace."""
        with self._lock:
            self._offset = instant - self._wall()


@dataclass
class TickResult:
    queued: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    held: int = 0  # back to pending until later (quiet hours, another survey open)
    retried: int = 0
    missed: int = 0  # too old to send, marked by the scheduler pass
    escalated: int = 0  # open crisis alerts escalated by the scheduler pass
    reconciled: int = 0  # unknown sends settled from the SMS gateway's records
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        counts = (
            "queued",
            "sent",
            "skipped",
            "failed",
            "unknown",
            "held",
            "retried",
            "missed",
            "escalated",
            "reconciled",
        )
        return {name: getattr(self, name) for name in counts}
