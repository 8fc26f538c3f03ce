"""The table and queues that the local stack and the tests use are built from template.yaml."""

import json
import os
from typing import Any

import boto3
import pytest

from infra.template import CreatedResources, create_aws_resources, create_table, load_template
from tests.conftest import REGION, Aws

TEMPLATE = load_template()
TABLE = TEMPLATE["Resources"]["Table"]["Properties"]


def _key_schema(elements: Any) -> list[tuple[str, str]]:
    return [(element["AttributeName"], element["KeyType"]) for element in elements]


def test_table_has_the_keys_billing_and_attribute_types_of_the_template(
    aws: Aws, aws_resources: CreatedResources
) -> None:
    table = aws.dynamodb.describe_table(TableName=aws_resources["table_name"])["Table"]

    assert _key_schema(table["KeySchema"]) == _key_schema(TABLE["KeySchema"])
    assert _key_schema(TABLE["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")]
    assert table["BillingModeSummary"]["BillingMode"] == TABLE["BillingMode"] == "PAY_PER_REQUEST"
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in TABLE["AttributeDefinitions"]
    }


def test_table_has_the_global_indexes_of_the_template_with_their_projections(
    aws: Aws, aws_resources: CreatedResources
) -> None:
    table = aws.dynamodb.describe_table(TableName=aws_resources["table_name"])["Table"]

    built = {
        index["IndexName"]: (_key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in table["GlobalSecondaryIndexes"]
    }
    declared = {
        index["IndexName"]: (_key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in TABLE["GlobalSecondaryIndexes"]
    }
    assert built == declared
    assert built["due"] == ([("due_bucket", "HASH"), ("due_sk", "RANGE")], "KEYS_ONLY")
    assert built["by_clinic"] == ([("clinic_pk", "HASH"), ("clinic_sk", "RANGE")], "ALL")
    assert built["escalation"] == ([("escalation_pk", "HASH"), ("escalation_sk", "RANGE")], "ALL")


def test_table_expires_items_on_the_ttl_attribute_of_the_template(
    aws: Aws, aws_resources: CreatedResources
) -> None:
    ttl = aws.dynamodb.describe_time_to_live(TableName=aws_resources["table_name"])
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    assert ttl["TimeToLiveDescription"]["AttributeName"] == TABLE["TimeToLiveSpecification"]["AttributeName"]
    assert TABLE["TimeToLiveSpecification"]["AttributeName"] == "expires_at"


def test_due_index_is_sparse_only_items_with_due_keys_appear(
    aws: Aws, aws_resources: CreatedResources
) -> None:
    table_name = aws_resources["table_name"]
    pending = {
        "pk": {"S": "AP#ap_1"},
        "sk": {"S": "JOB#jb_1"},
        "due_bucket": {"S": "DUE#2026-12-01T14"},
        "due_sk": {"S": "2026-12-01T14:00:00Z#jb_1"},
    }
    sent = {"pk": {"S": "AP#ap_1"}, "sk": {"S": "JOB#jb_2"}}
    aws.dynamodb.put_item(TableName=table_name, Item=pending)
    aws.dynamodb.put_item(TableName=table_name, Item=sent)

    due = aws.dynamodb.query(
        TableName=table_name,
        IndexName="due",
        KeyConditionExpression="due_bucket = :bucket",
        ExpressionAttributeValues={":bucket": {"S": "DUE#2026-12-01T14"}},
    )["Items"]

    assert [item["sk"]["S"] for item in due] == ["JOB#jb_1"]


def test_send_queue_has_the_template_settings_and_redrives_to_its_dead_letter_queue(
    aws: Aws, aws_resources: CreatedResources
) -> None:
    declared = TEMPLATE["Resources"]["SendQueue"]["Properties"]
    attributes = aws.sqs.get_queue_attributes(QueueUrl=aws_resources["queue_url"], AttributeNames=["All"])[
        "Attributes"
    ]
    dead_letter_arn = aws.sqs.get_queue_attributes(
        QueueUrl=aws_resources["dead_letter_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]

    assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"])
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_letter_arn,
        "maxReceiveCount": declared["RedrivePolicy"]["maxReceiveCount"],
    }


def test_aws_resources_fixture_names_the_table_and_queue_in_the_environment(
    aws_resources: CreatedResources,
) -> None:
    assert os.environ["TABLE_NAME"] == aws_resources["table_name"]
    assert os.environ["QUEUE_URL"] == aws_resources["queue_url"]


def test_creating_the_resources_again_keeps_what_exists(aws: Aws, aws_resources: CreatedResources) -> None:
    aws.dynamodb.put_item(TableName=aws_resources["table_name"], Item={"pk": {"S": "x"}, "sk": {"S": "y"}})

    again = create_aws_resources(aws, table_name="touchpoint-test", queue_name="touchpoint-send-test")

    assert again == aws_resources
    assert aws.dynamodb.scan(TableName=again["table_name"])["Count"] == 1


def test_resources_can_be_created_from_a_boto3_session(aws: Aws) -> None:
    created = create_aws_resources(boto3.session.Session(region_name=REGION), "from-session", "from-session")

    assert aws.dynamodb.describe_table(TableName=created["table_name"])["Table"]["TableStatus"] == "ACTIVE"
    assert created["queue_url"].endswith("/from-session")


def test_a_table_property_that_cannot_be_reproduced_is_refused(aws: Aws) -> None:
    properties = {**TABLE, "LocalSecondaryIndexes": []}

    with pytest.raises(ValueError, match="LocalSecondaryIndexes"):
        create_table(aws.dynamodb, "refused", properties)
