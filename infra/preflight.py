"""What `make deploy`, `make secret` and `make delete` check before they make any AWS call, each
with what to do when it fails: the AWS CLI and the Python that `sam build` needs, then the
region, the credentials, and the Twilio secret's existence and shape.

`python -m infra.preflight deploy` prints one line a check and exits 1 when one failed (make
secret and make delete run the first two, `signed_in`); `region` prints the region alone, and
`stack-exists` exits 0 when the stack is deployed (the first deploy is guided, the next not).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

SAMCONFIG = Path(__file__).resolve().parents[1] / "samconfig.toml"
PLACEHOLDER_REGION = "set-your-region"
DEFAULT_SECRET = "touchpoint/twilio"  # noqa: S105 (the secret's name, not its value)
RUNTIME = "3.12"  # template.yaml's python3.12: sam build runs pip with that Python
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
AUTH_TOKEN = re.compile(r"[0-9a-f]{32}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class CheckFailed(Exception):
    """A check that did not hold; its message says what to do."""


@dataclass(frozen=True)
class Deploy:
    """What samconfig.toml says of the deployment."""

    stack: str
    region: str | None  # None: still the placeholder
    secret_name: str


def read_samconfig(path: Path | None = None) -> Deploy:
    settings = tomllib.loads((path or SAMCONFIG).read_text(encoding="utf-8")).get("default", {})
    deploy = settings.get("deploy", {}).get("parameters", {})
    overrides = dict(re.findall(r'(\w+)="([^"]*)"', str(deploy.get("parameter_overrides", ""))))
    region = deploy.get("region")
    return Deploy(
        stack=str(deploy.get("stack_name", "touchpoint")),
        region=None if region in (None, "", PLACEHOLDER_REGION) else str(region),
        secret_name=overrides.get("TwilioSecretName", DEFAULT_SECRET),
    )


def region(deploy: Deploy, environ: dict[str, str] | None = None) -> str:
    """The region: AWS_REGION (or AWS_DEFAULT_REGION), else samconfig.toml's."""
    environ = os.environ.copy() if environ is None else environ
    found = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or deploy.region
    if not found:
        raise CheckFailed(
            f'no region: set region = "us-east-1" (or yours) in {SAMCONFIG.name} under '
            "[default.deploy.parameters], or export AWS_REGION"
        )
    if not _REGION.fullmatch(found):
        raise CheckFailed(f"{found!r} is not an AWS region name (e.g. us-east-1)")
    return found


def aws_cli() -> str:
    found = shutil.which("aws")
    if found is None:
        raise CheckFailed(
            "the AWS CLI (aws) is not on PATH: make deploy uploads the console with it. Install "
            "AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)"
        )
    return found


def credentials(session: Any) -> str:
    """The account and caller the credentials name."""
    try:
        caller = session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        raise CheckFailed(
            "no working AWS credentials: run `aws configure` (access keys) or `aws sso login` with "
            f"AWS_PROFILE set, then try again ({type(error).__name__})"
        ) from None
    return f"account {caller['Account']} as {caller['Arn']}"


def twilio_secret(session: Any, name: str) -> str:
    """The secret exists and holds {"account_sid": "AC...", "auth_token": "..."}: never printed."""
    try:
        value = session.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise CheckFailed(f"no secret {name!r} in this region: `make secret` creates it") from None
        raise CheckFailed(f"cannot read the secret {name!r}: {code}") from None
    try:
        secret = json.loads(value)
    except json.JSONDecodeError:
        secret = None
    problems = shape_problems(secret)
    if problems:
        raise CheckFailed(f"the secret {name!r} {'; '.join(problems)}: `make secret` writes it again")
    return f"{name} holds an account SID and an auth token"


def shape_problems(secret: object) -> list[str]:
    """What is wrong with a Twilio secret's value; nothing when it is right."""
    if not isinstance(secret, dict):
        return ['is not a JSON object {"account_sid": ..., "auth_token": ...}']
    problems = []
    if not ACCOUNT_SID.fullmatch(str(secret.get("account_sid", ""))):
        problems.append("has no account_sid of AC and 32 hex digits")
    if not AUTH_TOKEN.fullmatch(str(secret.get("auth_token", ""))):
        problems.append("has no auth_token of 32 hex digits")
    return problems


def runtime_python(python: str) -> str:
    """`sam build` runs pip with the functions' runtime Python, found on PATH."""
    try:
        version = subprocess.run(  # noqa: S603 (the Makefile's own interpreter)
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        version = ""
    if version != RUNTIME:
        raise CheckFailed(
            f"sam build needs Python {RUNTIME} (the functions' runtime), found {version or 'none'}: install "
            f"python{RUNTIME} (your package manager, pyenv, or python.org) so that it is on PATH"
        )
    return f"Python {RUNTIME} at {python}"


def stack_exists(session: Any, stack: str) -> bool:
    try:
        [found] = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError:
        return False
    return not str(found["StackStatus"]).startswith("DELETE_COMPLETE")


def run_checks(checks: Sequence[tuple[str, Callable[[], str]]]) -> bool:
    """Each check in turn, one line each; the first that fails stops the others (they need it)."""
    for name, check in checks:
        try:
            detail = check()
        except CheckFailed as failure:
            print(f"FAIL {name}: {failure}", file=sys.stderr)
            return False
        print(f"ok   {name}: {detail}")
    return True


def signed_in() -> tuple[Deploy, Any] | None:
    """samconfig.toml and a session of its region whose credentials work, each check printed;
    None when one failed (printed, with what to do)."""
    deploy = read_samconfig()
    try:
        where = region(deploy)
    except CheckFailed as failure:
        print(f"FAIL region: {failure}", file=sys.stderr)
        return None
    session = boto3.session.Session(region_name=where)
    if not run_checks([("region", lambda: where), ("AWS credentials", lambda: credentials(session))]):
        return None
    return deploy, session


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("purpose", choices=["deploy", "region", "stack-exists"])
    parser.add_argument("--python", default=sys.executable, help="the Python sam build will use")
    args = parser.parse_args(argv)
    if args.purpose in ("region", "stack-exists"):
        deploy = read_samconfig()
        try:
            where = region(deploy)
        except CheckFailed as failure:
            print(f"FAIL region: {failure}", file=sys.stderr)
            return 1
        if args.purpose == "region":
            print(where)
            return 0
        session = boto3.session.Session(region_name=where)
        return 0 if stack_exists(session, os.environ.get("STACK") or deploy.stack) else 1
    # What needs no AWS call first: then nothing reaches AWS before the tools are known to be there.
    if not run_checks([("AWS CLI", aws_cli), ("runtime Python", lambda: runtime_python(args.python))]):
        return 1
    started = signed_in()
    if started is None:
        return 1
    deploy, session = started
    return 0 if run_checks([("Twilio secret", lambda: twilio_secret(session, deploy.secret_name))]) else 1


if __name__ == "__main__":
    sys.exit(main())
