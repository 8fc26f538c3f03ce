"""Course templates (CLINIC#{clinic} / COURSE_TEMPLATE#{id}) and courses (PATIENT#{patient} /
COURSE#{id}), with the patient's ACTIVE_COURSE item: put with the course in one transaction,
only where none exists, so that no patient is ever in two courses at once."""

from collections.abc import Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from touchpoint.adapters.dynamo import keys
from touchpoint.adapters.dynamo.table import Item, Repository, to_attributes
from touchpoint.domain.courses import (
    BASELINE_BEFORE,
    END_OF_COURSE_AFTER,
    FINAL,
    MAX_COURSE_SURVEY_OFFSET,
    Checkpoints,
    Course,
    CourseStatus,
    CourseTemplate,
    SessionPlan,
)
from touchpoint.domain.errors import Conflict, NotFound
from touchpoint.domain.timeutil import format_duration, parse_duration, parse_utc, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def template_fields(template: CourseTemplate) -> dict[str, Any]:
    return {
        "template_id": template.template_id,
        "clinic_id": template.clinic_id,
        "name": template.name,
        "planned_sessions": template.planned_sessions,
        "within_days": template.within_days,
        "baseline": template.baseline,
        "baseline_reuse_days": template.baseline_reuse_days,
        "measures": list(template.measures),
        "end_of_course": template.end_of_course,
        "checkpoints": asdict(template.checkpoints),
        "created_at": utc_iso(template.created_at),
        "baseline_before": format_duration(template.baseline_before),
        "end_of_course_after": format_duration(template.end_of_course_after),
    }


def template_from(fields: Mapping[str, Any]) -> CourseTemplate:
    return CourseTemplate(
        template_id=fields["template_id"],
        clinic_id=fields["clinic_id"],
        name=fields["name"],
        planned_sessions=int(fields["planned_sessions"]),
        within_days=int(fields["within_days"]),
        baseline=fields.get("baseline"),
        baseline_reuse_days=int(fields["baseline_reuse_days"]),
        measures=tuple(fields.get("measures") or ()),
        end_of_course=fields.get("end_of_course"),
        checkpoints=Checkpoints(**{name: int(value) for name, value in fields["checkpoints"].items()}),
        created_at=parse_utc(fields["created_at"]),
        baseline_before=_duration(fields.get("baseline_before"), BASELINE_BEFORE),
        end_of_course_after=_duration(fields.get("end_of_course_after"), END_OF_COURSE_AFTER),
    )


def _duration(text: str | None, default: timedelta) -> timedelta:
    return default if text is None else parse_duration(text, "duration", maximum=MAX_COURSE_SURVEY_OFFSET)


def plan_fields(plan: SessionPlan) -> dict[str, Any]:
    return asdict(plan) | {
        "baseline_before": format_duration(plan.baseline_before),
        "end_of_course_after": format_duration(plan.end_of_course_after),
    }


def plan_from(fields: Mapping[str, Any]) -> SessionPlan:
    drop_out = fields.get("drop_out_days")
    return SessionPlan(
        baseline=fields.get("baseline"),
        baseline_before=_duration(fields.get("baseline_before"), BASELINE_BEFORE),
        baseline_reuse_days=int(fields.get("baseline_reuse_days") or 0),
        end_of_course=fields.get("end_of_course"),
        end_of_course_after=_duration(fields.get("end_of_course_after"), END_OF_COURSE_AFTER),
        drop_out_days=None if drop_out is None else int(drop_out),
    )


def course_item(course: Course) -> Item:
    return {
        **keys.course(course.patient_id, course.course_id),
        "type": "course",
        "course_id": course.course_id,
        "clinic_id": course.clinic_id,
        "patient_id": course.patient_id,
        "template": template_fields(course.template),
        "status": course.status.value,
        "enrolled_at": utc_iso(course.enrolled_at),
        "updated_at": utc_iso(course.updated_at),
        "sessions": course.sessions,
        **keys.clinic_course(course.clinic_id, course.enrolled_at, course.course_id),
    }


def course_from(item: Mapping[str, Any]) -> Course:
    return Course(
        course_id=item["course_id"],
        clinic_id=item["clinic_id"],
        patient_id=item["patient_id"],
        template=template_from(item["template"]),
        status=CourseStatus(item["status"]),
        enrolled_at=parse_utc(item["enrolled_at"]),
        updated_at=parse_utc(item["updated_at"]),
        sessions=int(item["sessions"]),
    )


class DynamoCourses(Repository):
    def add_template(self, template: CourseTemplate) -> None:
        item = {**keys.course_template(template.clinic_id, template.template_id), "type": "course_template"}
        self.table.transact(
            [self.table.put_new(item | template_fields(template))], conflict="course template exists"
        )

    def template(self, clinic_id: str, template_id: str) -> CourseTemplate:
        item = self.table.get(keys.course_template(clinic_id, template_id))
        if item is None:
            raise NotFound(f"no course template {template_id!r} in this clinic", "template_id")
        return template_from(item)

    def templates(self, clinic_id: str) -> list[CourseTemplate]:
        values = {":pk": keys.clinic_partition(clinic_id), ":prefix": keys.COURSE_TEMPLATE_PREFIX}
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_attributes(values),
        )
        return [template_from(item) for item in items]

    def enrol(self, course: Course) -> None:
        """The course and the patient's ACTIVE_COURSE item; Conflict naming the course the patient is in."""
        active = {
            **keys.active_course(course.patient_id),
            "type": "active_course",
            "course_id": course.course_id,
        }
        try:
            self.table.transact(
                [self.table.put_new(course_item(course)), self.table.put_new(active)],
                conflict="enrolled already",
            )
        except Conflict:
            current = self.table.get(keys.active_course(course.patient_id))
            existing = current["course_id"] if current else None
            raise Conflict(
                f"the patient is enrolled in course {existing} already: finish or cancel it first",
                "template_id",
                existing_id=existing,
            ) from None

    def get(self, patient_id: str, course_id: str) -> Course:
        course = self.find(patient_id, course_id)
        if course is None:
            raise NotFound(f"no course {course_id!r} for this patient", "course_id")
        return course

    def find(self, patient_id: str, course_id: str) -> Course | None:
        item = self.table.get(keys.course(patient_id, course_id))
        return None if item is None else course_from(item)

    def active(self, patient_id: str) -> Course | None:
        """The patient's course that is not final, if any."""
        pointer = self.table.get(keys.active_course(patient_id))
        return None if pointer is None else self.get(patient_id, pointer["course_id"])

    def of_patient(self, patient_id: str) -> list[Course]:
        values = {":pk": keys.patient_partition(patient_id), ":prefix": keys.COURSE_PREFIX}
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_attributes(values),
        )
        return sorted((course_from(item) for item in items), key=lambda course: course.enrolled_at)

    def change(self, old: Course, new: Course) -> None:
        """The course's new status (only if nobody changed it meanwhile); a final course frees the patient."""
        items = [self.session_write(old, new)]
        if new.status in FINAL:
            items.append(self.table.delete(keys.active_course(new.patient_id)))
        self.table.transact(items, conflict="the course changed meanwhile: read it again")

    def session_write(self, old: Course, new: Course) -> "TransactWriteItemTypeDef":
        """The course as `new`, only while it is still `old` (for a booking's transaction too)."""
        return self.table.put(
            course_item(new),
            "updated_at = :seen AND sessions = :sessions AND #status = :status",
            values={":seen": utc_iso(old.updated_at), ":sessions": old.sessions, ":status": old.status.value},
            names={"#status": "status"},
        )
