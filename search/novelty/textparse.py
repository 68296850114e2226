"""Surface-free parsing of prompts for the mechanism signatures: lines, sentences, offered
options, negation, answer values, repetitions and content words.

Each helper tests a *shape*, not a vocabulary: options are parallel lines that open with the same
kind of marker (whatever the marker is), a negation is any word of English's closed class of
negators, an answer is the number a solved line ends on. Open-class wording (what an instruction
says) is left to the semantic cues of :mod:`.cues`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

NEGATION = re.compile(
    r"\b(not|no|never|none|nothing|nobody|nowhere|neither|nor|cannot|without|except|"
    r"no longer|\w+n't|\w+n’t)(?=\W|$)",
    re.IGNORECASE,
)
# "Yes or no", "true/false": the answer's two values, not a negation of anything.
_ANSWER_PAIR = re.compile(
    r"\b(yes|true|right|valid)\s*(,|or|/)\s*(no|not|false|wrong|invalid)\b|\((yes|no)/(yes|no)\)|"
    r"\b(or|and) (not|never)\b(\s+\w+)?",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^[^\s:\"'][^:\"?!]{0,28}:\s+(?=\S)")
_NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?")
_MARKER = re.compile(r"(\d{1,2}|[a-hA-H])[.)]|\((\d{1,2}|[a-hA-H])\)")
_TOKEN = re.compile(r"[A-Za-z0-9#*+=<>@$%&^~-]+")
_STOP = frozenset(
    [
        "the",
        "and",
        "was",
        "were",
        "did",
        "does",
        "has",
        "have",
        "had",
        "for",
        "with",
        "this",
        "that",
        "its",
        "are",
        "is",
        "be",
        "been",
        "being",
        "you",
        "your",
        "our",
        "their",
        "his",
        "her",
        "she",
        "him",
        "they",
        "them",
        "what",
        "which",
        "who",
        "why",
        "how",
        "when",
        "where",
        "whether",
        "there",
        "then",
        "than",
        "from",
        "into",
        "onto",
        "about",
        "also",
        "just",
        "only",
        "any",
        "some",
        "all",
        "one",
        "can",
        "could",
        "would",
        "should",
        "will",
        "may",
        "might",
        "must",
    ]
)


def lines(prompt: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [line.strip() for line in prompt.splitlines() if line.strip()]


def strip_label(text: str) -> str:
    """``text`` without a leading speaker or field label ("Captain: ...", "Premise 2: ...")."""
    return _LABEL.sub("", text.strip(), count=1).strip()


def sentences(prompt: str) -> list[str]:
    """Sentences of every line (split after . ? ! ;), labels stripped; decimals stay whole."""
    out = []
    for line in lines(prompt):
        for part in re.split(r"(?<=[.?!;])\s+(?=\S)", line):
            part = strip_label(part)
            if part:
                out.append(part)
    return out


def question_part(prompt: str) -> str:
    """The sentence that asks: the last one with a '?', else the first line."""
    asked = re.findall(r"[^.?!\n]*\?", prompt)
    found = lines(prompt)
    return asked[-1] if asked else found[0] if found else ""


def negated(text: str) -> bool:
    """Whether ``text`` holds a negator (answer pairs such as "yes or no" do not count)."""
    return bool(NEGATION.search(_ANSWER_PAIR.sub(" ", text)))


_OPENER = re.compile(r"^\s*(\(?\[?[A-Za-z0-9]{1,3}[).:\]]|\(\s*\)|\[\s*\]|[^\w\s]{1,2})(?=\s)")
_OPTION_WORDS = 16  # an option is a short line; a longer one is a numbered statement


def _opener(line: str) -> str:
    """A line's opening marker as a shape: letters become 'a' and digits '9' (runs collapsed),
    so "A.", "b." and "iv." share one shape, "(1)" and "(2)" another, "( )", "[ ]", "•" and "-"
    their own; a line that opens with a word has none. A tag ("<option ...>") is its name."""
    tag = re.match(r"\s*<(\w+)", line)
    if tag:
        return f"<{tag.group(1)}"
    found = _OPENER.match(line)
    if found is None:
        return ""
    shape = re.sub(r"[A-Za-z]+", "a", re.sub(r"\d+", "9", found.group(1)))
    # Enclosed and circled letters ("🅐", "🅑", "Ⓐ") are one kind of marker, as "A." and "B." are.
    shape = re.sub(r"[^\x00-\x7f]", "s", shape)
    return re.sub(r"\s+", " ", shape)


def option_lines(prompt: str) -> list[str]:
    """Lines offered as options: the longest run (two or more) of consecutive short lines that
    open with the same kind of marker, whatever the marker is."""
    best: list[str] = []
    run: list[str] = []
    for line in lines(prompt) + [""]:
        mark = _opener(line) if len(line.split()) <= _OPTION_WORDS else ""
        if run and mark and mark == _opener(run[-1]):
            run.append(line)
            continue
        if len(run) >= 2 and len(run) > len(best):
            best = run
        run = [line] if mark else []
    return best


def inline_options(line: str) -> bool:
    """A short line that opens with a marker and holds another of the same kind before a later
    word: two or more options on one line ("(a) tea (b) milk", "🅐 tea 🅑 milk")."""
    tokens = line.split()
    if len(tokens) > _OPTION_WORDS or len(tokens) < 4:
        return False
    shapes = [_opener(t + " ") for t in tokens]
    # "costs 3. Then": a sentence may end on a number, so "9." and "9:" mark no option inline.
    kind = shapes[0] if shapes[0] not in ("9.", "9:") else ""
    return bool(kind) and shapes[2:-1].count(kind) >= 1


def option_body(line: str) -> str:
    """An option line without its marker or tags."""
    body = re.sub(r"<[^>]*>", " ", line)
    return _OPENER.sub("", body, count=1).strip()


def has_options(prompt: str) -> bool:
    """Options are offered: as lines, inline ("X or Y?", "a, b, c?"), or separated by / or |."""
    question = question_part(prompt)
    inline = re.search(r"\b\w[\w' -]*,? or \w[\w' -]*[?.:]?", question)
    listed = re.search(r":\s*[\w' -]+(,\s*[\w' -]+)+[?.]?\s*$", question)
    separated = re.search(r"^[^\n]*\w[^\n/|]*\s[/|]\s[^\n]*\w[^\n]*$", prompt, re.MULTILINE)
    marked = any(inline_options(line) for line in lines(prompt))
    return len(option_lines(prompt)) >= 2 or marked or bool(inline or listed or separated)


def last_number(line: str) -> tuple[str, str] | None:
    """The last number on a line (thousands separators and a leading $ dropped) and the text
    after it, or None."""
    found = list(_NUMBER.finditer(line))
    if not found:
        return None
    last = found[-1]
    return last.group().replace(",", "").replace("$", "").rstrip("."), line[last.end() :]


def alternation(prompt: str) -> bool:
    """A run of at least five tokens repeating with period 2 or 3 (a, b, a, b, a); separators
    (commas, dashes, bars) and list markers are not tokens."""
    raw = [t for t in re.findall(r"[^\s,;]+", prompt) if not _MARKER.fullmatch(t)]
    tokens = [t.lower().strip(".'\"") for t in raw]
    tokens = [t for t in tokens if t not in {"-", "–", "|", "/", ""}]
    for period in (2, 3):
        run = 0
        for i in range(period, len(tokens)):
            run = run + 1 if tokens[i] == tokens[i - period] and tokens[i] != tokens[i - 1] else 0
            if run >= period + 1:
                return True
    return False


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    # "arrive" and "arrived" meet at "arriv".
    return word[:-1] if word.endswith("e") and len(word) >= 5 else word


def content_words(text: str) -> set[str]:
    """Content words, crudely stemmed: "rained" and "rain" match; function words and negators
    do not count."""
    words = {_stem(w.lower()) for w in _TOKEN.findall(text) if len(w) > 2}
    return words - _STOP - {"not", "never", "none", "cannot", "nor"}


def shared_value(values: Sequence[str | None]) -> tuple[str, int] | None:
    """The most common non-empty value and its count."""
    counts: dict[str, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    if not counts:
        return None
    value = max(counts, key=lambda k: counts[k])
    return value, counts[value]
