"""The audit log: who did what to which clinic and patient, and when (contract section 8).

Every admin write and every read of a patient's data adds one entry, refused requests too
(`status` 403). An entry names people and records by id only: never a message body, a phone
number or a patient's name. Entries are kept `AUDIT_RETENTION` (six years, HIPAA's
documentation retention) and then expire.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from touchpoint.domain.access import Action, Caller
from touchpoint.domain.errors import InvalidQuery
from touchpoint.domain.ids import is_well_formed_id

AUDIT_RETENTION = timedelta(days=6 * 366)
# The partition of entries about no one clinic (listing clinics, creating users).
PLATFORM = "platform"
DEFAULT_PAGE, MAX_PAGE = 100, 500
# A page's cursor is the last entry's sort key: its instant and its request id.
_CURSOR = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ#[A-Za-z0-9=+/_.-]{1,128}")


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str  # the caller's name
    subject: str  # the token's `sub`: stable when a name changes
    role: str
    action: Action
    clinic_id: str  # or PLATFORM
    route: str  # the route's rule, e.g. "GET /admin/clinics/<clinic_id>/patients/<patient_id>"
    status: int
    request_id: str
    patient_id: str | None = None

    @classmethod
    def of(
        cls,
        caller: Caller,
        action: Action,
        route: str,
        *,
        at: datetime,
        status: int,
        request_id: str,
        clinic_id: str | None,
        patient_id: str | None,
    ) -> "AuditEntry":
        return cls(
            at,
            caller.name,
            caller.subject,
            caller.role.value,
            action,
            clinic_id or PLATFORM,
            route,
            status,
            request_id,
            patient_id,
        )

    @property
    def expires_at(self) -> datetime:
        return self.at + AUDIT_RETENTION


@dataclass(frozen=True)
class AuditQuery:
    clinic_id: str
    since: datetime | None
    until: datetime | None
    limit: int
    cursor: str | None


def _instant(raw: str | None, name: str) -> datetime | None:
    if raw is None:
        return None
    problem = InvalidQuery(
        f"{name} must be an ISO 8601 instant with its offset, e.g. 2026-12-01T00:00:00Z", name
    )
    if len(raw) > 40:
        raise problem
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        raise problem from None
    if instant.tzinfo is None:
        raise problem
    return instant.astimezone(UTC)


def parse_audit_query(
    clinic_id: str | None, since: str | None, until: str | None, limit: str | None, cursor: str | None
) -> AuditQuery:
    """`?clinic_id=&from=&to=&limit=&cursor=` of `GET /admin/audit`: a clinic's entries (or the
    platform's, `clinic_id=platform`) from `from` up to `to`, oldest first."""
    if clinic_id is None:
        raise InvalidQuery("clinic_id is required: a clinic's id, or `platform`", "clinic_id")
    if clinic_id != PLATFORM and not is_well_formed_id(clinic_id):
        raise InvalidQuery("clinic_id is not a clinic's id", "clinic_id")
    start, end = _instant(since, "from"), _instant(until, "to")
    if start and end and end < start:
        raise InvalidQuery("to is before from", "to")
    if limit is None:
        size = DEFAULT_PAGE
    elif limit.isascii() and limit.isdigit() and len(limit) <= 3 and 1 <= int(limit) <= MAX_PAGE:
        size = int(limit)
    else:
        raise InvalidQuery(f"limit must be a whole number from 1 to {MAX_PAGE}", "limit")
    if cursor is not None and (len(cursor) > 200 or not _CURSOR.fullmatch(cursor)):
        raise InvalidQuery("cursor is not one this API gave out", "cursor")
    return AuditQuery(clinic_id, start, end, size, cursor)
