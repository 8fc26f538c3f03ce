"""The reply lexicon: crisis language, opt-out keywords and phrases, as data and as matched."""

import json
from importlib.resources import files

import pytest

from touchpoint.domain.lexicon import lexicon, words

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

OPT_OUT_KEYWORDS = [
    "STOP",
    "stop",
    "Stop",
    "sToP",
    "stop.",
    "Stop please",
    "please STOP!!",
    "STOP \u270b",
    "Stop, thanks",
    "stop now",
    "  stop  ",
    "UNSUBSCRIBE",
    "cancel",
    "CANCEL",
    "end",
    "End.",
    "quit",
    "QUIT!",
    "revoke",
    "optout",
    "OPTOUT",
    "stopall",
    "StopAll",
]

OPT_OUT_PHRASES = [
    "opt out",
    "Opt-out",
    "OPT ME OUT",
    "stop texting me",
    "Please stop texting me!",
    "no more texts",
    "No more texts please",
    "Don't text me",
    "Don\u2019t text me again",
    "do not text me",
    "remove me",
    "Remove me from this list",
    "unsubscribe me",
]

NOT_OPT_OUT = [
    "don't stop",
    "stop by tomorrow?",
    "Stop by at 3?",
    "I'll be there at the end of the day",
    "at the end",
    "I can't stop thinking about it",
    "Please cancel my appointment",
    "I need to cancel",
    "C",
    "yes",
    "R",
    "HELP",
    "START",
    "",
]

# Asking to keep getting texts: the phrase right after a negation does not count.
NEGATED_OPT_OUT = [
    "please don't stop texting me",
    "Don't stop sending these, they help",
    "please do not stop texting me",
    "never stop texting me, it helps",
]

# Opt-outs that happen to hold a negation somewhere else.
OPT_OUT_DESPITE_NEGATION = [
    "Please do not text me",
    "I do not want these. Stop texting me",
    "Not interested, remove me",
    "Don't care, no more texts",
]


def _lexicon_file(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        files("touchpoint.lexicons").joinpath(name).read_text(encoding="utf-8")
    )
    return data


# ---- crisis language ----


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised_in_any_case_and_punctuation(text: str) -> None:
    assert lexicon().is_crisis(text)


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised_in_upper_and_lower_case_alike(text: str) -> None:
    assert lexicon().is_crisis(text.upper())
    assert lexicon().is_crisis(text.lower())


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_language_is_recognised_inside_a_longer_message(text: str) -> None:
    assert lexicon().is_crisis(f"Hi, it's Ana. Honestly {text}. Sorry for the late text.")


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_everyday_figures_of_speech_and_replies_are_not_crisis_language(text: str) -> None:
    assert not lexicon().is_crisis(text)


@pytest.mark.parametrize("text", CRISIS_VARIANTS)
def test_common_variants_of_the_listed_crisis_phrases_are_recognised(text: str) -> None:
    assert lexicon().is_crisis(text)


@pytest.mark.parametrize("text", AMBIGUOUS_BUT_CRISIS)
def test_ambiguous_ending_it_language_errs_on_the_side_of_crisis(text: str) -> None:
    assert lexicon().is_crisis(text)


# ---- opt-out ----


@pytest.mark.parametrize("text", OPT_OUT_KEYWORDS)
def test_twilio_opt_out_keywords_opt_out_in_any_case_with_polite_filler(text: str) -> None:
    assert lexicon().is_opt_out(text)


@pytest.mark.parametrize("text", OPT_OUT_PHRASES)
def test_plain_opt_out_phrases_opt_out(text: str) -> None:
    assert lexicon().is_opt_out(text)


@pytest.mark.parametrize("text", NOT_OPT_OUT)
def test_messages_that_merely_contain_a_keyword_do_not_opt_out(text: str) -> None:
    assert not lexicon().is_opt_out(text)


@pytest.mark.parametrize("text", NEGATED_OPT_OUT)
def test_asking_to_keep_getting_texts_does_not_opt_out(text: str) -> None:
    assert not lexicon().is_opt_out(text)


@pytest.mark.parametrize("text", OPT_OUT_DESPITE_NEGATION)
def test_a_negation_elsewhere_in_the_reply_does_not_cancel_an_opt_out(text: str) -> None:
    assert lexicon().is_opt_out(text)


@pytest.mark.parametrize("text", ["don't stop", "DONT STOP", "do not stop"])
def test_a_negated_opt_out_keyword_does_not_opt_out(text: str) -> None:
    assert not lexicon().is_opt_out(text)


def test_every_twilio_opt_out_keyword_is_in_the_lexicon() -> None:
    twilio = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
    assert twilio <= lexicon().opt_out_keywords


@pytest.mark.parametrize("keyword", ["START", "start", "Unstop", "YES", "yes please"])
def test_start_unstop_and_yes_are_opt_in_keywords(keyword: str) -> None:
    words_lexicon = lexicon()
    assert words_lexicon.keyword(keyword) in words_lexicon.opt_in_keywords
    assert not words_lexicon.is_opt_out(keyword)


@pytest.mark.parametrize(("text", "keyword"), [("HELP", "help"), ("info", "info"), ("Help please", "help")])
def test_help_and_info_are_help_keywords(text: str, keyword: str) -> None:
    assert lexicon().keyword(text) == keyword
    assert keyword in lexicon().help_keywords


@pytest.mark.parametrize("text", ["C", "c", "CONFIRM", "Y", "yes", "Yes!", "c.", "C thanks"])
def test_confirm_replies_are_confirm_keywords(text: str) -> None:
    assert lexicon().keyword(text) in lexicon().confirm_keywords


@pytest.mark.parametrize("text", ["R", "r", "Reschedule", "R please"])
def test_reschedule_replies_are_reschedule_keywords(text: str) -> None:
    assert lexicon().keyword(text) in lexicon().reschedule_keywords


def test_confirm_keywords_never_include_cancel() -> None:
    assert "cancel" not in lexicon().confirm_keywords
    assert "cancel" not in lexicon().reschedule_keywords


# ---- words ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Don't", ("dont",)),
        ("Don\u2019t", ("dont",)),
        ("Don\u2018t", ("dont",)),
        ("Don\u02bct", ("dont",)),
        ("STOP!!! \U0001f6d1", ("stop",)),
        ("  opt-out  ", ("opt", "out")),
        ("", ()),
    ],
)
def test_words_lower_case_drop_apostrophes_and_split_on_punctuation_and_emoji(
    text: str, expected: tuple[str, ...]
) -> None:
    assert words(text) == expected


# ---- the lexicon files ----


def test_crisis_lexicon_file_is_json_with_a_description_and_phrases() -> None:
    crisis = _lexicon_file("crisis.json")
    assert isinstance(crisis["description"], str)
    phrases = crisis["phrases"]
    assert isinstance(phrases, list)
    assert phrases
    assert all(isinstance(phrase, str) and phrase.strip() for phrase in phrases)


def test_keyword_lexicon_file_is_json_with_every_keyword_list() -> None:
    keywords = _lexicon_file("keywords.json")
    expected = {
        "opt_out_keywords",
        "opt_out_phrases",
        "opt_in_keywords",
        "help_keywords",
        "confirm_keywords",
        "reschedule_keywords",
        "filler",
    }
    assert expected <= set(keywords)
    for name in expected:
        entries = keywords[name]
        assert isinstance(entries, list), name
        assert entries, name
        assert all(isinstance(entry, str) and entry.strip() for entry in entries), name


def test_keywords_are_single_lower_case_words_as_matching_sees_them() -> None:
    keywords = _lexicon_file("keywords.json")
    for name in (
        "opt_out_keywords",
        "opt_in_keywords",
        "help_keywords",
        "confirm_keywords",
        "reschedule_keywords",
    ):
        entries = keywords[name]
        assert isinstance(entries, list)
        for entry in entries:
            assert words(entry) == (entry,), f"{name}: {entry!r} can never match"


def test_phrases_are_written_as_matching_sees_them() -> None:
    """A phrase with an apostrophe or capital letter would never match: matching drops both."""
    crisis, keywords = _lexicon_file("crisis.json"), _lexicon_file("keywords.json")
    phrases = crisis["phrases"], keywords["opt_out_phrases"], keywords.get("negations", [])
    assert all(isinstance(group, list) for group in phrases)
    for phrase in (phrase for group in phrases if isinstance(group, list) for phrase in group):
        assert " ".join(words(phrase)) == phrase, phrase


def test_filler_never_swallows_a_keyword() -> None:
    """'stop' or 'yes' as filler would make every reply ambiguous."""
    keywords = lexicon()
    acting = (
        keywords.opt_out_keywords
        | keywords.opt_in_keywords
        | keywords.help_keywords
        | keywords.confirm_keywords
        | keywords.reschedule_keywords
    )
    assert not keywords.filler & acting


def test_the_contracts_crisis_examples_are_in_the_lexicon() -> None:
    for example in ("kill myself", "want to die", "suicide", "hurt myself", "end it all"):
        assert lexicon().is_crisis(example), example
