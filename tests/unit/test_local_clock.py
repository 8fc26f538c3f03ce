"""The local stack's clock: the wall clock, then wherever the latest simulated tick put it."""

from datetime import UTC, datetime, timedelta

from infra.local_time import LocalClock

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.instant = START

    def __call__(self) -> datetime:
        return self.instant

    def wait(self, **elapsed: float) -> None:
        self.instant += timedelta(**elapsed)


def test_before_any_tick_the_clock_is_the_wall_clock() -> None:
    wall = Wall()
    clock = LocalClock(wall)

    assert clock.now() == START
    wall.wait(minutes=5)
    assert clock.now() == START + timedelta(minutes=5)


def test_after_a_tick_ahead_time_runs_on_from_the_tick_at_the_wall_clocks_pace() -> None:
    wall = Wall()
    clock = LocalClock(wall)
    ahead = START + timedelta(days=3)

    clock.set_to(ahead)
    assert clock.now() == ahead
    wall.wait(seconds=90)
    assert clock.now() == ahead + timedelta(seconds=90)


def test_a_tick_back_to_an_earlier_instant_brings_the_clock_back() -> None:
    wall = Wall()
    clock = LocalClock(wall)
    clock.set_to(START + timedelta(days=30))
    wall.wait(seconds=10)

    clock.set_to(START + timedelta(days=2))
    assert clock.now() == START + timedelta(days=2)
    wall.wait(minutes=1)
    assert clock.now() == START + timedelta(days=2, minutes=1)


def test_a_tick_into_the_past_of_the_wall_clock_runs_on_from_there() -> None:
    wall = Wall()
    clock = LocalClock(wall)
    past = START - timedelta(hours=6)

    clock.set_to(past)
    wall.wait(seconds=30)

    assert clock.now() == past + timedelta(seconds=30)


def test_without_a_wall_clock_given_the_clock_reads_real_time() -> None:
    before = datetime.now(UTC)
    now = LocalClock().now()

    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is not None
