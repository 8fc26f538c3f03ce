"""The crisis net: what it reads, what fires, why, and what it never lets slip.

The labelled evaluation sets are in tests/crisis/; these are the net's own behaviours, each
rule's and exception's example, and its bounds on odd input.
"""

import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from touchpoint.domain.crisis import crisis_net, explain, is_crisis
from touchpoint.domain.crisis_grammar import PatternError, build, rule_file
from touchpoint.domain.crisis_text import edit_distance, fold

CRISIS = [
    "I want to kill myself",
    "i wanna die",
    "Suicide",
    "thinking about suicde",
    "I dont want to live anymore",
    "don't want to live",
    "I'm going to end it all",
    "I want to hurt myself",
    "KMS",
    "kms lol",
    "I\u2019m going to end it all",  # curly apostrophe
    "I don\u2019t want to live",
    "I\u02bcm done. I want to die",
    "SUICIDE!!!",
    "...kill myself...",
    "i want to die \U0001f494",
    "\U0001f622\U0001f622 suicidal \U0001f622",
    "I'm having suicidal thoughts",
    "I\u2019d be better off dead",
    "I can't go on like this",
    "Kill. Myself.",
    "I keep thinking about self-harm",
    "I want to end my life",
    "i am going to kill my self",
    "thinking about taking my life",
    "I'm going to end it",
    "wanna end it",
    "life isn't worth living",
    "life isn\u2019t worth living",
    "i want 2 die",
    "killmyself",
    "I should just die",
    "thinking of ending it",
    "taking my own life",
    "I'm gonna end it tonight",
    "I keep thinking about ending it",
    "I've thought of taking my life",
    "i should be dead",
]

NOT_CRISIS = [
    "I'm dying to see you",
    "this traffic is killing me",
    "the movie was to die for",
    "I killed it at work",
    "my phone died",
    "dead tired today",
    "that workout killed me",
    "C",
    "yes",
    "stop",
    "reschedule",
    "Running 5 min late, sorry!",
    "",
    "let's end it there for today, see you next week",
    "we can end it early today if that's easier",
    "I'm taking my life back, thank you all",
    "life is worth living again",
    "Life is so worth living now",
    "I should just go to bed early",
    "the end of it was the best part",
    "My cat is taking my spot on the couch",
]

# Ambiguous on purpose: a relationship ending reads like crisis language, and a false alarm
# costs a phone call where a miss can cost a life.
AMBIGUOUS_BUT_CRISIS = [
    "I want to end it with my ex",
    "I'm going to end it with him tonight",
]

# Variants of the listed phrases as people spell them.
CRISIS_VARIANTS = [
    "I dont wanna live anymore",
    "I want to hurt my self",
    "I keep thinking about ending it all",
    "I overdosed on purpose",
    "I dont want to wake up tomorrow",
]

# The examples of what a phrase list missed, and of what short entries set off.
MISSED_BY_A_PHRASE_LIST = [
    "i keep thinking about hanging myself",
    "I'm done with life",
    "I'm going to take all my pills at once",
    "i wish i could go to sleep and never wake up",
    "I took all my pills",
    "honestly i dont want to be here anymore",
    "I can't do this anymore",
    "wish I could disappear forever",
    "I've been giving my things away",
    "everyone would be better off without me",
    "unalive",
    "quiero morir",
    "my son said he wants to kill himself",
]
SET_OFF_BY_A_PHRASE_LIST = [
    "cut myself shaving",
    "hurt myself lifting boxes",
    "shoot myself a reminder",
    "can't go on Thursday",
    "40 kms away",
]
CONTRACT_EXAMPLES = ["kill myself", "want to die", "suicide", "hurt myself", "end it all"]
FIGURES_OF_SPEECH = ["the traffic is killing me", "my phone died"]

# How people type the same words: each must be read as what it means.
SPELLINGS = [
    ("I want to k!ll myself", "direct.kill_self"),
    ("thinking about s*icide", "direct.suicide"),
    ("$uicide", "direct.suicide"),
    ("su1c1de", "direct.suicide"),
    ("i want to dieeeee", "direct.want_to_die"),
    ("killmyself", "direct.kill_self"),
    ("iwanttodie", "direct.want_to_die"),
    ("i wanna die", "direct.want_to_die"),
    ("u should know i want 2 die", "direct.want_to_die"),
    ("i want to kil myslef", "direct.kill_self"),
    ("thinking about sucide", "direct.suicide"),
    ("I want to overdoze", "method.overdose"),
    ("s u i c i d e", "direct.suicide"),
    ("KILL MYSELF", "direct.kill_self"),
    ("i want to end my lyfe", "plan.end_my_life"),
    ("theyd be better off w/o me", "burden.better_without"),
    ("i just want to d.i.e.", "direct.want_to_die"),
    ("Quiero morír", "es.want_die"),
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised_in_any_case_and_punctuation(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised_in_upper_and_lower_case_alike(text: str) -> None:
    assert is_crisis(text.upper())
    assert is_crisis(text.lower())


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised_inside_a_longer_message(text: str) -> None:
    assert is_crisis(f"Hi, it's Ana. Honestly {text}. Sorry for the late text.")


@pytest.mark.parametrize("text", NOT_CRISIS + FIGURES_OF_SPEECH + SET_OFF_BY_A_PHRASE_LIST)
def test_everyday_figures_of_speech_and_replies_are_not_crisis_language(text: str) -> None:
    assert explain(text) is None, explain(text)


@pytest.mark.parametrize("text", CRISIS_VARIANTS + MISSED_BY_A_PHRASE_LIST + CONTRACT_EXAMPLES)
def test_how_people_really_write_a_crisis_is_recognised(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize("text", AMBIGUOUS_BUT_CRISIS)
def test_ambiguous_ending_it_language_errs_on_the_side_of_crisis(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize(("text", "rule"), SPELLINGS)
def test_spellings_leetspeak_censoring_and_typos_are_read_as_the_words_meant(text: str, rule: str) -> None:
    match = explain(text)
    assert match is not None
    assert match.rule == rule


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to kill myself, but I think about it",
        "not suicidal or anything",
        "i would never hurt myself",
        "I don't want to die",
        "no, I'm not thinking of ending it all",
    ],
)
def test_a_negation_never_switches_a_match_off(text: str) -> None:
    assert is_crisis(text)


def test_explain_names_the_rule_and_the_span_of_the_text_it_matched() -> None:
    text = "C, see you Tuesday. Honestly I keep thinking about hanging myself."
    match = explain(text)
    assert match is not None
    assert match.rule == "method.hang"
    assert match.family == "method"
    assert match.span_of(text) == "hanging myself"
    assert match.words == "hanging myself"
    assert match.language == "en"


def test_the_span_covers_what_was_typed_however_it_was_spelled() -> None:
    text = "ok... i wanna k!ll myslef"
    match = explain(text)
    assert match is not None
    assert match.span_of(text) == "k!ll myslef"
    assert match.words == "kill myself"


def test_a_spanish_message_is_matched_by_a_spanish_rule() -> None:
    match = explain("ya no quiero vivir, perdón")
    assert match is not None
    assert (match.rule, match.language) == ("es.no_quiero_vivir", "es")


def test_spanish_rules_always_run_whatever_language_the_conversation_is_in() -> None:
    assert is_crisis("C. pero la verdad me quiero matar")


@pytest.mark.parametrize("rule", rule_file()["rules"], ids=lambda rule: rule["id"])
def test_every_rule_fires_on_its_own_example(rule: dict[str, str]) -> None:
    assert crisis_net().fires(rule["id"], rule["example"]) is not None


@pytest.mark.parametrize("exception", rule_file()["exceptions"], ids=lambda exception: exception["id"])
def test_every_exception_keeps_its_example_from_firing_the_rules_it_names(
    exception: dict[str, object],
) -> None:
    net = crisis_net()
    example = str(exception["example"])
    named = exception["rules"]
    assert isinstance(named, list)
    for rule in net.rules:
        if rule.id in named or rule.family in named:
            assert net.fires(rule.id, example) is None, (rule.id, example)


def test_every_rule_has_an_id_a_family_and_an_example() -> None:
    rules = rule_file()["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", rule["id"]), rule["id"]
        assert rule["family"]
        assert rule["example"]


def test_a_pattern_naming_an_unknown_class_is_refused_at_load() -> None:
    data = rule_file()
    data["rules"] = [*data["rules"], {"id": "x.bad", "family": "x", "pattern": "@NOPE die", "example": ""}]
    with pytest.raises(PatternError, match=r"x\.bad"):
        build(data, [])


def test_an_exception_naming_no_rule_is_refused_at_load() -> None:
    data = rule_file()
    data["exceptions"] = [{"id": "not.x", "rules": ["no.such"], "pattern": "die", "example": ""}]
    with pytest.raises(PatternError, match=r"no\.such"):
        build(data, [])


def test_a_real_word_near_a_key_word_is_never_read_as_a_typo() -> None:
    reader = crisis_net().reader
    assert reader.read("pulls").words == ("pulls",)
    assert reader.read("overdue").words == ("overdue",)
    assert reader.read("indie").words == ("indie",)
    assert reader.read("my payment is overdue and i want to pay").words[-1] == "pay"


def test_folding_drops_case_accents_and_apostrophes() -> None:
    assert fold("Don\u2019t MÁS Sí") == "dont mas si"


@pytest.mark.parametrize(
    ("a", "b", "distance"), [("suicide", "sucide", 1), ("myself", "myslef", 1), ("kill", "kill", 0)]
)
def test_edit_distance_counts_a_swap_of_two_letters_as_one(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


ODD_BODIES = [
    "",
    " ",
    "\U0001f600" * 1600,
    "\x00\x01\x02\x7f" * 400,
    "a" * 1600,
    "kill " * 320,
    "i want to " * 160,
    "k i l l " * 200,
    "!" * 1600,
    ".?!,*" * 320,
    "suicid" * 266,
    "myself " * 228,
    "die" * 533,
    "\u202e\u200b\ufeff" * 500,
    "".join(random.Random(7).choice("abcdefghijklmnopqrstuvwxyz *!1@$") for _ in range(1600)),
]


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_an_empty_long_emoji_or_binary_body_is_judged_in_under_five_milliseconds(body: str) -> None:
    explain(body)  # read once: a first reading of a new word is what is bounded, below
    net = crisis_net()
    best = float("inf")
    for attempt in range(5):
        # a fresh reader each time, so no word is remembered from the run before
        net.reader.meant.cache_clear()
        started = time.perf_counter()
        explain(body + " " * attempt)
        best = min(best, time.perf_counter() - started)
    assert best < 0.005, f"{best * 1000:.1f} ms"


def test_a_body_over_twilios_limit_is_read_up_to_it() -> None:
    assert not is_crisis("x " * 800 + "i want to die")
    assert is_crisis("i want to die " + "x " * 1000)


def test_every_pattern_of_every_rule_and_exception_compiles() -> None:
    """Patterns compile when a message first needs them: none may fail then, on a patient's reply."""
    for rule in crisis_net().rules:
        for pattern in (rule.pattern, *rule.together, *(exception.pattern for exception in rule.exceptions)):
            assert pattern.regex.pattern, rule.id


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_judged_without_an_error_and_any_match_lies_inside_it(text: str) -> None:
    match = explain(text)
    if match is not None:
        assert 0 <= match.start < match.end <= len(text)
        assert match.span_of(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["I want to kill myself", "quiero morir", "i wish i was dead"]))
def test_a_crisis_sentence_is_caught_whatever_text_comes_before_it(before: str, crisis: str) -> None:
    assert is_crisis(f"{before}\n{crisis}")
