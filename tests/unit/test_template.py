"""template.yaml holds together: references resolve and routes are guarded.

cfn-lint does not look inside every SAM property (a misspelt !Ref in a function's
environment passes it), so these checks walk the whole template.
"""

import re
from collections.abc import Iterator
from typing import Any

from infra.template import load_template

TEMPLATE = load_template()

PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}

# Attributes that !GetAtt may read, for the resource types this template uses.
ATTRIBUTES = {
    "AWS::CloudWatch::Alarm": {"Arn"},
    "AWS::Cognito::UserPool": {"Arn", "ProviderName", "ProviderURL", "UserPoolId"},
    "AWS::Cognito::UserPoolClient": {"ClientId", "ClientSecret", "Name"},
    "AWS::DynamoDB::Table": {"Arn", "StreamArn"},
    "AWS::IAM::Role": {"Arn", "RoleId"},
    "AWS::KMS::Alias": set(),
    "AWS::KMS::Key": {"Arn", "KeyId"},
    "AWS::SNS::Subscription": {"Arn"},
    "AWS::SNS::Topic": {"TopicArn", "TopicName"},
    "AWS::SQS::Queue": {"Arn", "QueueName", "QueueUrl"},
    "AWS::Serverless::Function": {"Arn"},
    "AWS::Serverless::HttpApi": {"ApiEndpoint", "ApiId"},
}

SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def resource_types(template: dict[str, Any]) -> dict[str, str]:
    """Declared resources, and the ones the SAM transform adds that a template may name."""
    types = {name: resource["Type"] for name, resource in template["Resources"].items()}
    for name, resource in functions(template).items():
        if "Role" not in resource.get("Properties", {}):
            types[f"{name}Role"] = "AWS::IAM::Role"
    return types


def references(node: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """(kind, target, where) for every Ref, GetAtt, ${...} in a Sub, and condition use."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from references(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref" and isinstance(value, str):
            yield "Ref", value, path
            return
        if key == "Fn::GetAtt":
            yield "GetAtt", ".".join(value) if isinstance(value, list) else value, path
            return
        if key == "Fn::Sub":
            text, variables = (value, {}) if isinstance(value, str) else value
            for name in SUB_VARIABLE.findall(text):
                if name not in variables:
                    yield ("GetAtt" if "." in name else "Ref"), name, path
            yield from references(variables, f"{path}.Fn::Sub")
            return
        if key == "Fn::If":
            yield "Condition", value[0], path
            yield from references(value[1:], f"{path}.Fn::If")
            return
        if key == "Condition" and isinstance(value, str):
            yield "Condition", value, path
            return
    for key, value in node.items():
        yield from references(value, f"{path}.{key}" if path else key)


def unresolved(template: dict[str, Any]) -> list[str]:
    types = resource_types(template)
    parameters = set(template.get("Parameters", {}))
    conditions = set(template.get("Conditions", {}))
    problems = []
    for name, resource in template["Resources"].items():
        if "Condition" in resource and resource["Condition"] not in conditions:
            problems.append(f"Resources.{name}: no condition {resource['Condition']}")
    for kind, target, where in references(template):
        if kind == "Ref" and target not in types and target not in parameters | PSEUDO_PARAMETERS:
            problems.append(f"{where}: Ref to unknown {target}")
        elif kind == "GetAtt":
            resource, _, attribute = target.partition(".")
            if resource not in types:
                problems.append(f"{where}: GetAtt on unknown {resource}")
            elif types[resource] in ATTRIBUTES and attribute not in ATTRIBUTES[types[resource]]:
                problems.append(f"{where}: {types[resource]} has no attribute {attribute}")
        elif kind == "Condition" and target not in conditions:
            problems.append(f"{where}: no condition {target}")
    return problems


def http_api_routes(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, function in functions(template).items():
        for event_name, event in function.get("Properties", {}).get("Events", {}).items():
            if event["Type"] == "HttpApi":
                yield f"{name}.Events.{event_name}", event["Properties"]


def test_every_reference_names_a_resource_parameter_pseudo_parameter_or_condition() -> None:
    assert unresolved(TEMPLATE) == []


def test_the_reference_check_catches_misspelt_names_inside_sam_properties() -> None:
    template = {
        "Conditions": {"HasUrl": {}},
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table"},
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Environment": {
                        "Variables": {
                            "A": {"Ref": "Tabel"},
                            "B": {"Fn::Sub": "${Table.Arnn}/index/*"},
                            "C": {"Fn::If": ["HasURL", {"Ref": "AWS::NoValue"}, {"Ref": "FnRole"}]},
                            "D": {"Fn::Sub": ["${X}-${Missing}", {"X": {"Ref": "Table"}}]},
                        }
                    }
                },
            },
        },
    }

    assert unresolved(template) == [
        "Resources.Fn.Properties.Environment.Variables.A: Ref to unknown Tabel",
        "Resources.Fn.Properties.Environment.Variables.B: AWS::DynamoDB::Table has no attribute Arnn",
        "Resources.Fn.Properties.Environment.Variables.C: no condition HasURL",
        "Resources.Fn.Properties.Environment.Variables.D: Ref to unknown Missing",
    ]


def test_admin_routes_need_an_authorizer_that_their_api_declares() -> None:
    admin_routes = [
        (where, route) for where, route in http_api_routes(TEMPLATE) if route["Path"].startswith("/admin")
    ]

    assert admin_routes
    for where, route in admin_routes:
        api = TEMPLATE["Resources"][route["ApiId"]["Ref"]]["Properties"]
        authorizer = route.get("Auth", {}).get("Authorizer")
        assert authorizer in api["Auth"]["Authorizers"], f"{where} is not behind the JWT authorizer"


def test_twilio_routes_are_public_and_no_api_has_a_default_authorizer() -> None:
    for where, route in http_api_routes(TEMPLATE):
        if route["Path"].startswith("/twilio/"):
            assert "Auth" not in route, f"{where}: Twilio authenticates by signature, not by JWT"
    for name, resource in TEMPLATE["Resources"].items():
        if resource["Type"] == "AWS::Serverless::HttpApi":
            assert "DefaultAuthorizer" not in resource["Properties"].get("Auth", {}), name


def test_escalations_have_their_own_encrypted_topic_that_only_the_scheduler_publishes_to() -> None:
    resources = TEMPLATE["Resources"]
    topic = resources["EscalationsTopic"]
    scheduler = resources["SchedulerFunction"]["Properties"]

    assert topic["Type"] == "AWS::SNS::Topic"
    assert topic["Properties"]["KmsMasterKeyId"] == resources["AlertsTopic"]["Properties"]["KmsMasterKeyId"]
    assert scheduler["Environment"]["Variables"]["ESCALATIONS_TOPIC_ARN"] == {"Ref": "EscalationsTopic"}
    publish = {"SNSPublishMessagePolicy": {"TopicName": {"Fn::GetAtt": ["EscalationsTopic", "TopicName"]}}}
    assert publish in scheduler["Policies"]
    publishers = [
        name
        for name, function in functions(TEMPLATE).items()
        if "EscalationsTopic" in repr(function["Properties"].get("Policies", []))
    ]
    assert publishers == ["SchedulerFunction"]
    assert TEMPLATE["Outputs"]["EscalationsTopicArn"]["Value"] == {"Ref": "EscalationsTopic"}


def test_the_scheduler_may_query_only_the_due_and_escalation_indexes() -> None:
    [statement] = [
        statement
        for policy in TEMPLATE["Resources"]["SchedulerFunction"]["Properties"]["Policies"]
        for statement in policy.get("Statement", [])
        if statement["Action"] == "dynamodb:Query"
    ]

    assert statement["Resource"] == [
        {"Fn::Sub": "${Table.Arn}/index/due"},
        {"Fn::Sub": "${Table.Arn}/index/escalation"},
    ]
