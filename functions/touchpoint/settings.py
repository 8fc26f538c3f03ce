"""The environment, read and validated once per cold start.

A plain dataclass rather than a pydantic model: the webhook function's cold start is held to
1.5 x a bare `import boto3`, and pydantic alone would cost a third of that budget.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

MIN_LOOKBACK_HOURS, MAX_LOOKBACK_HOURS = 1, 168


@dataclass(frozen=True)
class Settings:
    table_name: str
    queue_url: str | None = None
    public_url: str = ""
    twilio_secret_name: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base_url: str | None = None
    alerts_topic_arn: str | None = None
    escalations_topic_arn: str | None = None
    scheduler_lookback_hours: int = 24

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {
            field.name: environ[field.name.upper()]
            for field in fields(cls)
            if environ.get(field.name.upper())
        }
        problems = []
        if len(values.get("table_name", "")) < 3:
            problems.append("TABLE_NAME (missing)")
        lookback = values.pop("scheduler_lookback_hours", "24")
        if not lookback.isdigit() or not MIN_LOOKBACK_HOURS <= int(lookback) <= MAX_LOOKBACK_HOURS:
            problems.append(
                f"SCHEDULER_LOOKBACK_HOURS (a whole number of hours, {MIN_LOOKBACK_HOURS}-{MAX_LOOKBACK_HOURS})"
            )
        public_url = values.get("public_url", "")
        if public_url and not public_url.startswith(("https://", "http://")):
            problems.append("PUBLIC_URL (an http(s) URL)")
        if problems:
            raise RuntimeError(f"invalid or missing environment variables: {', '.join(problems)}")
        return cls(**values, scheduler_lookback_hours=int(lookback))
