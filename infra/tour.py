"""`make tour`: the README's walk-through, run as written, so that it cannot drift from the code.

The blocks are the README's fenced ```sh blocks that follow a `<!-- tour -->` line. They run in
order in one bash process (set -euo pipefail), with URL, TOKEN and WEBHOOK_TOKEN set for the
stack: a fresh local stack started here, or the one at $TOUCHPOINT_URL with $TOUCHPOINT_TOKEN
(and $TOUCHPOINT_WEBHOOK_TOKEN, default local-auth-token). A block fails when a command in it
fails or when a `#>` line (what a command prints; `...` stands for anything, and ids and
instants may differ) is not in its output, in order. The tour names the block that failed.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARK = "<!-- tour -->"
SENTINEL = "@@tour-block "
TIMEOUT_SECONDS = 60
WEBHOOK_TOKEN = "local-auth-token"  # noqa: S105 (the README's own, for a local stack)
# What differs from one run to the next: ids, SMS sids, instants.
VARYING = re.compile(
    r"\b(?:cl|pt|ap|jb|al)_[0-9a-f]+\b|\bSM[0-9a-f]{32}\b"
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?"
)


@dataclass(frozen=True)
class Block:
    number: int
    line: int  # of README.md, where the block's code starts
    code: str

    @property
    def expected(self) -> list[str]:
        return [line[2:].strip() for line in self.code.splitlines() if line.startswith("#>")]

    @property
    def name(self) -> str:
        first = next(line for line in self.code.splitlines() if line.strip())
        return f"block {self.number} (README.md line {self.line}: {first.strip()[:60]})"


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == MARK:
            start = index + 1
            while start < len(lines) and not lines[start].strip():
                start += 1
            if start >= len(lines) or lines[start].strip() != "```sh":
                raise ValueError(f"README.md line {index + 1}: {MARK} is not followed by a ```sh block")
            end = start + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            code = "\n".join(lines[start + 1 : end]) + "\n"
            found.append(Block(len(found) + 1, start + 2, code))
            index = end
        index += 1
    return found


def normalise(text: str) -> str:
    return VARYING.sub("<varies>", text)


def missing_output(block: Block, output: str) -> str | None:
    """The first `#>` line not found in the output, in order (`...` stands for anything)."""
    seen = normalise(output)
    position = 0
    for line in block.expected:
        pattern = ".*?".join(re.escape(part) for part in normalise(line).split("..."))
        match = re.compile(pattern).search(seen, position)
        if match is None:
            return line
        position = match.end()
    return None


def script(found: list[Block]) -> str:
    parts = ["set -euo pipefail\n"]
    for block in found:
        parts.append(f"printf '\\n{SENTINEL}{block.number}\\n'\n")
        parts.append(block.code)
    parts.append(f"printf '\\n{SENTINEL}end\\n'\n")
    return "".join(parts)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tour: the local stack exited at start:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("tour: the local stack did not start in time")


def run_blocks(found: list[Block], env: dict[str, str], deadline: float) -> int:
    """Runs the blocks in one bash process; prints each block's output; 0 when all passed."""
    try:
        completed = subprocess.run(  # noqa: S603
            ["bash", "-c", script(found)],  # noqa: S607 (the README's blocks, run as a reader would)
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=max(1.0, deadline - time.monotonic()),
            check=False,
        )
        output, timed_out = completed.stdout.decode("utf-8", "replace"), False
    except subprocess.TimeoutExpired as expired:
        output, timed_out = (expired.stdout or b"").decode("utf-8", "replace"), True
    outputs: dict[str, str] = {}
    current = "start"
    for line in output.splitlines(keepends=True):
        if line.startswith(SENTINEL):
            current = line[len(SENTINEL) :].strip()
            outputs[current] = ""
        else:
            outputs[current] = outputs.get(current, "") + line
    for block in found:
        if str(block.number) not in outputs:
            break
        text = outputs[str(block.number)].strip("\n")
        print(f"--- {block.name}")
        print(text or "(no output)")
        finished = str(block.number + 1) in outputs or (block.number == len(found) and "end" in outputs)
        problem: str | None = None
        if not finished:
            problem = "timed out" if timed_out else "a command failed"
        elif (absent := missing_output(block, text)) is not None:
            problem = f"its output lacks the line: #> {absent}"
        if problem:
            print(f"\ntour FAILED: {block.name}: {problem}", file=sys.stderr)
            return 1
    if "end" not in outputs:
        print("\ntour FAILED: the blocks did not run to the end", file=sys.stderr)
        return 1
    print(f"\ntour passed: {len(found)} blocks of README.md's walk-through")
    return 0


def main() -> int:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    found = blocks(README.read_text(encoding="utf-8"))
    if not found:
        print(f"tour FAILED: README.md has no {MARK} blocks", file=sys.stderr)
        return 1
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOUCHPOINT_")}
    url = os.environ.get("TOUCHPOINT_URL")
    if url:
        token = os.environ.get("TOUCHPOINT_TOKEN")
        if not token:
            print("tour FAILED: TOUCHPOINT_URL is set without TOUCHPOINT_TOKEN", file=sys.stderr)
            return 1
        env.update(
            TOUCHPOINT_URL=url,
            TOKEN=token,
            WEBHOOK_TOKEN=os.environ.get("TOUCHPOINT_WEBHOOK_TOKEN", WEBHOOK_TOKEN),
        )
        if public := os.environ.get("TOUCHPOINT_PUBLIC_URL"):
            env["TOUCHPOINT_PUBLIC_URL"] = public
        print(f"tour: the stack at {url}")
        return run_blocks(found, env, deadline)
    port, token = free_port(), secrets.token_urlsafe(24)
    stack_env = {key: value for key, value in env.items() if not key.startswith("TWILIO_")}
    stack_env.update(
        TOUCHPOINT_PORT=str(port),
        TOUCHPOINT_ADMIN_TOKEN=token,
        TOUCHPOINT_AUTO_TICK="0",
        TWILIO_AUTH_TOKEN=WEBHOOK_TOKEN,
        PYTHONPATH=os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
        PYTHONUNBUFFERED="1",
    )
    stack_env.pop("AWS_ENDPOINT_URL", None)
    with tempfile.NamedTemporaryFile(prefix="touchpoint-tour-", suffix=".log", delete=False) as log_file:
        log = Path(log_file.name)
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local_stack"],
            cwd=ROOT,
            env=stack_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(port, process, log, deadline)
        url = f"http://127.0.0.1:{port}"
        print(f"tour: a fresh local stack on {url}")
        env.update(TOUCHPOINT_URL=url, TOKEN=token, WEBHOOK_TOKEN=WEBHOOK_TOKEN)
        status = run_blocks(found, env, deadline)
        if status:
            print(f"--- the local stack's output\n{log.read_text(errors='replace')[-4000:]}", file=sys.stderr)
        return status
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
