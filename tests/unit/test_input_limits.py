"""The limits every request is held to before anything is converted or stored: JSON nesting,
number literals, duration digits, ids, and quiet hours' fields."""

import time
from datetime import timedelta
from typing import Any

import pytest

from tests.unit.builders import clinic_body
from touchpoint.domain.clinic import parse_clinic_settings
from touchpoint.domain.errors import BadRequest, InvalidInput
from touchpoint.domain.ids import MAX_ID_CHARS, is_well_formed_id, new_id
from touchpoint.domain.json_input import MAX_JSON_DEPTH, decode_json, json_depth
from touchpoint.domain.timeutil import parse_duration


@pytest.mark.parametrize(
    "text", ["[" * 20_000 + "]" * 20_000, '{"a":' * 20_000 + "1" + "}" * 20_000, "[" * 20_000]
)
def test_a_body_nested_20000_deep_is_refused_fast_before_decoding(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(BadRequest, match="deeper than 32 levels") as refused:
        decode_json(text)
    assert refused.value.field == "body"
    assert time.perf_counter() - started < 0.5


def test_nesting_up_to_the_limit_is_decoded_and_one_more_is_refused() -> None:
    assert decode_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(BadRequest):
        decode_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '{"name": "' + "[{" * 1000 + '\\"]"}'
    assert json_depth(text) == 1
    assert decode_json(text)["name"].startswith("[{")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"duration_minutes": ' + "9" * 5000 + "}", "longer than 20 characters"),
        ('{"duration_minutes": -' + "9" * 5000 + "}", "longer than 20 characters"),
        ('{"duration_minutes": 1e999}', "too large"),
        ('{"duration_minutes": -1e999}', "too large"),
        ('{"duration_minutes": 0.' + "1" * 5000 + "}", "longer than 20 characters"),
        ('{"duration_minutes": NaN}', "not a JSON number"),
        ('{"duration_minutes": Infinity}', "not a JSON number"),
    ],
)
def test_numbers_out_of_bounds_are_refused_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(BadRequest, match=says):
        decode_json(text)


@pytest.mark.parametrize("text", ["", "{", "[1,]", "nul", '"\\x"', "{'a': 1}"])
def test_text_that_is_not_json_is_a_bad_request(text: str) -> None:
    with pytest.raises(BadRequest, match="not valid JSON"):
        decode_json(text)


def test_a_lone_surrogate_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="not valid Unicode"):
        decode_json('{"name": "\\ud800"}')


def test_ordinary_numbers_decode() -> None:
    assert decode_json('{"a": 60, "b": -1.5, "c": 123456789012345}') == {
        "a": 60,
        "b": -1.5,
        "c": 123456789012345,
    }


@pytest.mark.parametrize(
    "text", ["P" + "9" * 5000 + "D", "PT" + "9" * 5000 + "M", "P" + "9" * 7 + "W", "P1DT" + "1" * 4301 + "S"]
)
def test_a_duration_with_absurdly_many_digits_is_refused_before_any_conversion(text: str) -> None:
    with pytest.raises(InvalidInput, match="at most P30D") as refused:
        parse_duration(text, "reminders[0].before", maximum=timedelta(days=30))
    assert refused.value.field == "reminders[0].before"


def test_a_clinic_whose_reminder_is_5000_nines_of_days_is_refused_naming_the_rule() -> None:
    body = clinic_body(reminders=[{"before": "P" + "9" * 5000 + "D"}])
    with pytest.raises(InvalidInput) as refused:
        parse_clinic_settings(body)
    assert refused.value.field == "reminders[0].before"
    assert len(refused.value.message) < 200


def test_a_malformed_duration_is_echoed_only_in_part() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_duration("X" * 5000, "follow_ups[0].after", maximum=timedelta(days=90))
    assert len(refused.value.message) < 200


@pytest.mark.parametrize(
    "quiet_hours",
    [
        {"start": "21:00", "end": "08:00", "x": 1},
        {"start": "21:00", "end": "08:00", "timezone": "UTC"},
    ],
)
def test_quiet_hours_with_an_unknown_field_are_refused(quiet_hours: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="unknown field"):
        parse_clinic_settings(clinic_body(quiet_hours=quiet_hours))


@pytest.mark.parametrize("text", ["cl_0123456789abcdef0123", "cl_missing", "a", "A-b_9", "x" * MAX_ID_CHARS])
def test_ids_of_up_to_64_letters_digits_underscores_and_dashes_are_well_formed(text: str) -> None:
    assert is_well_formed_id(text)


def test_every_id_touchpoint_gives_out_is_well_formed() -> None:
    assert all(is_well_formed_id(new_id(prefix)) for prefix in ("cl", "pt", "ap", "jb", "al"))


@pytest.mark.parametrize(
    "text",
    ["", "x" * (MAX_ID_CHARS + 1), "x" * 2100, "cl_1 2", "cl%201", "cl_é", "cl.1", "\U0001f600", 7, None],
)
def test_anything_else_is_not_an_id(text: object) -> None:
    assert not is_well_formed_id(text)
