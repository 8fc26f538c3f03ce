"""Each function's settings: what it reads from its environment, and how a bad one fails."""

from dataclasses import MISSING, fields

import pytest

from infra.template import load_template
from touchpoint import bootstrap
from touchpoint.settings import (
    AdminSettings,
    FromEnv,
    InboundSettings,
    ReconcilerSettings,
    SchedulerSettings,
    SenderSettings,
)

TEMPLATE = load_template()
MODELS: dict[str, type[FromEnv]] = {
    "AdminFunction": AdminSettings,
    "SchedulerFunction": SchedulerSettings,
    "SenderFunction": SenderSettings,
    "InboundFunction": InboundSettings,
    "ReconcilerFunction": ReconcilerSettings,
}
# Read by the code but not set by the template: credentials and a host for the local stack
# (the template gives a secret's name instead), and a tuning knob with a default.
NOT_IN_TEMPLATE = {
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE_URL",
    "SCHEDULER_LOOKBACK_HOURS",
    "RECONCILER_LOOKBACK_HOURS",
}
POWERTOOLS_AND_LOGGING = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
    "POWERTOOLS_TRACER_CAPTURE_ERROR",
    "LOG_LEVEL",
}
VALID = {
    "TABLE_NAME": "touchpoint-table",
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/touchpoint-send",
    "PUBLIC_URL": "https://touchpoint.example.test",
}


def template_variables(function: str) -> set[str]:
    """What the template sets for a function: the globals and the function's own, less powertools'."""
    globals_ = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    own = TEMPLATE["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    return (set(globals_) | set(own)) - POWERTOOLS_AND_LOGGING


def required(model: type[FromEnv]) -> list[str]:
    return [field.name.upper() for field in fields(model) if field.default is MISSING]  # type: ignore[arg-type]


@pytest.mark.parametrize("function", MODELS)
def test_each_function_reads_only_what_the_template_gives_it(function: str) -> None:
    assert MODELS[function].variables() - NOT_IN_TEMPLATE == template_variables(function)


@pytest.mark.parametrize("function", MODELS)
def test_every_variable_a_function_requires_is_set_by_the_template(function: str) -> None:
    assert set(required(MODELS[function])) <= template_variables(function)


@pytest.mark.parametrize(
    ("model", "variable"),
    [(model, variable) for model in MODELS.values() for variable in required(model)],
)
def test_a_missing_variable_fails_naming_it(model: type[FromEnv], variable: str) -> None:
    environ = {name: value for name, value in VALID.items() if name != variable}
    with pytest.raises(RuntimeError, match=f"{variable} \\(missing\\)"):
        model.from_env(environ)


@pytest.mark.parametrize("model", MODELS.values())
def test_an_empty_required_variable_counts_as_missing(model: type[FromEnv]) -> None:
    with pytest.raises(RuntimeError, match="TABLE_NAME \\(missing\\)"):
        model.from_env(VALID | {"TABLE_NAME": ""})


@pytest.mark.parametrize(
    ("model", "variable", "value"),
    [
        (AdminSettings, "TABLE_NAME", "ab"),
        (SenderSettings, "PUBLIC_URL", "touchpoint.example.test"),
        (InboundSettings, "PUBLIC_URL", "ftp://touchpoint.example.test"),
        (SchedulerSettings, "SCHEDULER_LOOKBACK_HOURS", "0"),
        (SchedulerSettings, "SCHEDULER_LOOKBACK_HOURS", "169"),
        (SchedulerSettings, "SCHEDULER_LOOKBACK_HOURS", "1.5"),
    ],
)
def test_an_invalid_variable_fails_naming_it(model: type[FromEnv], variable: str, value: str) -> None:
    with pytest.raises(RuntimeError, match=f"invalid or missing environment variables: {variable} "):
        model.from_env(VALID | {variable: value})


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(RuntimeError, match="TABLE_NAME \\(missing\\), QUEUE_URL \\(missing\\)"):
        SchedulerSettings.from_env({})


def test_a_model_ignores_what_another_function_reads() -> None:
    settings = AdminSettings.from_env(VALID | {"QUEUE_URL": "not a url", "PUBLIC_URL": "nor this"})
    assert settings == AdminSettings(table_name="touchpoint-table")


def test_the_scheduler_reads_its_lookback_as_hours_with_a_day_by_default() -> None:
    assert SchedulerSettings.from_env(VALID).scheduler_lookback_hours == 24
    assert SchedulerSettings.from_env(VALID | {"SCHEDULER_LOOKBACK_HOURS": "6"}).scheduler_lookback_hours == 6


def test_optional_variables_left_empty_are_unset() -> None:
    settings = InboundSettings.from_env(VALID | {"PUBLIC_URL": "", "ALERTS_TOPIC_ARN": ""})
    assert settings.public_url == ""
    assert settings.alerts_topic_arn is None


def test_a_function_missing_a_variable_fails_as_its_use_case_is_built_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", VALID["TABLE_NAME"])
    monkeypatch.delenv("QUEUE_URL", raising=False)
    bootstrap.reset()
    try:
        with pytest.raises(RuntimeError, match="QUEUE_URL \\(missing\\)"):
            bootstrap.scheduler_pass()
    finally:
        bootstrap.reset()


def test_the_due_shards_default_to_8_and_must_be_a_whole_number_1_to_64() -> None:
    from touchpoint.settings import DueIndexSettings

    assert DueIndexSettings.from_env({}).due_shards == 8
    assert DueIndexSettings.from_env({"DUE_SHARDS": "16"}).due_shards == 16
    for bad in ("0", "65", "-1", "8.5", "eight", "٣"):
        with pytest.raises(RuntimeError, match="DUE_SHARDS"):
            DueIndexSettings.from_env({"DUE_SHARDS": bad})
