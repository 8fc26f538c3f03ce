"""template.yaml holds together: references resolve, routes are guarded, and the deployment
is hardened (sign-in, logs, keys, permissions).

cfn-lint does not look inside every SAM property (a misspelt !Ref in a function's
environment passes it), so these checks walk the whole template.
"""

import json
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
    "AWS::CloudFront::Distribution": {"DomainName", "Id"},
    "AWS::CloudFront::Function": {"FunctionARN", "FunctionMetadata.FunctionARN", "Stage"},
    "AWS::CloudFront::OriginAccessControl": {"Id"},
    "AWS::CloudFront::ResponseHeadersPolicy": {"Id", "LastModifiedTime"},
    "AWS::CloudWatch::Alarm": {"Arn"},
    "AWS::Cognito::UserPool": {"Arn", "ProviderName", "ProviderURL", "UserPoolId"},
    "AWS::Cognito::UserPoolClient": {"ClientId", "ClientSecret", "Name"},
    "AWS::DynamoDB::Table": {"Arn", "StreamArn"},
    "AWS::IAM::Role": {"Arn", "RoleId"},
    "AWS::KMS::Alias": set(),
    "AWS::KMS::Key": {"Arn", "KeyId"},
    "AWS::Lambda::EventSourceMapping": {"EventSourceMappingArn", "Id"},
    "AWS::Logs::LogGroup": {"Arn"},
    "AWS::S3::Bucket": {"Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL"},
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


# --- Sign-in (Cognito) -----------------------------------------------------------------

SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's defaults when a client names no validity or no unit.
DEFAULT_VALIDITY = {"AccessToken": (60, "minutes"), "IdToken": (60, "minutes"), "RefreshToken": (30, "days")}
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


def token_lifetime_seconds(client: dict[str, Any], token: str) -> int:
    value = client.get(f"{token}Validity")
    if value is None:
        default, unit = DEFAULT_VALIDITY[token]
        return default * SECONDS[unit]
    unit = client.get("TokenValidityUnits", {}).get(token, DEFAULT_UNITS[token])
    return int(value) * SECONDS[unit]


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def test_every_admin_sign_in_needs_a_totp_code_and_only_admins_create_users() -> None:
    pool = TEMPLATE["Resources"]["UserPool"]["Properties"]

    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["DeletionProtection"] == "ACTIVE"
    assert TEMPLATE["Resources"]["UserPool"]["DeletionPolicy"] == "Retain"


def test_the_admin_client_signs_in_by_srp_only() -> None:
    [client] = resources_of_type(TEMPLATE, "AWS::Cognito::UserPoolClient").values()

    assert sorted(client["Properties"]["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert client["Properties"].get("GenerateSecret") is False


def test_tokens_last_an_hour_and_sessions_at_most_twelve_hours() -> None:
    [client] = resources_of_type(TEMPLATE, "AWS::Cognito::UserPoolClient").values()
    properties = client["Properties"]

    assert token_lifetime_seconds(properties, "AccessToken") <= 3600
    assert token_lifetime_seconds(properties, "IdToken") <= 3600
    assert token_lifetime_seconds(properties, "RefreshToken") <= 12 * 3600


def test_the_token_lifetime_check_reads_units_and_cognitos_defaults() -> None:
    assert token_lifetime_seconds({}, "RefreshToken") == 30 * 86400
    assert token_lifetime_seconds({"RefreshTokenValidity": 12}, "RefreshToken") == 12 * 86400
    assert (
        token_lifetime_seconds({"IdTokenValidity": 1, "TokenValidityUnits": {"IdToken": "days"}}, "IdToken")
        == 86400
    )


def test_threat_protection_is_a_parameter_enforced_by_default_on_the_plus_plan() -> None:
    parameter = TEMPLATE["Parameters"]["ThreatProtection"]
    pool = TEMPLATE["Resources"]["UserPool"]["Properties"]

    assert parameter["Default"] == "ENFORCED"
    assert sorted(parameter["AllowedValues"]) == ["AUDIT", "ENFORCED", "OFF"]
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == {"Ref": "ThreatProtection"}
    assert pool["UserPoolTier"] == {"Fn::If": ["HasThreatProtection", "PLUS", "ESSENTIALS"]}
    assert TEMPLATE["Conditions"]["HasThreatProtection"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ThreatProtection"}, "OFF"]}]
    }


def test_the_pool_has_exactly_the_three_role_groups() -> None:
    groups = resources_of_type(TEMPLATE, "AWS::Cognito::UserPoolGroup").values()

    assert sorted(group["Properties"]["GroupName"] for group in groups) == [
        "clinic_admin",
        "clinician",
        "platform_admin",
    ]
    for group in groups:
        assert group["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
        assert "clinic:<clinic_id>" in group["Properties"]["Description"]


# --- Logs ------------------------------------------------------------------------------

CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192]
CLOUDWATCH_RETENTION_DAYS += [2557, 2922, 3288, 3653]


def test_log_retention_is_a_parameter_of_a_year_by_default() -> None:
    parameter = TEMPLATE["Parameters"]["LogRetentionDays"]

    assert parameter["Default"] == 365
    assert parameter["AllowedValues"] == CLOUDWATCH_RETENTION_DAYS
    log_groups = resources_of_type(TEMPLATE, "AWS::Logs::LogGroup")
    assert log_groups
    for name, group in log_groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def function_log_group(template: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The declared log group a function writes to: the one its LoggingConfig names, or
    else the one named after it (where Lambda logs by default)."""
    resources = template["Resources"]
    target = resources[name]["Properties"].get("LoggingConfig", {}).get("LogGroup")
    if target is not None:
        group = resources.get(target.get("Ref", ""), {}) if isinstance(target, dict) else {}
        return group if group.get("Type") == "AWS::Logs::LogGroup" else None
    default_name = {"Fn::Sub": f"/aws/lambda/${{{name}}}"}
    for group in resources_of_type(template, "AWS::Logs::LogGroup").values():
        if group["Properties"]["LogGroupName"] == default_name:
            return group
    return None


def test_every_function_logs_to_a_declared_group_under_aws_lambda() -> None:
    for name in functions(TEMPLATE):
        group = function_log_group(TEMPLATE, name)
        assert group is not None, f"{name} logs to a group the template does not declare"
        assert group["Properties"]["LogGroupName"]["Fn::Sub"].startswith("/aws/lambda/"), name


def test_the_log_group_check_catches_a_function_without_one() -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "Other": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"LoggingConfig": {"LogGroup": "x"}},
            },
            "FnLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/fn"}},
        }
    }

    assert function_log_group(template, "Fn") is None
    assert function_log_group(template, "Other") is None


def test_the_http_api_access_log_names_the_caller_and_route_but_no_path_query_or_body() -> None:
    api = TEMPLATE["Resources"]["HttpApi"]["Properties"]
    settings = api["AccessLogSettings"]
    group_name, attribute = settings["DestinationArn"]["Fn::GetAtt"]
    fields = json.loads(settings["Format"])

    assert TEMPLATE["Resources"][group_name]["Type"] == "AWS::Logs::LogGroup"
    assert attribute == "Arn"
    for variable in (
        "$context.requestId",
        "$context.routeKey",
        "$context.status",
        "$context.authorizer.claims.sub",
    ):
        assert variable in fields.values()
    for value in fields.values():
        assert not re.search(r"path|query|body|\$input|\$request\.|phone", value, re.IGNORECASE), value


# --- Keys and permissions ----------------------------------------------------------------


def test_the_table_is_encrypted_with_its_own_key_unless_the_parameter_says_aws_managed() -> None:
    resources = TEMPLATE["Resources"]
    sse = resources["Table"]["Properties"]["SSESpecification"]
    key = resources["TableKey"]
    parameter = TEMPLATE["Parameters"]["TableEncryption"]

    assert parameter["Default"] == "customer-managed"
    assert sorted(parameter["AllowedValues"]) == ["aws-managed", "customer-managed"]
    assert TEMPLATE["Conditions"]["HasTableKey"] == {
        "Fn::Equals": [{"Ref": "TableEncryption"}, "customer-managed"]
    }
    assert sse == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Fn::If": ["HasTableKey", {"Ref": "TableKey"}, {"Ref": "AWS::NoValue"}]},
    }
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Condition"] == "HasTableKey"
    # The table is retained, so must its key be: without it the table cannot be read.
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True


def test_only_the_account_administers_the_table_key_and_the_functions_use_it_through_dynamodb() -> None:
    resources = TEMPLATE["Resources"]
    statements = resources["TableKey"]["Properties"]["KeyPolicy"]["Statement"]
    use = resources["TableKeyUsePolicy"]

    assert [statement["Principal"] for statement in statements] == [
        {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    ]
    assert use["Condition"] == "HasTableKey"
    assert sorted(role["Ref"] for role in use["Properties"]["Roles"]) == sorted(
        f"{name}Role" for name in functions(TEMPLATE)
    )
    [statement] = use["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": ["TableKey", "Arn"]}
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "dynamodb.${AWS::Region}.${AWS::URLSuffix}"}}
    }
    assert "kms:*" not in statement["Action"]


def test_the_sender_may_poll_its_own_queue_and_no_other() -> None:
    resources = TEMPLATE["Resources"]
    sender = resources["SenderFunction"]["Properties"]
    mappings = resources_of_type(TEMPLATE, "AWS::Lambda::EventSourceMapping")

    # A SAM SQS event would attach AWSLambdaSQSQueueExecutionRole (every queue of the account).
    for name, function in functions(TEMPLATE).items():
        events = function["Properties"].get("Events", {}).values()
        assert all(event["Type"] != "SQS" for event in events), name
    assert "AWSLambdaSQSQueueExecutionRole" not in json.dumps(TEMPLATE)
    assert {"SQSPollerPolicy": {"QueueName": {"Fn::GetAtt": ["SendQueue", "QueueName"]}}} in sender[
        "Policies"
    ]
    assert [
        (m["Properties"]["FunctionName"], m["Properties"]["EventSourceArn"]) for m in mappings.values()
    ] == [({"Ref": "SenderFunction"}, {"Fn::GetAtt": ["SendQueue", "Arn"]})]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)


def test_the_twilio_secret_arn_matches_that_secret_only() -> None:
    secret_arns = [text for text in strings(TEMPLATE["Resources"]) if ":secretsmanager:" in text]

    assert len(secret_arns) >= 3
    for arn in secret_arns:
        # Secrets Manager appends "-" and six random characters to a secret's name.
        assert arn.endswith(":secret:${TwilioSecretName}-??????"), arn


def test_the_table_expires_items_by_their_expires_at_attribute() -> None:
    assert TEMPLATE["Resources"]["Table"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
