"""functions/requirements.txt, which `sam build` installs, is exported from uv.lock with
hashes, so that pip installs exactly the locked files or nothing."""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _uv() -> str:
    for candidate in (os.environ.get("UV"), str(ROOT / ".tools/uv/bin/uv"), shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("uv not found: run the tests with `make test`, or set UV to the uv binary")


def _export_arguments() -> list[str]:
    """The `uv export` arguments of `make requirements`, read from the Makefile."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":=")
        if name.strip() == "EXPORT_REQUIREMENTS":
            return shlex.split(value)
    pytest.fail("the Makefile defines no EXPORT_REQUIREMENTS")


def test_functions_requirements_match_what_uv_exports_from_the_lock() -> None:
    exported = subprocess.run(  # noqa: S603 (fixed arguments)
        [_uv(), *_export_arguments()], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    assert (ROOT / "functions/requirements.txt").read_text(encoding="utf-8") == exported, (
        "functions/requirements.txt has drifted from uv.lock: run `make requirements`"
    )


def requirements(text: str) -> list[str]:
    """The requirement entries of a requirements file, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def unhashed_or_unpinned(text: str) -> list[str]:
    return [
        entry.split()[0]
        for entry in requirements(text)
        if not re.match(r"^[A-Za-z0-9._\-\[\],]+==[^\s;]+", entry) or "--hash=sha256:" not in entry
    ]


def test_the_export_keeps_the_hashes() -> None:
    assert "--no-hashes" not in _export_arguments()


def test_every_function_requirement_is_pinned_with_its_hashes() -> None:
    text = (ROOT / "functions/requirements.txt").read_text(encoding="utf-8")

    assert requirements(text)
    assert unhashed_or_unpinned(text) == []


def test_the_hash_check_catches_a_requirement_without_hash_or_pin() -> None:
    text = "a==1.0 \\\n    --hash=sha256:00\nb==2.0\nc>=1 \\\n    --hash=sha256:11\n# via a\n"

    assert unhashed_or_unpinned(text) == ["b==2.0", "c>=1"]
