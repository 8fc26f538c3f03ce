"""The crisis net's labelled sets: realistic SMS replies, one per line, in `crisis/` and `benign/`.

Each `<kind>/<category>.txt` holds one message a line; `#` lines are comments and blank lines are
ignored. The sets were written without looking at the recogniser's rules, so that they measure
how people write rather than what the rules happen to catch.
"""

import re
from pathlib import Path
from typing import Literal

Kind = Literal["crisis", "benign"]

HERE = Path(__file__).resolve().parent

CRISIS_CATEGORIES = frozenset(
    {
        "direct",
        "passive",
        "plan_intent",
        "method_pills",
        "method_hanging",
        "method_firearm",
        "method_jumping",
        "method_cutting",
        "method_vehicle_gas",
        "method_drowning_other",
        "farewell",
        "burden",
        "hopelessness",
        "attempt",
        "third_person",
        "slang",
        "typos",
        "mixed_logistics",
        "negated_hedged",
        "spanish",
    }
)
BENIGN_CATEGORIES = frozenset(
    {
        "confirmations",
        "logistics",
        "figures_of_speech",
        "medication_fasting",
        "accidents",
        "others_natural_death",
        "survey_answers",
        "everyday",
        "spanish",
    }
)
CATEGORIES: dict[Kind, frozenset[str]] = {"crisis": CRISIS_CATEGORIES, "benign": BENIGN_CATEGORIES}


def load(kind: Kind) -> dict[str, list[str]]:
    """The messages of one kind by category (the file's name), in file order."""
    if kind not in CATEGORIES:
        raise ValueError(f"unknown kind {kind!r}: expected one of {sorted(CATEGORIES)}")
    sets: dict[str, list[str]] = {}
    for path in sorted((HERE / kind).glob("*.txt")):
        lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
        sets[path.stem] = [line for line in lines if line and not line.startswith("#")]
    return sets


def normalised(text: str) -> str:
    """What two messages must differ in to count as distinct: more than case and spacing."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_extra(kind: Kind) -> dict[str, list[str]]:
    """The second, larger set (extra/<kind>.tsv: category<TAB>message), in file order."""
    sets: dict[str, list[str]] = {}
    for line in (HERE / "extra" / f"{kind}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            category, text = line.split("\t", 1)
            sets.setdefault(category, []).append(text)
    return sets
