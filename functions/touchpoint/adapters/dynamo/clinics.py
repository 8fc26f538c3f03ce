"""Clinics, and the senders they own (a sender belongs to one clinic at most).

The settings are stored in their own shape, mapped here field by field, and read back without
the admin API's validator: what was checked once when it came in is not judged again by
today's rules (a survey since removed, a limit since lowered), and fields that older items
lack take their defaults.
"""

from collections.abc import Iterable, Mapping
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from touchpoint.adapters.dynamo import checklists, keys
from touchpoint.adapters.dynamo.table import Item, Repository
from touchpoint.domain.appointment import JobKind
from touchpoint.domain.caps import DEFAULT_KINDS, DEFAULT_PER_DAY, DEFAULT_PER_WEEK, FrequencyCaps
from touchpoint.domain.clinic import (
    DEFAULT_ESCALATION_MINUTES,
    DEFAULT_QUIET_HOURS,
    DEFAULT_REMINDERS,
    DEFAULT_SURVEY_EXPIRY_HOURS,
    Clinic,
    ClinicSettings,
    FollowUpRule,
    QuietHours,
    ReminderRule,
)
from touchpoint.domain.errors import NotFound
from touchpoint.domain.timeutil import format_duration, parse_duration, parse_utc, utc_iso


def to_item(clinic: Clinic) -> Item:
    return {
        **keys.clinic(clinic.clinic_id),
        **keys.clinic_listing(clinic.clinic_id),
        "type": "clinic",
        "clinic_id": clinic.clinic_id,
        "settings": settings_to_item(clinic.settings),
        "created_at": utc_iso(clinic.created_at),
        "updated_at": utc_iso(clinic.updated_at),
    }


def from_item(item: Mapping[str, Any]) -> Clinic:
    return Clinic(
        item["clinic_id"],
        settings_from_item(item["settings"]),
        created_at=parse_utc(item["created_at"]),
        updated_at=parse_utc(item["updated_at"]),
    )


def settings_to_item(settings: ClinicSettings) -> Item:
    quiet = settings.quiet_hours
    return {
        "name": settings.name,
        "timezone": settings.timezone.key,
        "sender": settings.sender,
        "phone": settings.phone,
        # Stored as null when there are none: an item without the field has the default ones.
        "quiet_hours": {"start": _clock(quiet.start), "end": _clock(quiet.end)} if quiet else None,
        "reminders": [_reminder_to_item(rule) for rule in settings.reminders],
        "follow_ups": [
            {"after": format_duration(rule.after), "survey": rule.survey} for rule in settings.follow_ups
        ],
        "discreet": settings.discreet,
        "survey_expiry_hours": int(settings.survey_expiry.total_seconds() // 3600),
        "escalation_minutes": int(settings.escalation_interval.total_seconds() // 60),
        "checklist": checklists.settings_to_item(settings.checklist) if settings.checklist else None,
        # Stored as null when off, like quiet_hours: an item without the field has the default caps.
        "frequency_caps": _caps_to_item(settings.frequency_caps) if settings.frequency_caps else None,
        "default_language": settings.default_language,
    }


def settings_from_item(stored: Mapping[str, Any]) -> ClinicSettings:
    quiet = stored.get("quiet_hours", DEFAULT_QUIET_HOURS)
    return ClinicSettings(
        name=stored["name"],
        timezone=ZoneInfo(stored["timezone"]),
        sender=stored["sender"],
        phone=stored["phone"],
        quiet_hours=QuietHours(time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"]))
        if quiet
        else None,
        reminders=tuple(map(_reminder_from_item, stored.get("reminders", DEFAULT_REMINDERS))),
        follow_ups=tuple(
            FollowUpRule(_duration(rule["after"]), rule["survey"]) for rule in stored.get("follow_ups", ())
        ),
        discreet=bool(stored.get("discreet", True)),
        survey_expiry=timedelta(hours=int(stored.get("survey_expiry_hours", DEFAULT_SURVEY_EXPIRY_HOURS))),
        escalation_interval=timedelta(
            minutes=int(stored.get("escalation_minutes", DEFAULT_ESCALATION_MINUTES))
        ),
        checklist=checklists.settings_from_item(stored.get("checklist")),
        frequency_caps=_caps_from_item(stored.get("frequency_caps", {})),
        default_language=stored.get("default_language", "en"),
    )


def _caps_to_item(caps: FrequencyCaps) -> Item:
    return {
        "per_day": caps.per_day,
        "per_week": caps.per_week,
        "kinds": sorted(kind.value for kind in caps.kinds),
    }


def _caps_from_item(stored: Mapping[str, Any] | None) -> FrequencyCaps | None:
    if stored is None:
        return None
    # A kind since removed from the code is dropped, not judged again.
    known = {kind.value for kind in JobKind}
    kinds = stored.get("kinds", sorted(DEFAULT_KINDS))
    return FrequencyCaps(
        per_day=int(stored.get("per_day", DEFAULT_PER_DAY)),
        per_week=int(stored.get("per_week", DEFAULT_PER_WEEK)),
        kinds=frozenset(JobKind(kind) for kind in kinds if kind in known),
    )


def _clock(at: time) -> str:
    return at.strftime("%H:%M")


def _duration(text: str) -> timedelta:
    # The text's own format, with no limit: the limits were the admin API's, when it came in.
    return parse_duration(text, "duration", maximum=timedelta.max)


def _reminder_to_item(rule: ReminderRule) -> Item:
    if rule.before is not None:
        return {"before": format_duration(rule.before)}
    assert rule.at is not None
    return {"days_before": rule.days_before, "at": _clock(rule.at)}


def _reminder_from_item(stored: Mapping[str, Any]) -> ReminderRule:
    if "before" in stored:
        return ReminderRule(before=_duration(stored["before"]))
    return ReminderRule(days_before=int(stored["days_before"]), at=time.fromisoformat(stored["at"]))


def sender_item(clinic: Clinic) -> Item:
    return {**keys.sender(clinic.settings.sender), "type": "sender", "clinic_id": clinic.clinic_id}


class DynamoClinics(Repository):
    def add(self, clinic: Clinic) -> None:
        self.table.transact(
            [self.table.put_new(to_item(clinic)), self.table.put_new(sender_item(clinic))],
            conflict="sender is already used by another clinic",
        )

    def get(self, clinic_id: str) -> Clinic:
        item = self.table.get(keys.clinic(clinic_id))
        if item is None:
            raise NotFound(f"no clinic {clinic_id!r}", "clinic_id")
        return from_item(item)

    def some(self, clinic_ids: Iterable[str]) -> list[Clinic]:
        """The clinics of `clinic_ids` that exist, by id."""
        found = []
        for clinic_id in sorted(set(clinic_ids)):
            item = self.table.get(keys.clinic(clinic_id))
            if item is not None:
                found.append(from_item(item))
        return found

    def replace(self, old: Clinic, new: Clinic) -> None:
        items = [
            self.table.put(to_item(new), "updated_at = :seen", values={":seen": utc_iso(old.updated_at)})
        ]
        if old.settings.sender != new.settings.sender:
            items.append(self.table.delete(keys.sender(old.settings.sender)))
            items.append(self.table.put_new(sender_item(new)))
        self.table.transact(
            items,
            conflict="the clinic changed meanwhile, or its new sender is used by another clinic",
        )
