"""The local stack's /console/ (infra/local_console.py): the build's files, as CloudFront serves
them, with the template's security headers and nothing outside the build."""

from pathlib import Path

import pytest

from infra.local_console import LOCAL_CONFIG, SECURITY_HEADERS, console_file
from infra.template import load_template


@pytest.fixture
def build(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>console</title>")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("not part of the build")
    return tmp_path


def test_the_page_and_its_assets_come_with_types_caching_and_the_security_headers(build: Path) -> None:
    page = console_file("GET", "/console/", build)
    script = console_file("GET", "/console/assets/index-abc.js", build)

    assert (page[0], page[1]["Content-Type"], page[1]["Cache-Control"]) == (
        200,
        "text/html; charset=utf-8",
        "no-cache",
    )
    assert page[2].startswith(b"<!doctype html>")
    assert (script[1]["Content-Type"], script[1]["Cache-Control"]) == (
        "text/javascript; charset=utf-8",
        "public, max-age=31536000, immutable",
    )
    assert all(page[1][name] == value for name, value in SECURITY_HEADERS.items())


def test_nothing_outside_the_build_is_served(build: Path) -> None:
    for path in ("/console/../secret.txt", "/console/%2e%2e/secret.txt", "/console/assets/../../secret.txt"):
        status, _, body = console_file("GET", path, build)
        assert status == 404, path
        assert b"not part of the build" not in body


def test_the_config_tells_the_page_to_sign_in_with_a_token_and_other_methods_are_refused(build: Path) -> None:
    status, headers, body = console_file("GET", "/console/config.json", build)

    assert (status, headers["Cache-Control"], body) == (200, "no-store", b'{"auth": "token"}')
    assert LOCAL_CONFIG == {"auth": "token"}
    assert console_file("POST", "/console/", build)[0] == 405
    assert console_file("GET", "/console", build)[:2] == (308, {"Location": "/console/"})


def test_without_a_build_the_answer_says_how_to_make_one(tmp_path: Path) -> None:
    status, _, body = console_file("GET", "/console/", tmp_path / "dist")

    assert status == 404
    assert b"make console" in body


def test_the_content_security_policy_is_the_templates_but_for_the_managed_login() -> None:
    policy = load_template()["Resources"]["ConsoleResponseHeadersPolicy"]["Properties"]
    deployed = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    template_csp = deployed["ContentSecurityPolicy"]
    text = template_csp["Fn::Sub"][0] if isinstance(template_csp, dict) else template_csp
    without_login = text.replace(" https://${Prefix}.auth.${AWS::Region}.amazoncognito.com", "")

    assert SECURITY_HEADERS["Content-Security-Policy"] == without_login
