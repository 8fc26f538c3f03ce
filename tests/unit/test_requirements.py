"""functions/requirements.txt, which `sam build` installs, is exported from uv.lock."""

import os
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
