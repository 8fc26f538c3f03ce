"""The files the CLI sends: a CSV import renamed (`--map`) and cut into parts, and the parts'
answers added up as one."""

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

IMPORT_ROWS_PER_REQUEST = 1000


class UsageError(Exception):
    """A command line the CLI cannot act on (exit 2)."""


def parse_map(text: str | None) -> dict[str, str]:
    renames: dict[str, str] = {}
    for pair in (text or "").split(","):
        if not pair.strip():
            continue
        given, sep, wanted = pair.partition(":")
        if not sep or not given.strip() or not wanted.strip():
            raise UsageError(f"--map: {pair!r} is not FILE_COLUMN:api_column")
        renames[given.strip()] = wanted.strip()
    return renames


def csv_parts(
    text: str, renames: dict[str, str], rows_per_part: int = IMPORT_ROWS_PER_REQUEST
) -> Iterable[tuple[str, int]]:
    """The file as CSV bodies of at most `rows_per_part` rows, each with the (renamed)
    header, so a large file goes in parts with progress between them. Records are parsed and
    written again, so a quoted field holding a comma or a line break stays whole; empty lines are
    kept, so the API's row numbers stay the file's."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UsageError("the CSV file is empty: it needs a header row")
    header = [renames.get(column.strip(), column) for column in header]
    chunk: list[list[str]] = []
    parts = 0
    for record in reader:
        chunk.append(record)
        if len(chunk) == rows_per_part:
            yield _csv_text([header, *chunk]), len(chunk)
            chunk, parts = [], parts + 1
    if chunk or not parts:  # a header alone still goes, for the API's answer
        yield _csv_text([header, *chunk]), len(chunk)


def _csv_text(records: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(records)
    return out.getvalue()


def summed(answers: list[dict[str, Any]], offsets: list[int]) -> dict[str, Any]:
    """The parts' answers as one, with each error's row counted from the file's start."""
    totals: dict[str, Any] = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": []}
    for answer, offset in zip(answers, offsets, strict=True):
        for name in ("rows", "created", "updated", "unchanged"):
            totals[name] += int(answer.get(name) or 0)
        for problem in answer.get("errors") or []:
            row = problem.get("row")
            totals["errors"].append(problem | ({"row": row + offset} if isinstance(row, int) else {}))
    return totals


def json_object_file(path: Path | None, option: str) -> dict[str, Any]:
    """The one JSON object a file holds; {} without a file."""
    if path is None:
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"{option}: {error}") from None
    if not isinstance(found, dict):
        raise UsageError(f"{option}: the file must hold one JSON object")
    return found
