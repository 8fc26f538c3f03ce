"""The pre-session checklist's words: the one SMS that asks it, what a reply answers, and what
Touchpoint says back. Pure: `now` and the items come in.

The items are the clinic's own text (discreet mode leaves them as they are: the clinic chose
them); the fixed words name no treatment, and the clinic's name is not used at all.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from touchpoint.domain.gsm7 import fits_one_segment, greeting_name, to_gsm7
from touchpoint.domain.lexicon import words
from touchpoint.domain.texts import local_day_and_time

# From the longest to the shortest: the first that keeps the SMS in one segment is used.
_ENDINGS = (
    "Reply YES if all set, or the number of what is not.",
    "Reply YES if all set, or the number not.",
    "Reply YES, or the number not.",
)
YES_WORDS = frozenset({"yes", "y", "si", "sí", "yep", "yeah", "yup", "ready"})
NO_WORDS = frozenset({"no", "n", "nope", "nah", "not", "dont", "cant", "cannot", "didnt", "havent", "wont"})
# Words that name nothing on a checklist: left out when a reply is matched to an item.
_PLAIN = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "for",
        "of",
        "in",
        "on",
        "at",
        "since",
        "before",
        "after",
        "from",
        "by",
        "no",
        "nothing",
        "not",
        "any",
        "my",
        "your",
        "hours",
        "hour",
        "and",
        "or",
        "is",
        "are",
        "be",
        "been",
        "have",
        "has",
        "will",
        "yet",
    ]
)
# What a patient may write for the default items' words ("no food" for "nothing to eat").
_SYNONYMS = {
    "ride": {"ride", "driver", "drive", "driving", "car", "lift", "pickup", "taxi", "uber"},
    "eat": {"eat", "eating", "ate", "food", "meal", "breakfast", "lunch", "fasting", "fasted"},
    "alcohol": {"alcohol", "drink", "drank", "drinking", "drinks", "beer", "wine", "booze"},
}


def checklist_text(
    items: tuple[str, ...],
    first_name: str,
    starts_at: datetime,
    zone: ZoneInfo,
    clinic_zone: ZoneInfo,
    sent_at: datetime | None = None,
) -> str:
    """One segment where it can: "Before tomorrow 10:00 AM: 1 a ride home, 2 ...? Reply YES if
    all set, or the number of what is not." With the first name when that still fits; the day is
    "today" or "tomorrow" when the SMS goes out (`sent_at`) on that day or the one before."""
    listed = ", ".join(f"{number} {to_gsm7(item).strip()}" for number, item in enumerate(items, start=1))
    when = _when(starts_at, zone, clinic_zone, sent_at)
    name = greeting_name(first_name)
    candidates = [f"Hi {name}, before {when}: {listed}? {_ENDINGS[0]}"] + [
        f"Before {when}: {listed}? {ending}" for ending in _ENDINGS
    ]
    return next((text for text in candidates if fits_one_segment(text)), candidates[-1])


def _when(starts_at: datetime, zone: ZoneInfo, clinic_zone: ZoneInfo, sent_at: datetime | None) -> str:
    day, clock = local_day_and_time(starts_at, zone, clinic_zone)
    if sent_at is not None:
        ahead = (starts_at.astimezone(zone).date() - sent_at.astimezone(zone).date()).days
        day = {0: "today", 1: "tomorrow"}.get(ahead, day)
    return f"{day} {clock}"


@dataclass(frozen=True)
class ChecklistAnswer:
    ready: bool
    missing: tuple[int, ...] = ()  # the items not ready, by number from 1; none named: not said which


def read_answer(text: str, items: tuple[str, ...]) -> ChecklistAnswer | None:
    """YES (y, si...) is ready; NO, an item's number or words naming an item are not ready;
    anything else (None) is not understood. An item named wins over a YES ("yes but no ride")."""
    said = words(text)
    if not said:
        return None
    numbers = [word for word in said if word.isdigit()]
    if numbers and len(numbers) == len([word for word in said if word not in {"and", "or"}]):
        chosen = sorted({int(number) for number in numbers if len(number) <= 2})
        if len(chosen) != len(set(numbers)) or not all(1 <= number <= len(items) for number in chosen):
            return None
        return ChecklistAnswer(False, tuple(chosen))
    named = tuple(number for number, item in enumerate(items, start=1) if _names(said, item))
    if named:
        return ChecklistAnswer(False, named)
    if said[0] in YES_WORDS and not NO_WORDS.intersection(said):
        return ChecklistAnswer(True)
    if said[0] in NO_WORDS:
        return ChecklistAnswer(False)
    return None


def _names(said: tuple[str, ...], item: str) -> bool:
    wanted: set[str] = set()
    for word in words(item):
        if word in _PLAIN or word.isdigit():
            continue
        wanted |= _SYNONYMS.get(word, {word})
    return any(word in wanted or word.removesuffix("s") in wanted for word in said)


def named_items(items: tuple[str, ...], answer: ChecklistAnswer) -> str:
    """What an alert says is not ready: "2 nothing to eat for 6 hours before", or "not said which"."""
    if not answer.missing:
        return "not said which"
    return ", ".join(f"{number} {items[number - 1]}" for number in answer.missing)


def not_ready_alert(items: tuple[str, ...], answer: ChecklistAnswer, reply: str) -> str:
    return f"Checklist not ready: {named_items(items, answer)}. The patient replied: {reply}"


def no_answer_alert(due_at: datetime, zone: ZoneInfo) -> str:
    day, clock = local_day_and_time(due_at, zone, zone)
    return f"Checklist not answered by {day} {clock}."


def ready_reply(first_name: str) -> str:
    return f"Thanks {greeting_name(first_name)}, you are all set. See you soon."


def not_ready_reply(first_name: str, phone: str) -> str:
    return (
        f"Thanks {greeting_name(first_name)}, we have told the clinic. "
        f"If you need to talk it through, call {phone}."
    )


def unclear_reply(items: tuple[str, ...]) -> str:
    listed = ", ".join(f"{number} {to_gsm7(item).strip()}" for number, item in enumerate(items, start=1))
    text = f"Sorry, we did not understand. Reply YES if all set, or the number of what is not: {listed}."
    return (
        text
        if fits_one_segment(text)
        else "Sorry, we did not understand. Reply YES if all set, or the number of what is not."
    )
