"""The README stays an on-ramp, and every link between it and docs/ lands somewhere real."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MARKDOWN = [README, *DOCS]

# The behaviours the README's "Where does behaviour X live" table must place.
BEHAVIOURS = (
    "reminder planning",
    "quiet hours",
    "stop",
    "crisis",
    "gad-7",
    "re-planning",
    "signatures",
    "escalation",
    "send path",
    "discreet",
)

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _prose(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    """The targets of the inline links outside code (fenced blocks and code spans)."""
    prose = "\n".join(_CODE_SPAN.sub("", line) for line in _prose(path.read_text(encoding="utf-8")))
    return _LINK.findall(prose)


def _relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) and not target.startswith("//")


def _behaviour_rows() -> list[tuple[str, list[str]]]:
    """(behaviour, paths) for each row of the README's "Where does behaviour X live" table."""
    rows: list[tuple[str, list[str]]] = []
    inside = False
    for line in _prose(README.read_text(encoding="utf-8")):
        heading = _HEADING.match(line)
        if heading:
            inside = heading.group(2).lower().startswith("where does behaviour")
            continue
        if inside and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) < 2 or set(cells[0]) <= set("-: ") or cells[0].lower() == "behaviour":
                continue
            rows.append((cells[0], re.findall(r"`([^`]+)`", cells[1])))
    return rows


def test_the_readme_is_an_on_ramp_of_at_most_300_lines() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines: move the reference to docs/"


def test_the_quick_start_is_make_demo_and_make_test() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_and_an_existing_heading(path: Path) -> None:
    broken = []
    for target in links(path):
        if not _relative(target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no file {destination.relative_to(ROOT)}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.relative_to(ROOT)}")
    assert not broken, f"broken links in {path.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_the_docs_link_checker_reads_links_and_anchors_as_github_does() -> None:
    assert slug("`POST /twilio/status`") == "post-twiliostatus"
    assert slug("Patients' replies") == "patients-replies"
    assert slug("`before` versus `days_before` + `at`") == "before-versus-days_before--at"
    assert slug("1. One DynamoDB table") == "1-one-dynamodb-table"
    assert links(README), "no links found in README.md"


def test_every_file_in_the_where_does_behaviour_live_table_exists() -> None:
    rows = _behaviour_rows()
    assert rows, "README.md has no 'Where does behaviour X live' table"
    named = " ".join(behaviour.lower() for behaviour, _ in rows)
    assert [b for b in BEHAVIOURS if b not in named] == [], "behaviours missing from the table"
    for behaviour, paths in rows:
        assert 1 <= len(paths) <= 2, f"{behaviour}: name one or two files, not {paths}"
        for name in paths:
            assert name.startswith("functions/touchpoint/"), (
                f"{behaviour}: {name} is not under functions/touchpoint/"
            )
            assert (ROOT / name).is_file(), f"{behaviour}: {name} does not exist"
