"""The clinic's lists, a page at a time, each one query of a key designed for it (no Scan):

list                 served by                                        filters
clinics              by_clinic, CLINICS, CLINIC#{clinic}                (a platform admin's: every clinic, by id)
patients             table, pk CLINIC#{clinic}, sk PATIENT#...          ?q (first name, contains)
                     table, pk CLINIC#{clinic}, sk PHONE#{e164}         ?phone: the pointer, then the patient
                     table, pk CLINIC#{clinic}, sk EXT#PATIENT#{id}     ?external_id: the pointer, then the patient
appointments         by_clinic, CLINIC#{clinic}, APPT#{starts_at}#...   ?from ?to (the key's range), ?status, ?patient_id
                     table, pk APPT#{appointment}, sk JOB#...           ?include=messages: one query per appointment
messages             by_clinic, CLINIC#{clinic}, MSG#{at}#...           ?from ?to (the key's range), ?status
scores (completed)   by_clinic, CLINIC#{clinic}, SURVEY#{completed}#... ?from ?to (the key's range)
alerts               table, pk CLINIC#{clinic}, sk ALERT#{at}#...       ?kind, ?state

Filters other than the key's range are DynamoDB filter expressions on that one partition's
items, so a page may take more than one request; `lists.query_page` asks until it is full.
"""

from datetime import datetime
from typing import Any

from touchpoint.adapters.dynamo import alerts as alert_items
from touchpoint.adapters.dynamo import appointments as appointment_items
from touchpoint.adapters.dynamo import clinics as clinic_items
from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo import messages as message_items
from touchpoint.adapters.dynamo import patients as patient_items
from touchpoint.adapters.dynamo import surveys as survey_items
from touchpoint.adapters.dynamo.courses import course_from
from touchpoint.adapters.dynamo.paging import query_page
from touchpoint.adapters.dynamo.table import Item, Repository, to_attributes
from touchpoint.domain.alerts import Alert, AlertFilter, AlertState
from touchpoint.domain.appointment import Appointment, Job
from touchpoint.domain.clinic import Clinic
from touchpoint.domain.courses import Course
from touchpoint.domain.messages import MessageRecord
from touchpoint.domain.paging import Page, PageQuery
from touchpoint.domain.patient import Patient
from touchpoint.domain.surveys import Survey


def _filtered(request: dict[str, Any], conditions: list[str], names: dict[str, str]) -> dict[str, Any]:
    if conditions:
        request["FilterExpression"] = " AND ".join(conditions)
    if names:
        request["ExpressionAttributeNames"] = names
    return request


class DynamoLists(Repository):
    def clinics(self, page: PageQuery) -> Page[Clinic]:
        """Every clinic, by id."""
        request = {
            "IndexName": keys.CLINIC_INDEX,
            "KeyConditionExpression": "clinic_pk = :list",
            "ExpressionAttributeValues": to_attributes({":list": keys.CLINIC_LIST}),
        }
        items, cursor = query_page(self.table, page, fixed={"clinic_pk": keys.CLINIC_LIST}, **request)
        return Page([clinic_items.from_item(item) for item in items], cursor)

    def patients(self, clinic_id: str, page: PageQuery, *, q: str | None = None) -> Page[Patient]:
        values: dict[str, str] = {":pk": keys.clinic_partition(clinic_id), ":patient": keys.PATIENT_PREFIX}
        conditions = []
        if q:
            # contains() is case-sensitive: the name as typed, in lower case, and capitalised.
            variants = sorted({q, q.lower(), q.capitalize(), q.upper()})
            values |= {f":q{index}": variant for index, variant in enumerate(variants)}
            conditions.append(
                "(" + " OR ".join(f"contains(first_name, :q{index})" for index in range(len(variants))) + ")"
            )
        request = _filtered(
            {
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :patient)",
                "ExpressionAttributeValues": to_attributes(values),
            },
            conditions,
            {},
        )
        items, cursor = query_page(self.table, page, fixed={"pk": values[":pk"]}, **request)
        return Page([patient_items.from_item(item) for item in items], cursor)

    def patient_by_phone(self, clinic_id: str, phone: str) -> Page[Patient]:
        return self._pointed(keys.phone(clinic_id, phone), clinic_id)

    def patient_by_external_id(self, clinic_id: str, external_id: str) -> Page[Patient]:
        return self._pointed(keys.patient_external_id(clinic_id, external_id), clinic_id)

    def _pointed(self, pointer_key: keys.Key, clinic_id: str) -> Page[Patient]:
        """The patient a uniqueness item (a phone, an external id) points to: two gets."""
        pointer = self.table.get(pointer_key)
        item = pointer and self.table.get(keys.patient(clinic_id, pointer["patient_id"]))
        return Page([patient_items.from_item(item)] if item else [])

    def appointments(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        patient_id: str | None = None,
    ) -> Page[Appointment]:
        items, cursor = self._by_clinic(
            clinic_id,
            page,
            keys.appointments_between(since, until),
            {"status": status, "patient_id": patient_id},
        )
        return Page([appointment_items.from_item(item) for item in items], cursor)

    def messages(
        self,
        clinic_id: str,
        page: PageQuery,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
    ) -> Page[MessageRecord]:
        """Newest first."""
        between = keys.clinic_sk_range(keys.CLINIC_MESSAGE_PREFIX, since, until)
        items, cursor = self._by_clinic(clinic_id, page, between, {"status": status}, newest_first=True)
        return Page([message_items.from_item(item) for item in items], cursor)

    def completed_surveys(
        self, clinic_id: str, page: PageQuery, *, since: datetime | None = None, until: datetime | None = None
    ) -> Page[Survey]:
        """By completion, earliest first."""
        between = keys.clinic_sk_range(keys.CLINIC_SURVEY_PREFIX, since, until)
        items, cursor = self._by_clinic(clinic_id, page, between, {})
        return Page([survey_items.from_item(item) for item in items], cursor)

    def courses(self, clinic_id: str, page: PageQuery) -> Page[Course]:
        """By enrolment, earliest first."""
        between = keys.clinic_sk_range(keys.CLINIC_COURSE_PREFIX, None, None)
        items, cursor = self._by_clinic(clinic_id, page, between, {})
        return Page([course_from(item) for item in items], cursor)

    def _by_clinic(
        self,
        clinic_id: str,
        page: PageQuery,
        between: tuple[str, str],
        equal: dict[str, str | None],
        *,
        newest_first: bool = False,
    ) -> tuple[list[Item], str | None]:
        """A page of the clinic's partition of by_clinic between two sort keys, the items whose
        attributes equal `equal`'s values (those given)."""
        wanted = {name: value for name, value in equal.items() if value}
        values = {":pk": keys.clinic_partition(clinic_id), ":low": between[0], ":high": between[1]}
        values |= {f":{name}": value for name, value in wanted.items()}
        request = _filtered(
            {
                "IndexName": keys.CLINIC_INDEX,
                "KeyConditionExpression": "clinic_pk = :pk AND clinic_sk BETWEEN :low AND :high",
                "ExpressionAttributeValues": to_attributes(values),
                "ScanIndexForward": not newest_first,
            },
            [f"#{name} = :{name}" for name in wanted],
            {f"#{name}": name for name in wanted},
        )
        return query_page(self.table, page, fixed={"clinic_pk": values[":pk"]}, **request)

    def alerts(self, clinic_id: str, page: PageQuery, which: AlertFilter) -> Page[Alert]:
        """Newest first."""
        values = {":pk": keys.clinic_partition(clinic_id), ":alert": keys.ALERT_PREFIX}
        conditions, names = [], {}
        if which.kind is not None:
            values[":kind"] = which.kind.value
            conditions.append("kind = :kind")
        if which.state is not None:
            legacy = "attribute_not_exists(#state) OR " if which.state is AlertState.OPEN else ""
            values[":state"] = which.state.value
            conditions.append(f"({legacy}#state = :state)")
            names["#state"] = "state"
        request = _filtered(
            {
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :alert)",
                "ExpressionAttributeValues": to_attributes(values),
                "ScanIndexForward": False,
            },
            conditions,
            names,
        )
        items, cursor = query_page(self.table, page, fixed={"pk": values[":pk"]}, **request)
        return Page([alert_items.from_item(item) for item in items], cursor)

    def jobs_of(self, appointment_ids: list[str]) -> dict[str, list[Job]]:
        """Each appointment's planned messages: one query of its own partition's JOB# items."""
        found: dict[str, list[Job]] = {}
        for appointment_id in appointment_ids:
            values = {":pk": keys.appointment_partition(appointment_id), ":job": keys.JOB_PREFIX}
            items = self.table.query(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :job)",
                ExpressionAttributeValues=to_attributes(values),
            )
            found[appointment_id] = [appointment_items.job_from_item(item) for item in items]
        return found

    def first_names(self, clinic_id: str, patient_ids: set[str]) -> dict[str, str]:
        """Each patient's first name, for a page of appointments: batched gets, no query per row."""
        return {
            patient_id: item["first_name"]
            for patient_id, item in self._batch(
                [keys.patient(clinic_id, patient_id) for patient_id in sorted(patient_ids)],
                "patient_id",
                "first_name",
            ).items()
        }

    def external_ids(
        self, clinic_id: str, patient_ids: set[str], appointment_ids: set[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The EHR ids of these patients and appointments (those that have one): batched gets."""
        patients = self._batch(
            [keys.patient(clinic_id, patient_id) for patient_id in sorted(patient_ids)],
            "patient_id",
            "external_id",
        )
        appointments = self._batch(
            [keys.appointment(appointment_id) for appointment_id in sorted(appointment_ids)],
            "appointment_id",
            "external_id",
        )
        return (
            {key: item["external_id"] for key, item in patients.items() if item.get("external_id")},
            {key: item["external_id"] for key, item in appointments.items() if item.get("external_id")},
        )

    def _batch(self, wanted: list[keys.Key], id_name: str, *names: str) -> dict[str, dict[str, Any]]:
        """The items of `wanted` (their `id_name` and `names` only), by their `id_name`."""
        attribute_names = {f"#{index}": name for index, name in enumerate((id_name, *names))}
        found = self.table.get_many(
            wanted, ProjectionExpression=", ".join(attribute_names), ExpressionAttributeNames=attribute_names
        )
        return {item[id_name]: item for item in found}
