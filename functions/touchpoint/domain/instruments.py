"""Survey instruments as data (touchpoint/instruments/*.json): items, choices, scoring, bands,
alert rules. Adding an instrument is adding a file; every file is validated at cold start."""

import json
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from typing import Any

from touchpoint.domain.alerts import AlertKind
from touchpoint.domain.gsm7 import fold_typography
from touchpoint.domain.lexicon import words
from touchpoint.domain.wording import ENGLISH, wording

# One number, then words: "1 Several days", "2 - More than half the days", "0 (not at all)".
_NUMBER_AND_LABEL = re.compile(r"\s*(?P<number>\d+)[\s\-.:=()]*(?P<label>[^\W\d_].*)", re.DOTALL)


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class AlertRule:
    kind: AlertKind
    score_at_least: int | None = None
    item: int | None = None  # 1-based
    answer_above: int | None = None

    def fires(self, answers: tuple[int, ...], score: int | None) -> bool:
        if self.score_at_least is not None:
            return score is not None and score >= self.score_at_least
        assert self.item is not None
        assert self.answer_above is not None
        return len(answers) >= self.item and answers[self.item - 1] > self.answer_above


@dataclass(frozen=True)
class Instrument:
    instrument_id: str
    name: str
    question_lead: str
    items: tuple[str, ...]
    choices: tuple[Choice, ...]
    choices_hint: str | None
    bands: tuple[Band, ...]
    alert_rules: tuple[AlertRule, ...]
    remission_below: int | None
    response_drop_percent: int
    language: str = ENGLISH
    # Labels read as answers besides the instrument's own: a Spanish GAD-7 takes "Several days" too.
    other_labels: tuple[Choice, ...] = ()

    @property
    def single_digit_answers(self) -> bool:
        return all(0 <= choice.value <= 9 for choice in self.choices)

    def choices_text(self) -> str:
        if self.choices_hint:
            return self.choices_hint
        return ", ".join(f"{choice.value} {choice.label}" for choice in self.choices)

    def question(self, index: int) -> str:
        """Question `index` (0-based) as one SMS, in the instrument's language: its number, the
        item's words, the choices.

        The lead (the stem, shortened) comes with the first question only, to keep the others
        short. Typography outside GSM-7 (the PHQ-9's dashes) is folded; the words, accents
        included, stay as published.
        """
        phrasing = wording(self.language)
        lead = f"{self.question_lead} " if self.question_lead and index == 0 else ""
        item = self.items[index]
        end = "" if item.endswith(("?", ".")) else phrasing.text("question_end")
        return fold_typography(
            phrasing.text(
                "question",
                number=str(index + 1),
                count=str(len(self.items)),
                lead=lead,
                item=item + end,
                choices=self.choices_text(),
            )
        )

    def parse_answers(self, text: str, remaining: int) -> tuple[int, ...] | None:
        """The answers a reply gives: one label, one number with its own label ("1 Several
        days", "2 - More than half the days"), or numbers ("1 2 0" or "120"); None if unclear.

        Never more than the questions remaining, and every answer one of the choices.
        """
        said = " ".join(words(text))
        # Labels in words only ("several days"): a label that is a number is read as a number.
        by_label = {
            " ".join(words(choice.label)): choice.value
            for choice in self.other_labels + self.choices
            if not choice.label.isdigit()
        }
        if said in by_label:
            return (by_label[said],)
        if (numbered := _NUMBER_AND_LABEL.fullmatch(text)) is not None:
            # The number and the label must agree: "1 Nearly every day" is unclear.
            value = by_label.get(" ".join(words(numbered["label"])))
            return (value,) if value is not None and value == int(numbered["number"]) else None
        if not re.fullmatch(r"[\d\s.,;/]+", text.strip()):  # no "-": "-1" is no answer
            return None
        numbers = re.findall(r"\d+", text)
        if len(numbers) == 1 and len(numbers[0]) > 1 and self.single_digit_answers:
            numbers = list(numbers[0])  # "1203110": one digit an answer
        values = {choice.value for choice in self.choices}
        answers = tuple(int(number) for number in numbers)
        if not answers or len(answers) > remaining or any(answer not in values for answer in answers):
            return None
        return answers

    def score(self, answers: tuple[int, ...]) -> int | None:
        return sum(answers) if len(answers) == len(self.items) else None

    def band(self, score: int | None) -> str | None:
        if score is None:
            return None
        return next((band.label for band in self.bands if band.low <= score <= band.high), None)

    def alerts(self, answers: tuple[int, ...], score: int | None) -> tuple[AlertKind, ...]:
        return tuple(rule.kind for rule in self.alert_rules if rule.fires(answers, score))


class InstrumentError(ValueError):
    """An instrument file that does not hold together: refused at cold start."""


def parse_instrument(data: dict[str, Any]) -> Instrument:
    try:
        choices = tuple(Choice(int(choice["value"]), str(choice["label"])) for choice in data["choices"])
        bands = tuple(Band(int(band["from"]), int(band["to"]), str(band["label"])) for band in data["bands"])
        rules = tuple(AlertRule(**(rule | {"kind": AlertKind(rule["kind"])})) for rule in data["alerts"])
        instrument = Instrument(
            instrument_id=str(data["id"]),
            name=str(data["name"]),
            question_lead=str(data.get("question_lead", "")),
            items=tuple(str(item) for item in data["items"]),
            choices=choices,
            choices_hint=data.get("choices_hint"),
            bands=bands,
            alert_rules=rules,
            remission_below=data.get("remission_below"),
            response_drop_percent=int(data.get("response_drop_percent", 50)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InstrumentError(f"instrument {data.get('id')!r}: {error}") from None
    _check(instrument, data.get("scoring"))
    return instrument


def _check(instrument: Instrument, scoring: object) -> None:
    name = instrument.instrument_id
    if scoring != "sum":
        raise InstrumentError(f"instrument {name!r}: scoring must be 'sum'")
    if not instrument.items or not instrument.choices:
        raise InstrumentError(f"instrument {name!r}: needs items and choices")
    values = [choice.value for choice in instrument.choices]
    if len(set(values)) != len(values):
        raise InstrumentError(f"instrument {name!r}: choice values repeat")
    if instrument.bands:
        lowest = min(values) * len(instrument.items)
        highest = max(values) * len(instrument.items)
        covered = sorted((band.low, band.high) for band in instrument.bands)
        expected = lowest
        for low, high in covered:
            if low != expected or high < low:
                raise InstrumentError(
                    f"instrument {name!r}: bands must cover {lowest}-{highest} without gaps"
                )
            expected = high + 1
        if expected != highest + 1:
            raise InstrumentError(f"instrument {name!r}: bands must cover {lowest}-{highest} without gaps")
    for rule in instrument.alert_rules:
        by_score = rule.score_at_least is not None
        by_item = rule.item is not None and rule.answer_above is not None
        if by_score == by_item or (rule.item is not None and not 1 <= rule.item <= len(instrument.items)):
            raise InstrumentError(f"instrument {name!r}: alert {rule.kind!r} needs a score or an item rule")


def parse_translation(data: dict[str, Any], original: Instrument) -> Instrument:
    """An instrument's words in another language (its file `<id>.<language>.json`): the stem,
    items and choice labels replace the original's; scoring, bands and alerts stay the same."""
    language = str(data.get("language"))
    try:
        labels = tuple(str(label) for label in data["choice_labels"])
        translated = replace(
            original,
            language=language,
            question_lead=str(data.get("question_lead", "")),
            items=tuple(str(item) for item in data["items"]),
            choices=tuple(
                Choice(choice.value, label) for choice, label in zip(original.choices, labels, strict=True)
            ),
            choices_hint=data.get("choices_hint"),
            other_labels=original.choices,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InstrumentError(f"instrument {original.instrument_id!r} in {language!r}: {error}") from None
    if len(translated.items) != len(original.items):
        raise InstrumentError(
            f"instrument {original.instrument_id!r} in {language!r}: {len(original.items)} items expected"
        )
    return translated


@cache
def _files() -> tuple[dict[str, Any], ...]:
    folder = files("touchpoint.instruments")
    return tuple(
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


@cache
def instruments() -> dict[str, Instrument]:
    """Every instrument by id, in English."""
    loaded = [parse_instrument(data) for data in _files() if "language" not in data]
    return {instrument.instrument_id: instrument for instrument in loaded}


@cache
def translations() -> dict[tuple[str, str], Instrument]:
    """Every instrument's other languages, by (id, language)."""
    originals = instruments()
    translated = (
        parse_translation(data, originals[str(data["id"])]) for data in _files() if "language" in data
    )
    return {(instrument.instrument_id, instrument.language): instrument for instrument in translated}


def instrument_in(instrument_id: str, language: str) -> Instrument:
    """The instrument in the patient's language, or in English when it has no such translation."""
    return translations().get((instrument_id, language)) or instruments()[instrument_id]
