"""`touchpoint`: the admin API from a terminal, for clinic staff and operators.

Standard library only, so that it runs with any Python 3.12+ against the local stack or a
deployed one. Readable tables by default, `--json` for scripts; errors on stderr with the API's
status and message, and a non-zero exit.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

from infra.cli_files import (
    IMPORT_ROWS_PER_REQUEST,
    UsageError,
    csv_parts,
    json_object_file,
    parse_map,
    summed,
)
from infra.cli_http import SIGN_IN_HINT, ApiError, Client

DEFAULT_URL = "http://127.0.0.1:3000"
TEXT_WIDTH = 48

type Row = dict[str, Any]
type Column = tuple[str, Callable[[Row], Any]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        if not options.token:
            raise UsageError(f"no token: pass --token or set TOUCHPOINT_TOKEN ({SIGN_IN_HINT})")
        client = Client(options.url, options.token)
        command: Callable[[Client, argparse.Namespace], int] = options.run
        return command(client, options)
    except UsageError as problem:
        print(f"touchpoint: {problem}", file=sys.stderr)
        return 2
    except ApiError as problem:
        print(f"touchpoint: {problem}", file=sys.stderr)
        return 1
    except OSError as problem:  # a file to import or export to
        print(f"touchpoint: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="touchpoint",
        description="Touchpoint's admin API from the command line: clinics, patients, the day's "
        "appointments, alerts, imports and exports.",
        epilog=f"A token: {SIGN_IN_HINT}. Exit codes: 0 done, 1 the API refused or an import row "
        "failed, 2 a usage error.",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("TOUCHPOINT_URL", DEFAULT_URL),
        help="the API's base URL (default $TOUCHPOINT_URL or %(default)s)",
    )
    parser.add_argument(
        "--token", default=os.environ.get("TOUCHPOINT_TOKEN"), help="bearer token (default $TOUCHPOINT_TOKEN)"
    )
    parser.add_argument(
        "--clinic", default=os.environ.get("TOUCHPOINT_CLINIC"), help="clinic id (default $TOUCHPOINT_CLINIC)"
    )
    parser.add_argument("--json", action="store_true", help="print the API's items as JSON, not a table")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    clinics = commands.add_parser("clinics", help="the clinics the token may see")
    clinics.set_defaults(run=run_clinics)

    new_clinic = commands.add_parser("new-clinic", help="create a clinic (a platform admin's); prints its id")
    for name, meaning in [
        ("name", "shown to patients unless discreet mode hides it"),
        ("timezone", "an IANA zone, e.g. America/New_York"),
        ("sender", "the Twilio number (or Messaging Service SID) it texts from"),
        ("phone", "the number patients call, E.164"),
    ]:
        new_clinic.add_argument(f"--{name}", required=True, help=meaning)
    new_clinic.add_argument("--settings", type=Path, help="a JSON file of more settings (docs/api.md)")
    new_clinic.set_defaults(run=run_new_clinic)

    patients = commands.add_parser("patients", help="a clinic's patients, searched")
    patients.add_argument("--q", help="within the first name, any case")
    patients.add_argument("--phone", help="a phone number, E.164 or the clinic's national format")
    patients.add_argument("--external-id", help="the EHR's id")
    _limit(patients)
    patients.set_defaults(run=run_patients)

    appointments = commands.add_parser("appointments", help="a clinic's appointments")
    appointment_commands = appointments.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = appointment_commands.add_parser("list", help="appointments by start, in the clinic's time")
    listing.add_argument("--day", help="today, tomorrow or YYYY-MM-DD: that day in the clinic's time zone")
    listing.add_argument("--status", help="scheduled, confirmed, reschedule_requested, cancelled, completed")
    listing.add_argument("--patient-id", help="one patient's appointments")
    _limit(listing)
    listing.set_defaults(run=run_appointments)

    alerts = commands.add_parser("alerts", help="a clinic's alerts, newest first")
    alerts.add_argument("--state", help="open or acknowledged")
    alerts.add_argument("--kind", help="crisis, severe_score, reschedule_request, ...")
    _limit(alerts)
    alerts.set_defaults(run=run_alerts)

    ack = commands.add_parser("ack", help="acknowledge an alert, with a note on what was done")
    ack.add_argument("alert_id", metavar="ALERT_ID")
    ack.add_argument("--note", required=True, help="what was done (1-2,000 characters)")
    ack.set_defaults(run=run_ack)

    imports = commands.add_parser(
        "import", help="patients and appointments from a CSV file or a FHIR R4 Bundle (.json)"
    )
    imports.add_argument("file", metavar="FILE", type=Path, help="a .csv file, or a FHIR Bundle (.json)")
    imports.add_argument("--dry-run", action="store_true", help="only validate; change nothing")
    imports.add_argument(
        "--map",
        metavar="A:b,...",
        help="rename the CSV's columns before sending: 'MRN:patient_external_id,Mobile:phone'",
    )
    imports.set_defaults(run=run_import)

    export = commands.add_parser("export", help="a CSV export, every part of it in one file")
    export.add_argument("kind", choices=["scores", "messages"])
    export.add_argument("--from", dest="since", metavar="D", help="an instant, or a clinic-local date")
    export.add_argument("--to", dest="until", metavar="D", help="an instant, or a clinic-local date")
    export.add_argument("-o", "--output", type=Path, help="the file to write (default standard output)")
    export.set_defaults(run=run_export)
    return parser


def _limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, help="at most this many items (default all, page after page)")


def clinic_path(options: argparse.Namespace, *parts: str) -> str:
    if not options.clinic:
        raise UsageError(
            "no clinic: pass --clinic or set TOUCHPOINT_CLINIC (`touchpoint clinics` lists them)"
        )
    return "/".join(["/admin/clinics", quote(options.clinic, safe=""), *(quote(p, safe="") for p in parts)])


def run_clinics(client: Client, options: argparse.Namespace) -> int:
    items = list(client.items("/admin/clinics"))
    columns: list[Column] = [
        ("clinic id", _field("clinic_id")),
        ("name", _field("name")),
        ("time zone", _field("timezone")),
        ("sender", _field("sender")),
    ]
    return show(items, columns, options)


def run_new_clinic(client: Client, options: argparse.Namespace) -> int:
    settings = json_object_file(options.settings, "--settings")
    named = {name: getattr(options, name) for name in ("name", "timezone", "sender", "phone")}
    clinic = client.post_json("/admin/clinics", settings | named)
    summary = f"created {clinic['clinic_id']}: {clinic['name']} ({clinic['timezone']}), texting from {clinic['sender']}"
    return done(clinic, summary, options)


def run_patients(client: Client, options: argparse.Namespace) -> int:
    query = {"q": options.q, "phone": options.phone, "external_id": options.external_id}
    items = list(client.items(clinic_path(options, "patients"), query, options.limit))
    columns: list[Column] = [
        ("first name", _field("first_name")),
        ("phone", _field("phone")),
        ("external id", _field("external_id")),
        ("opted out", lambda item: "yes" if item.get("opted_out") else ""),
        ("patient id", _field("patient_id")),
    ]
    return show(items, columns, options)


def run_appointments(client: Client, options: argparse.Namespace) -> int:
    day = None
    if options.day:
        zone = clinic_zone(client, options)
        day = clinic_day(options.day, datetime.now(zone).date()).isoformat()
    query = {"from": day, "to": day, "status": options.status, "patient_id": options.patient_id}
    items = list(client.items(clinic_path(options, "appointments"), query, options.limit))
    columns: list[Column] = [
        ("local time", lambda item: _local(item.get("starts_at_local"))),
        ("first name", _field("first_name")),
        ("status", _field("status")),
        ("minutes", _field("duration_minutes")),
        ("appointment id", _field("appointment_id")),
    ]
    return show(items, columns, options)


def run_alerts(client: Client, options: argparse.Namespace) -> int:
    query = {"state": options.state, "kind": options.kind}
    items = list(client.items(clinic_path(options, "alerts"), query, options.limit))
    if options.json:
        return show(items, [], options)
    zone = clinic_zone(client, options) if items else None
    columns: list[Column] = [
        ("local time", lambda item: _local(_in_zone(item.get("at"), zone))),
        ("kind", _field("kind")),
        ("state", _field("state")),
        ("first name", lambda item: item.get("first_name") or item.get("phone") or ""),
        ("text", lambda item: _short(item.get("text"))),
        ("alert id", _field("alert_id")),
    ]
    return show(items, columns, options)


def run_ack(client: Client, options: argparse.Namespace) -> int:
    alert = client.post_json(
        clinic_path(options, "alerts", options.alert_id, "acknowledge"), {"note": options.note}
    )
    summary = f"acknowledged {alert['alert_id']} by {alert.get('acknowledged_by')} at {alert.get('acknowledged_at')}"
    return done(alert, summary, options)


def done(item: Row, summary: str, options: argparse.Namespace) -> int:
    """What one change answered: the API's item with --json, else one line."""
    print(json.dumps(item, indent=2) if options.json else summary)
    return 0


def run_import(client: Client, options: argparse.Namespace) -> int:
    path = clinic_path(options, "imports")
    query = {"dry_run": "true"} if options.dry_run else {}
    renames = parse_map(options.map)
    name = options.file.name
    # Each part: its body, its type and how many lines it holds (its errors' rows are counted from its start).
    parts: list[tuple[bytes, str, int]]
    if options.file.suffix.lower() == ".json":
        if renames:
            raise UsageError("--map renames CSV columns; a FHIR Bundle has none")
        parts = [(options.file.read_bytes(), "application/fhir+json", 0)]
    elif options.file.suffix.lower() == ".csv":
        csv_text = options.file.read_text(encoding="utf-8-sig")
        parts = [
            (part.encode(), "text/csv; charset=utf-8", lines) for part, lines in csv_parts(csv_text, renames)
        ]
    else:
        raise UsageError(f"{name}: the file must end in .csv (CSV) or .json (a FHIR R4 Bundle)")
    answers, offsets = [], []
    sent, total = 0, sum(lines for _, _, lines in parts)
    for body, kind, lines in parts:
        for answer in import_steps(client, path, query, body, kind):
            answers.append(answer)
            offsets.append(sent)
            done, of = answer["progress"]["done"], answer["progress"]["of"]
            progress(
                f"import {name}: {bar(sent + done, total or of)} {sent + done:,} of {total or of:,} rows"
            )
        sent += lines
    totals = summed(answers, offsets)
    verb = "would create" if options.dry_run else "created"
    failed = len(totals["errors"])
    progress(
        f"import: {totals['rows']:,} rows, {totals['created']:,} {verb}, {totals['updated']:,} updated, "
        f"{totals['unchanged']:,} unchanged, {failed:,} error{'' if failed == 1 else 's'}"
    )
    if options.json:
        print(json.dumps(totals, indent=2))
    elif totals["errors"]:
        columns: list[Column] = [
            ("row", _field("row")),
            ("field", _field("field")),
            ("message", _field("message")),
        ]
        table(totals["errors"], columns, sys.stdout)
    return 1 if totals["errors"] else 0


def import_steps(
    client: Client, path: str, query: dict[str, str], body: bytes, kind: str
) -> Iterator[dict[str, Any]]:
    """The answers to one body sent as often as the API asks: each step says where the next starts."""
    step: dict[str, str] = {"max_rows": str(IMPORT_ROWS_PER_REQUEST)}
    while True:
        answer: dict[str, Any] = client.request("POST", path, query | step, body, kind).json()
        yield answer
        if answer.get("complete", True):
            return
        step["from_row"] = str(answer["next_from_row"])


def run_export(client: Client, options: argparse.Namespace) -> int:
    path = clinic_path(options, "exports", f"{options.kind}.csv")
    sink: TextIO
    with options.output.open("w", encoding="utf-8", newline="") if options.output else _stdout() as sink:
        header: str | None = None
        rows, cursor = 0, None
        while True:
            answer = client.request(
                "GET", path, {"from": options.since, "to": options.until, "cursor": cursor}
            )
            text = answer.body.decode("utf-8")
            first, _, rest = text.partition("\n")
            if header is None:
                header = first
                sink.write(text)
            else:  # every part repeats the header
                sink.write(rest if first == header else text)
            rows += int(answer.headers.get("X-Row-Count") or 0)
            cursor = answer.headers.get("X-Next-Cursor")
            progress(f"exported {rows:,} rows..." if cursor else f"exported {rows:,} rows")
            if not cursor:
                return 0


class _stdout:
    """Standard output as a context manager that leaves it open."""

    def __enter__(self) -> TextIO:
        return sys.stdout

    def __exit__(self, *_: object) -> None:
        sys.stdout.flush()


def clinic_zone(client: Client, options: argparse.Namespace) -> ZoneInfo:
    clinic = client.get_json(clinic_path(options))
    return ZoneInfo(clinic["timezone"])


def clinic_day(day: str, today: date) -> date:
    named = {"today": today, "tomorrow": today + timedelta(days=1), "yesterday": today - timedelta(days=1)}
    if day.lower() in named:
        return named[day.lower()]
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise UsageError(f"--day {day!r}: give today, tomorrow or a date YYYY-MM-DD") from None


def show(items: list[Row], columns: list[Column], options: argparse.Namespace) -> int:
    if options.json:
        print(json.dumps(items, indent=2))
    elif items:
        table(items, columns, sys.stdout)
    else:
        print("(none)")
    return 0


def table(items: list[Row], columns: list[Column], out: TextIO) -> None:
    """Aligned columns under a header, each as wide as its widest cell."""
    cells = [[name.upper() for name, _ in columns]] + [
        ["" if (value := cell(item)) is None else str(value) for _, cell in columns] for item in items
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for row in cells:
        out.write(
            "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bar(done: int, total: int, width: int = 20) -> str:
    """`[#########-----------]`: how far along, in `width` marks."""
    filled = width if total <= 0 else min(width, done * width // total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _field(name: str) -> Callable[[Row], Any]:
    return lambda item: item.get(name)


def _local(iso: str | None) -> str:
    """`2026-12-02T10:00:00-05:00` as `Wed 2026-12-02 10:00`."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).strftime("%a %Y-%m-%d %H:%M")


def _in_zone(iso: str | None, zone: ZoneInfo | None) -> str | None:
    if not iso or zone is None:
        return iso
    return datetime.fromisoformat(iso).astimezone(zone).isoformat()


def _short(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= TEXT_WIDTH else flat[: TEXT_WIDTH - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
