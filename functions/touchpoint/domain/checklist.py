"""A clinic's pre-session checklist: what the patient confirms before each session (a ride home,
fasting...), when it is asked, and by when an answer is due. The setting and its states; the text
and the reading of replies are in checklist_text.py."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.json_input import json_object
from touchpoint.domain.timeutil import parse_duration

MAX_ITEMS = 6
MAX_ITEM_CHARS = 40
MAX_CHECKLIST_LEAD = timedelta(days=7)
# Turned on without items: these. They name no treatment, so that the SMS reveals nothing.
DEFAULT_ITEMS = ("a ride home", "nothing to eat for 6 hours before", "no alcohol since yesterday")
DEFAULT_BEFORE = timedelta(days=1)
DEFAULT_ANSWER_BY = timedelta(hours=2)
_FIELDS = {"items", "before", "answer_by", "alert_no_answer"}


class ChecklistState(StrEnum):
    """An appointment's checklist: asked and not answered (yet), or answered, or never answered."""

    PENDING = "pending"
    READY = "ready"
    NOT_READY = "not_ready"
    NO_ANSWER = "no_answer"


# States a reply still changes: a late answer (after `answer_by`, before the start) counts too.
ANSWERABLE = (ChecklistState.PENDING, ChecklistState.NO_ANSWER)


@dataclass(frozen=True)
class Checklist:
    items: tuple[str, ...] = DEFAULT_ITEMS
    before: timedelta = DEFAULT_BEFORE  # sent this long before the start
    answer_by: timedelta = DEFAULT_ANSWER_BY  # unanswered this long before the start: `no_answer`
    alert_no_answer: bool = False  # whether `no_answer` raises a `checklist` alert


def parse_checklist(value: object) -> Checklist | None:
    """`null` (the default: no checklist) or `{"items", "before", "answer_by", "alert_no_answer"}`,
    each optional; `answer_by` must fall after the checklist is sent."""
    if value is None:
        return None
    data = json_object(value, "checklist", allowed=_FIELDS)
    before = (
        parse_duration(data["before"], "checklist.before", maximum=MAX_CHECKLIST_LEAD)
        if "before" in data
        else DEFAULT_BEFORE
    )
    answer_by = (
        parse_duration(data["answer_by"], "checklist.answer_by", maximum=MAX_CHECKLIST_LEAD)
        if "answer_by" in data
        else min(DEFAULT_ANSWER_BY, before / 2)
    )
    if answer_by >= before:
        raise InvalidInput(
            "checklist.answer_by must be shorter than checklist.before: the answer is due after it is asked",
            "checklist.answer_by",
        )
    alert = data.get("alert_no_answer", False)
    if not isinstance(alert, bool):
        raise InvalidInput("checklist.alert_no_answer must be true or false", "checklist.alert_no_answer")
    items = _items(data["items"]) if "items" in data else DEFAULT_ITEMS
    return Checklist(items, before, answer_by, alert)


def _items(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        raise InvalidInput(f"checklist.items must be a list of 1 to {MAX_ITEMS} texts", "checklist.items")
    items = []
    for index, item in enumerate(value):
        field = f"checklist.items[{index}]"
        if not isinstance(item, str) or not item.strip():
            raise InvalidInput(f"{field} must be a non-empty string", field)
        text = " ".join(item.split())
        if len(text) > MAX_ITEM_CHARS:
            raise InvalidInput(f"{field} must be at most {MAX_ITEM_CHARS} characters", field)
        items.append(text)
    if len({item.casefold() for item in items}) != len(items):
        raise InvalidInput("checklist.items must differ from each other", "checklist.items")
    return tuple(items)
