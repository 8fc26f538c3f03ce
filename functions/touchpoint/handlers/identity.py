"""Who is calling the admin API: the one place that reads the caller's identity from the event.

In AWS the HTTP API's JWT authorizer has checked the Cognito token and put its claims in the
event; locally the local stack's authorizer puts the claims of the user its bearer token
stands for (the admin token: `local-admin`, a platform admin). The role and the clinics are
the token's `cognito:groups` (see domain/access.py), which API Gateway passes on as one string,
`[clinic_admin clinic:cl_1]`.
"""

from collections.abc import Mapping
from typing import Any

from touchpoint.domain.access import Caller, role_and_clinics

# ID tokens name the user in `cognito:username`, access tokens in `username`; `email` and
# `sub` are the fallbacks, in that order.
NAME_CLAIMS = ("cognito:username", "username", "email", "sub")
MAX_NAME_CHARS = 256
GROUPS_CLAIM = "cognito:groups"
MAX_GROUPS_CHARS = 16 * 1024


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


def groups_claim(value: object) -> list[str]:
    """`cognito:groups` as API Gateway passes it (`[a b]`), as a JSON list, or comma-separated."""
    if isinstance(value, list):
        return [group for group in value if isinstance(group, str)]
    if not isinstance(value, str) or len(value) > MAX_GROUPS_CHARS:
        return []
    return value.strip().removeprefix("[").removesuffix("]").replace(",", " ").split()


def caller_of(event: Mapping[str, Any]) -> Caller | None:
    """The signed-in caller with its role and clinics; None if the token names no one or gives
    no role (a user in none of the role groups may do nothing)."""
    claims = claims_of(event) or {}
    name = caller_name(event)
    role, clinics = role_and_clinics(groups_claim(claims.get(GROUPS_CLAIM)))
    if name is None or role is None:
        return None
    subject = claims.get("sub")
    return Caller(
        name, subject[:MAX_NAME_CHARS] if isinstance(subject, str) and subject else name, role, clinics
    )
