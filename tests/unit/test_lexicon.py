"""The reply lexicon: opt-out keywords and phrases, as data and as matched."""

import json
from importlib.resources import files

import pytest

from touchpoint.domain.lexicon import lexicon, words

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


# ---- Spanish (accents optional, any case; English keeps working for every patient) ----


@pytest.mark.parametrize(
    "text",
    [
        "ALTO",
        "alto",
        "PARAR",
        "Cancelar",
        "BAJA",
        "baja por favor",
        "No más mensajes",
        "no mas mensajes",
        "Ya no me escriban",
        "ya no me escriban!",
        "quiero darme de baja",
    ],
)
def test_spanish_opt_outs_opt_out(text: str) -> None:
    assert lexicon().is_opt_out(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("COMENZAR", "opt_in"),
        ("inicio", "opt_in"),
        ("SÍ", "opt_in"),
        ("Si", "opt_in"),
        ("AYUDA", "help"),
        ("ayuda por favor", "help"),
        ("SÍ", "confirm"),
        ("sí gracias", "confirm"),
        ("si", "confirm"),
        ("CONFIRMAR", "confirm"),
        ("C", "confirm"),
        ("R", "reschedule"),
        ("CAMBIAR", "reschedule"),
    ],
)
def test_spanish_keywords_mean_what_their_english_ones_do(text: str, kind: str) -> None:
    words_lexicon = lexicon()
    assert words_lexicon.keyword(text) in getattr(words_lexicon, f"{kind}_keywords")
    assert not words_lexicon.is_opt_out(text)


@pytest.mark.parametrize(
    "text", ["¿Puedo cambiar la cita?", "alto riesgo?", "mañana a las 10", "sí, pero tarde"]
)
def test_spanish_sentences_that_merely_hold_a_keyword_are_no_keyword(text: str) -> None:
    words_lexicon = lexicon()
    assert not words_lexicon.is_opt_out(text)
    assert words_lexicon.keyword(text) is None


def test_words_drop_accents_so_each_spanish_word_is_written_once() -> None:
    assert words("¡SÍ, CONFIRMO!") == ("si", "confirmo")
    assert words("No más mensajes, por favor") == ("no", "mas", "mensajes", "por", "favor")


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
    keywords = _lexicon_file("keywords.json")
    phrases = keywords["opt_out_phrases"], keywords.get("negations", [])
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
