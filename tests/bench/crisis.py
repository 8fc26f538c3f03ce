"""The crisis net on the labelled sets of tests/crisis/: what it catches, what it flags by mistake,
and what it costs per message, in-process.

- per category: messages, caught and recall on the crisis set; false alarms on the benign set;
- the time of one `explain` call (median and p99 over every message of both sets, each message
  timed in several interleaved passes, after a warm-up call), in microseconds;
- the worst time on adversarial bodies of up to 1,600 characters (Twilio's longest SMS).

Exits non-zero when recall is under 100% or false alarms are over 3%, like the tests.
"""

import random
import statistics
import sys
import time
from collections.abc import Callable

from tests.bench.checks import report
from tests.crisis.sets import load, load_extra
from touchpoint.domain.crisis import explain

PASSES = 25
ADVERSARIAL_CALLS = 20
MAX_FALSE_ALARM_RATE = 0.03
MIN_EXTRA_RECALL = (
    0.95  # the second set guards against regressions; its misses are known (docs/crisis-net.md)
)
SMS_MAX = 1600


def adversarial() -> dict[str, str]:
    """Bodies that stress a matcher: long, repetitive, near misses, nothing a person would send."""
    rng = random.Random(988)
    # ASCII, Spanish letters, curly quotes, and any code point of the Basic Multilingual Plane.
    printable = [chr(code) for code in range(32, 127)] + list("áéíóúñü¿¡\u2019\u201c\u201d\u2026")
    emoji = ["😀", "😭", "💀", "🙏", "👍🏼", "🔫", "💊", "🌉", "❤️", "🥲", "🏳️‍🌈"]
    pieces = ["kil", "sui", "my", "se", "lf", "di", "e ", "want ", "to ", "end ", "it", "cide", "k!ll", "s*"]
    bodies = {
        "empty": "",
        "1,600 random characters": "".join(
            rng.choice(printable) if rng.random() < 0.7 else chr(rng.randrange(0x80, 0xD800))
            for _ in range(SMS_MAX)
        ),
        "1,600 emoji (code points)": "".join(rng.choice(emoji) for _ in range(SMS_MAX))[:SMS_MAX],
        "1,600 'a'": "a" * SMS_MAX,
        "1,600 control characters": "".join(chr(rng.choice([*range(32), 127])) for _ in range(SMS_MAX)),
        "'kill ' * 300": "kill " * 300,
        "'i want to ' * 160": ("i want to " * 160)[:SMS_MAX],
        "alternating pieces of key words": "".join(rng.choice(pieces) for _ in range(SMS_MAX))[:SMS_MAX],
        "'k i l l ' spaced letters repeated": ("k i l l m y s e l " * 100)[:SMS_MAX],
        "1,600 '!'": "!" * SMS_MAX,
        "'.?!,*' repeated": (".?!,*-_~" * 200)[:SMS_MAX],
        "1,600 spaces then 'x'": " " * (SMS_MAX - 1) + "x",
        "'dieeee' stretched": "di" + "e" * (SMS_MAX - 2),
    }
    assert all(len(body) <= SMS_MAX for body in bodies.values())
    return bodies


def fired(sets: dict[str, list[str]], title: str, counted: str) -> float:
    """Prints, per category, how many messages the net fired on; returns the share in all."""
    print(f"\n{title:<24} {'messages':>8} {counted:>13} {'rate':>7}")
    everything = [text for texts in sets.values() for text in texts]
    for category, texts in [*sets.items(), ("total", everything)]:
        hits = sum(explain(text) is not None for text in texts)
        print(f"{category:<24} {len(texts):>8} {hits:>13} {hits / len(texts):>7.1%}")
    return hits / len(everything)


def quality(crisis: dict[str, list[str]], benign: dict[str, list[str]], name: str) -> tuple[float, float]:
    """Prints recall and false alarms per category; returns (recall, false-alarm rate)."""
    return fired(crisis, f"{name} crisis", "caught"), fired(benign, f"{name} benign", "false alarms")


def nanoseconds(call: Callable[[], object]) -> int:
    started = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - started


def per_message_time() -> tuple[float, float, int]:
    """Median and p99, in microseconds, of each message's median time over the passes."""
    texts = [text for kind in ("crisis", "benign") for texts in load(kind).values() for text in texts]
    explain(texts[0])  # warm-up: compiling the rules is a cold-start cost, not a per-message one
    timings: list[list[int]] = [[] for _ in texts]
    for _ in range(PASSES):  # interleaved passes, so that the machine's noise hits every message alike
        for index, text in enumerate(texts):
            timings[index].append(nanoseconds(lambda text=text: explain(text)))
    medians = [statistics.median(samples) / 1000 for samples in timings]
    cuts = statistics.quantiles(medians, n=100)
    return cuts[49], cuts[98], len(texts)


def adversarial_times() -> dict[str, tuple[float, str]]:
    """Each body's worst time in microseconds over several calls, with the rule that fired, if any."""
    results = {}
    for name, body in adversarial().items():
        match = explain(body)
        worst = max(nanoseconds(lambda body=body: explain(body)) for _ in range(ADVERSARIAL_CALLS))
        results[name] = (worst / 1000, match.rule if match is not None else "-")
    return results


def main() -> int:
    recall, false_alarms = quality(load("crisis"), load("benign"), "own set")
    extra_recall, extra_false_alarms = quality(load_extra("crisis"), load_extra("benign"), "extra set")
    p50, p99, count = per_message_time()
    print(
        f"\ncrisis explain() per message, in-process, over {count} messages x {PASSES} passes: "
        f"median {p50:.1f} us, p99 {p99:.1f} us"
    )
    results = adversarial_times()
    print(f"\n{'adversarial body (<= 1,600 chars)':<38} {'worst us':>10}  rule")
    for name, (worst, rule) in results.items():
        print(f"{name:<38} {worst:>10.1f}  {rule}")
    worst_name, (worst, _) = max(results.items(), key=lambda item: item[1][0])
    print(f"{'worst':<38} {worst:>10.1f}  ({worst_name})")
    checks = {
        "recall on the own crisis set is 100%": recall == 1,
        f"false alarms on the own benign set at most {MAX_FALSE_ALARM_RATE:.0%}": false_alarms
        <= MAX_FALSE_ALARM_RATE,
        f"recall on the extra crisis set at least {MIN_EXTRA_RECALL:.0%}": extra_recall >= MIN_EXTRA_RECALL,
        f"false alarms on the extra benign set at most {MAX_FALSE_ALARM_RATE:.0%}": extra_false_alarms
        <= MAX_FALSE_ALARM_RATE,
    }
    return report(checks)


if __name__ == "__main__":
    sys.exit(main())
