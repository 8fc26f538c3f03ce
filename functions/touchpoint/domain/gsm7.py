"""GSM-7, the SMS alphabet: a text in it alone costs one segment per 160 characters; one
character outside it (an emoji, a curly quote) turns the whole message into UCS-2, 70 a segment."""

import unicodedata
from math import ceil

SEGMENT_LIMIT = 160
GSM7, UCS2 = "GSM-7", "UCS-2"
# A text longer than one segment is sent in parts, each giving up room to the header that joins them.
UCS2_LIMIT, GSM7_PART, UCS2_PART = 70, 153, 67

_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = "^{}\\[~]|€\f"


def gsm7_length(text: str) -> int | None:
    """Septets the text takes in GSM-7, or None when it needs UCS-2 (emoji, curly quotes...)."""
    length = 0
    for char in text:
        if char in _GSM7_BASIC:
            length += 1
        elif char in _GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def segments(text: str) -> tuple[int, str]:
    """How many SMS segments the text is billed as, and its encoding."""
    septets = gsm7_length(text)
    if septets is not None:
        return (1 if septets <= SEGMENT_LIMIT else ceil(septets / GSM7_PART)), GSM7
    units = len(text.encode("utf-16-le")) // 2  # UCS-2 counts an emoji as two
    return (1 if units <= UCS2_LIMIT else ceil(units / UCS2_PART)), UCS2


def fits_one_segment(text: str) -> bool:
    length = gsm7_length(text)
    return length is not None and length <= SEGMENT_LIMIT


_GSM7_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def fold_typography(text: str) -> str:
    """Curly quotes straightened, dashes made hyphens; letters, accented or not, stay."""
    return text.translate(_GSM7_LOOKALIKES)


def to_gsm7(text: str) -> str:
    """The text in GSM-7 alone: curly quotes straightened, accents outside GSM-7 dropped
    ("Zoë" -> "Zoe"), anything else left out, so that one character cannot turn the whole
    SMS into UCS-2 and triple its cost."""
    result = []
    for char in fold_typography(text):
        if gsm7_length(char) is not None:
            result.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)[:1]
        if base and gsm7_length(base) is not None:
            result.append(base)
    return "".join(result)
