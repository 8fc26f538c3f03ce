"""The words of every text Touchpoint sends, per language, as data (touchpoint/wording/*.json):
the texts, and the names of days and months that dates are written with. Pure: loaded once and
checked at cold start, so a file that lacks a text, or spells a field differently from English,
fails before any patient is texted.

A text may come in several forms, from the longest to the shortest; `fit` sends the first whose
fields are all known and that fits in the language's segment budget."""

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files

from touchpoint.domain.gsm7 import segments, to_gsm7

ENGLISH = "en"
_SPACE_BEFORE_MARK = re.compile(r" +([,.:;])")
_COMMA_BEFORE_MARK = re.compile(r",([,.:;])")
_TIME = {"day", "date", "clock", "at_clock"}


class WordingError(ValueError):
    """A wording file that does not hold together: refused at cold start."""


@dataclass(frozen=True)
class Wording:
    language: str
    segments: int  # the most segments a text may take when a shorter form exists
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    date_form: str
    short_date_form: str  # without the weekday
    clock_form: str
    half_day: tuple[str, str]
    at_clock_form: str
    at_one_oclock_form: str
    texts: Mapping[str, tuple[str, ...]]
    checklist_items: tuple[str, ...]  # the default checklist's items
    or_word: str

    no_name: str  # what a greeting says for a name with nothing left in GSM-7 ("Hi there")

    def text(self, key: str, **fields: str) -> str:
        """The text's first form."""
        return _render(self.texts[key][0], fields)

    def greeting_name(self, first_name: str) -> str:
        """The first name as a text greets them: GSM-7 only; `no_name` when nothing is left."""
        return to_gsm7(first_name).strip() or self.no_name

    def fits(self, text: str) -> bool:
        return segments(text)[0] <= self.segments

    def fit(self, key: str, shorten: str | None = None, **fields: str | None) -> str:
        """The first form whose fields are all given (not None) and that fits the budget; else
        the last such form, with the `shorten` field cut until it fits."""
        given = {name: value for name, value in fields.items() if value is not None}
        usable = [form for form in self.texts[key] if _fields(form) <= set(given)]
        if not usable:
            raise KeyError(f"no form of {key!r} has the fields given")
        for form in usable:
            text = _render(form, given)
            if self.fits(text):
                return text
        cut = given.get(shorten, "") if shorten else ""
        while len(cut) > 1 and not self.fits(text):
            cut = cut[:-1].strip()
            text = _render(usable[-1], given | {str(shorten): cut})
        return text

    def date(self, local: datetime, *, weekday: bool = True) -> str:
        """The date in the language's own form, "Tue Dec 1", "martes 1 de diciembre": the date in the language's own form; without
        the weekday, "Dec 1", "1 de diciembre"."""
        form = self.date_form if weekday else self.short_date_form
        return form.format(
            weekday=self.weekdays[local.weekday()], month=self.months[local.month - 1], day=local.day
        )

    def clock(self, local: datetime) -> str:
        """The time of day: "3:00 PM", "3:00 p. m."."""
        return self.clock_form.format(
            hour=local.hour % 12 or 12, minute=f"{local.minute:02d}", half=self.half_day[local.hour >= 12]
        )

    def at_clock(self, clock: str, local: datetime) -> str:
        """The time with its preposition: "at 3:00 PM"; Spanish says "a la 1:00", "a las 3:00"."""
        form = self.at_one_oclock_form if local.hour % 12 == 1 else self.at_clock_form
        return form.format(clock=clock)

    def numbers(self, count: int) -> str:
        """The numbers a reply may name: "1, 2 or 3"."""
        listed = [str(number) for number in range(1, count + 1)]
        return listed[0] if count == 1 else f"{', '.join(listed[:-1])} {self.or_word} {listed[-1]}"


def _render(form: str, fields: Mapping[str, str]) -> str:
    """The form filled in; an empty field leaves no space before the punctuation after it
    ("Hola , " is "Hola, ", "Gracias, ." is "Gracias."), and a field ending in a period takes the place of the form's."""
    for name, value in fields.items():
        if value.endswith("."):  # "3:00 p. m." ends a sentence with its own period
            form = form.replace(f"{{{name}}}.", f"{{{name}}}")
    text = form.format(**fields)
    if "" not in fields.values():
        return text
    return _COMMA_BEFORE_MARK.sub(r"\1", _SPACE_BEFORE_MARK.sub(r"\1", text))


def _fields(form: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(form) if name}


def parse_wording(data: dict[str, object]) -> Wording:
    try:
        texts = data["texts"]
        assert isinstance(texts, dict)
        wording = Wording(
            language=str(data["language"]),
            segments=int(str(data["segments"])),
            weekdays=_strings(data["weekdays"], 7),
            months=_strings(data["months"], 12),
            date_form=str(data["date"]),
            short_date_form=str(data["short_date"]),
            clock_form=str(data["clock"]),
            half_day=_strings(data["half_day"], 2),  # type: ignore[arg-type]
            at_clock_form=str(data["at_clock"]),
            at_one_oclock_form=str(data["at_one_oclock"]),
            texts={
                key: (value,) if isinstance(value, str) else _strings(value, None)
                for key, value in texts.items()
            },
            checklist_items=_strings(data["checklist_items"], None),
            or_word=str(data["or"]),
            no_name=str(data["no_name"]),
        )
    except (KeyError, TypeError, ValueError, AssertionError) as error:
        raise WordingError(f"wording {data.get('language')!r}: {error!r}") from None
    return wording


def _strings(value: object, count: int | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise ValueError(f"expected a list of texts, got {value!r}")
    if count is not None and len(value) != count:
        raise ValueError(f"expected {count} texts, got {len(value)}")
    return tuple(value)


def check_against(wording: Wording, english: Wording) -> None:
    """Every English text exists in `wording`, and each form uses fields English gives that text
    (a time may be said with any of {day}, {clock}, {at_clock}; a list's numbers with {numbers})."""
    missing = set(english.texts) ^ set(wording.texts)
    if missing:
        raise WordingError(f"wording {wording.language!r}: texts differ from English: {sorted(missing)}")
    for key, forms in wording.texts.items():
        known = set().union(*(_fields(form) for form in english.texts[key]))
        known |= {"numbers"} | (_TIME if known & _TIME else set())
        for form in forms:
            if not _fields(form) <= known:
                raise WordingError(
                    f"wording {wording.language!r}: {key!r} uses {sorted(_fields(form) - known)}"
                )


@cache
def wordings() -> dict[str, Wording]:
    folder = files("touchpoint.wording")
    loaded = {
        wording.language: wording
        for wording in (
            parse_wording(json.loads(entry.read_text(encoding="utf-8")))
            for entry in folder.iterdir()
            if entry.name.endswith(".json")
        )
    }
    for wording in loaded.values():
        check_against(wording, loaded[ENGLISH])
    return loaded


def wording(language: str | None = None) -> Wording:
    """The wording of `language`; English for a language Touchpoint does not text in."""
    every = wordings()
    return every.get(language or ENGLISH, every[ENGLISH])
