"""One moto table per test module, built from template.yaml, emptied before each test.

Creating a fresh moto account per test costs more than the tests themselves; emptying the
table keeps them independent for a fraction of that.
"""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from mypy_boto3_dynamodb import DynamoDBClient

from infra.template import create_aws_resources
from tests.conftest import REGION

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def _moto_table() -> Iterator[tuple[DynamoDBClient, str]]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in FAKE_AWS_ENVIRONMENT.items():
            env.setenv(name, value)
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            session = boto3.session.Session(region_name=REGION)
            created = create_aws_resources(session, "touchpoint-it", "touchpoint-send-it")
            yield session.client("dynamodb"), created["table_name"]


def module_table_fixture() -> Any:
    """A module-scoped `moto_table` fixture: assign it to `moto_table` in the test module."""
    return pytest.fixture(scope="module", name="moto_table")(_moto_table)


def empty(client: DynamoDBClient, table_name: str) -> None:
    keys = [
        {"pk": item["pk"], "sk": item["sk"]}
        for page in client.get_paginator("scan").paginate(TableName=table_name, ProjectionExpression="pk, sk")
        for item in page["Items"]
    ]
    for start in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        client.batch_write_item(RequestItems={table_name: requests})  # type: ignore[dict-item]


def item_count(client: DynamoDBClient, table_name: str) -> int:
    """The table's items but the audit log's: a refused request stores nothing else, and its
    audit entry is the record of the refusal."""
    pages = client.get_paginator("scan").paginate(
        TableName=table_name,
        Select="COUNT",
        FilterExpression="NOT begins_with(pk, :audit)",
        ExpressionAttributeValues={":audit": {"S": "AUDIT#"}},
    )
    return sum(page["Count"] for page in pages)
