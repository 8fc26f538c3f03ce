"""The command line's HTTP client for the admin API: urllib only, errors as `ApiError`."""

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

TIMEOUT_SECONDS = 60
PAGE_LIMIT = 500  # the API's largest page
SIGN_IN_HINT = (
    "locally, the admin token `make run` prints at start (or sets from TOUCHPOINT_ADMIN_TOKEN); "
    "for the deployed stack, TOUCHPOINT_TOKEN=$(make -s token)"
)


class ApiError(Exception):
    """The API refused a request (status and its `error.message`), or could not be reached (status 0)."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code

    def __str__(self) -> str:
        if self.status == 0:
            return self.message
        prefix = f"HTTP {self.status}" + (f" {self.code}" if self.code else "")
        hint = f" ({SIGN_IN_HINT})" if self.status == 401 else ""
        return f"{prefix}: {self.message}{hint}"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        # Straight to a local stack, whatever proxy the machine's environment names.
        local = host in {"127.0.0.1", "localhost", "::1"}
        self.opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if local else []))

    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, str | None] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> Answer:
        params = {name: value for name, value in (query or {}).items() if value is not None}
        # '+' (E.164 phones, offsets) and ':' stay as they are: API Gateway reads them literally,
        # and a space goes as %20, never as a '+'.
        encoded = urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="+:")
        url = self.base_url + path + (f"?{encoded}" if params else "")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json, text/csv"}
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (the URL is the operator's)
        try:
            with self.opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as refused:
            raise _api_error(refused.code, refused.read()) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as failed:
            reason = getattr(failed, "reason", failed)
            raise ApiError(
                0, f"cannot reach {self.base_url}: {reason} (is the local stack running? `make run`)"
            ) from None

    def get_json(self, path: str, query: Mapping[str, str | None] | None = None) -> Any:
        return self.request("GET", path, query).json()

    def post_json(self, path: str, payload: Any) -> Any:
        return self.request("POST", path, body=json.dumps(payload).encode()).json()

    def items(
        self, path: str, query: Mapping[str, str | None] | None = None, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list, page after page by `next_cursor`, at most `limit` of them."""
        cursor: str | None = None
        given = 0
        while True:
            size = PAGE_LIMIT if limit is None else max(1, min(PAGE_LIMIT, limit - given))
            page = self.get_json(path, {**(query or {}), "limit": str(size), "cursor": cursor})
            for item in page.get("items", []):
                if limit is not None and given >= limit:
                    return
                given += 1
                yield item
            cursor = page.get("next_cursor")
            if not cursor or (limit is not None and given >= limit):
                return


def _api_error(status: int, raw: bytes) -> ApiError:
    """The contract's `{"error": {"code", "message"}}`, or API Gateway's `{"message"}`, or the text."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return ApiError(status, raw.decode(errors="replace").strip() or "no message")
    if isinstance(answer, dict):
        detail = answer.get("error")
        if isinstance(detail, dict) and "message" in detail:
            return ApiError(status, str(detail["message"]), detail.get("code"))
        if "message" in answer:
            return ApiError(status, str(answer["message"]))
    return ApiError(status, raw.decode(errors="replace").strip())
