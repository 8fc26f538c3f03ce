"""Read `template.yaml` and build its stateful resources with plain boto3 calls.

The local stack and the integration tests create their table and queues from the template
itself, so that they cannot drift from what is deployed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, cast

import boto3
import yaml
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        CreateTableInputTypeDef,
        GlobalSecondaryIndexTypeDef,
    )
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"

TABLE = "Table"
SEND_QUEUE = "SendQueue"

# Short-form intrinsic functions whose long form is {"Fn::<Name>": ...}.
_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)

_TABLE_PROPERTIES = frozenset(
    {
        "AttributeDefinitions",
        "BillingMode",
        "GlobalSecondaryIndexes",
        "KeySchema",
        "StreamSpecification",
        "TimeToLiveSpecification",
    }
)
_TABLE_DURABILITY_PROPERTIES = frozenset(
    {"DeletionProtectionEnabled", "PointInTimeRecoverySpecification", "SSESpecification"}
)

# SQS queue properties in CloudFormation that are queue attributes of the same name.
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


class CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation short tags (!Ref, !GetAtt, !Sub, ...)
    as their long form ({"Ref": ...}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...})."""


def _plain(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)


def _long_form(key: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _plain(loader, node)}

    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _plain(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


CloudFormationLoader.add_constructor("!Ref", _long_form("Ref"))
CloudFormationLoader.add_constructor("!Condition", _long_form("Condition"))
CloudFormationLoader.add_constructor("!GetAtt", _get_att)
for _name in _FN_TAGS:
    CloudFormationLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, short tags turned into their long form."""
    with path.open(encoding="utf-8") as stream:
        loader = CloudFormationLoader(stream)
        try:
            document = loader.get_single_data()
        finally:
            loader.dispose()
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a template: its top level is not a mapping")
    return document


class AwsClients(Protocol):
    @property
    def dynamodb(self) -> DynamoDBClient: ...

    @property
    def sqs(self) -> SQSClient: ...


class _SessionClients:
    def __init__(self, session: boto3.session.Session) -> None:
        self.dynamodb: DynamoDBClient = session.client("dynamodb")
        self.sqs: SQSClient = session.client("sqs")


class CreatedResources(TypedDict):
    table_name: str
    queue_url: str
    dead_letter_queue_url: str


def create_aws_resources(
    session_or_clients: boto3.session.Session | AwsClients,
    table_name: str,
    queue_name: str,
    template: Mapping[str, Any] | None = None,
) -> CreatedResources:
    """Create the table and the send queue (with its dead-letter queue) as the template
    declares them; resources that already exist are kept as they are."""
    clients: AwsClients = (
        _SessionClients(session_or_clients)
        if isinstance(session_or_clients, boto3.session.Session)
        else session_or_clients
    )
    resources = (template if template is not None else load_template())["Resources"]
    create_table(clients.dynamodb, table_name, resources[TABLE]["Properties"])
    queue_url, dead_letter_queue_url = create_queue(clients.sqs, queue_name, resources, SEND_QUEUE)
    return {
        "table_name": table_name,
        "queue_url": queue_url,
        "dead_letter_queue_url": dead_letter_queue_url,
    }


def create_table(client: DynamoDBClient, table_name: str, properties: Mapping[str, Any]) -> None:
    """Create a table with the keys, indexes, billing mode, stream and TTL of an
    AWS::DynamoDB::Table.

    Durability settings are left out: they mean nothing for a local or test copy. Any other
    property is refused, so that a change to the table cannot silently skip its copies.
    """
    unknown = set(properties) - _TABLE_PROPERTIES - _TABLE_DURABILITY_PROPERTIES
    if unknown:
        raise ValueError(f"cannot reproduce table properties {sorted(unknown)}")
    arguments: CreateTableInputTypeDef = {
        "TableName": table_name,
        "BillingMode": properties["BillingMode"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
    }
    global_indexes: list[GlobalSecondaryIndexTypeDef] = [
        {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": index["Projection"]}
        for index in properties.get("GlobalSecondaryIndexes", [])
    ]
    if global_indexes:
        arguments["GlobalSecondaryIndexes"] = global_indexes
    if "StreamSpecification" in properties:
        arguments["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": properties["StreamSpecification"]["StreamViewType"],
        }
    try:
        client.create_table(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceInUseException":
            return
        raise
    client.get_waiter("table_exists").wait(TableName=table_name)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )


def create_queue(
    client: SQSClient, queue_name: str, resources: Mapping[str, Any], logical_id: str
) -> tuple[str, str]:
    """Create the queue `logical_id` and its dead-letter queue (named `<queue_name>-dlq`);
    returns both URLs."""
    properties = resources[logical_id]["Properties"]
    redrive = properties["RedrivePolicy"]
    dead_letter_id, _ = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
    dead_letter_url = client.create_queue(
        QueueName=f"{queue_name}-dlq",
        Attributes=_queue_attributes(resources[dead_letter_id].get("Properties", {})),
    )["QueueUrl"]
    dead_letter_arn = client.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    attributes = _queue_attributes(properties)
    attributes["RedrivePolicy"] = json.dumps(
        {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": int(redrive["maxReceiveCount"])}
    )
    queue_url = client.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
    return queue_url, dead_letter_url


def _queue_attributes(properties: Mapping[str, Any]) -> dict[QueueAttributeNameType, str]:
    attributes: dict[QueueAttributeNameType, str] = {}
    for name in _QUEUE_ATTRIBUTES:
        if name in properties:
            value = properties[name]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            attributes[cast("QueueAttributeNameType", name)] = text
    return attributes
