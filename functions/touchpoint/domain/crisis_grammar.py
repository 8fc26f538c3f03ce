"""The crisis net's rules and how they are matched: the grammar of crisis_rules.json compiled to
regular expressions over the words a person meant (crisis_text.Reader), an index by word, the
exceptions, and `CrisisNet.explain`. Loaded at the first message, not at import.
"""

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from typing import Any

from touchpoint.domain.crisis import CrisisMatch
from touchpoint.domain.crisis_text import Reader, Spelling, Words, fold

RULES_FILE = "crisis_rules.json"
REAL_WORDS_FILE = "crisis_real_words.json"
LANGUAGES = ("en", "es")
_GAP = re.compile(r"~(\d{1,2})")
# Parts that are no word: numbers, nine PHQ-9 answers, the end of the message.
_NON_WORDS = {
    "#num": r"\d+(?:[.,]\d+)? ",
    "#big": r"[1-9]\d+(?:[.,]\d+)? ",
    # nine answers of 0-3, the last (PHQ-9 item 9) above 0: "1 2 0 3 1 1 0 2 1" or "120311021"
    "#phq9": r"(?:[0-3] ){8}[1-3] |[0-3]{8}[1-3] ",
    "$": "$",
}


@dataclass(frozen=True)
class Pattern:
    source: str  # a regular expression over the joined words
    required: tuple[frozenset[str], ...]  # for each part that must be there, the words it starts with
    # ...and, for each such part, the words of each of its phrases: one of them must all be there
    phrases: tuple[tuple[frozenset[str], ...], ...] = ()

    def may_match(self, present: frozenset[str]) -> bool:
        return _may_match(self.required, self.phrases, present)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Compiled when first needed: most rules never see a message with their words."""
        return re.compile(self.source)


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    language: str
    pattern: Pattern
    example: str
    exceptions: tuple["Exception_", ...]
    together: tuple[Pattern, ...] = ()  # parts that must also stand somewhere in the same message

    @cached_property
    def _required(self) -> tuple[frozenset[str], ...]:
        return tuple(words for part in (self.pattern, *self.together) for words in part.required)

    @cached_property
    def _phrases(self) -> tuple[tuple[frozenset[str], ...], ...]:
        return tuple(phrases for part in (self.pattern, *self.together) for phrases in part.phrases)

    def may_match(self, present: frozenset[str]) -> bool:
        return _may_match(self._required, self._phrases, present)


@dataclass(frozen=True)
class Exception_:
    id: str
    pattern: Pattern
    example: str

    def covers(self, joined: str, start: int, end: int) -> bool:
        """Whether this exception's own match takes in the word a rule's match ends on."""
        last_word = max(joined.rfind(" ", start, end - 1) + 1, start)
        return any(m.start() <= last_word and m.end() >= end for m in self.pattern.regex.finditer(joined))


def _may_match(
    required: tuple[frozenset[str], ...],
    phrases: tuple[tuple[frozenset[str], ...], ...],
    present: frozenset[str],
) -> bool:
    """A cheap test before any regular expression: every part that must be there has a phrase
    whose words all stand in the message. Plain loops: it runs for dozens of rules a message."""
    for first_words in required:
        if first_words.isdisjoint(present):
            return False
    for part in phrases:
        for words in part:
            if words <= present:
                break
        else:
            return False
    return True


class PatternError(ValueError):
    pass


class Grammar:
    """Compiles the rule file's patterns (see its `pattern_syntax`) to regular expressions over
    the read words, joined as ' w1 w2 ... '. Every gap is bounded, so no input backtracks badly."""

    def __init__(self, classes: Mapping[str, list[str]], sms: Mapping[str, str]) -> None:
        self.classes = classes
        self.sms = sms  # a pattern's words are read as a message's are: "nobody" is "no one"
        self._classes_read: dict[str, list[str]] = {}
        self._choices: dict[
            str, tuple[str, frozenset[str] | None, frozenset[str], tuple[frozenset[str], ...]]
        ] = {}
        self.vocabulary: set[str] = {
            fold(w) for phrases in classes.values() for p in phrases for w in p.split()
        }

    def compile(self, pattern: str) -> Pattern:
        parts: list[str] = []
        required: list[frozenset[str]] = []
        phrases: list[tuple[frozenset[str], ...]] = []
        elements = pattern.split()
        if not elements:
            raise PatternError("empty pattern")
        for element in elements:
            if gap := _GAP.fullmatch(element):
                parts.append(rf"(?:\S+ ){{0,{gap.group(1)}}}?")
            elif element.startswith("?"):
                parts.append(f"(?:{self._choice(element[1:])[0]})?")
            elif element.startswith("!"):
                parts.append(f"(?!{self._choice(element[1:])[0]})")
            else:
                regex, first_words = self._choice(element)
                parts.append(regex)
                if first_words is not None:
                    required.append(first_words)
                    phrases.append(self._choices[element][3])
        if not required and not any(number in part for part in parts for number in _NON_WORDS.values()):
            raise PatternError(f"{pattern!r} has no word that must be there")
        return Pattern("(?<= )" + "".join(parts), tuple(required), tuple(phrases))

    def _choice(self, element: str) -> tuple[str, frozenset[str] | None]:
        if element not in self._choices:
            self._choices[element] = self._parsed_choice(element)
        regex, first_words, words, _ = self._choices[element]
        self.vocabulary.update(words)
        return regex, first_words

    def _class(self, name: str) -> list[str]:
        """A class's phrases as read, worked out once however many patterns name the class."""
        if name not in self._classes_read:
            self._classes_read[name] = [self._read(fold(phrase)) for phrase in self.classes[name]]
        return self._classes_read[name]

    def _read(self, phrase: str) -> str:
        return " ".join(self.sms.get(word, word) for word in phrase.split())

    def _parsed_choice(
        self, element: str
    ) -> tuple[str, frozenset[str] | None, frozenset[str], tuple[frozenset[str], ...]]:
        phrases: list[str] = []
        numbers: list[str] = []
        for option in element.split("|"):
            if not option.startswith("@"):
                option = fold(option)
            if option in _NON_WORDS:
                numbers.append(_NON_WORDS[option])
            elif option.startswith("@"):
                if option[1:] not in self.classes:
                    raise PatternError(f"unknown class {option}")
                phrases += self._class(option[1:])
            elif option and re.fullmatch(r"[a-z0-9_]+", option):
                phrases.append(self._read(option.replace("_", " ")))
            else:
                raise PatternError(f"bad word {option!r} in {element!r}")
        words = frozenset(word for phrase in phrases for word in phrase.split())
        ordered = sorted(set(phrases), key=lambda phrase: (-len(phrase), phrase))
        options = [re.escape(phrase) + " " for phrase in ordered] + numbers
        first_words = None if numbers else frozenset(phrase.split()[0] for phrase in ordered)
        phrase_words = tuple(frozenset(phrase.split()) for phrase in ordered)
        return "(?:" + "|".join(options) + ")", first_words, words, phrase_words


class CrisisNet:
    def __init__(self, rules: list[Rule], reader: Reader) -> None:
        self.rules = rules
        self.reader = reader
        self._by_word: dict[str, list[int]] = {}
        self._always: list[int] = []
        for index, rule in enumerate(rules):
            if not rule.pattern.required:
                self._always.append(index)
                continue
            anchor = min(
                (*rule.pattern.required, *(r for part in rule.together for r in part.required)), key=len
            )
            for word in anchor:
                self._by_word.setdefault(word, []).append(index)

    def explain(self, text: str) -> CrisisMatch | None:
        """The first rule that fires on `text`, with the span it matched; None if none does."""
        words = self.reader.read(text)
        if not words.words:
            return None
        present = frozenset(words.words)
        candidates = set(self._always)
        for word in present:
            candidates.update(self._by_word.get(word, ()))
        for index in sorted(candidates):
            found = self._fired(self.rules[index], words, present)
            if found is not None:
                return found
        return None

    def fires(self, rule_id: str, text: str) -> CrisisMatch | None:
        """Whether this one rule fires on `text`, whatever the rules before it say."""
        words = self.reader.read(text)
        rule = next(rule for rule in self.rules if rule.id == rule_id)
        return self._fired(rule, words, frozenset(words.words))

    def _fired(self, rule: Rule, words: Words, present: frozenset[str]) -> CrisisMatch | None:
        if not rule.may_match(present):
            return None
        joined = words.joined()
        for match in rule.pattern.regex.finditer(joined):
            start, end = match.start(), match.end()
            if any(exception.covers(joined, start, end) for exception in rule.exceptions):
                continue
            for part in rule.together:
                found = part.regex.search(joined)
                if found is None:
                    return None
                start, end = min(start, found.start()), max(end, found.end())
            return _located(rule, words, joined, start, end)
        return None


def _located(rule: Rule, words: Words, joined: str, start: int, end: int) -> CrisisMatch:
    starts = [0] * len(words.words)
    position = 1
    for index, word in enumerate(words.words):
        starts[index] = position
        position += len(word) + 1
    first = bisect_right(starts, start) - 1
    last = bisect_right(starts, end - 2) - 1
    return CrisisMatch(
        rule.id,
        rule.family,
        words.spans[first][0],
        words.spans[last][1],
        rule.language,
        joined[start:end].strip(),
    )


def build(data: Mapping[str, Any], real_words: Iterable[str]) -> CrisisNet:
    """The net from the rule file's content; PatternError names what is wrong in it."""
    grammar = Grammar(data["classes"], data["sms"])
    exceptions: dict[str, list[Exception_]] = {}
    compiled_exceptions = [
        (item["rules"], Exception_(item["id"], _compiled(grammar, item), item["example"]))
        for item in data["exceptions"]
    ]
    rules_data = data["rules"]
    names = {item["id"] for item in rules_data} | {item["family"] for item in rules_data}
    for targets, exception in compiled_exceptions:
        for target in targets:
            if target not in names:
                raise PatternError(f"exception {exception.id} names no rule or family {target!r}")
            exceptions.setdefault(target, []).append(exception)
    rules = []
    for item in rules_data:
        language = item.get("lang", "en")
        if language not in LANGUAGES:
            raise PatternError(f"rule {item['id']}: language {language!r}")
        rules.append(
            Rule(
                item["id"],
                item["family"],
                language,
                _compiled(grammar, item),
                item["example"],
                tuple(exceptions.get(item["id"], []) + exceptions.get(item["family"], [])),
                tuple(
                    _compiled(grammar, {"id": item["id"], "pattern": part}) for part in item.get("with", [])
                ),
            )
        )
    if len({rule.id for rule in rules}) != len(rules):
        raise PatternError("rule ids repeat")
    spelling = Spelling(
        sms=data["sms"],
        leet=data["leet"],
        vocabulary=frozenset(grammar.vocabulary),
        typo_targets=frozenset(data["typo_targets"]),
        real_words=frozenset(real_words) - grammar.vocabulary,
    )
    return CrisisNet(rules, Reader(spelling))


def _compiled(grammar: Grammar, item: Mapping[str, Any]) -> Pattern:
    try:
        return grammar.compile(item["pattern"])
    except PatternError as error:
        raise PatternError(f"{item['id']}: {error}") from None


def rule_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_lexicon_text(RULES_FILE))
    return data


def _lexicon_text(name: str) -> str:
    return files("touchpoint.lexicons").joinpath(name).read_text(encoding="utf-8")


def load() -> CrisisNet:
    real_words: list[str] = json.loads(_lexicon_text(REAL_WORDS_FILE))["words"]
    return build(rule_file(), real_words)
