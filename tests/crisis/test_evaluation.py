"""The crisis net measured on the labelled sets in tests/crisis/ (see sets.py).

Every crisis message must be caught (a missed crisis is a patient nobody calls), at most 3% of
the benign messages may raise a false alarm, and every match names its rule and the words that
made it fire, for the clinician reading the alert.
"""

from collections import defaultdict

from tests.crisis.sets import CATEGORIES, Kind, load, load_extra, normalised
from touchpoint.domain.crisis import explain, is_crisis

MIN_MESSAGES = 300
MIN_PER_CATEGORY = 10
MAX_FALSE_ALARM_RATE = 0.03

CRISIS = load("crisis")
BENIGN = load("benign")
SETS: dict[Kind, dict[str, list[str]]] = {"crisis": CRISIS, "benign": BENIGN}


def labelled(sets: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(category, text) for category, texts in sets.items() for text in texts]


def test_each_set_has_exactly_its_categories_with_at_least_10_messages_each() -> None:
    for kind, sets in SETS.items():
        assert set(sets) == CATEGORIES[kind], f"{kind}: categories differ from sets.CATEGORIES"
        small = {category: len(texts) for category, texts in sets.items() if len(texts) < MIN_PER_CATEGORY}
        assert not small, f"{kind}: categories with fewer than {MIN_PER_CATEGORY} messages: {small}"


def test_each_set_has_at_least_300_messages() -> None:
    for kind, sets in SETS.items():
        total = sum(len(texts) for texts in sets.values())
        assert total >= MIN_MESSAGES, f"{kind}: {total} messages, fewer than {MIN_MESSAGES}"


def test_every_message_is_distinct_within_and_across_the_sets_ignoring_case_and_spacing() -> None:
    places: dict[str, list[str]] = defaultdict(list)
    for kind, sets in SETS.items():
        for category, text in labelled(sets):
            places[normalised(text)].append(f"{kind}/{category}: {text}")
    repeated = [" | ".join(where) for where in places.values() if len(where) > 1]
    assert not repeated, "messages that appear more than once:\n" + "\n".join(repeated)


def test_every_crisis_message_is_recognised() -> None:
    missed = [(category, text) for category, text in labelled(CRISIS) if not is_crisis(text)]
    total = len(labelled(CRISIS))
    assert not missed, f"{len(missed)} of {total} crisis messages missed:\n" + "\n".join(
        f"  [{category}] {text}" for category, text in missed
    )


def test_at_most_3_percent_of_benign_messages_raise_a_false_alarm() -> None:
    alarms = []
    for category, text in labelled(BENIGN):
        match = explain(text)
        if match is not None:
            alarms.append(f"  [{category}] {text}  <- {match.rule} on {match.span_of(text)!r}")
    total = len(labelled(BENIGN))
    assert len(alarms) <= MAX_FALSE_ALARM_RATE * total, (
        f"{len(alarms)} false alarms on {total} benign messages ({len(alarms) / total:.1%}, "
        f"at most {MAX_FALSE_ALARM_RATE:.0%} allowed):\n" + "\n".join(alarms)
    )


def test_explain_names_a_rule_and_a_non_empty_span_inside_each_crisis_message() -> None:
    problems = []
    for category, text in labelled(CRISIS):
        match = explain(text)
        if match is None:
            problems.append(f"  [{category}] {text}  <- no match")
            continue
        inside = 0 <= match.start < match.end <= len(text)
        span = match.span_of(text)
        if not match.rule or not inside or span != text[match.start : match.end] or not span.strip():
            problems.append(
                f"  [{category}] {text}  <- rule {match.rule!r}, span {match.start}:{match.end} {span!r}"
            )
    assert not problems, f"{len(problems)} crisis messages without a rule and a span:\n" + "\n".join(problems)


def test_is_crisis_agrees_with_explain_on_every_message() -> None:
    disagree = [
        f"  [{kind}/{category}] {text}"
        for kind, sets in SETS.items()
        for category, text in labelled(sets)
        if is_crisis(text) != (explain(text) is not None)
    ]
    assert not disagree, "is_crisis and explain disagree on:\n" + "\n".join(disagree)


# ---- the second, larger set: four more authors, their own categories ----

MIN_EXTRA_RECALL = 0.95
EXTRA_CRISIS = load_extra("crisis")
EXTRA_BENIGN = load_extra("benign")


def test_the_extra_sets_have_a_thousand_messages_each() -> None:
    assert sum(len(texts) for texts in EXTRA_CRISIS.values()) >= 1000
    assert sum(len(texts) for texts in EXTRA_BENIGN.values()) >= 1000


def test_recall_on_the_extra_crisis_set_is_at_least_95_percent() -> None:
    messages = labelled(EXTRA_CRISIS)
    missed = [(category, text) for category, text in messages if not is_crisis(text)]
    assert len(missed) <= (1 - MIN_EXTRA_RECALL) * len(messages), "\n".join(f"[{c}] {t}" for c, t in missed)


def test_false_alarms_on_the_extra_benign_set_are_at_most_3_percent() -> None:
    messages = labelled(EXTRA_BENIGN)
    alarms = [(category, text, explain(text)) for category, text in messages if explain(text) is not None]
    assert len(alarms) <= MAX_FALSE_ALARM_RATE * len(messages), "\n".join(
        f"[{c}] {t} ({m.rule if m else '?'})" for c, t, m in alarms
    )
