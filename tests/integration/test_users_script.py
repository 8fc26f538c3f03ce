"""`make user` (infra/users.py) against moto's Cognito: the user is created once, in its role's
group and a `clinic:<id>` group per clinic (created when missing), and a token of that user
would carry exactly the groups the admin API's authorization reads."""

from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import users
from touchpoint.domain.access import Role, role_and_clinics


@pytest.fixture
def pool() -> Any:
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = cognito.create_user_pool(PoolName="touchpoint-admins")["UserPool"]["Id"]
        for role in Role:  # as template.yaml creates them
            cognito.create_group(UserPoolId=pool_id, GroupName=role.value)
        yield cognito, pool_id


def groups_of_user(cognito: Any, pool_id: str, email: str) -> list[str]:
    found = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=email)["Groups"]
    return sorted(group["GroupName"] for group in found)


def test_a_clinician_of_two_clinics_is_in_its_role_and_clinic_groups(pool: Any) -> None:
    cognito, pool_id = pool

    status = users.main(
        [
            "--email",
            "lee@clinic.example",
            "--role",
            "clinician",
            "--clinics",
            "cl_a1,cl_b2",
            "--user-pool-id",
            pool_id,
        ]
    )

    assert status == 0
    groups = groups_of_user(cognito, pool_id, "lee@clinic.example")
    assert groups == ["clinic:cl_a1", "clinic:cl_b2", "clinician"]
    assert role_and_clinics(groups) == (Role.CLINICIAN, frozenset({"cl_a1", "cl_b2"}))


def test_running_it_again_adds_what_is_missing_and_creates_no_second_user(pool: Any) -> None:
    cognito, pool_id = pool
    base = ["--email", "kim@clinic.example", "--role", "clinic_admin", "--user-pool-id", pool_id]

    assert users.main([*base, "--clinics", "cl_a1"]) == 0
    assert users.main([*base, "--clinics", "cl_a1,cl_c3"]) == 0

    assert groups_of_user(cognito, pool_id, "kim@clinic.example") == [
        "clinic:cl_a1",
        "clinic:cl_c3",
        "clinic_admin",
    ]
    assert len(cognito.list_users(UserPoolId=pool_id)["Users"]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-address", "--role", "clinician", "--clinics", "cl_a1"], "e-mail"),
        (["--email", "a@b.example", "--role", "clinician"], "at least one clinic"),
        (["--email", "a@b.example", "--role", "clinician", "--clinics", "cl a1"], "clinic ids"),
    ],
)
def test_bad_arguments_say_what_is_wrong_and_change_nothing(
    pool: Any, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cognito, pool_id = pool

    assert users.main([*args, "--user-pool-id", pool_id]) == 2

    assert message in capsys.readouterr().err
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


def test_a_stack_that_does_not_exist_is_a_usage_error(pool: Any) -> None:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    with pytest.raises(users.UsageError, match="no stack"):
        users.user_pool_id("touchpoint-missing", cloudformation)
