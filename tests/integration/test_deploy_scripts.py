"""The deploy path's own scripts against moto: the checks before any AWS call
(infra/preflight.py), `make secret` (infra/twilio_secret.py) and `make delete`
(infra/teardown.py). Each failure says what to do; no secret is ever printed."""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra import preflight, teardown, twilio_secret
from infra.preflight import CheckFailed, Deploy

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "fedcba9876543210" * 2
GOOD = {"account_sid": SID, "auth_token": TOKEN}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """moto in us-east-1, and a samconfig.toml of the test's own (its region the placeholder)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "STACK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = tmp_path / "samconfig.toml"
    config.write_text(Path(preflight.SAMCONFIG).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(preflight, "SAMCONFIG", config)
    with mock_aws():
        yield config


def secret(value: object, name: str = "touchpoint/twilio") -> None:
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=name, SecretString=json.dumps(value)
    )


# ---- the region ----


def test_the_committed_samconfig_names_the_stack_and_leaves_the_region_to_set() -> None:
    deploy = preflight.read_samconfig()
    assert deploy == Deploy(stack="touchpoint", region=None, secret_name="touchpoint/twilio")


def test_the_region_comes_from_the_environment_else_samconfig_else_a_clear_failure(aws: Path) -> None:
    deploy = preflight.read_samconfig()
    assert preflight.region(deploy, {"AWS_REGION": "eu-west-1"}) == "eu-west-1"
    with pytest.raises(CheckFailed, match=r'set region = "us-east-1".*samconfig.toml.*or export AWS_REGION'):
        preflight.region(deploy, {})
    aws.write_text(aws.read_text().replace('"set-your-region"', '"us-west-2"'))
    assert preflight.region(preflight.read_samconfig(), {}) == "us-west-2"
    with pytest.raises(CheckFailed, match="not an AWS region"):
        preflight.region(deploy, {"AWS_REGION": "virginia"})


# ---- the checks ----


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("not json", "is not a JSON object"),
        (["AC"], "is not a JSON object"),
        ({"auth_token": TOKEN}, "no account_sid"),
        ({"account_sid": "AC123", "auth_token": TOKEN}, "no account_sid"),
        ({"account_sid": SID, "auth_token": "short"}, "no auth_token"),
        ({"account_sid": SID}, "no auth_token"),
    ],
)
def test_a_secret_of_the_wrong_shape_is_named_with_what_is_wrong_and_the_fix(
    aws: Path, value: object, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="touchpoint/twilio", SecretString=value if isinstance(value, str) else json.dumps(value)
    )
    with pytest.raises(CheckFailed, match=f"{problem}.*make secret") as failure:
        preflight.twilio_secret(boto3.session.Session(region_name="us-east-1"), "touchpoint/twilio")
    assert TOKEN not in str(failure.value)


def test_a_missing_secret_says_make_secret_creates_it(aws: Path) -> None:
    with pytest.raises(CheckFailed, match=r"no secret 'touchpoint/twilio'.*`make secret` creates it"):
        preflight.twilio_secret(boto3.session.Session(region_name="us-east-1"), "touchpoint/twilio")


def test_deploy_checks_pass_in_order_and_never_print_the_secret(
    aws: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret(GOOD)
    (tmp_path / "aws").write_text("#!/bin/sh\n")
    (tmp_path / "aws").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")

    status = preflight.main(["deploy", "--python", sys.executable])

    out = capsys.readouterr().out
    assert status == 0, out
    assert [line.split(":")[0] for line in out.splitlines()] == [
        "ok   AWS CLI",
        "ok   runtime Python",
        "ok   region",
        "ok   AWS credentials",
        "ok   Twilio secret",
    ]
    assert TOKEN not in out
    assert SID not in out


def test_without_the_aws_cli_deploy_stops_before_any_aws_call_saying_how_to_install_it(
    aws: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    assert preflight.main(["deploy"]) == 1

    assert "FAIL AWS CLI: the AWS CLI (aws) is not on PATH" in capsys.readouterr().err


def test_a_region_left_as_the_placeholder_stops_every_command(
    aws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_REGION")
    for command in (["deploy"], ["region"], ["stack-exists"]):
        assert preflight.main(command) == 1
        assert "FAIL region: no region" in capsys.readouterr().err
    assert twilio_secret.main([], ask=lambda prompt: "") == 1
    assert teardown.main(["--yes"]) == 1


def test_a_python_that_is_not_the_runtime_is_refused_naming_the_version_needed() -> None:
    with pytest.raises(CheckFailed, match=r"needs Python 3.12.*found none"):
        preflight.runtime_python("/nonexistent/python3")
    assert preflight.runtime_python(sys.executable).startswith("Python 3.12")


def test_stack_exists_answers_whether_the_first_deploy_is_behind_us(aws: Path) -> None:
    assert preflight.main(["stack-exists"]) == 1
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="touchpoint", TemplateBody=json.dumps(_small_template()))
    assert preflight.main(["stack-exists"]) == 0


# ---- make secret ----


def test_make_secret_creates_then_rotates_the_secret_without_printing_it(
    aws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return SID if "SID" in prompt else TOKEN

    assert twilio_secret.main([], ask=ask) == 0
    assert "created touchpoint/twilio" in capsys.readouterr().out
    client = boto3.client("secretsmanager", region_name="us-east-1")
    assert json.loads(client.get_secret_value(SecretId="touchpoint/twilio")["SecretString"]) == GOOD

    rotated = TOKEN[::-1]
    assert twilio_secret.main([], ask=lambda prompt: SID if "SID" in prompt else rotated) == 0
    out = capsys.readouterr().out
    assert "rotated touchpoint/twilio" in out
    assert (
        json.loads(client.get_secret_value(SecretId="touchpoint/twilio")["SecretString"])["auth_token"]
        == rotated
    )
    assert all("not shown" in prompt for prompt in asked)
    assert TOKEN not in out
    assert rotated not in out


def test_make_secret_takes_the_environment_and_refuses_a_malformed_token_without_echoing_it(
    aws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "my-password-123")

    assert (
        twilio_secret.main([], ask=lambda prompt: pytest.fail("asked although the environment has both")) == 1
    )

    err = capsys.readouterr().err
    assert "no auth_token of 32 hex digits" in err
    assert "my-password-123" not in err
    client = boto3.client("secretsmanager", region_name="us-east-1")
    assert client.list_secrets()["SecretList"] == []


# ---- make delete ----


def _small_template() -> dict[str, object]:
    """The stack's shape where it matters here: a retained table and the console's bucket."""
    return {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                },
            },
            "ConsoleBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"VersioningConfiguration": {"Status": "Enabled"}},
            },
        }
    }


def test_the_template_retains_the_table_its_key_and_the_user_pool() -> None:
    retained = teardown.retained_resources(teardown.TEMPLATE.read_text(encoding="utf-8"))
    assert retained == {
        "Table": "AWS::DynamoDB::Table",
        "TableKey": "AWS::KMS::Key",
        "UserPool": "AWS::Cognito::UserPool",
    }


def test_make_delete_says_what_it_keeps_and_how_to_remove_it_empties_the_bucket_and_deletes_the_stack(
    aws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="touchpoint", TemplateBody=json.dumps(_small_template()))
    resources = cloudformation.describe_stack_resources(StackName="touchpoint")["StackResources"]
    physical = {resource["LogicalResourceId"]: resource["PhysicalResourceId"] for resource in resources}
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_bucket_versioning(Bucket=physical["ConsoleBucket"], VersioningConfiguration={"Status": "Enabled"})
    for build in ("one", "two"):  # two versions of the same file
        s3.put_object(Bucket=physical["ConsoleBucket"], Key="console/index.html", Body=build.encode())
    answers = iter(["not-it", "touchpoint"])

    assert teardown.main([], ask=lambda prompt: next(answers)) == 1  # the wrong name deletes nothing
    assert teardown.main([], ask=lambda prompt: next(answers)) == 0

    out = capsys.readouterr().out
    table = physical["Table"]
    assert f"Table (AWS::DynamoDB::Table) {table}" in out
    assert f"aws dynamodb update-table --table-name {table} --no-deletion-protection-enabled" in out
    assert "aws secretsmanager delete-secret --secret-id touchpoint/twilio" in out
    assert "Emptied the console's bucket" in out
    assert "2 objects" in out
    stacks = cloudformation.describe_stacks()["Stacks"]
    assert all(
        stack["StackStatus"] == "DELETE_COMPLETE" for stack in stacks if stack["StackName"] == "touchpoint"
    )
