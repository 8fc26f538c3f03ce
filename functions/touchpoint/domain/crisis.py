"""The crisis net: does a reply signal that someone may be in danger? Pure, and fast.

The rules are data (touchpoint/lexicons/crisis_rules.json): each combines parts (a self, a wish
or intent, a death or a harm, a means, a farewell...) over the words a person meant
(crisis_text.Reader). `explain` says which rule fired and on which part of the text; it is the
one question the conversation asks first, in every state. A negation never switches a match
off; only a narrow exception (a figure of speech, a clinic's logistics) does, and only where its
own match takes in the word the rule's match ends on.
"""

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from touchpoint.domain.crisis_grammar import CrisisNet


@dataclass(frozen=True)
class CrisisMatch:
    rule: str  # the id of the rule that fired
    family: str  # direct, passive, plan_intent, method, farewell, burden, ...
    start: int  # the matched span, as offsets into the text given
    end: int
    language: str  # "en" | "es": the rule's language, so that the help can be given in it
    words: str  # the words as read, that the rule matched

    def span_of(self, text: str) -> str:
        return text[self.start : self.end]


@cache
def crisis_net() -> "CrisisNet":
    """The net from the rule files, built once, at the first message: its rules, compiled, are
    no cost to a cold start that never sees a message."""
    from touchpoint.domain.crisis_grammar import load

    return load()


def explain(text: str) -> CrisisMatch | None:
    """The first rule that fires on `text`, with the span it matched; None if none does."""
    return crisis_net().explain(text)


def is_crisis(text: str) -> bool:
    return explain(text) is not None
