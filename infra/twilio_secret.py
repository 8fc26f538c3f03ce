"""`make secret`: create the Twilio secret the stack reads, or rotate it, from the account SID and
the auth token, which are asked without echo (or taken from TWILIO_ACCOUNT_SID and
TWILIO_AUTH_TOKEN) and never printed.

The secret is `TwilioSecretName` of samconfig.toml (`touchpoint/twilio` by default), in the
region infra/preflight.py finds, encrypted with the account's `aws/secretsmanager` key. A new
value becomes the secret's current version; the functions read it again within five minutes.
"""

import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence

from botocore.exceptions import ClientError

from infra.preflight import CheckFailed, shape_problems, signed_in

Ask = Callable[[str], str]


def ask_credentials(ask: Ask = getpass.getpass, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The account SID and auth token: from the environment, else asked without echo."""
    environ = os.environ.copy() if environ is None else environ
    value = {
        "account_sid": environ.get("TWILIO_ACCOUNT_SID") or ask("Twilio account SID (AC..., not shown): "),
        "auth_token": environ.get("TWILIO_AUTH_TOKEN") or ask("Twilio auth token (not shown): "),
    }
    value = {name: text.strip() for name, text in value.items()}
    problems = shape_problems(value)
    if problems:
        # Says what is wrong, never what was typed.
        raise CheckFailed(
            "what was given " + "; ".join(problems) + ": copy both from the Twilio Console's Account Info"
        )
    return value


def store(client: object, name: str, value: dict[str, str]) -> str:
    """Creates the secret, or gives it a new current version; says which."""
    secret = json.dumps(value)
    try:
        version = client.put_secret_value(SecretId=name, SecretString=secret)  # type: ignore[attr-defined]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        created = client.create_secret(  # type: ignore[attr-defined]
            Name=name,
            Description="Twilio account SID and auth token of the Touchpoint stack",
            SecretString=secret,
        )
        return f"created {name} (version {created['VersionId']})"
    return (
        f"rotated {name}: version {version['VersionId']} is current; the functions read it within 5 minutes"
    )


def main(argv: Sequence[str] | None = None, ask: Ask = getpass.getpass) -> int:
    del argv  # no options: everything comes from samconfig.toml and the environment
    started = signed_in()
    if started is None:
        return 1
    deploy, session = started
    try:
        value = ask_credentials(ask)
    except CheckFailed as failure:
        print(f"FAIL Twilio credentials: {failure}", file=sys.stderr)
        return 1
    print(store(session.client("secretsmanager"), deploy.secret_name, value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
