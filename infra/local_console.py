"""The clinic console's files, as CloudFront serves them from the console bucket: the built
single-page app under /console/ (console/dist, built by `make console`), with the same
security headers, and a config.json that tells the page to sign in with a bearer token."""

from pathlib import Path

from infra.local_http import Response, error_body, json_response, method_not_allowed

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "console" / "dist"
PREFIX = "/console/"

# As template.yaml's ConsoleResponseHeadersPolicy sets them (the managed login's domain aside:
# locally the page signs in with a bearer token); tests/unit/test_local_console.py holds them equal.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}
LOCAL_CONFIG = {"auth": "token"}


def console_file(method: str, path: str, build: Path = BUILD) -> Response:
    """GET /console/... : a file of the build, index.html for the page itself."""
    if method not in ("GET", "HEAD"):
        return method_not_allowed(path, "GET")
    if path == "/console":
        return 308, {"Location": PREFIX}, b""
    name = path.removeprefix(PREFIX) or "index.html"
    if name == "config.json":
        status, headers, body = json_response(200, LOCAL_CONFIG)
        return status, headers | {"Cache-Control": "no-store"} | SECURITY_HEADERS, body
    root = build.resolve()
    wanted = (root / name).resolve()
    if not wanted.is_relative_to(root) or not wanted.is_file():
        if not (root / "index.html").is_file():
            message = "the console is not built: `make console` builds it (make run does too)"
        else:
            message = f"no console file {name!r}"
        status, headers, body = json_response(404, error_body("not_found", message))
        return status, headers | SECURITY_HEADERS, body
    cache = "no-cache" if wanted.name == "index.html" else "public, max-age=31536000, immutable"
    headers = {
        "Content-Type": TYPES.get(wanted.suffix, "application/octet-stream"),
        "Cache-Control": cache,
    }
    return 200, headers | SECURITY_HEADERS, wanted.read_bytes() if method == "GET" else b""
