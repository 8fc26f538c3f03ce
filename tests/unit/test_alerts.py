"""Alerts a clinician must close (contract section 7): the domain's lifecycle, the admin use
case on in-memory repositories, and the escalation part of a scheduler pass."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.fakes.memory import (
    MemoryAlerts,
    MemoryAppointments,
    MemoryAudit,
    MemoryClinics,
    MemoryMessageLog,
    MemoryPatients,
    MemorySurveys,
    NoLists,
)
from tests.unit.builders import clinic, utc
from touchpoint.domain.alerts import (
    MAX_NOTE_CHARS,
    Alert,
    AlertFilter,
    AlertState,
    acknowledge,
    escalate,
    is_due_for_escalation,
    new_alert,
    parse_acknowledgement,
    parse_alert_filter,
)
from touchpoint.domain.delivery import JobRef
from touchpoint.domain.errors import Conflict, InvalidInput, InvalidQuery, NotFound
from touchpoint.handlers.views import alert_view
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.escalation import Escalation
from touchpoint.usecases.scheduling import run_scheduler_pass

RAISED = utc(2026, 12, 3, 15, 0)
FIFTEEN = timedelta(minutes=15)


def crisis(alert_id: str = "al_1", at: datetime = RAISED, clinic_id: str = "cl_1", **extra: Any) -> Alert:
    return new_alert(
        alert_id,
        clinic_id,
        "crisis",
        at,
        "I want to end it all",
        escalation_interval=extra.pop("interval", FIFTEEN),
        patient_id="pt_1",
        first_name="Ana",
        rule="en.direct.end_it_all",
        **extra,
    )


# ---- the domain ------------------------------------------------------------------------------


def test_a_crisis_alert_is_raised_open_with_its_rule_and_falls_due_one_interval_later() -> None:
    alert = crisis()

    assert alert.state is AlertState.OPEN
    assert alert.rule == "en.direct.end_it_all"
    assert alert.next_escalation_at == RAISED + FIFTEEN
    assert alert.escalations == 0
    assert not is_due_for_escalation(alert, RAISED + FIFTEEN - timedelta(seconds=1))
    assert is_due_for_escalation(alert, RAISED + FIFTEEN)


@pytest.mark.parametrize("kind", ["severe_score", "reschedule_request"])
def test_other_alerts_are_open_but_never_escalated_and_carry_no_rule(kind: str) -> None:
    alert = new_alert(
        "al_1", "cl_1", kind, RAISED, "R", escalation_interval=FIFTEEN, rule="en.direct.end_it_all"
    )

    assert alert.state is AlertState.OPEN
    assert alert.rule is None
    assert alert.next_escalation_at is None
    assert not is_due_for_escalation(alert, RAISED + timedelta(days=30))


def test_acknowledging_records_who_when_and_the_note_and_ends_escalation() -> None:
    done = acknowledge(crisis(), by="dr-lee", note="Called her; safe with family.", at=RAISED + FIFTEEN)

    assert done.state is AlertState.ACKNOWLEDGED
    assert (done.acknowledged_by, done.acknowledged_at, done.note) == (
        "dr-lee",
        RAISED + FIFTEEN,
        "Called her; safe with family.",
    )
    assert done.next_escalation_at is None
    assert not is_due_for_escalation(done, RAISED + timedelta(days=1))


def test_a_second_acknowledgement_is_a_conflict() -> None:
    done = acknowledge(crisis(), by="dr-lee", note="Called her.", at=RAISED)

    with pytest.raises(Conflict):
        acknowledge(done, by="dr-kim", note="Me too.", at=RAISED + FIFTEEN)


def test_an_escalation_is_counted_and_the_next_one_is_a_whole_interval_later() -> None:
    late = RAISED + timedelta(hours=3)  # the scheduler was down: no burst to catch up

    once = escalate(crisis(), late, FIFTEEN)
    twice = escalate(once, late + FIFTEEN, FIFTEEN)

    assert (once.escalations, once.escalated_at, once.next_escalation_at) == (1, late, late + FIFTEEN)
    assert (twice.escalations, twice.next_escalation_at) == (2, late + 2 * FIFTEEN)


def test_the_view_has_every_field_of_the_contract() -> None:
    view = alert_view(acknowledge(crisis(), by="dr-lee", note="ok", at=RAISED))

    assert {
        "alert_id",
        "patient_id",
        "first_name",
        "kind",
        "at",
        "text",
        "state",
        "acknowledged_by",
        "acknowledged_at",
        "note",
        "rule",
        "escalations",
    } <= set(view)
    assert (view["state"], view["acknowledged_at"], view["first_name"]) == (
        "acknowledged",
        "2026-12-03T15:00:00Z",
        "Ana",
    )


def test_an_acknowledgement_takes_a_note() -> None:
    assert parse_acknowledgement({"note": "  Called her; safe.  "}) == "Called her; safe."
    assert parse_acknowledgement({"note": "x" * MAX_NOTE_CHARS}) == "x" * MAX_NOTE_CHARS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (["note"], "body"),
        ("Called her", "body"),
        (None, "body"),
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "   "}, "note"),
        ({"note": 42}, "note"),
        ({"note": None}, "note"),
        ({"note": {"text": "x"}}, "note"),
        ({"note": "x" * (MAX_NOTE_CHARS + 1)}, "note"),
        ({"note": "ok", "state": "open"}, "state"),
        ({"note": "ok", "acknowledged_by": "someone else"}, "acknowledged_by"),
    ],
)
def test_a_bad_acknowledgement_body_is_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_acknowledgement(body)

    assert caught.value.field == field


def test_the_filters_take_a_known_kind_and_state() -> None:
    assert parse_alert_filter(None, None) == AlertFilter()
    assert parse_alert_filter("crisis", "open") == AlertFilter("crisis", AlertState.OPEN)
    assert parse_alert_filter(None, "acknowledged") == AlertFilter(None, AlertState.ACKNOWLEDGED)


@pytest.mark.parametrize(
    ("kind", "state", "field"),
    [("panic", None, "kind"), ("", None, "kind"), (None, "closed", "state"), ("crisis", "OPEN", "state")],
)
def test_an_unknown_filter_value_is_a_bad_query_naming_the_parameter(
    kind: str | None, state: str | None, field: str
) -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse_alert_filter(kind, state)

    assert caught.value.field == field


# ---- the admin use case ------------------------------------------------------------------------


@dataclass
class World:
    clinics: MemoryClinics = field(default_factory=MemoryClinics)
    alerts: MemoryAlerts = field(default_factory=MemoryAlerts)

    @property
    def admin(self) -> Admin:
        appointments = MemoryAppointments()
        return Admin(
            self.clinics,
            MemoryPatients(),
            appointments,
            MemoryMessageLog(),
            self.alerts,
            MemorySurveys(),
            MemoryAudit(),
            NoLists(),
            appointments.courses,
        )


@pytest.fixture
def world() -> World:
    world = World()
    world.clinics.add(clinic("cl_1"))
    world.clinics.add(clinic("cl_2", sender="+15005550007"))
    return world


def test_a_clinician_acknowledges_an_alert_with_a_note(world: World) -> None:
    world.alerts.add(crisis())

    done = world.admin.acknowledge_alert(
        "cl_1", "al_1", {"note": "Called Ana; she is safe."}, by="dr-lee", now=RAISED + timedelta(minutes=4)
    )

    assert world.alerts.get("cl_1", "al_1") == done
    assert (done.state, done.acknowledged_by, done.acknowledged_at, done.note) == (
        AlertState.ACKNOWLEDGED,
        "dr-lee",
        RAISED + timedelta(minutes=4),
        "Called Ana; she is safe.",
    )


def test_a_second_acknowledgement_answers_conflict_and_keeps_the_first(world: World) -> None:
    world.alerts.add(crisis())
    first = world.admin.acknowledge_alert("cl_1", "al_1", {"note": "first"}, by="dr-lee", now=RAISED)

    with pytest.raises(Conflict):
        world.admin.acknowledge_alert("cl_1", "al_1", {"note": "second"}, by="dr-kim", now=RAISED)
    assert world.alerts.get("cl_1", "al_1") == first


def test_an_alert_of_another_clinic_or_an_unknown_one_is_not_found(world: World) -> None:
    world.alerts.add(crisis())

    for clinic_id, alert_id, field_name in (
        ("cl_2", "al_1", "alert_id"),
        ("cl_1", "al_nope", "alert_id"),
        ("cl_nope", "al_1", "clinic_id"),
    ):
        with pytest.raises(NotFound) as caught:
            world.admin.acknowledge_alert(clinic_id, alert_id, {"note": "x"}, by="dr-lee", now=RAISED)
        assert caught.value.field == field_name
    assert world.alerts.get("cl_1", "al_1").state is AlertState.OPEN


def test_a_bad_body_changes_nothing(world: World) -> None:
    world.alerts.add(crisis())

    with pytest.raises(InvalidInput):
        world.admin.acknowledge_alert("cl_1", "al_1", {"note": 7}, by="dr-lee", now=RAISED)
    assert world.alerts.get("cl_1", "al_1") == crisis()


# ---- escalation ------------------------------------------------------------------------------


@dataclass
class Topic:
    """The escalations topic: keeps what it was given; `refusing` makes it fail like SNS down."""

    refusing: set[str] = field(default_factory=set)
    sent: list[tuple[str, int]] = field(default_factory=list)

    def escalate(self, alert: Alert) -> None:
        if alert.alert_id in self.refusing:
            raise RuntimeError("SNS is unavailable")
        self.sent.append((alert.alert_id, alert.escalations))


@dataclass
class Escalating:
    clinics: MemoryClinics = field(default_factory=MemoryClinics)
    alerts: MemoryAlerts = field(default_factory=MemoryAlerts)
    topic: Topic = field(default_factory=Topic)

    @property
    def escalation(self) -> Escalation:
        return Escalation(self.alerts, self.clinics, self.topic)

    def run(self, now: datetime) -> list[tuple[str, int]]:
        before = len(self.topic.sent)
        self.escalation.run(now)
        return self.topic.sent[before:]


@pytest.fixture
def escalating() -> Escalating:
    world = Escalating()
    world.clinics.add(clinic("cl_1"))
    world.clinics.add(clinic("cl_5", sender="+15005550009", name="Harbor Light", escalation_minutes=5))
    return world


def test_an_open_crisis_alert_is_escalated_once_its_clinic_interval_has_passed(
    escalating: Escalating,
) -> None:
    escalating.alerts.add(crisis())

    assert escalating.run(RAISED + FIFTEEN - timedelta(minutes=1)) == []
    assert escalating.run(RAISED + FIFTEEN) == [("al_1", 1)]
    stored = escalating.alerts.get("cl_1", "al_1")
    assert (stored.escalations, stored.escalated_at, stored.state) == (1, RAISED + FIFTEEN, AlertState.OPEN)


def test_an_alert_is_escalated_at_most_once_per_interval(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())
    first = RAISED + FIFTEEN

    sent = [escalating.run(first + timedelta(minutes=minute)) for minute in range(31)]

    assert [minute for minute, batch in enumerate(sent) if batch] == [0, 15, 30]
    assert escalating.alerts.get("cl_1", "al_1").escalations == 3


def test_the_clinics_own_escalation_minutes_set_the_interval(escalating: Escalating) -> None:
    escalating.alerts.add(crisis(clinic_id="cl_5", interval=timedelta(minutes=5)))

    assert escalating.run(RAISED + timedelta(minutes=5)) == [("al_1", 1)]
    assert escalating.run(RAISED + timedelta(minutes=9)) == []
    assert escalating.run(RAISED + timedelta(minutes=10)) == [("al_1", 2)]


def test_an_acknowledged_alert_is_never_escalated(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())
    done = acknowledge(crisis(), by="dr-lee", note="Called her.", at=RAISED + timedelta(minutes=3))
    escalating.alerts.record_acknowledgement(done)

    assert escalating.run(RAISED + timedelta(days=2)) == []
    assert escalating.alerts.get("cl_1", "al_1").escalations == 0


def test_an_alert_acknowledged_after_the_pass_read_it_is_not_escalated(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())
    stale = list(escalating.alerts.due_for_escalation(RAISED + FIFTEEN, 10))
    escalating.alerts.record_acknowledgement(acknowledge(crisis(), by="dr-lee", note="ok", at=RAISED))

    class Stale(MemoryAlerts):
        def due_for_escalation(self, now: datetime, limit: int) -> list[Alert]:
            return stale

    reading_late = Stale()
    reading_late.items = escalating.alerts.items
    Escalation(reading_late, escalating.clinics, escalating.topic).run(RAISED + FIFTEEN)

    assert escalating.topic.sent == []


def test_two_passes_at_once_escalate_an_alert_once(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())
    due = RAISED + FIFTEEN
    read_by_both = list(escalating.alerts.due_for_escalation(due, 10))

    class ReadBeforeTheOtherWrote(MemoryAlerts):
        def due_for_escalation(self, now: datetime, limit: int) -> list[Alert]:
            return read_by_both

    second = ReadBeforeTheOtherWrote()
    second.items = escalating.alerts.items
    first = escalating.escalation.run(due)
    other = Escalation(second, escalating.clinics, escalating.topic).run(due)

    assert (first.escalated, other.escalated) == (1, 0)
    assert escalating.topic.sent == [("al_1", 1)]
    assert escalating.alerts.get("cl_1", "al_1").escalations == 1


def test_a_refused_publish_is_not_counted_and_the_next_pass_sends_it(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())
    escalating.topic.refusing.add("al_1")
    due = RAISED + FIFTEEN

    result = escalating.escalation.run(due)

    assert (result.escalated, result.not_published) == (0, ("al_1",))
    stored = escalating.alerts.get("cl_1", "al_1")
    assert (stored.escalations, stored.escalated_at, stored.next_escalation_at) == (0, None, due)
    escalating.topic.refusing.clear()
    assert escalating.run(due + timedelta(minutes=1)) == [("al_1", 1)]
    assert escalating.alerts.get("cl_1", "al_1").next_escalation_at == due + timedelta(minutes=1) + FIFTEEN


def test_a_refused_publish_does_not_cost_the_other_alerts_theirs(escalating: Escalating) -> None:
    escalating.alerts.add(crisis("al_1"))
    escalating.alerts.add(crisis("al_2", RAISED + timedelta(seconds=1)))
    escalating.topic.refusing.add("al_1")

    result = escalating.escalation.run(RAISED + timedelta(minutes=20))

    assert (result.escalated, result.not_published) == (1, ("al_1",))
    assert [alert_id for alert_id, _ in escalating.topic.sent] == ["al_2"]


def test_an_alert_whose_clinic_cannot_be_read_does_not_stop_the_escalation_of_the_others(
    escalating: Escalating,
) -> None:
    escalating.alerts.add(crisis("al_1", clinic_id="cl_gone"))
    escalating.alerts.add(crisis("al_2", RAISED + timedelta(seconds=1)))

    result = escalating.escalation.run(RAISED + timedelta(minutes=20))

    assert (result.escalated, result.not_published) == (1, ("al_1",))
    assert [alert_id for alert_id, _ in escalating.topic.sent] == ["al_2"]
    assert escalating.alerts.get("cl_gone", "al_1").escalations == 0


# ---- escalation inside the scheduler pass ------------------------------------------------------


class NoJobs:
    def due(self, now: datetime, lookback: timedelta) -> list[JobRef]:
        return [JobRef("ap_1", "jb_1")]

    def missed(self, now: datetime, lookback: timedelta) -> list[JobRef]:
        return []

    def claim_for_queue(self, ref: JobRef, now: datetime) -> JobRef:
        return ref

    def release_to_pending(self, ref: JobRef) -> None:
        self.released = ref


class Queue:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.refs: list[JobRef] = []

    def enqueue(self, refs: list[JobRef]) -> list[JobRef]:
        if self.fail:
            raise RuntimeError("SQS is unavailable")
        self.refs += refs
        return []


def test_the_pass_queues_the_reminders_even_when_an_escalation_cannot_be_published(
    escalating: Escalating,
) -> None:
    escalating.alerts.add(crisis())
    escalating.topic.refusing.add("al_1")
    queue = Queue()

    result = run_scheduler_pass(NoJobs(), queue, RAISED + FIFTEEN, escalation=escalating.escalation)

    assert queue.refs == [JobRef("ap_1", "jb_1")]
    assert (result.queued, result.to_dict()["escalations_not_published"]) == (1, 1)


def test_the_pass_escalates_even_when_the_send_queue_is_down(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())

    with pytest.raises(RuntimeError, match="SQS"):
        run_scheduler_pass(NoJobs(), Queue(fail=True), RAISED + FIFTEEN, escalation=escalating.escalation)

    assert escalating.topic.sent == [("al_1", 1)]


def test_a_pass_result_counts_its_escalations(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())

    result = run_scheduler_pass(NoJobs(), Queue(), RAISED + FIFTEEN, escalation=escalating.escalation)

    assert result.to_dict() == {
        "due": 1,
        "queued": 1,
        "released": 0,
        "missed": 0,
        "interrupted": 0,
        "escalated": 1,
        "escalations_not_published": 0,
    }


def test_an_escalation_keeps_the_alert_as_raised_but_for_its_count(escalating: Escalating) -> None:
    escalating.alerts.add(crisis())
    escalating.run(RAISED + FIFTEEN)

    stored = escalating.alerts.get("cl_1", "al_1")
    assert replace(stored, escalations=0, escalated_at=None, next_escalation_at=RAISED + FIFTEEN) == crisis()
