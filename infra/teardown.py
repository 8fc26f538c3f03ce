"""`make delete`: delete the stack, after saying exactly what it keeps and how to remove each
of those deliberately.

Kept: every resource template.yaml marks `DeletionPolicy: Retain` (the table of patients'
records, the key that encrypts it, the staff's user pool), and the Twilio secret, which the
stack never owned. The console's bucket is emptied first (CloudFormation cannot delete a
bucket with files in it); everything else goes with the stack.
"""

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from infra.preflight import signed_in

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
_RESOURCE = re.compile(r"^  (\w+):\s*$")

# How to remove each kept resource, by type: what to run, and what to know first.
REMOVAL = {
    "AWS::DynamoDB::Table": (
        "patients' messages, answers, scores and the audit log. Export or back it up first "
        "(aws dynamodb create-backup --table-name {id} --backup-name final), then:\n"
        "      aws dynamodb update-table --table-name {id} --no-deletion-protection-enabled\n"
        "      aws dynamodb delete-table --table-name {id}"
    ),
    "AWS::KMS::Key": (
        "the key the table and its backups are encrypted with: without it they cannot be read. "
        "Only once they are gone:\n"
        "      aws kms schedule-key-deletion --key-id {id} --pending-window-in-days 30"
    ),
    "AWS::Cognito::UserPool": (
        "the staff's accounts; the audit log names users by their ids in it. To remove it:\n"
        "      aws cognito-idp update-user-pool --user-pool-id {id} --deletion-protection INACTIVE\n"
        "      aws cognito-idp delete-user-pool --user-pool-id {id}"
    ),
}


def retained_resources(template: str) -> dict[str, str]:
    """The template's resources with `DeletionPolicy: Retain`: logical id -> type."""
    found: dict[str, str] = {}
    current, kind, section = None, None, None
    for line in template.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        if section != "Resources":
            continue
        if match := _RESOURCE.match(line):
            current, kind = match.group(1), None
        elif line.startswith("    Type:"):
            kind = line.split(":", 1)[1].strip()
        elif line.strip() == "DeletionPolicy: Retain" and current and kind:
            found[current] = kind
    return found


def kept(cloudformation: Any, stack: str) -> list[tuple[str, str, str]]:
    """(logical id, type, physical id) of what the stack's deletion leaves."""
    retained = retained_resources(TEMPLATE.read_text(encoding="utf-8"))
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    return [
        (
            resource["LogicalResourceId"],
            retained[resource["LogicalResourceId"]],
            resource["PhysicalResourceId"],
        )
        for resource in resources
        if resource["LogicalResourceId"] in retained
    ]


def empty_bucket(s3: Any, bucket: str) -> int:
    """Every version and delete marker of the (versioned) console bucket removed; how many."""
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]}
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            removed += len(objects)
    return removed


def console_bucket(cloudformation: Any, stack: str) -> str | None:
    try:
        found = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId="ConsoleBucket")
    except ClientError:
        return None
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def what_stays(stack: str, kept_resources: list[tuple[str, str, str]], secret_name: str) -> str:
    lines = [f"Deleting stack {stack!r} keeps:"]
    for logical, kind, physical in kept_resources:
        how = REMOVAL.get(kind, "remove it from its service's console or CLI").format(id=physical)
        lines.append(f"  - {logical} ({kind}) {physical}: {how}")
    lines.append(
        f"  - the Twilio secret {secret_name} (made by `make secret`, not by the stack). To remove it:\n"
        f"      aws secretsmanager delete-secret --secret-id {secret_name} --recovery-window-in-days 30"
    )
    lines.append(
        "  - SAM's artifacts bucket (stack aws-sam-cli-managed-default), shared by every SAM deploy "
        "of the account and region."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, ask: Callable[[str], str] = input) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", default=None, help="default: samconfig.toml's stack_name")
    parser.add_argument("--yes", action="store_true", help="do not ask for the stack's name")
    args = parser.parse_args(argv)
    started = signed_in()
    if started is None:
        return 1
    deploy, session = started
    stack = args.stack or deploy.stack
    cloudformation = session.client("cloudformation")
    try:
        staying = kept(cloudformation, stack)
    except ClientError:
        print(f"FAIL stack: no stack {stack!r} in {session.region_name}", file=sys.stderr)
        return 1
    print(what_stays(stack, staying, deploy.secret_name))
    if not args.yes and ask(f"\nType the stack's name ({stack}) to delete it: ").strip() != stack:
        print("Not deleted.")
        return 1
    bucket = console_bucket(cloudformation, stack)
    if bucket:
        removed = empty_bucket(session.client("s3"), bucket)
        print(f"Emptied the console's bucket {bucket}: {removed} objects (files and their versions).")
    cloudformation.delete_stack(StackName=stack)
    print(f"Deleting {stack}...")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack)
    print(f"Deleted {stack}. What it kept is listed above, with how to remove each.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
