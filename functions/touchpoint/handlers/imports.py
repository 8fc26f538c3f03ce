"""POST /admin/clinics/{clinic_id}/imports: a clinic's patients and appointments from its EHR, a
step at a time (docs/api.md, Imports). A powertools Router joined to the admin app's route table."""

from time import monotonic
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from touchpoint import bootstrap
from touchpoint.domain.access import Action
from touchpoint.domain.errors import PayloadTooLarge
from touchpoint.handlers.requests import request_time
from touchpoint.handlers.route_table import RouteTable
from touchpoint.usecases.admin import Admin
from touchpoint.usecases.importing import ImportReport

router = APIGatewayHttpRouter()
routes = RouteTable(router)

# The Lambda payload ceiling: an import is a file, not a JSON body.
MAX_IMPORT_BYTES = 6 * 1024 * 1024
# A step stops between batches after this long, or once the function's time left is under the
# margin (a batch of 100 rows takes a few seconds): the HTTP API waits 30 s at most.
IMPORT_STEP_SECONDS = 20
IMPORT_MARGIN_MS = 8_000


@routes.route("POST", "/admin/clinics/<clinic_id>/imports", Action.MANAGE_PATIENTS)
def import_records(clinic_id: str) -> dict[str, Any]:
    from touchpoint.domain.importing import import_body, parse_import, parse_import_step

    started = monotonic()
    event, query = router.current_event, router.current_event.get_query_string_value
    step = parse_import_step(query("from_row"), query("max_rows"))
    raw = import_body(event.body or "", bool(event.is_base64_encoded))
    if len(raw) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"an import is at most {MAX_IMPORT_BYTES} bytes: split the file", "body")
    parsed = parse_import(raw, event.headers.get("content-type"), query("map"))
    dry_run = query("dry_run") in ("true", "1")
    context = router.lambda_context

    def go_on() -> bool:
        in_time = monotonic() - started < IMPORT_STEP_SECONDS
        return in_time and context.get_remaining_time_in_millis() > IMPORT_MARGIN_MS

    service: Admin = router.context["admin"]
    at = request_time(router)
    report = bootstrap.importer(service).run(
        clinic_id, parsed, at, dry_run=dry_run, from_row=step.from_row, max_rows=step.max_rows, go_on=go_on
    )
    return import_view(report, dry_run)


def import_view(report: ImportReport, dry_run: bool) -> dict[str, Any]:
    counts = ("rows", "created", "updated", "unchanged", "batches", "complete", "next_from_row")
    return {name: getattr(report, name) for name in counts} | {
        "dry_run": dry_run,
        "progress": {"done": report.done, "of": report.of},
        "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in report.errors],
    }
