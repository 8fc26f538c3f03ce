"""The local stack's admin users: what Cognito and its groups are in AWS.

`TOUCHPOINT_ADMIN_TOKEN` stands for `local-admin`, a platform admin. A platform admin adds
users with `POST /_local/users` and `{"name": "dr-lee", "role": "clinician", "clinics":
["cl_..."]}`; the answer's token is that user's bearer token for as long as the stack runs.
Each token's claims are what API Gateway's JWT authorizer passes on for a Cognito access token:
`sub`, `username` and `cognito:groups` (as one string, `[clinician clinic:cl_...]`).
"""

import re
import secrets
import threading
from typing import Any

from touchpoint.domain.access import Role, groups_of, role_and_clinics
from touchpoint.domain.ids import is_well_formed_id
from touchpoint.handlers.identity import GROUPS_CLAIM, groups_claim

LOCAL_ADMIN = "local-admin"
USER_FIELDS = frozenset({"name", "role", "clinics"})
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MAX_CLINICS = 100
MAX_USERS = 1000


class InvalidUser(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def claims(name: str, subject: str, role: Role, clinics: list[str]) -> dict[str, Any]:
    groups = " ".join(groups_of(role, clinics))
    return {"sub": subject, "username": name, GROUPS_CLAIM: f"[{groups}]", "token_use": "access"}


class LocalUsers:
    def __init__(self, admin_token: str) -> None:
        self._lock = threading.Lock()
        self._claims: dict[str, dict[str, Any]] = {
            admin_token: claims(LOCAL_ADMIN, LOCAL_ADMIN, Role.PLATFORM_ADMIN, []),
        }

    @staticmethod
    def is_platform_admin(found: dict[str, Any]) -> bool:
        role, _ = role_and_clinics(groups_claim(found.get(GROUPS_CLAIM)))
        return role is Role.PLATFORM_ADMIN

    def claims_for(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            for known, found in self._claims.items():
                if secrets.compare_digest(known.encode(), token.encode()):
                    return found
        return None

    def add(self, body: object) -> dict[str, Any]:
        """A new user from `body`, and its token; InvalidUser says what is wrong with the body."""
        if not isinstance(body, dict):
            raise InvalidUser('body must be {"name": ..., "role": ..., "clinics": [...]}', "body")
        if unknown := sorted(set(body) - USER_FIELDS):
            raise InvalidUser(
                f"unknown field {unknown[0]!r}: a user has {', '.join(sorted(USER_FIELDS))}", unknown[0]
            )
        name, role, clinics = body.get("name"), body.get("role"), body.get("clinics", [])
        if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
            raise InvalidUser("name must be 1-64 letters, digits, '.', '_', '@' or '-'", "name")
        if role not in set(Role):
            raise InvalidUser(f"role must be one of {', '.join(Role)}", "role")
        if not isinstance(clinics, list) or len(clinics) > MAX_CLINICS:
            raise InvalidUser(f"clinics must be a list of at most {MAX_CLINICS} clinic ids", "clinics")
        if not all(is_well_formed_id(clinic) for clinic in clinics):
            raise InvalidUser("clinics must hold clinic ids, e.g. cl_3f2a...", "clinics")
        if Role(role) is not Role.PLATFORM_ADMIN and not clinics:
            raise InvalidUser(f"a {role} belongs to at least one clinic", "clinics")
        token = secrets.token_urlsafe(24)
        subject = f"local-{secrets.token_hex(8)}"
        with self._lock:
            if len(self._claims) > MAX_USERS:
                raise InvalidUser(f"the local stack holds at most {MAX_USERS} users", "name")
            self._claims[token] = claims(name, subject, Role(role), clinics)
        return {"token": token, "name": name, "sub": subject, "role": role, "clinics": sorted(set(clinics))}
