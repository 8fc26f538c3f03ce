"""template.yaml hosts the clinic console: a private bucket that only its CloudFront
distribution reads, /admin/* and /health passed through to the HTTP API on the same origin,
strict security headers, and no dependency cycle between the distribution and the API.
"""

import copy
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from infra.template import load_template
from tests.unit.test_template import functions, references

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
DISTRIBUTION = RESOURCES["ConsoleDistribution"]["Properties"]["DistributionConfig"]
CONSOLE_URL = {"Fn::Sub": "https://${ConsoleDistribution.DomainName}/console/"}
API_DOMAIN = {"Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
CLI_CALLBACK = "http://localhost:8765/callback"
# CloudFront's managed policies, by id.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]


def behaviours() -> dict[str, dict[str, Any]]:
    paths = {behaviour["PathPattern"]: behaviour for behaviour in DISTRIBUTION["CacheBehaviors"]}
    return paths | {"*": DISTRIBUTION["DefaultCacheBehavior"]}


def origin_of(path: str) -> dict[str, Any]:
    origins: list[dict[str, Any]] = DISTRIBUTION["Origins"]
    [origin] = [o for o in origins if o["Id"] == behaviours()[path]["TargetOriginId"]]
    return origin


# --- The bucket ------------------------------------------------------------------------------


def test_the_console_bucket_blocks_public_access_and_is_encrypted_and_versioned() -> None:
    bucket = RESOURCES["ConsoleBucket"]["Properties"]

    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket
    assert "AccessControl" not in bucket
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [encryption] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_only_the_console_distribution_reads_the_bucket_and_only_over_tls() -> None:
    [policy] = [
        r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": "ConsoleBucket"}
    ]
    statements = policy["PolicyDocument"]["Statement"]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    [allow] = [s for s in statements if s["Effect"] == "Allow"]

    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    assert deny["Resource"] == [
        {"Fn::GetAtt": ["ConsoleBucket", "Arn"]},
        {"Fn::Sub": "${ConsoleBucket.Arn}/*"},
    ]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": "${ConsoleBucket.Arn}/console/*"}
    distribution_arn = (
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ConsoleDistribution}"
    )
    assert allow["Condition"] == {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": distribution_arn}}}


def test_the_distribution_reads_the_bucket_through_origin_access_control_signed_with_sigv4() -> None:
    origin = origin_of("/console/*")
    control = RESOURCES["ConsoleOriginAccessControl"]

    assert origin["DomainName"] == {"Fn::GetAtt": ["ConsoleBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    # An empty identity: no legacy origin access identity next to the control.
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert control["Type"] == "AWS::CloudFront::OriginAccessControl"
    config = control["Properties"]["OriginAccessControlConfig"]
    assert (
        config["OriginAccessControlOriginType"],
        config["SigningBehavior"],
        config["SigningProtocol"],
    ) == (
        "s3",
        "always",
        "sigv4",
    )


# --- Routing ---------------------------------------------------------------------------------


def test_console_paths_come_from_the_bucket_and_admin_and_health_from_the_http_api() -> None:
    paths = behaviours()
    [api_url] = TEMPLATE["Outputs"]["ApiUrl"]["Value"].values()

    assert origin_of("*") == origin_of("/console/*")
    assert paths["/console/*"]["CachePolicyId"] == CACHING_OPTIMIZED
    for path in ("/admin/*", "/health"):
        origin = origin_of(path)
        assert origin["DomainName"] == API_DOMAIN, path
        assert api_url == "https://" + API_DOMAIN["Fn::Sub"]
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
        assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
        # Nothing cached, and the Authorization header passed on (CloudFront forwards it
        # with an all-viewer origin request policy only when caching is disabled).
        assert paths[path]["CachePolicyId"] == CACHING_DISABLED, path
        assert paths[path]["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER, path
        assert sorted(paths[path]["AllowedMethods"]) == ALL_METHODS, path
    # Twilio calls the API itself: its signature covers the URL it called.
    assert not [path for path in paths if path.startswith("/twilio")]


def test_every_path_redirects_to_https_and_the_console_paths_run_the_paths_function() -> None:
    function_arn = {"Fn::GetAtt": ["ConsolePathsFunction", "FunctionARN"]}

    assert DISTRIBUTION["DefaultRootObject"] == "index.html"
    assert DISTRIBUTION["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    for path, behaviour in behaviours().items():
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https", path
        associations = behaviour.get("FunctionAssociations", [])
        expected = (
            [{"EventType": "viewer-request", "FunctionARN": function_arn}]
            if path in ("*", "/console/*")
            else []
        )
        assert associations == expected, path


def run_paths_function(uris: list[str]) -> list[dict[str, Any]]:
    code = RESOURCES["ConsolePathsFunction"]["Properties"]["FunctionCode"]
    harness = (
        "console.log(JSON.stringify(JSON.parse(process.argv[1]).map((uri) => handler({request: {uri}}))));"
    )
    node = shutil.which("node")
    assert node is not None
    answer = subprocess.run(  # noqa: S603 (node with the template's own function code)
        [node, "-e", code + harness, json.dumps(uris)], capture_output=True, text=True, check=True, timeout=30
    )
    results: list[dict[str, Any]] = json.loads(answer.stdout)
    return results


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (make console installs it too)")
def test_the_paths_function_serves_index_html_for_directories_and_redirects_outside_the_console() -> None:
    served, asset, root, bare = run_paths_function(["/console/", "/console/assets/a-1.js", "/", "/console"])

    assert served == {"uri": "/console/index.html"}
    assert asset == {"uri": "/console/assets/a-1.js"}
    for redirect in (root, bare):
        assert redirect["statusCode"] == 302
        assert redirect["headers"] == {"location": {"value": "/console/"}}


# --- Security headers ------------------------------------------------------------------------


def test_every_response_carries_a_strict_csp_hsts_nosniff_and_no_referrer() -> None:
    config = RESOURCES["ConsoleResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = config["SecurityHeadersConfig"]
    text, variables = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = {name: sources for name, *sources in (d.split() for d in text.split(";"))}
    login_text, login_variables = TEMPLATE["Outputs"]["LoginDomain"]["Value"]["Fn::Sub"]

    assert headers["ContentSecurityPolicy"]["Override"] is True
    for name in ("default-src", "script-src", "style-src"):
        assert directives[name] == ["'self'"], name
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    # The console's own origin (the API too) and the managed login's token endpoint.
    assert directives["connect-src"] == ["'self'", login_text]
    assert variables["Prefix"] == login_variables["Prefix"]
    assert not re.search(r"unsafe-|\*|http:", text)
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 86400
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    for path, behaviour in behaviours().items():
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "ConsoleResponseHeadersPolicy"}, path


# --- The console's URL -----------------------------------------------------------------------


def test_the_console_url_bucket_and_distribution_are_outputs() -> None:
    outputs = TEMPLATE["Outputs"]

    assert outputs["ConsoleUrl"]["Value"] == CONSOLE_URL
    assert outputs["ConsoleBucket"]["Value"] == {"Ref": "ConsoleBucket"}
    assert outputs["ConsoleDistributionId"]["Value"] == {"Ref": "ConsoleDistribution"}
    assert "ConsoleUrl" not in TEMPLATE["Parameters"]


def test_the_scheduler_links_escalations_to_the_console_url_output() -> None:
    environment = RESOURCES["SchedulerFunction"]["Properties"]["Environment"]["Variables"]

    assert environment["CONSOLE_URL"] == CONSOLE_URL


@pytest.mark.parametrize("urls", ["CallbackURLs", "LogoutURLs"])
def test_the_app_client_allows_the_console_url_once_deployed_next_to_the_clis(urls: str) -> None:
    condition, with_console, without_console = RESOURCES["UserPoolClient"]["Properties"][urls]["Fn::If"]
    pattern = re.compile(TEMPLATE["Parameters"]["DeployedConsoleUrl"]["AllowedPattern"])

    assert TEMPLATE["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DeployedConsoleUrl"}, ""]}]
    }
    assert with_console == [CLI_CALLBACK, {"Ref": "DeployedConsoleUrl"}]
    assert without_console == [CLI_CALLBACK]
    # The parameter takes the ConsoleUrl output as it is, and nothing of another shape.
    assert pattern.fullmatch("https://d111111abcdef8.cloudfront.net/console/")
    assert pattern.fullmatch("")
    for wrong in ("https://d1.cloudfront.net/console", "http://d1.cloudfront.net/console/", "https://d1/"):
        assert not pattern.fullmatch(wrong), wrong
    inbound = RESOURCES["InboundFunction"]["Properties"]["Environment"]["Variables"]
    assert inbound["CONSOLE_URL"] == {"Ref": "DeployedConsoleUrl"}


# --- No dependency cycle ---------------------------------------------------------------------


def dependencies(template: dict[str, Any]) -> dict[str, set[str]]:
    """What each resource waits for, with the edges the SAM transform adds: an HTTP API is
    built from the functions its events route to, a function from its generated role."""
    resources = template["Resources"]
    sam_functions = functions(template)
    roles = {f"{name}Role" for name, f in sam_functions.items() if "Role" not in f.get("Properties", {})}
    graph: dict[str, set[str]] = {name: set() for name in [*resources, *roles]}

    def targets(node: Any) -> Iterator[str]:
        for kind, target, _ in references(node):
            if kind in ("Ref", "GetAtt") and target.split(".")[0] in graph:
                yield target.split(".")[0]

    for name, resource in resources.items():
        properties = dict(resource.get("Properties", {}))
        depends_on = resource.get("DependsOn", [])
        graph[name] |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        if name in sam_functions:
            events = properties.pop("Events", {})
            graph[name] |= set(targets(template.get("Globals", {}).get("Function", {})))
            for event in events.values():
                if event["Type"] == "HttpApi":
                    graph[event["Properties"]["ApiId"]["Ref"]].add(name)
            if f"{name}Role" in roles:
                graph[name].add(f"{name}Role")
                graph[f"{name}Role"] |= set(targets(properties.get("Policies", [])))
        graph[name] |= set(targets(properties))
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One dependency cycle of the graph (its first node repeated at the end), or []."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str]:
        path.append(node)
        for target in sorted(graph[node]):
            if target in path:
                return [*path[path.index(target) :], target]
            if target not in done and (found := visit(target)):
                return found
        done.add(path.pop())
        return []

    for node in sorted(graph):
        if node not in done and (found := visit(node)):
            return found
    return []


def test_no_resource_waits_for_itself_through_the_distribution_and_the_http_api() -> None:
    assert cycle(dependencies(TEMPLATE)) == []


@pytest.mark.parametrize(
    ("resource", "path", "closes"),
    [
        ("InboundFunction", ["Environment", "Variables", "CONSOLE_URL"], "InboundFunction"),
        ("UserPoolClient", ["CallbackURLs"], "UserPoolClient"),
    ],
)
def test_the_cycle_check_catches_the_distribution_url_given_to_what_the_api_is_built_from(
    resource: str, path: list[str], closes: str
) -> None:
    template = copy.deepcopy(TEMPLATE)
    properties = template["Resources"][resource]["Properties"]
    for key in path[:-1]:
        properties = properties[key]
    properties[path[-1]] = CONSOLE_URL

    found = cycle(dependencies(template))
    assert {"ConsoleDistribution", "HttpApi", closes} <= set(found)
