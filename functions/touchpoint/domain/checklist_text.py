"""The pre-session checklist's words: the one SMS that asks it, what a reply answers, and what
Touchpoint says back. Pure: `now` and the items come in.

The items are the clinic's own text (discreet mode leaves them as they are: the clinic chose
them); the fixed words name no treatment, and the clinic's name is not used at all.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from touchpoint.domain.checklist import DEFAULT_ITEMS
from touchpoint.domain.gsm7 import to_gsm7
from touchpoint.domain.lexicon import words
from touchpoint.domain.texts import local_day_and_time, when
from touchpoint.domain.wording import ENGLISH, Wording, wording


@dataclass(frozen=True)
class ChecklistWords:
    """How a reply is read, as data (touchpoint/lexicons/checklist_words.json)."""

    yes: frozenset[str]
    no: frozenset[str]
    plain: frozenset[str]  # words that name nothing on a checklist: left out when matching an item
    synonyms: Mapping[str, frozenset[str]]  # what a patient may write for an item's word


@cache
def checklist_words() -> ChecklistWords:
    data = json.loads(
        files("touchpoint.lexicons").joinpath("checklist_words.json").read_text(encoding="utf-8")
    )
    return ChecklistWords(
        frozenset(data["yes"]),
        frozenset(data["no"]),
        frozenset(data["plain"]),
        {word: frozenset(others) for word, others in data["synonyms"].items()},
    )


def items_in(items: tuple[str, ...], language: str) -> tuple[str, ...]:
    """The items as a patient reads them: the default items in their language; a clinic's own
    items as the clinic wrote them."""
    return wording(language).checklist_items if items == DEFAULT_ITEMS else items


def _listed(items: tuple[str, ...]) -> str:
    return ", ".join(f"{number} {to_gsm7(item).strip()}" for number, item in enumerate(items, start=1))


def checklist_text(
    items: tuple[str, ...],
    first_name: str,
    starts_at: datetime,
    zone: ZoneInfo,
    clinic_zone: ZoneInfo,
    sent_at: datetime | None = None,
    language: str = ENGLISH,
) -> str:
    """One segment where it can (two in Spanish): "Before tomorrow 10:00 AM: 1 a ride home, 2
    ...? Reply YES if all set, or the number of what is not." With the first name when that
    still fits; the day is "today" or "tomorrow" when the SMS goes out (`sent_at`) on that day
    or the one before."""
    phrasing = wording(language)
    shown = items_in(items, language)
    return phrasing.fit(
        "checklist",
        name=phrasing.greeting_name(first_name),
        when=_when(starts_at, zone, clinic_zone, sent_at, phrasing),
        items=_listed(shown),
        numbers=phrasing.numbers(len(shown)),
    )


def _when(
    starts_at: datetime, zone: ZoneInfo, clinic_zone: ZoneInfo, sent_at: datetime | None, phrasing: Wording
) -> str:
    fields = when(starts_at, zone, clinic_zone, phrasing)
    day = phrasing.text("checklist_on_date", day=fields["day"])
    if sent_at is not None:
        ahead = (starts_at.astimezone(zone).date() - sent_at.astimezone(zone).date()).days
        if ahead in (0, 1):
            day = phrasing.text("checklist_today" if ahead == 0 else "checklist_tomorrow")
    return phrasing.text("checklist_when", **(fields | {"day": day}))


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
    known = checklist_words()
    if said[0] in known.yes and not known.no.intersection(said):
        return ChecklistAnswer(True)
    if said[0] in known.no:
        return ChecklistAnswer(False)
    return None


def _names(said: tuple[str, ...], item: str) -> bool:
    known = checklist_words()
    wanted: set[str] = set()
    for word in words(item):
        if word in known.plain or word.isdigit():
            continue
        wanted |= known.synonyms.get(word, {word})
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


def ready_reply(first_name: str, language: str = ENGLISH) -> str:
    phrasing = wording(language)
    return phrasing.text("checklist_ready", name=phrasing.greeting_name(first_name))


def not_ready_reply(first_name: str, phone: str, language: str = ENGLISH) -> str:
    phrasing = wording(language)
    return phrasing.text("checklist_not_ready", name=phrasing.greeting_name(first_name), phone=phone)


def unclear_reply(items: tuple[str, ...], language: str = ENGLISH) -> str:
    phrasing = wording(language)
    shown = items_in(items, language)
    return phrasing.fit("checklist_unclear", items=_listed(shown), numbers=phrasing.numbers(len(shown)))
