"""How the crisis net reads a message: the words a person meant, however they typed them.

`Reader.read(text)` turns "I wanna k!ll myslef!!!" into the words "i want to kill myself", each
with the span of the text it came from. Each typed word is read once and remembered, so a
message costs a few dictionary look-ups per word. Pure: no I/O.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

# A typed word: letters and digits, with the apostrophes, leetspeak and censoring symbols inside it.
_TOKEN = re.compile(r"w/o?|s/h|(?:[^\W_]|[\u0300-\u036f'\u2018\u2019\u02bc`@$!*|])+", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_EDGE_SYMBOLS = "!*|+"
_LETTER_RUNS = re.compile(r"(.)\1+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MAX_CHARS = 1600  # Twilio's own limit for one message; anything longer is read up to it
MAX_SPLIT = 7  # a glued word is read as at most this many words ("iwanttodie")
MAX_MENDED = 24  # longer typed words are taken as they are: no typo, glue or mask is looked for


@dataclass(frozen=True)
class Words:
    """The words of a message as meant, and where each came from in the text."""

    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    def joined(self) -> str:
        """' i want to die ': every word followed by one space, the whole led by one."""
        return " " + "".join(word + " " for word in self.words)


@dataclass(frozen=True)
class Spelling:
    """What the reader knows: SMS spellings, leetspeak, the words the rules use, and real words
    that only look like typos of them (so that "pulls" is never read as "pills")."""

    sms: Mapping[str, str]
    leet: Mapping[str, str]
    vocabulary: frozenset[str]  # every word some rule or class names
    typo_targets: frozenset[str]  # key words a typo of which is read as the word itself
    real_words: frozenset[str]  # dictionary words near a key word: taken as they are
    _squeezed: dict[str, str] = field(default_factory=dict, compare=False)
    _near: dict[str, set[str]] = field(default_factory=dict, compare=False)
    _glue: set[str] = field(default_factory=set, compare=False)
    _by_length: dict[int, list[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self._glue.update(self.vocabulary, self.sms)
        for word in sorted(self.vocabulary):
            self._by_length.setdefault(len(word), []).append(word)
        for word in sorted(self.vocabulary):
            self._squeezed.setdefault(squeeze(word), word)
        for target in sorted(self.typo_targets):
            for variant in _deletions(target, _radius(target)):
                self._near.setdefault(variant, set()).add(target)


def squeeze(word: str) -> str:
    """Every run of one letter as one letter: "diieee" -> "die", "kill" -> "kil"."""
    return _LETTER_RUNS.sub(r"\1", word)


def _radius(word: str) -> int:
    return 2 if len(word) >= 8 else 1


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def fold(text: str) -> str:
    """Lower case, accents and apostrophes gone: "Don't" -> "dont", "Sí" -> "si"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _APOSTROPHES.sub("", plain)


class Reader:
    def __init__(self, spelling: Spelling) -> None:
        self.spelling = spelling
        self.meant = lru_cache(maxsize=32768)(self._meant)

    def read(self, text: str) -> Words:
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        for start, end, typed in self._letters_joined(_typed_words(text[:MAX_CHARS])):
            for word in self.meant(typed):
                words.append(word)
                spans.append((start, end))
        return Words(tuple(words), tuple(spans))

    def _meant(self, typed: str) -> tuple[str, ...]:
        """The word or words a typed word stands for."""
        word = fold(typed).strip(_EDGE_SYMBOLS)
        if not word:
            return ()
        spelling = self.spelling
        if word in spelling.sms:
            return tuple(spelling.sms[word].split())
        if word in spelling.vocabulary or word in spelling.real_words or _NUMBER.fullmatch(word):
            return (word,)
        if len(word) > MAX_MENDED:
            return (word,)
        if not word.isalpha():
            decoded = self._decoded(word)
            if decoded is not None:
                return self._meant(decoded) if decoded != word else (decoded,)
            return (word,)
        for reading in (self._squeezed(word), self._corrected(word)):
            if reading is not None:
                return (reading,)
        return self._unglued(word) or (word,)

    def _letters_joined(self, typed: Iterable[tuple[int, int, str]]) -> Iterable[tuple[int, int, str]]:
        """Spaced or dotted letters as one word: "s u i c i d e", "d.i.e"."""
        run: list[tuple[int, int, str]] = []
        for item in typed:
            if len(item[2]) == 1 and item[2].isalpha():
                run.append(item)
                continue
            yield from self._flush(run)
            run = []
            yield item
        yield from self._flush(run)

    def _flush(self, run: list[tuple[int, int, str]]) -> Iterable[tuple[int, int, str]]:
        joined = "".join(item[2] for item in run).casefold()
        if 4 <= len(run) <= MAX_MENDED or (len(run) == 3 and joined in self.spelling.vocabulary):
            yield run[0][0], run[-1][1], joined
        else:
            yield from run

    def _decoded(self, word: str) -> str | None:
        """Leetspeak and censoring: "k!ll" -> "kill", "s*icide" -> "suicide", "d13" -> "die"."""
        if not any(char.isalpha() for char in word):
            return None
        candidates = [word.replace("1", "i"), word.replace("1", "l")] if "1" in word else [word]
        for candidate in candidates:
            plain = "".join(self.spelling.leet.get(char, char) for char in candidate)
            if "*" in plain:
                found = self._unmasked(plain)
                if found is not None:
                    return found
                continue
            if plain.isalpha() and (plain in self.spelling.vocabulary or plain in self.spelling.sms):
                return plain
            if plain.isalpha() and self._corrected(plain) is not None:
                return plain
        return None

    def _unmasked(self, masked: str) -> str | None:
        """A word with letters starred out or in: each * none, one or two letters ("s*icide", "sui*cide")."""
        if masked.count("*") > 3 or not masked.strip("*"):
            return None
        pattern = re.compile(re.escape(masked).replace(r"\*", "[a-z]{0,2}"))
        stars = masked.count("*")
        lengths = range(len(masked) - stars, len(masked) + stars + 1)
        matches = [
            word
            for size in lengths
            for word in self.spelling._by_length.get(size, ())
            if pattern.fullmatch(word)
        ]
        return min(matches, key=len) if matches else None

    def _squeezed(self, word: str) -> str | None:
        """Repeated letters: "dieeee" -> "die", "killl" -> "kill", "myselffff" -> "myself"."""
        if squeeze(word) == word and len(word) < 3:
            return None
        return self.spelling._squeezed.get(squeeze(word))

    def _corrected(self, word: str) -> str | None:
        """One typo (two on long words) on a key word: "sucide", "myslef", "overdoce"."""
        if len(word) < 4:
            return None
        spelling = self.spelling
        candidates: set[str] = set()
        for variant in _deletions(word, 2 if len(word) >= 7 else 1):
            candidates |= spelling._near.get(variant, set())
        best = sorted(
            (edit_distance(word, target), target)
            for target in candidates
            if edit_distance(word, target) <= _radius(target)
        )
        return best[0][1] if best else None

    def _unglued(self, word: str) -> tuple[str, ...] | None:
        """Words typed without spaces: "killmyself", "iwanttodie"; at least one a key word."""
        if len(word) < 5:
            return None
        known = self.spelling._glue
        best: dict[int, tuple[str, ...]] = {0: ()}
        for end in range(1, len(word) + 1):
            for start in range(max(0, end - 14), end):
                piece = word[start:end]
                if start in best and (piece in known) and (len(piece) > 1 or piece in "ia"):
                    reading = best[start] + (piece,)
                    if end not in best or len(reading) < len(best[end]):
                        best[end] = reading
        pieces = best.get(len(word))
        if not pieces or len(pieces) < 2 or len(pieces) > MAX_SPLIT:
            return None
        if not any(piece in self.spelling.typo_targets or len(piece) >= 4 for piece in pieces):
            return None
        return tuple(out for piece in pieces for out in self._meant(piece))


def _typed_words(text: str) -> Iterable[tuple[int, int, str]]:
    for match in _TOKEN.finditer(text):
        yield match.start(), match.end(), match.group()
