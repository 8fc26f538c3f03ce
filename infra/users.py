"""Create an admin user in the stack's Cognito user pool, with a role and clinics:
`make user EMAIL=lee@clinic.example ROLE=clinician CLINICS=cl_1,cl_2 [STACK=touchpoint]`.

A user's role is the group named after it (`platform_admin`, `clinic_admin`, `clinician`: the
template creates them) and each clinic it belongs to a group `clinic:<clinic_id>`, created here
when it does not exist yet; the token's `cognito:groups` carries both (domain/access.py).
Cognito e-mails the user a temporary password; at first sign-in they choose their own and set
up an authenticator app (MFA is required). Running it again for an existing user adds the role
and clinics it lacks and removes nothing.
"""

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import boto3

from touchpoint.domain.access import CLINIC_GROUP_PREFIX, Role, groups_of
from touchpoint.domain.ids import is_well_formed_id


class UsageError(Exception):
    pass


def user_pool_id(stack: str, cloudformation: Any) -> str:
    """The stack's `UserPoolId` output."""
    try:
        [found] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except Exception as error:
        raise UsageError(f"no stack {stack!r} in this region: {error}") from None
    for output in found.get("Outputs", []):
        if output["OutputKey"] == "UserPoolId":
            return str(output["OutputValue"])
    raise UsageError(f"stack {stack!r} has no UserPoolId output")


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--email", required=True)
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument(
        "--clinics", default="", help="comma-separated clinic ids (none for a platform admin)"
    )
    parser.add_argument("--stack", default=os.environ.get("STACK", "touchpoint"))
    parser.add_argument("--user-pool-id", default=os.environ.get("USER_POOL_ID", ""))
    args = parser.parse_args(argv)
    args.clinics = [clinic.strip() for clinic in args.clinics.split(",") if clinic.strip()]
    if "@" not in args.email or len(args.email) > 254:
        raise UsageError("EMAIL must be an e-mail address")
    if not all(is_well_formed_id(clinic) for clinic in args.clinics):
        raise UsageError("CLINICS must be clinic ids, e.g. cl_3f2a..., separated by commas")
    if Role(args.role) is not Role.PLATFORM_ADMIN and not args.clinics:
        raise UsageError(f"a {args.role} belongs to at least one clinic: set CLINICS")
    return args


def create_user(cognito: Any, pool: str, email: str, role: Role, clinics: Sequence[str]) -> list[str]:
    """The user (created unless it exists) in the groups of `role` and `clinics`; returns them."""
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            DesiredDeliveryMediums=["EMAIL"],
        )
    groups = groups_of(role, clinics)
    for group in groups:
        if group.startswith(CLINIC_GROUP_PREFIX):
            with contextlib.suppress(cognito.exceptions.GroupExistsException):
                cognito.create_group(
                    UserPoolId=pool,
                    GroupName=group,
                    Description=f"Members of clinic {group[len(CLINIC_GROUP_PREFIX) :]}",
                )
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    return groups


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
        pool = args.user_pool_id or user_pool_id(args.stack, boto3.client("cloudformation"))
        groups = create_user(boto3.client("cognito-idp"), pool, args.email, Role(args.role), args.clinics)
    except UsageError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(f"{args.email}: in {', '.join(groups)} of user pool {pool}; Cognito e-mails a temporary password")
    return 0


if __name__ == "__main__":
    sys.exit(main())
