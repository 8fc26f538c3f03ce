"""The environment, read and validated once per cold start."""

import os
from collections.abc import Mapping

from pydantic import BaseModel, Field, ValidationError


class Settings(BaseModel):
    table_name: str = Field(min_length=3)
    queue_url: str | None = None
    public_url: str = ""
    twilio_secret_name: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base_url: str | None = None
    alerts_topic_arn: str | None = None
    scheduler_lookback_hours: int = Field(default=24, ge=1, le=168)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {name: environ[name.upper()] for name in cls.model_fields if environ.get(name.upper())}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            names = ", ".join(str(detail["loc"][0]).upper() for detail in error.errors())
            raise RuntimeError(f"invalid or missing environment variables: {names}") from None
