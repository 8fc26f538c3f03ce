"""Each function's environment, one model per function holding only what it reads.

Read and validated once per cold start, so a missing or invalid variable fails there, by name.
Plain dataclasses rather than pydantic models: the webhook function's cold start is held to
1.5 x a bare `import boto3`, and pydantic alone would cost a third of that budget.

A field's variable is its name in upper case. A field without a default is required; an empty
variable counts as unset. The Twilio credentials and API base URL are for the local stack only
(the template gives the functions `TWILIO_SECRET_NAME`), and `SCHEDULER_LOOKBACK_HOURS` and
`DUE_SHARDS` are tuning knobs with a default: neither is in `template.yaml`.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, Self

MIN_LOOKBACK_HOURS, MAX_LOOKBACK_HOURS = 1, 168
MIN_DUE_SHARDS, MAX_DUE_SHARDS = 1, 64
DEFAULT_DUE_SHARDS = 8


def _table_name(raw: str) -> str:
    if len(raw) < 3:
        raise ValueError("a table name, at least 3 characters")
    return raw


def _http_url(raw: str) -> str:
    if not raw.startswith(("https://", "http://")):
        raise ValueError("an http(s) URL")
    return raw


def _whole_number(raw: str, low: int, high: int, unit: str) -> int:
    """`raw` as a whole number from `low` to `high`; its digits counted before any conversion."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))) or not low <= int(raw) <= high:
        raise ValueError(f"a whole number of {unit}, {low}-{high}")
    return int(raw)


def _console_url(raw: str) -> str:
    """The console's base URL, which alert notifications link to; a trailing slash is dropped."""
    return _http_url(raw).rstrip("/")


def _lookback_hours(raw: str) -> int:
    return _whole_number(raw, MIN_LOOKBACK_HOURS, MAX_LOOKBACK_HOURS, "hours")


def _due_shards(raw: str) -> int:
    return _whole_number(raw, MIN_DUE_SHARDS, MAX_DUE_SHARDS, "shards")


PARSERS: dict[str, Callable[[str], Any]] = {
    "table_name": _table_name,
    "public_url": _http_url,
    "console_url": _console_url,
    "scheduler_lookback_hours": _lookback_hours,
    "reconciler_lookback_hours": _lookback_hours,
    "due_shards": _due_shards,
}


class FromEnv:
    @classmethod
    def variables(cls) -> frozenset[str]:
        """The environment variables this model reads."""
        return frozenset(field.name.upper() for field in fields(cls))  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems = []
        for field in fields(cls):  # type: ignore[arg-type]
            name = field.name.upper()
            raw = environ.get(name, "")
            if not raw:
                if field.default is MISSING:
                    problems.append(f"{name} (missing)")
                continue
            try:
                values[field.name] = PARSERS.get(field.name, str)(raw)
            except ValueError as invalid:
                problems.append(f"{name} ({invalid})")
        if problems:
            raise RuntimeError(f"invalid or missing environment variables: {', '.join(problems)}")
        return cls(**values)


@dataclass(frozen=True)
class DueIndexSettings(FromEnv):
    """The due index's shards per hour (`DUE_SHARDS`): read by every function, since every one
    writes or reads due keys, so one value for all of them (the template's globals, if ever set).
    8 keeps each partition key of the index at about 250 writes a second at 1,000 claims a
    second (each claim removes one entry and adds one), a quarter of DynamoDB's 1,000 per key;
    see "The due index" in docs/architecture.md. Only ever raise it: a reader of N shards reads
    every shard of a smaller count, never those of a larger one."""

    due_shards: int = DEFAULT_DUE_SHARDS


@dataclass(frozen=True)
class AdminSettings(FromEnv):
    table_name: str


@dataclass(frozen=True)
class SchedulerSettings(FromEnv):
    table_name: str
    queue_url: str
    escalations_topic_arn: str | None = None
    console_url: str | None = None  # linked from each escalation; else it names the admin API route
    scheduler_lookback_hours: int = 24


@dataclass(frozen=True)
class _TwilioSettings(FromEnv):
    """What both functions that speak with Twilio read: the table, the public URL (of the
    status callbacks, or the one webhooks are signed for) and the account's credentials."""

    table_name: str
    public_url: str = ""
    twilio_secret_name: str | None = None
    twilio_auth_token: str | None = None


@dataclass(frozen=True)
class SenderSettings(_TwilioSettings):
    twilio_account_sid: str | None = None
    twilio_api_base_url: str | None = None


@dataclass(frozen=True)
class ReconcilerSettings(FromEnv):
    """The reconciler reads Twilio's Message list with the account's credentials; it sends nothing."""

    table_name: str
    twilio_secret_name: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base_url: str | None = None
    reconciler_lookback_hours: int = 24


@dataclass(frozen=True)
class InboundSettings(_TwilioSettings):
    alerts_topic_arn: str | None = None
    console_url: str | None = None  # linked from each alert; else it names the admin API route
