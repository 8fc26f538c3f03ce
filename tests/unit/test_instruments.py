"""Survey instruments as data (contract section 6): the official wording, every band boundary,
alert rules, reading answers, refusing an instrument file that does not hold together, and a
new instrument that runs a whole survey without any code."""

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from tests.unit.builders import settings
from touchpoint.domain.gsm7 import to_gsm7
from touchpoint.domain.instruments import Instrument, InstrumentError, instruments, parse_instrument
from touchpoint.domain.surveys import SurveyStatus, answer, open_survey

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "instruments.md"
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)

# ---- the official wording, read from the reference beside the contract ----------------------


def reference_text() -> str:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is not on this machine")
    return REFERENCE.read_text(encoding="utf-8")


def reference_section(name: str) -> str:
    sections = re.split(r"^## ", reference_text(), flags=re.MULTILINE)
    [section] = [text for text in sections if text.startswith(name + "\n")]
    return section


def reference_items(name: str) -> list[str]:
    """The numbered items of a section; a line indented under an item continues it."""
    items: list[str] = []
    for line in reference_section(name).splitlines():
        numbered = re.match(r"^(\d+)\. (.+)$", line)
        if numbered:
            assert int(numbered.group(1)) == len(items) + 1
            items.append(numbered.group(2).strip())
        elif items and line.startswith("   ") and line.strip():
            items[-1] += " " + line.strip()
        elif items and not line.strip():
            break
    return items


def reference_stem(name: str) -> str:
    stem = re.search(r'^Stem: "(.+)"$', reference_section(name), flags=re.MULTILINE)
    assert stem is not None
    return stem.group(1)


def reference_answers() -> list[tuple[int, str]]:
    line = re.search(r"^Answers: (.+)\.$", reference_section("GAD-7"), flags=re.MULTILINE)
    assert line is not None
    return [(int(value), label) for value, label in re.findall(r"(\d+) ([A-Za-z ]+?)(?:,|$)", line.group(1))]


def reference_bands(name: str) -> list[tuple[int, int, str]]:
    text = " ".join(reference_section(name).split())
    bands = re.search(r"Bands: (.+?)\.", text)
    assert bands is not None
    return [
        (int(low), int(high), label.strip())
        for low, high, label in re.findall(r"(\d+)-(\d+) ([a-z ]+)", bands.group(1))
    ]


def raw_file(instrument_id: str) -> dict[str, Any]:
    text = files("touchpoint.instruments").joinpath(f"{instrument_id}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


GAD7_ITEMS = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
]

PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 being so "
    "fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]


def test_the_three_instrument_files_load_and_validate() -> None:
    loaded = instruments()

    assert {"gad7", "phq9", "anxiety-now"} <= set(loaded)
    for instrument_id in ("gad7", "phq9", "anxiety-now"):
        # Each file, read on its own, passes the same validation as at cold start.
        assert parse_instrument(raw_file(instrument_id)) == loaded[instrument_id]
    assert len(loaded["gad7"].items) == 7
    assert len(loaded["phq9"].items) == 9
    assert len(loaded["anxiety-now"].items) == 1


@pytest.mark.parametrize(("instrument_id", "section"), [("gad7", "GAD-7"), ("phq9", "PHQ-9")])
def test_items_are_the_official_wording_verbatim(instrument_id: str, section: str) -> None:
    official = reference_items(section)

    assert len(official) == {"gad7": 7, "phq9": 9}[instrument_id]
    assert list(instruments()[instrument_id].items) == official
    assert raw_file(instrument_id)["stem"] == reference_stem(section)


def test_the_gad7_items_are_the_published_seven() -> None:
    assert list(instruments()["gad7"].items) == GAD7_ITEMS


def test_the_phq9_items_are_the_published_nine() -> None:
    assert list(instruments()["phq9"].items) == PHQ9_ITEMS


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9"])
def test_choices_are_the_official_four_answers(instrument_id: str) -> None:
    choices = [(choice.value, choice.label) for choice in instruments()[instrument_id].choices]

    assert choices == reference_answers()
    assert choices == [
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    ]


@pytest.mark.parametrize(("instrument_id", "section"), [("gad7", "GAD-7"), ("phq9", "PHQ-9")])
def test_bands_are_the_official_ones(instrument_id: str, section: str) -> None:
    bands = [(band.low, band.high, band.label) for band in instruments()[instrument_id].bands]

    assert bands == reference_bands(section)


def test_anxiety_now_asks_how_anxious_right_now_from_0_to_10() -> None:
    instrument = instruments()["anxiety-now"]

    assert instrument.items == ("How anxious do you feel right now?",)
    assert sorted(choice.value for choice in instrument.choices) == list(range(11))
    assert instrument.bands == ()
    assert "0" in instrument.question(0)
    assert "10" in instrument.question(0)


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9"])
def test_every_question_carries_its_item_and_the_choices(instrument_id: str) -> None:
    instrument = instruments()[instrument_id]
    for index, item in enumerate(instrument.items):
        question = instrument.question(index)
        assert to_gsm7(item) in question
        assert f"{index + 1}/{len(instrument.items)}" in question
        for choice in instrument.choices:
            assert f"{choice.value} {choice.label}" in question


# ---- every band boundary ---------------------------------------------------------------------


def answers_scoring(instrument: Instrument, score: int) -> tuple[int, ...]:
    """Answers, one per item, that add up to `score`."""
    top = max(choice.value for choice in instrument.choices)
    answers = []
    left = score
    for _ in instrument.items:
        given = min(top, left)
        answers.append(given)
        left -= given
    assert left == 0
    return tuple(answers)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(score: int, band: str) -> None:
    gad7 = instruments()["gad7"]
    answers = answers_scoring(gad7, score)

    assert gad7.score(answers) == score
    assert gad7.band(gad7.score(answers)) == band


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(score: int, band: str) -> None:
    phq9 = instruments()["phq9"]
    answers = answers_scoring(phq9, score)

    assert phq9.score(answers) == score
    assert phq9.band(phq9.score(answers)) == band


@pytest.mark.parametrize("value", range(11))
def test_anxiety_now_scores_the_answer_itself_with_no_band(value: int) -> None:
    anxiety_now = instruments()["anxiety-now"]

    assert anxiety_now.score((value,)) == value
    assert anxiety_now.band(value) is None


@pytest.mark.parametrize("instrument_id", ["gad7", "phq9", "anxiety-now"])
def test_a_survey_not_fully_answered_has_no_score(instrument_id: str) -> None:
    instrument = instruments()[instrument_id]
    partial = (1,) * (len(instrument.items) - 1)

    assert instrument.score(partial) is None
    assert instrument.band(None) is None


# ---- alert rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "alerts"), [(14, ()), (15, ("severe_score",)), (21, ("severe_score",))])
def test_gad7_raises_severe_score_from_15(score: int, alerts: tuple[str, ...]) -> None:
    gad7 = instruments()["gad7"]
    answers = answers_scoring(gad7, score)

    assert gad7.alerts(answers, gad7.score(answers)) == alerts


@pytest.mark.parametrize(("score", "severe"), [(19, False), (20, True), (27, True)])
def test_phq9_raises_severe_score_from_20(score: int, severe: bool) -> None:
    phq9 = instruments()["phq9"]
    answers = answers_scoring(phq9, score)

    assert ("severe_score" in phq9.alerts(answers, phq9.score(answers))) is severe


@pytest.mark.parametrize(("item9", "crisis"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item_9_above_0_raises_crisis(item9: int, crisis: bool) -> None:
    phq9 = instruments()["phq9"]
    answers = (0,) * 8 + (item9,)

    assert ("crisis" in phq9.alerts(answers, phq9.score(answers))) is crisis
    # Raised as soon as item 9 is answered, before any score exists.
    assert ("crisis" in phq9.alerts(answers, None)) is crisis


def test_phq9_item_9_unanswered_raises_no_crisis() -> None:
    phq9 = instruments()["phq9"]

    assert phq9.alerts((3,) * 8, None) == ()


def test_anxiety_now_has_no_alert_even_at_10() -> None:
    anxiety_now = instruments()["anxiety-now"]

    assert anxiety_now.alerts((10,), 10) == ()


# ---- reading answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", (0,)),
        ("3", (3,)),
        (" 2 ", (2,)),
        ("not at all", (0,)),
        ("Not at all", (0,)),
        ("several days", (1,)),
        ("Several Days", (1,)),
        ("more than half the days", (2,)),
        ("MORE THAN HALF THE DAYS", (2,)),
        ("NEARLY EVERY DAY", (3,)),
        ("nearly every day.", (3,)),
        ("1 2 0 3 1 1 0", (1, 2, 0, 3, 1, 1, 0)),
        ("1203110", (1, 2, 0, 3, 1, 1, 0)),
        ("1,2,0,3,1,1,0", (1, 2, 0, 3, 1, 1, 0)),
        ("1, 2, 0", (1, 2, 0)),
    ],
)
def test_gad7_reads_digits_labels_in_any_case_and_compact_answers(
    text: str, expected: tuple[int, ...]
) -> None:
    assert instruments()["gad7"].parse_answers(text, 7) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 Several days", (1,)),
        ("2 - More than half the days", (2,)),
        ("0 not at all", (0,)),
        ("3. Nearly every day", (3,)),
        ("3) nearly every day!", (3,)),
        ("1: several days", (1,)),
        ("2 -- more than half the days", (2,)),
        ("0 (Not at all)", (0,)),
        ("  1   SEVERAL DAYS  ", (1,)),
        ("1-several days", (1,)),
    ],
)
def test_gad7_reads_a_number_given_with_its_own_label(text: str, expected: tuple[int, ...]) -> None:
    assert instruments()["gad7"].parse_answers(text, 7) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1 Nearly every day",
        "0 several days",
        "3 - not at all",
        "2 several days",
        "4 nearly every day",
        "-1 several days",
        "1 several days 2",
        "1 several",
        "1 several days and 2 nearly every day",
        "12 several days",
    ],
)
def test_a_number_with_another_label_or_extra_words_is_unclear(text: str) -> None:
    assert instruments()["gad7"].parse_answers(text, 7) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0 (not at all)", (0,)), ("10 (extremely)", (10,)), ("10 Extremely", (10,))],
)
def test_anxiety_now_reads_the_ends_of_its_scale_written_as_the_question_shows_them(
    text: str, expected: tuple[int, ...]
) -> None:
    assert instruments()["anxiety-now"].parse_answers(text, 1) == expected


@pytest.mark.parametrize("text", ["10 not at all", "0 extremely", "5 extremely", "5 five"])
def test_anxiety_now_refuses_a_number_with_another_label(text: str) -> None:
    assert instruments()["anxiety-now"].parse_answers(text, 1) is None


@pytest.mark.parametrize(
    ("text", "remaining"),
    [
        ("1 2 0 3 1 1 0", 6),  # seven answers, six questions left
        ("1203110", 3),
        ("11", 1),
        ("3 3 3 3 3 3 3 3", 7),
        ("33333333", 7),
    ],
)
def test_more_answers_than_questions_remaining_is_unclear(text: str, remaining: int) -> None:
    assert instruments()["gad7"].parse_answers(text, remaining) is None


@pytest.mark.parametrize("text", ["4", "9", "1 2 4", "1204110"])
def test_gad7_answers_out_of_range_are_unclear(text: str) -> None:
    assert instruments()["gad7"].parse_answers(text, 7) is None


@pytest.mark.parametrize("text", ["-1", "1 -2", "-3", "- 1"])
def test_a_negative_gad7_answer_is_out_of_range(text: str) -> None:
    assert instruments()["gad7"].parse_answers(text, 7) is None


@pytest.mark.parametrize("text", ["-1", "-5", "- 3"])
def test_a_negative_anxiety_now_answer_is_out_of_range(text: str) -> None:
    assert instruments()["anxiety-now"].parse_answers(text, 1) is None


@pytest.mark.parametrize(
    "text",
    ["", "   ", "maybe", "abc", "\U0001f44d", "\U0001f62d\U0001f62d", "sometimes", "1 day", "Y", "two"],
)
@pytest.mark.parametrize("instrument_id", ["gad7", "phq9", "anxiety-now"])
def test_garbage_and_emoji_are_unclear(instrument_id: str, text: str) -> None:
    instrument = instruments()[instrument_id]

    assert instrument.parse_answers(text, len(instrument.items)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", (0,)), ("5", (5,)), ("10", (10,)), ("not at all", (0,)), ("EXTREMELY", (10,))],
)
def test_anxiety_now_reads_0_to_10_and_10_is_ten(text: str, expected: tuple[int, ...]) -> None:
    assert instruments()["anxiety-now"].parse_answers(text, 1) == expected


@pytest.mark.parametrize("text", ["11", "12", "100", "5 5"])
def test_anxiety_now_out_of_range_is_unclear(text: str) -> None:
    assert instruments()["anxiety-now"].parse_answers(text, 1) is None


# ---- an invalid instrument file is refused ---------------------------------------------------


def gad7_data() -> dict[str, Any]:
    return copy.deepcopy(raw_file("gad7"))


def phq9_data() -> dict[str, Any]:
    return copy.deepcopy(raw_file("phq9"))


def with_band_gap() -> dict[str, Any]:
    data = gad7_data()
    data["bands"][1]["from"] = 6  # 5 belongs to no band
    return data


def with_bands_short_of_the_maximum() -> dict[str, Any]:
    data = gad7_data()
    data["bands"][-1]["to"] = 20
    return data


def with_overlapping_bands() -> dict[str, Any]:
    data = gad7_data()
    data["bands"][1]["from"] = 4
    return data


def with_duplicate_choice_values() -> dict[str, Any]:
    data = gad7_data()
    data["choices"][3]["value"] = 2
    return data


def with_alert_on_item_12() -> dict[str, Any]:
    data = phq9_data()
    data["alerts"][1]["item"] = 12
    return data


def with_alert_on_item_0() -> dict[str, Any]:
    data = phq9_data()
    data["alerts"][1]["item"] = 0
    return data


def with_alert_rule_of_neither_kind() -> dict[str, Any]:
    data = gad7_data()
    data["alerts"] = [{"kind": "severe_score"}]
    return data


def with_scoring(scoring: object) -> Any:
    def build() -> dict[str, Any]:
        data = gad7_data()
        if scoring is None:
            del data["scoring"]
        else:
            data["scoring"] = scoring
        return data

    return build


def without(key: str) -> Any:
    def build() -> dict[str, Any]:
        data = gad7_data()
        del data[key]
        return data

    return build


def with_no_items() -> dict[str, Any]:
    data = gad7_data()
    data["items"] = []
    return data


def with_unknown_alert_field() -> dict[str, Any]:
    data = gad7_data()
    data["alerts"][0]["score_above"] = 15
    return data


@pytest.mark.parametrize(
    "build",
    [
        with_band_gap,
        with_bands_short_of_the_maximum,
        with_overlapping_bands,
        with_duplicate_choice_values,
        with_alert_on_item_12,
        with_alert_on_item_0,
        with_alert_rule_of_neither_kind,
        with_scoring("mean"),
        with_scoring("max"),
        with_scoring(None),
        without("items"),
        without("choices"),
        with_no_items,
        with_unknown_alert_field,
    ],
    ids=[
        "bands with a gap",
        "bands short of the maximum",
        "overlapping bands",
        "duplicate choice values",
        "alert on item 12 of 9",
        "alert on item 0",
        "alert rule of neither kind",
        "scoring mean",
        "scoring max",
        "no scoring",
        "no items",
        "no choices",
        "empty items",
        "unknown alert field",
    ],
)
def test_an_invalid_instrument_file_is_refused(build: Any) -> None:
    with pytest.raises(InstrumentError):
        parse_instrument(build())


def test_the_refusal_names_the_instrument() -> None:
    with pytest.raises(InstrumentError, match="gad7"):
        parse_instrument(with_band_gap())


# ---- a new instrument needs no code ----------------------------------------------------------

SLEEP3: dict[str, Any] = {
    "id": "sleep3",
    "name": "Sleep check (made up for this test)",
    "stem": "Last night:",
    "question_lead": "Last night:",
    "items": ["How long did it take to fall asleep", "How often did you wake up", "How rested do you feel"],
    "choices": [
        {"value": 0, "label": "Fine"},
        {"value": 1, "label": "So so"},
        {"value": 2, "label": "Poor"},
    ],
    "scoring": "sum",
    "bands": [
        {"from": 0, "to": 2, "label": "good"},
        {"from": 3, "to": 6, "label": "poor"},
    ],
    "alerts": [
        {"kind": "severe_score", "score_at_least": 5},
        {"kind": "crisis", "item": 2, "answer_above": 1},
    ],
    "remission_below": 2,
    "response_drop_percent": 50,
}


def test_a_made_up_instrument_parses_from_data_alone() -> None:
    sleep3 = parse_instrument(copy.deepcopy(SLEEP3))

    assert sleep3.instrument_id == "sleep3"
    assert len(sleep3.items) == 3
    assert sleep3.band(2) == "good"
    assert sleep3.band(3) == "poor"
    assert sleep3.parse_answers("so so", 3) == (1,)
    assert sleep3.parse_answers("012", 3) == (0, 1, 2)


def test_a_made_up_instrument_runs_a_whole_survey() -> None:
    sleep3 = parse_instrument(copy.deepcopy(SLEEP3))
    clinic = settings(discreet=True)
    survey, invitation = open_survey(
        "sv_sleep",
        sleep3,
        clinic,
        "Ana",
        clinic_id="cl_1",
        patient_id="pt_1",
        appointment_id="ap_1",
        session_at=NOW - timedelta(hours=5),
        now=NOW,
    )
    assert survey.status is SurveyStatus.INVITED
    assert "3 short questions" in invitation

    step = answer(survey, sleep3, "Y", "Ana", NOW + timedelta(minutes=1))
    assert step.reply == sleep3.question(0)
    assert "How long did it take to fall asleep" in step.reply

    step = answer(step.survey, sleep3, "poor", "Ana", NOW + timedelta(minutes=2))
    assert step.survey.answers == (2,)
    assert step.reply == sleep3.question(1)

    step = answer(step.survey, sleep3, "2 1", "Ana", NOW + timedelta(minutes=3))
    done = step.survey
    assert done.status is SurveyStatus.COMPLETED
    assert done.answers == (2, 2, 1)
    assert done.score == 5
    assert done.severity == "poor"
    assert set(step.alerts) == {"severe_score", "crisis"}
