"""Sign in to the deployed stack in a browser and print an ID token for the admin API.

    TOKEN=$(make -s token [STACK=touchpoint])
    curl "$API_URL/admin/clinics" -H "Authorization: Bearer $TOKEN"

Cognito's managed login does the sign-in, including what a terminal cannot: a new user's
first password and authenticator-app (TOTP) enrolment, then the app's code at every sign-in.
This script runs the OAuth authorization code grant with PKCE (the app client is public, with
no secret): it listens once on 127.0.0.1:8765 for the browser's redirect to
http://localhost:8765/callback (the callback URL template.yaml registers), checks its `state`,
and exchanges the code and the PKCE verifier at the token endpoint. Only the ID token goes to
stdout (its `aud` is the app client id, which the HTTP API's JWT authorizer checks); messages
go to stderr. The domain and client id are the stack's `LoginDomain` and `UserPoolClientId`
outputs, unless given (--domain/--client-id, or LOGIN_DOMAIN/USER_POOL_CLIENT_ID).
"""

import argparse
import base64
import hashlib
import html
import http.server
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import boto3

CALLBACK_PORT = 8765
CALLBACK_PATH = "/callback"
SCOPES = "openid email profile"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SignInError(Exception):
    pass


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def new_pkce() -> Pkce:
    """A fresh verifier (86 URL-safe characters: RFC 7636 asks for 43-128) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    return Pkce(verifier, s256(verifier))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(domain: str, client_id: str, redirect_uri: str, challenge: str, state: str) -> str:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        quote_via=urllib.parse.quote,
    )
    return f"{domain}/oauth2/authorize?{query}"


def checked_domain(domain: str) -> str:
    """The managed login's base URL: https, or http on a loopback host (a local stand-in)."""
    parsed = urllib.parse.urlsplit(domain.rstrip("/"))
    loopback = parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS
    if not (parsed.scheme == "https" or loopback) or not parsed.hostname or parsed.path:
        raise SignInError(f"the login domain must be an https base URL, not {domain!r}")
    return f"{parsed.scheme}://{parsed.netloc}"


# --- The redirect --------------------------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Touchpoint</title></head>
<body style="font-family: sans-serif"><p>{message}</p></body></html>"""


@dataclass
class Redirect:
    """What the browser's redirect to the callback carried, once it came."""

    code: str = ""
    problem: str = ""


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: "_CallbackServer"

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            self._answer(404, "Not the sign-in callback.")
            return
        query = urllib.parse.parse_qs(url.query)
        state = query.get("state", [""])[0]
        code = query.get("code", [""])[0]
        error = query.get("error", [""])[0]
        if not secrets.compare_digest(state.encode(), self.server.state.encode()):
            self.server.redirect = Redirect(
                problem="the redirect's state does not match this sign-in (a stale tab or a forged link)"
            )
            self._answer(400, "This sign-in link is not the one the terminal started. Run make token again.")
        elif error:
            description = query.get("error_description", [""])[0]
            self.server.redirect = Redirect(problem=f"the managed login answered {error}: {description}")
            self._answer(400, f"Sign-in failed: {error}. See the terminal.")
        elif not code:
            self.server.redirect = Redirect(problem="the redirect carried no authorization code")
            self._answer(400, "Sign-in failed: no code. See the terminal.")
        else:
            self.server.redirect = Redirect(code=code)
            self._answer(200, "Signed in: you can close this tab and go back to the terminal.")

    def _answer(self, status: int, message: str) -> None:
        body = PAGE.format(message=html.escape(message)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request line holds the authorization code."""


class _CallbackServer(http.server.HTTPServer):
    def __init__(self, port: int, state: str) -> None:
        self.state = state
        self.redirect: Redirect | None = None
        # Loopback only: the code must not be offered to the network.
        super().__init__(("127.0.0.1", port), _CallbackHandler)


def wait_for_redirect(server: _CallbackServer, timeout: float) -> str:
    """The authorization code of the first redirect to the callback, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while server.redirect is None:
        left = deadline - time.monotonic()
        if left <= 0:
            minutes = timeout / 60
            raise SignInError(f"no sign-in within {minutes:g} minutes; run make token again")
        server.timeout = min(left, 1.0)
        server.handle_request()
    if server.redirect.problem:
        raise SignInError(server.redirect.problem)
    return server.redirect.code


# --- The token endpoint --------------------------------------------------------------------


def exchange_code(domain: str, client_id: str, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    """Cognito's answer to the code and the PKCE verifier: the ID, access and refresh tokens."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - checked_domain allows https and loopback http only
        f"{domain}/oauth2/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
            answer = json.load(response)
    except urllib.error.HTTPError as refused:
        raise SignInError(f"the token endpoint refused the code: {_oauth_error(refused)}") from None
    except (urllib.error.URLError, TimeoutError) as unreachable:
        raise SignInError(f"cannot reach the token endpoint {domain}: {unreachable}") from None
    except ValueError:
        raise SignInError("the token endpoint answered something that is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
        raise SignInError("the token endpoint's answer has no id_token (is openid among the scopes?)")
    return answer


def _oauth_error(refused: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(refused.read(4096))
    except ValueError:
        return f"HTTP {refused.code}"
    if not isinstance(body, dict):
        return f"HTTP {refused.code}"
    return ": ".join(str(body[key]) for key in ("error", "error_description") if body.get(key)) or (
        f"HTTP {refused.code}"
    )


# --- The command ---------------------------------------------------------------------------


def open_quietly(open_browser: Callable[[str], object], url: str) -> None:
    """Open the browser with its stdout on stderr: a browser may write to the stdout it inherits
    (Chrome: "Opening in existing browser session."), which TOKEN=$(make -s token) would capture."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        open_browser(url)
    except webbrowser.Error:
        pass  # the URL is printed: the user opens it
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def stack_outputs(stack: str, cloudformation: Any) -> dict[str, str]:
    try:
        [found] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except Exception as error:
        raise SignInError(f"no stack {stack!r} in this region: {error}") from None
    return {output["OutputKey"]: str(output["OutputValue"]) for output in found.get("Outputs", [])}


def login_settings(args: argparse.Namespace, cloudformation: Callable[[], Any]) -> tuple[str, str]:
    """The managed login's base URL and the app client id: given, else the stack's outputs."""
    domain, client_id = args.domain, args.client_id
    if not (domain and client_id):
        outputs = stack_outputs(args.stack, cloudformation())
        for name in ("LoginDomain", "UserPoolClientId"):
            if name not in outputs:
                raise SignInError(f"stack {args.stack!r} has no {name} output: deploy this version first")
        domain = domain or outputs["LoginDomain"]
        client_id = client_id or outputs["UserPoolClientId"]
    return checked_domain(domain), client_id


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", default=os.environ.get("STACK") or "touchpoint")
    parser.add_argument(
        "--domain",
        default=os.environ.get("LOGIN_DOMAIN", ""),
        help="the managed login's base URL (the LoginDomain output)",
    )
    parser.add_argument(
        "--client-id",
        default=os.environ.get("USER_POOL_CLIENT_ID", ""),
        help="the app client id (the UserPoolClientId output)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=CALLBACK_PORT,
        help=f"callback port; the app client accepts {CALLBACK_PORT} only (0: any free port, for tests)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the sign-in")
    parser.add_argument("--no-browser", action="store_true", help="only print the sign-in URL")
    return parser.parse_args(argv)


def main(
    argv: Sequence[str] | None = None,
    open_browser: Callable[[str], object] = webbrowser.open,
    cloudformation: Callable[[], Any] = lambda: boto3.client("cloudformation"),
) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        domain, client_id = login_settings(args, cloudformation)
        pkce, state = new_pkce(), secrets.token_urlsafe(32)
        try:
            server = _CallbackServer(args.port, state)
        except OSError as busy:
            raise SignInError(f"cannot listen on 127.0.0.1:{args.port} for the redirect: {busy}") from None
        with server:
            redirect_uri = f"http://localhost:{server.server_port}{CALLBACK_PATH}"
            url = authorize_url(domain, client_id, redirect_uri, pkce.challenge, state)
            print(f"Sign in in your browser (open this URL if none opens):\n\n  {url}\n", file=sys.stderr)
            if not args.no_browser:
                open_quietly(open_browser, url)
            code = wait_for_redirect(server, args.timeout)
        tokens = exchange_code(domain, client_id, code, pkce.verifier, redirect_uri)
    except SignInError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(tokens["id_token"])
    print("Signed in: the ID token is good for an hour; run make token again then.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
