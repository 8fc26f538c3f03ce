"""The cost model of tests/bench/costs.py holds together: its lines add up, what is shared is
shared, what is per message scales with the messages."""

import math

import pytest

from tests.bench import costs

Lines = list[tuple[str, str, float]]


def _by_name(lines: Lines) -> dict[str, float]:
    return {name: cost for _, name, cost in lines}


@pytest.fixture(scope="module")
def one() -> Lines:
    return costs.monthly(1)


@pytest.fixture(scope="module")
def group() -> Lines:
    return costs.monthly(costs.CLINICS)


def test_every_line_is_a_finite_non_negative_amount(one: Lines, group: Lines) -> None:
    for section, name, cost in one + group:
        assert section in {"AWS", "SMS"}, name
        assert math.isfinite(cost), name
        assert cost >= 0, name


def test_both_stacks_have_the_same_lines_in_the_same_order(one: Lines, group: Lines) -> None:
    assert [(section, name) for section, name, _ in one] == [(section, name) for section, name, _ in group]
    assert len({name for _, name, _ in one}) == len(one)


def test_the_totals_are_the_sums_of_the_lines(one: Lines, group: Lines) -> None:
    for lines in (one, group):
        sums = costs.subtotals(lines)
        for part in ("AWS", "SMS"):
            assert sums[part] == pytest.approx(math.fsum(c for s, _, c in lines if s == part))
        assert sums["total"] == pytest.approx(sums["AWS"] + sums["SMS"])
        assert sums["total"] == pytest.approx(math.fsum(c for _, _, c in lines))


def test_fifty_clinics_share_the_fixed_aws_costs(one: Lines, group: Lines) -> None:
    aws_one, aws_group = costs.subtotals(one)["AWS"], costs.subtotals(group)["AWS"]
    assert aws_one < aws_group < costs.CLINICS * aws_one
    fixed = ("CloudWatch metrics", "CloudWatch alarms", "EventBridge Scheduler", "Secrets Manager")
    for name in fixed:
        assert _by_name(one)[name] == pytest.approx(_by_name(group)[name]), name


def test_what_sms_costs_per_message_scales_with_the_clinics(one: Lines, group: Lines) -> None:
    shared = {"10DLC campaign"}  # one brand and one campaign for the group's numbers
    for (section, name, a), (_, _, b) in zip(one, group, strict=True):
        if section == "SMS" and name not in shared:
            assert b == pytest.approx(costs.CLINICS * a), name
    assert costs.subtotals(group)["SMS"] <= costs.CLINICS * costs.subtotals(one)["SMS"]


def test_sms_is_most_of_the_bill(one: Lines, group: Lines) -> None:
    for lines in (one, group):
        sums = costs.subtotals(lines)
        assert sums["SMS"] > sums["AWS"]


def test_usage_scales_with_the_clinics() -> None:
    one, group = costs.usage(1), costs.usage(costs.CLINICS)
    for name, count in one.items():
        assert group[name] == pytest.approx(costs.CLINICS * count), name
    assert one["sessions"] == costs.PATIENTS * costs.SESSIONS_PER_PATIENT
    assert one["reminders"] == one["sessions"] * costs.REMINDERS_PER_SESSION


def test_spanish_texts_take_more_segments_and_cost_more() -> None:
    english, spanish = costs.usage(1, spanish=0.0), costs.usage(1, spanish=1.0)
    assert spanish["segments out"] > costs.usage(1)["segments out"] > english["segments out"]
    assert spanish["segments in"] == english["segments in"]  # the replies are short whatever the language
    assert costs.subtotals(costs.monthly(1, 1.0))["SMS"] > costs.subtotals(costs.monthly(1, 0.0))["SMS"]


def test_a_check_in_sends_at_least_a_segment_a_message() -> None:
    for instrument in ("anxiety-now", "gad7"):
        sent, segments, replies = costs.checkin(instrument)
        assert segments >= sent > 0
        assert replies > 0
    assert costs.checkin("gad7")[1] > costs.checkin("anxiety-now")[1]


def test_without_patients_only_the_fixed_costs_remain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(costs, "PATIENTS", 0)
    lines = _by_name(costs.monthly(1))
    for name in ("Outbound segments", "Inbound segments", "Carrier fees", "DynamoDB storage and PITR"):
        assert lines[name] == 0, name
    assert lines["CloudWatch metrics"] > 0
    assert lines["DynamoDB requests"] > 0  # the scheduler's and reconciler's passes query all the same
