"""What a patient's reply means: opt-out, opt-in, help, confirm, reschedule (crisis language is
the crisis net's, touchpoint.domain.crisis).

The words themselves are data (touchpoint/lexicons/*.json), so they can be reviewed and
extended without touching code.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_NOT_WORD = re.compile(r"[^\w]+")


class Intent(StrEnum):
    CRISIS = "crisis"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    CONFIRM = "confirm"
    RESCHEDULE = "reschedule"
    SURVEY_ANSWER = "survey_answer"
    CHECKLIST_ANSWER = "checklist_answer"
    OTHER = "other"


def words(text: str) -> tuple[str, ...]:
    """Lower-cased words, accents and apostrophes dropped ("Sí" -> "si", "don't" -> "dont"),
    punctuation and emoji removed."""
    unaccented = "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )
    return tuple(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", unaccented)).split())


@dataclass(frozen=True)
class Lexicon:
    opt_out_keywords: frozenset[str]
    opt_out_phrases: tuple[tuple[str, ...], ...]
    opt_in_keywords: frozenset[str]
    help_keywords: frozenset[str]
    confirm_keywords: frozenset[str]
    reschedule_keywords: frozenset[str]
    filler: frozenset[str]
    survey_start_keywords: frozenset[str] = frozenset()  # a check-in's invitation: begin
    survey_later_keywords: frozenset[str] = frozenset()  # ... or not now
    negations: tuple[tuple[str, ...], ...] = ()

    def is_opt_out(self, text: str) -> bool:
        said = words(text)
        if self._keyword(said) in self.opt_out_keywords:
            return True
        return _contains_any(said, self.opt_out_phrases, unless_after=self.negations)

    def keyword(self, text: str) -> str | None:
        return self._keyword(words(text))

    def _keyword(self, said: tuple[str, ...]) -> str | None:
        """The reply's one word, ignoring polite filler ("stop please" -> "stop")."""
        if len(said) == 1:
            return said[0]
        meaningful = [word for word in said if word not in self.filler]
        return meaningful[0] if len(meaningful) == 1 else None


def _contains_any(
    said: tuple[str, ...],
    phrases: tuple[tuple[str, ...], ...],
    unless_after: tuple[tuple[str, ...], ...] = (),
) -> bool:
    for phrase in phrases:
        size = len(phrase)
        for index in range(len(said) - size + 1):
            if said[index : index + size] != phrase:
                continue
            before = said[:index]
            if not any(
                before[len(before) - len(negation) :] == negation for negation in unless_after if negation
            ):
                return True
    return False


@cache
def lexicon() -> Lexicon:
    keywords = json.loads(files("touchpoint.lexicons").joinpath("keywords.json").read_text(encoding="utf-8"))

    def phrases(items: list[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(words(item) for item in items)

    return Lexicon(
        opt_out_keywords=frozenset(keywords["opt_out_keywords"]),
        opt_out_phrases=phrases(keywords["opt_out_phrases"]),
        opt_in_keywords=frozenset(keywords["opt_in_keywords"]),
        help_keywords=frozenset(keywords["help_keywords"]),
        confirm_keywords=frozenset(keywords["confirm_keywords"]),
        reschedule_keywords=frozenset(keywords["reschedule_keywords"]),
        filler=frozenset(keywords["filler"]),
        survey_start_keywords=frozenset(keywords["survey_start_keywords"]),
        survey_later_keywords=frozenset(keywords["survey_later_keywords"]),
        negations=phrases(keywords.get("negations", [])),
    )
