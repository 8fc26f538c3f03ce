"""Who may do what to which clinic: roles, clinic membership and the one decision every admin
request goes through (contract section 8).

- `platform_admin`: every clinic; the only role that creates clinics and users and reads the
  audit log.
- `clinic_admin`: the clinics it belongs to: settings, patients, appointments, alerts.
- `clinician`: the clinics it belongs to: reads everything, acknowledges alerts, records
  opt-outs; changes no settings, registers no patient, books no appointment.

In AWS a user's role is the Cognito group named after it and each clinic it belongs to a group
`clinic:<clinic_id>` (both in the token's `cognito:groups`); locally the stack's users carry the
same claims. A user in more than one role group gets the least of them: a mistake in the groups
never grants more than either meant.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    CLINIC_ADMIN = "clinic_admin"
    CLINICIAN = "clinician"


class Action(StrEnum):
    """What an admin route does, as the authorization and the audit log see it."""

    LIST_CLINICS = "list_clinics"  # the clinics the caller may see (filtered, never refused)
    CREATE_CLINIC = "create_clinic"
    READ_CLINIC = "read_clinic"  # a clinic's settings and its alerts
    CHANGE_SETTINGS = "change_settings"
    READ_PATIENT = "read_patient"  # a patient's data: profile, messages, surveys, scores, bookings
    MANAGE_PATIENTS = "manage_patients"  # register patients, book and change appointments
    ACKNOWLEDGE_ALERT = "acknowledge_alert"
    OPT_OUT = "opt_out"
    READ_AUDIT = "read_audit"
    CREATE_USER = "create_user"


# Least privilege first: a caller in several role groups gets the first of them.
_LEAST_FIRST = (Role.CLINICIAN, Role.CLINIC_ADMIN, Role.PLATFORM_ADMIN)

_MAY: dict[Role, frozenset[Action]] = {
    Role.PLATFORM_ADMIN: frozenset(Action),
    Role.CLINIC_ADMIN: frozenset(Action) - {Action.CREATE_CLINIC, Action.READ_AUDIT, Action.CREATE_USER},
    Role.CLINICIAN: frozenset(
        {
            Action.LIST_CLINICS,
            Action.READ_CLINIC,
            Action.READ_PATIENT,
            Action.ACKNOWLEDGE_ALERT,
            Action.OPT_OUT,
        }
    ),
}

# Actions about no one clinic: allowed or refused by the role alone.
PLATFORM_WIDE = frozenset({Action.LIST_CLINICS, Action.CREATE_CLINIC, Action.READ_AUDIT, Action.CREATE_USER})

# Writes, as the audit log records them (every one is recorded; of the reads, those of a
# patient's data).
WRITES = frozenset(
    {
        Action.CREATE_CLINIC,
        Action.CHANGE_SETTINGS,
        Action.MANAGE_PATIENTS,
        Action.ACKNOWLEDGE_ALERT,
        Action.OPT_OUT,
        Action.CREATE_USER,
    }
)
AUDITED = WRITES | {Action.READ_PATIENT, Action.READ_AUDIT}

CLINIC_GROUP_PREFIX = "clinic:"


@dataclass(frozen=True)
class Caller:
    """A signed-in admin: who (the name audit lines and acknowledgements carry, and the token's
    stable `sub`), the role and the clinics it belongs to."""

    name: str
    subject: str
    role: Role
    clinics: frozenset[str] = frozenset()

    def sees(self, clinic_id: str) -> bool:
        return self.role is Role.PLATFORM_ADMIN or clinic_id in self.clinics

    @property
    def actions(self) -> frozenset[Action]:
        """What the role allows (in the caller's clinics, for an action about one clinic)."""
        return _MAY[self.role]

    def may(self, action: Action, clinic_id: str | None = None) -> bool:
        """Whether the caller may do `action` (to `clinic_id`, for an action about one clinic)."""
        if action not in _MAY[self.role]:
            return False
        if action in PLATFORM_WIDE:
            return True
        return clinic_id is not None and self.sees(clinic_id)


def role_and_clinics(groups: Iterable[str]) -> tuple[Role | None, frozenset[str]]:
    """The role (None without a role group) and the clinics named by a user's groups."""
    names = {group.strip() for group in groups}
    role = next((role for role in _LEAST_FIRST if role.value in names), None)
    clinics = frozenset(
        name.removeprefix(CLINIC_GROUP_PREFIX)
        for name in names
        if name.startswith(CLINIC_GROUP_PREFIX) and len(name) > len(CLINIC_GROUP_PREFIX)
    )
    return role, clinics


def groups_of(role: Role, clinics: Iterable[str]) -> list[str]:
    """The groups that give a user `role` in `clinics`: what a token's `cognito:groups` holds."""
    return [role.value, *(CLINIC_GROUP_PREFIX + clinic for clinic in sorted(set(clinics)))]
