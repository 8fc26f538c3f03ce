"""Who is calling the admin API: the one place that reads the caller's identity from the event.

In AWS the HTTP API's JWT authorizer has checked the Cognito token and put its claims in the
event; locally the local stack's authorizer puts the claims of the user its bearer token
stands for (the admin token: `local-admin`, a platform admin).
"""

from collections.abc import Mapping
from typing import Any

# ID tokens name the user in `cognito:username`, access tokens in `username`; `email` and
# `sub` are the fallbacks, in that order.
NAME_CLAIMS = ("cognito:username", "username", "email", "sub")
MAX_NAME_CHARS = 256


def claims_of(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The verified token's claims; None when no authorizer admitted the request."""
    jwt = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt")
    if not isinstance(jwt, Mapping):
        return None
    claims = jwt.get("claims")
    return claims if isinstance(claims, Mapping) else {}


def caller_name(event: Mapping[str, Any]) -> str | None:
    """The name an acknowledgement or an audit line is signed with; None if the token names no one."""
    for claim in NAME_CLAIMS:
        value = (claims_of(event) or {}).get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()[:MAX_NAME_CHARS]
    return None
