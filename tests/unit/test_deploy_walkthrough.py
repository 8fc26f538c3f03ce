"""docs/deploy.md's walk-through runs as written: every `make` target it names exists, every
shell variable it uses was set in an earlier block, and the commands of this project it runs
(bin/touchpoint's, infra's modules) exist with the options it passes."""

import re
import shlex
from pathlib import Path

from infra import cli

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
_USED = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)\}?")
_SET = re.compile(r"(?:^|[\s;(])(?:export\s+)?([A-Z][A-Z0-9_]*)=")


def shell_blocks() -> list[str]:
    return _BLOCK.findall(DEPLOY)


def commands() -> list[list[str]]:
    """Each command of the shell blocks, continuation lines joined, comments dropped."""
    found = []
    for block in shell_blocks():
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" # ")[0].strip()
            if line and not line.startswith("#"):
                found.append(shlex.split(line))
    return found


def test_the_walkthrough_has_its_numbered_steps_and_operations() -> None:
    steps = re.findall(r"^## (\d+)\. ", DEPLOY, re.MULTILINE)
    assert steps == [str(n) for n in range(1, len(steps) + 1)]
    assert len(steps) >= 12
    for heading in ("Upgrading", "Rotating the Twilio token", "Restoring the table", "Watching the alarms"):
        assert f"### {heading}" in DEPLOY
    assert "## What it costs" in DEPLOY


def test_every_make_target_it_names_exists() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    named = {words[1] for words in commands() if words[0] == "make" and len(words) > 1}
    named |= {words[2] for words in commands() if words[:2] == ["make", "-s"]}
    named.discard("-s")
    assert named, "the walk-through names make targets"
    assert named <= targets, named - targets


def test_every_variable_it_uses_is_set_in_an_earlier_block() -> None:
    defined: set[str] = set()
    for block in shell_blocks():
        joined = block.replace("\\\n", " ")
        used = set(_USED.findall(joined)) - set(_SET.findall(joined))
        assert used <= defined, f"used before it is set: {sorted(used - defined)}\n{block}"
        defined |= set(_SET.findall(joined))


def test_the_command_line_commands_it_runs_parse() -> None:
    parser = cli.build_parser()
    ran = [words for words in commands() if words[0] == "bin/touchpoint"]
    assert ran, "the walk-through creates the first clinic with the command line"
    for words in ran:
        parser.parse_args(words[1:])  # exits on an unknown command or option


def test_the_documented_samconfig_keys_are_the_committed_ones() -> None:
    samconfig = (ROOT / "samconfig.toml").read_text(encoding="utf-8")
    assert 'region = "set-your-region"' in samconfig
    assert "region = " in DEPLOY
    assert "[default.deploy.parameters]" in samconfig
    assert "[default.deploy.parameters]" in DEPLOY
