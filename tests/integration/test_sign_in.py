"""`make token` (infra/sign_in.py) against a fake Cognito token endpoint and a simulated browser:
the authorization code grant with PKCE, the state check, what reaches stdout; and the app
client and managed login domain of template.yaml it relies on."""

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import sign_in
from infra.template import load_template

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "4example0client0id"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI0ZXhhbXBsZSJ9.c2lnbmF0dXJl"
UNRESERVED = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class TokenEndpoint:
    """Cognito's /oauth2/token, answering `answer` (status, JSON body) to every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: tuple[int, dict[str, Any]] = (
            200,
            {"id_token": ID_TOKEN, "access_token": "access", "expires_in": 3600, "token_type": "Bearer"},
        )
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                endpoint.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers["Content-Type"],
                        "form": dict(urllib.parse.parse_qsl(self.rfile.read(length).decode())),
                    }
                )
                status, body = endpoint.answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint()
    thread = threading.Thread(target=endpoint.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


class Browser:
    """Stands in for the user: opened on the authorize URL, it signs in and follows Cognito's
    redirect to the callback with `code` and the URL's state (or `state`, when given)."""

    def __init__(self, code: str = "the-code", state: str | None = None, extra: dict[str, str] | None = None):
        self.code, self.state, self.extra = code, state, extra or {}
        self.opened: list[str] = []
        self.answer: tuple[int, str] = (0, "")
        self.done = threading.Event()

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        threading.Thread(target=self.follow, args=(url,), daemon=True).start()
        return True

    def follow(self, url: str) -> None:
        params = parse_query(url)
        query = {"code": self.code, "state": params["state"] if self.state is None else self.state}
        redirect = f"{params['redirect_uri']}?{urllib.parse.urlencode(query | self.extra)}"
        try:
            with urllib.request.urlopen(redirect, timeout=10) as response:
                self.answer = (response.status, response.read().decode())
        except urllib.error.HTTPError as refused:
            self.answer = (refused.code, refused.read().decode())
        finally:
            self.done.set()


def parse_query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def sign_in_with(endpoint: TokenEndpoint, browser: Any, *extra: str) -> int:
    argv = ["--domain", endpoint.url, "--client-id", CLIENT_ID, "--port", "0", "--timeout", "10", *extra]
    return sign_in.main(argv, open_browser=browser, cloudformation=no_cloudformation)


def no_cloudformation() -> Any:
    raise AssertionError("the stack was read although the domain and client id were given")


def test_the_authorize_url_asks_for_a_code_bound_to_the_verifier_the_token_request_carries(
    token_endpoint: TokenEndpoint,
) -> None:
    browser = Browser(code="the-code")

    assert sign_in_with(token_endpoint, browser) == 0

    [url] = browser.opened
    assert url.startswith(f"{token_endpoint.url}/oauth2/authorize?")
    params = parse_query(url)
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert re.fullmatch(r"http://localhost:\d+/callback", params["redirect_uri"])
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert len(params["state"]) >= 32
    assert params["code_challenge_method"] == "S256"
    [request] = token_endpoint.requests
    assert request["path"] == "/oauth2/token"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    form = request["form"]
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    assert form["client_id"] == CLIENT_ID
    assert form["redirect_uri"] == params["redirect_uri"]
    assert UNRESERVED.fullmatch(form["code_verifier"])
    assert params["code_challenge"] == sign_in.s256(form["code_verifier"])


def test_the_challenge_is_the_unpadded_base64url_sha256_of_the_verifier() -> None:
    # RFC 7636, appendix B.
    assert (
        sign_in.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    first, second = sign_in.new_pkce(), sign_in.new_pkce()
    assert first.verifier != second.verifier
    assert first.challenge == sign_in.s256(first.verifier)


def test_the_id_token_alone_is_printed_and_the_browser_is_told_it_may_close_the_tab(
    token_endpoint: TokenEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    browser = Browser()

    assert sign_in_with(token_endpoint, browser) == 0

    assert capsys.readouterr().out == f"{ID_TOKEN}\n"
    assert browser.done.wait(10)
    status, page = browser.answer
    assert status == 200
    assert "you can close this tab" in page


def test_what_the_browser_writes_to_its_stdout_stays_out_of_the_token(
    token_endpoint: TokenEndpoint, capfd: pytest.CaptureFixture[str]
) -> None:
    browser = Browser()

    def chatty_browser(url: str) -> bool:
        os.write(1, b"Opening in existing browser session.\n")
        return browser(url)

    assert sign_in_with(token_endpoint, chatty_browser) == 0

    output = capfd.readouterr()
    assert output.out == f"{ID_TOKEN}\n"
    assert "Opening in existing browser session." in output.err


def test_a_redirect_with_another_state_is_refused_and_no_code_is_exchanged(
    token_endpoint: TokenEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    browser = Browser(state="forged-state")

    assert sign_in_with(token_endpoint, browser) == 1

    assert token_endpoint.requests == []
    output = capsys.readouterr()
    assert output.out == ""
    assert "error: the redirect's state does not match this sign-in" in output.err
    assert browser.done.wait(10)
    assert browser.answer[0] == 400


def test_a_refusal_by_the_managed_login_is_a_clear_error_without_an_exchange(
    token_endpoint: TokenEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    browser = Browser(code="", extra={"error": "access_denied", "error_description": "User is disabled"})

    assert sign_in_with(token_endpoint, browser) == 1

    assert token_endpoint.requests == []
    assert "error: the managed login answered access_denied: User is disabled" in capsys.readouterr().err


def test_an_error_from_the_token_endpoint_is_a_clear_error_and_a_non_zero_exit(
    token_endpoint: TokenEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    token_endpoint.answer = (400, {"error": "invalid_grant"})

    assert sign_in_with(token_endpoint, Browser()) == 1

    assert len(token_endpoint.requests) == 1
    output = capsys.readouterr()
    assert output.out == ""
    assert "error: the token endpoint refused the code: invalid_grant" in output.err


def test_no_redirect_within_the_timeout_is_a_clear_error(
    token_endpoint: TokenEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    def browser_left_open(url: str) -> bool:
        return True

    assert sign_in_with(token_endpoint, browser_left_open, "--timeout", "0.3") == 1

    assert token_endpoint.requests == []
    assert "error: no sign-in within" in capsys.readouterr().err


def test_the_login_domain_and_client_id_are_the_stack_outputs(
    token_endpoint: TokenEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {"LoginDomain": token_endpoint.url, "UserPoolClientId": CLIENT_ID}
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    browser = Browser()
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(StackName="touchpoint-test", TemplateBody=json.dumps(template))

        status = sign_in.main(
            ["--stack", "touchpoint-test", "--port", "0", "--timeout", "10"],
            open_browser=browser,
            cloudformation=lambda: cloudformation,
        )

    assert status == 0
    assert parse_query(browser.opened[0])["client_id"] == CLIENT_ID
    assert token_endpoint.requests[0]["form"]["client_id"] == CLIENT_ID
    assert capsys.readouterr().out == f"{ID_TOKEN}\n"


def test_a_stack_without_the_login_outputs_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"UserPoolClientId": {"Value": "c"}},
    }
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(StackName="old-stack", TemplateBody=json.dumps(template))

        status = sign_in.main(
            ["--stack", "old-stack"], open_browser=Browser(), cloudformation=lambda: cloudformation
        )

    assert status == 1
    assert "error: stack 'old-stack' has no LoginDomain output" in capsys.readouterr().err


@pytest.mark.parametrize("domain", ["http://login.example", "ftp://127.0.0.1", "https://login.example/path"])
def test_the_code_goes_to_an_https_login_domain_only(domain: str) -> None:
    with pytest.raises(sign_in.SignInError):
        sign_in.checked_domain(domain)
    assert sign_in.checked_domain("https://tp-1.auth.us-east-1.amazoncognito.com/") == (
        "https://tp-1.auth.us-east-1.amazoncognito.com"
    )


def test_as_a_command_its_stdout_is_the_id_token_only(token_endpoint: TokenEndpoint) -> None:
    """What TOKEN=$(make -s token) captures."""
    command = [sys.executable, "-m", "infra.sign_in", "--no-browser", "--port", "0", "--timeout", "20"]
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}",
        "LOGIN_DOMAIN": token_endpoint.url,
        "USER_POOL_CLIENT_ID": CLIENT_ID,
    }
    with subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        url = next(line.strip() for line in process.stderr if "/oauth2/authorize?" in line)
        browser = Browser()
        browser.follow(url)
        out, err = process.communicate(timeout=20)

    assert process.returncode == 0, err
    assert out == f"{ID_TOKEN}\n"
    assert browser.answer[0] == 200


# --- What template.yaml gives it ---------------------------------------------------------------

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
CLI_CALLBACK = f"http://localhost:{sign_in.CALLBACK_PORT}{sign_in.CALLBACK_PATH}"


def test_the_admin_client_is_a_public_client_of_the_code_grant_only() -> None:
    client = RESOURCES["UserPoolClient"]["Properties"]

    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == set(sign_in.SCOPES.split())
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


@pytest.mark.parametrize("urls", ["CallbackURLs", "LogoutURLs"])
def test_the_clis_callback_is_allowed_and_the_console_too_once_its_url_is_deployed(urls: str) -> None:
    condition, with_console, without_console = RESOURCES["UserPoolClient"]["Properties"][urls]["Fn::If"]

    assert TEMPLATE["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DeployedConsoleUrl"}, ""]}]
    }
    assert with_console == [CLI_CALLBACK, {"Ref": "DeployedConsoleUrl"}]
    assert without_console == [CLI_CALLBACK]


def test_the_pool_has_a_managed_login_domain_styled_for_the_client_and_named_in_an_output() -> None:
    domain = RESOURCES["UserPoolDomain"]
    [branding] = [r for r in RESOURCES.values() if r["Type"] == "AWS::Cognito::ManagedLoginBranding"]

    assert domain["Type"] == "AWS::Cognito::UserPoolDomain"
    assert domain["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    assert domain["Properties"]["ManagedLoginVersion"] == 2
    # Version 2 pages serve only an app client that has a style.
    assert branding["Properties"]["ClientId"] == {"Ref": "UserPoolClient"}
    assert branding["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    text, variables = TEMPLATE["Outputs"]["LoginDomain"]["Value"]["Fn::Sub"]
    assert text == "https://${Prefix}.auth.${AWS::Region}.amazoncognito.com"
    assert variables["Prefix"] == domain["Properties"]["Domain"]


@pytest.mark.parametrize(
    ("prefix", "allowed"),
    [
        ("", True),
        ("touchpoint-123456789012", True),
        ("tp", True),
        ("Touchpoint", False),
        ("-tp", False),
        ("tp-", False),
    ],
)
def test_the_login_domain_prefix_is_lowercase_letters_digits_and_inner_hyphens(
    prefix: str, allowed: bool
) -> None:
    parameter = TEMPLATE["Parameters"]["LoginDomainPrefix"]
    condition = TEMPLATE["Conditions"]["HasLoginDomainPrefix"]

    assert bool(re.fullmatch(parameter["AllowedPattern"], prefix)) is allowed
    assert parameter["Default"] == ""
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "LoginDomainPrefix"}, ""]}]}
    assert RESOURCES["UserPoolDomain"]["Properties"]["Domain"] == {
        "Fn::If": [
            "HasLoginDomainPrefix",
            {"Ref": "LoginDomainPrefix"},
            {"Fn::Sub": "${AWS::StackName}-${AWS::AccountId}"},
        ]
    }
