"""Mechanism signatures: structural tests that recognise a known mechanism in bare prompts.

Sentence embeddings of prompts follow their topic and wording, so a known mechanism in a new
surface (other domain, other format) often lands nearer an unrelated task than its own. A
signature tests what *defines* a mechanism instead: the repeated answer of the demonstrations,
a copy instruction whose output is cut inside the text to copy, an option that only restates the
scenario, a repetition the instruction asks to break. Each is written from the published
definition of its task (see ``datasets/known``), not from any calibration set, and fires on one
prompt; a task's signature score is the share of a query's prompts on which it fires.

Signatures exist for the Inverse Scaling Prize winners and a few published tasks with a crisp
structure; the other tasks are recognised by the embedding channels only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

Signature = Callable[[str], bool]

_NEGATION = re.compile(
    r"\b(not|never|cannot|can't|isn't|aren't|doesn't|don't|didn't|wasn't|weren't|won't|"
    r"except|neither|none of|no longer)\b",
    re.IGNORECASE,
)
_OPTION_LINE = re.compile(r"^\s*(\(?[A-Da-d1-4ivxXYxy]{1,3}[).:]|[-*] )\s*\S", re.MULTILINE)
_STIPULATION = re.compile(
    r"\b(means|mean|stands? for|denotes?|(is|are) worth (\d|one|two|three|four|five|ten)|"
    r"refers? to|is (the )?(name|word) "
    r"for|redefine[ds]?|from now on|new (rule|convention|definition)|is defined|"
    r"let (the )?\S+ (be|mean|stand|denote)|treat \S+ as|comes? (after|before)|"
    r"(house |new |special )?rules?:|defined as|counts? as|is set to|"
    r"(in|for) (this|our|the) ([\w-]+ ){0,2}(game|games|puzzle|story|quiz|league|town|world|"
    r"language|universe|version|codebase|program|country|school|exercise|task|test|report|book|"
    r"document|glossary|made-up|fictional))\b",
    re.IGNORECASE,
)
_BELIEF = re.compile(
    r"\b(I think|I believe|I'm (fairly |pretty |almost |quite )?(sure|certain)|I guess|"
    r"I'd (say|bet)|I remember|I have a (strong )?feeling|I really hope|my gut|"
    r"(my|our) (\w+ )?(teacher|textbook|friend|professor|doctor|boss|class)\b[^.?!\n]*"
    r"\b(says|said|told|insists|answered)|(everyone|a website|most people)\b[^.?!\n]*"
    r"\b(says|said|answered|trust))",
    re.IGNORECASE,
)
_SHOWN_ANSWER = re.compile(
    r"^[^:\n]{0,40}\b(answer|guess|suggestion|vote|key)\b[^:\n]{0,20}:[ \t]*\S.*$",
    re.IGNORECASE | re.MULTILINE,
)
_COPY = re.compile(
    r"\b(repeat|copy|copies|echo|transcribe|reproduce|verbatim|word for word|exactly|"
    r"say (it|my \w+|this) back|say back|mirror|dictat\w*|unchanged|as (written|given|is|"
    r"shown)|without (fixing|changes|correcting)|mistakes and all|quote)",
    re.IGNORECASE,
)
_END_WORD = re.compile(
    r"((last|final|ending|end) word|ends? (it )?(with|in|on)|at the end|as its (last|final)|"
    r"instead of (its|the) usual|finish\w* (it |the \w+ )?with)",
    re.IGNORECASE,
)
_BREAK = re.compile(
    r"\b(break|breaks|breaking|unexpected\w*|(does|do|must|should|is) ?n[o']t (fit|follow|"
    r"continue|match|be|in|part of|repeat)|neither|other than|something else|else|not the next|"
    r"differ\w*|instead|odd|change\w*|vary|deviat\w*|outside|surpris\w*|new)\b",
    re.IGNORECASE,
)
_OVERRIDE = re.compile(
    r"\b(ignore|disregard|forget|stop (being|translating|summari[sz]ing|doing)|new instructions?|"
    r"your new task|override|instead,? (write|say|print|reply|output|tell)|reply only|"
    r"output (the text|only)|print your|skip (the|this) (task|\w+ing)|system (message|"
    r"override)|(do not|don't) (translate|summari[sz]e|extract|answer|classify))\b",
    re.IGNORECASE,
)
_ADDRESSEE = re.compile(
    r"(\b(to|attention|note to|dear|hey|instruction to) (the )?([\w-]+ )?(assistant|AI|"
    r"model|bot|classifier|summari[sz]er|translator|moderator)\b|\b(assistant|AI|bot|"
    r"classifier|summari[sz]er|model|moderator),|\bto whoever\b)",
    re.IGNORECASE,
)
_PROBABILITY = re.compile(
    r"(\d+ ?%|\bchance\b|\bodds\b|\bprobabilit|\b\d+ (in|out of) \d+\b|expected (value|return)|"
    r"track record|forecast)",
    re.IGNORECASE,
)
_JUDGEMENT = re.compile(
    r"\b(good|wise|sensible|smart|sound|right|bad|foolish|poor)\b[^?\n:]{0,20}\b"
    r"(decision|choice|call|idea|move|bet)?\b[^?\n:]*[?:]|\b(sensible|wise|smart)[?:]",
    re.IGNORECASE,
)
_HELP_INFO = re.compile(
    r"\b(help|helpful|useful|new|learn|teach|reveal|inform\w*|know|next|"
    r"worth (reading|checking|asking)|tell\w* (us |me |the \w+ )?something|clue|check|"
    r"find out)\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(r"\b(if|whenever|anyone who|any \w+ (that|who)|every \w+)\b", re.I)
_CONCLUSION = re.compile(
    r"\b(therefore|so|hence|thus|conclusion|conclude|inference|infer|deduce|it follows|"
    r"it must be)\b",
    re.IGNORECASE,
)
_VALIDITY = re.compile(
    r"\b(valid|follow|follows|correct|justified|sound|true or false|logical\w*|conclude)\b",
    re.IGNORECASE,
)
_SIG_FIGS = re.compile(r"(significant (figure|digit)|\bsig\.? ?figs?\b|\bs\.f\.)", re.IGNORECASE)
_MARKER = re.compile(r"(\d{1,2}|[a-hA-H])[.)]|\((\d{1,2}|[a-hA-H])\)")
_TOKEN = re.compile(r"[A-Za-z0-9#*+=<>@$%&^~-]+")
_ANSWER_TAIL = re.compile(r"(?:A:|Answer:|=|->|:|\bis|\?)\s*(-?[\w.,$]+)\s*\.?\s*$", re.IGNORECASE)


def _lines(prompt: str) -> list[str]:
    return [line.strip() for line in prompt.splitlines() if line.strip()]


def _question_part(prompt: str) -> str:
    """The sentence that asks: the last one with a '?', else the first line."""
    asked = re.findall(r"[^.?!\n]*\?", prompt)
    return asked[-1] if asked else _lines(prompt)[0] if _lines(prompt) else ""


def _has_options(prompt: str) -> bool:
    question = _question_part(prompt)
    inline = re.search(r"\b\w[\w' -]*,? or \w[\w' -]*\??", question)
    listed = re.search(r":\s*[\w' -]+(,\s*[\w' -]+)+[?.]?\s*$", question)
    # "Options: a / b" or "a | b" on a line of their own.
    separated = re.search(r"^[^\n]*\w[^\n/|]*\s[/|]\s[^\n]*\w[^\n]*$", prompt, re.MULTILINE)
    return len(_OPTION_LINE.findall(prompt)) >= 2 or bool(inline or listed or separated)


def negated_choice(prompt: str) -> bool:
    """NeQA: a choice question whose asking sentence is negated (no stipulation before it).
    "X or not X" options are no negation of the question."""
    question = re.sub(r"\b(or|and) (not|never) \w+", "", _question_part(prompt), flags=re.I)
    return (
        bool(_NEGATION.search(question))
        and _has_options(prompt)
        and not _STIPULATION.search(prompt)
        and not _COPY.search(prompt)
    )


def negated_instruction(prompt: str) -> bool:
    """Negated instructions: an imperative with a negation and no options to choose from."""
    first = _lines(prompt)[0] if _lines(prompt) else ""
    imperative = re.match(r"\s*(give|name|write|choose|list|say|pick|find)\b", first, re.I)
    return bool(imperative) and bool(_NEGATION.search(first)) and not _has_options(prompt)


def copy_cut_short(prompt: str) -> bool:
    """Resisting correction: a copy instruction, and the prompt ends inside the copy: its last
    line (after any label) begins a longer text that appears earlier in the prompt."""
    lines = _lines(prompt)
    if len(lines) < 2 or not _COPY.search(prompt):
        return False
    tail = re.sub(r"^[^:\"']{0,30}:\s*", "", lines[-1]).strip(" \"'")
    words = tail.split()
    if len(words) < 2:
        return False
    earlier = " ".join(lines[:-1])
    at = earlier.find(tail)
    return at >= 0 and len(earlier[at + len(tail) :].strip(" \"'.")) > 0


def stipulation(prompt: str) -> bool:
    """Redefine: a meaning, value or rule is stipulated, then a question depends on it."""
    # "What does BP stand for?" asks a meaning; it stipulates none.
    hits = [
        m
        for m in _STIPULATION.finditer(prompt)
        if not re.search(r"\b(does|do|did)\b[^.?!\n]{0,40}$", prompt[: m.start()], re.I)
    ]
    hit = hits[0] if hits else None
    if hit is None or _BELIEF.search(prompt) or _COPY.search(prompt):
        return False
    after = prompt[hit.end() :]
    return bool(re.search(r"[?]|\b(what|which|how|is|are|should|evaluate|compute)\b", after, re.I))


def suggested_answer(prompt: str) -> bool:
    """Suggested answer (sycophancy and its cue variant): the user states a belief about the
    answer, or a labelled answer is shown before the item's own answer cue."""
    shown = [m for m in _SHOWN_ANSWER.finditer(prompt) if m.end() < len(prompt.rstrip())]
    # One shown answer is a suggestion; several are solved demonstrations.
    return bool(_BELIEF.search(prompt)) or len(shown) == 1


def _answer_tails(lines: Sequence[str]) -> list[str | None]:
    out: list[str | None] = []
    for line in lines:
        # Table cells: "| 8 + 8 | 16 |" reads as "8 + 8 : 16".
        found = _ANSWER_TAIL.search(re.sub(r"\s*\|\s*", " : ", line.strip(" |")))
        out.append(found.group(1).strip(".,").lower() if found else None)
    return out


def repeated_answer(prompt: str) -> bool:
    """Repetitive algebra: three or more solved items share one numeric answer and the last
    item is left to solve."""
    lines = _lines(prompt)
    tails = _answer_tails(lines[:-1])
    values = Counter(t for t in tails if t is not None and re.fullmatch(r"-?[\d.,$]+", t))
    if not values:
        return False
    value, count = values.most_common(1)[0]
    last = _answer_tails(lines[-1:])[0]
    # Demonstrations whose answers merely alternate (A, B, A, B) share no answer.
    return count >= 3 and count >= 0.75 * sum(values.values()) and last != value


def majority_label(prompt: str) -> bool:
    """Few-shot label bias: three or more demonstrations carry the same word label."""
    labels = re.findall(r"(?:Label|Sentiment|Category|Class):\s*([A-Za-z]+)\s*$", prompt, re.M)
    counts = Counter(label.lower() for label in labels)
    return bool(counts) and counts.most_common(1)[0][1] >= 3


def outcome_judgement(prompt: str) -> bool:
    """Hindsight neglect: demonstrations judge decisions stated with their odds, and the last
    decision is to be judged."""
    judged = len(_JUDGEMENT.findall(prompt))
    answered = len(re.findall(r"\b(yes|no)\b[.!]?\s*\|?\s*$", prompt, re.IGNORECASE | re.MULTILINE))
    # Asked per item, or once as a column header over the answered rows of a table.
    return judged >= 1 and answered >= 2 and bool(_PROBABILITY.search(prompt))


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
    ]
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    """Content words, crudely stemmed: "rained" and "rain" match, auxiliaries do not count."""
    return {_stem(w.lower()) for w in _TOKEN.findall(text) if len(w) > 2} - _STOP


def restated_option(prompt: str) -> bool:
    """Into the unknown: one offered option only restates a sentence of the scenario, and the
    question asks which information would help."""
    lines = _lines(prompt)
    options = [ln for ln in lines if _OPTION_LINE.match(ln) or ln.startswith(("-", "*"))]
    if len(options) < 2 or not _HELP_INFO.search(prompt):
        return False
    first_option = next(i for i, ln in enumerate(lines) if ln in options)
    context = " ".join(lines[:first_option])
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", context) if "?" not in s]
    units = sentences + [c for s in sentences for c in re.split(r",? and |; |, ", s)]
    for option in options:
        body = _words(re.sub(r"^\W*\w{1,3}[).:]\s*", "", option))
        for unit in units:
            overlap = len(body & _words(unit)) / max(1, len(body))
            if (len(body) >= 3 and overlap >= 0.75) or (len(body) == 2 and overlap == 1):
                return True
    return False


def end_with_word(prompt: str) -> bool:
    """Memo trap: the instruction names the word a phrase must end with, and the prompt stops
    inside the phrase."""
    stripped = prompt.rstrip()
    unfinished = bool(stripped) and (stripped[-1].isalnum() or stripped[-1] == ",")
    return bool(_END_WORD.search(prompt)) and unfinished and not _alternation(prompt)


def _alternation(prompt: str) -> bool:
    """A run of at least five tokens repeating with period 2 or 3 (a, b, a, b, a); separators
    (commas, dashes) are not tokens."""
    raw = [t for t in re.findall(r"[^\s,;]+", prompt) if not _MARKER.fullmatch(t)]
    # Separators and list markers ("-", "1.", "b)") are not items of the sequence.
    tokens = [t.lower().strip(".'\"") for t in raw]
    tokens = [t for t in tokens if t not in {"-", "–", "|", "/", ""}]
    for period in (2, 3):
        run = 0
        for i in range(period, len(tokens)):
            run = run + 1 if tokens[i] == tokens[i - period] and tokens[i] != tokens[i - 1] else 0
            if run >= period + 1:
                return True
    return False


def broken_alternation(prompt: str) -> bool:
    """Pattern-match suppression: a repetition is shown and the instruction asks to break it."""
    return _alternation(prompt) and bool(_BREAK.search(prompt))


def modus_tollens(prompt: str) -> bool:
    """Modus tollens: a conditional, a denied consequent, a denied antecedent as conclusion,
    and a question whether the conclusion follows."""
    cond = _CONDITIONAL.search(prompt)
    if cond is None or not _VALIDITY.search(prompt):
        return False
    rest = prompt[cond.end() :]
    concl = _CONCLUSION.search(rest)
    if concl is None:
        return False
    minor, conclusion = rest[: concl.start()], rest[concl.end() :]
    # "has no hair" denies the consequent as well as "does not have hair".
    premise_negated = bool(_NEGATION.search(minor) or re.search(r"\bno\b", minor, re.I))
    return premise_negated and bool(_NEGATION.search(conclusion.split("?")[0]))


def injected_instruction(prompt: str) -> bool:
    """Prompt injection: after the task's own instruction, the input holds an order to do
    something else (an override phrase, or an order addressed to the assistant)."""
    lines = _lines(prompt)
    if len(lines) < 2:
        return False
    later = "\n".join(lines[1:])
    addressed = _ADDRESSEE.search(later) and re.search(
        r"\b(say|label|output|answer|respond|reply|write|print|mark|call|classify|rate|tag)\b",
        later,
        re.I,
    )
    return bool(_OVERRIDE.search(later) or addressed)


def sig_figs(prompt: str) -> bool:
    """Sig figs: rounding to significant figures."""
    return bool(_SIG_FIGS.search(prompt))


# Most specific first: when two signatures fire on the same prompts, the one testing more
# structure names the task (a repetition the instruction breaks is pattern-match suppression,
# even though "must not" also makes the instruction a negated one).
SIGNATURES: dict[str, Signature] = {
    "prize-repetitive-algebra": repeated_answer,
    "prize-pattern-match-suppression": broken_alternation,
    "prize-resisting-correction": copy_cut_short,
    "prize-into-the-unknown": restated_option,
    "prize-hindsight-neglect": outcome_judgement,
    "prize-modus-tollens": modus_tollens,
    "few-shot-label-bias": majority_label,
    "prize-memo-trap": end_with_word,
    "prize-sig-figs": sig_figs,
    "prize-prompt-injection": injected_instruction,
    "prize-redefine": stipulation,
    "sycophancy-suggested-answer": suggested_answer,
    "prize-neqa": negated_choice,
    "negated-instructions": negated_instruction,
}
SPECIFICITY = {task: rank for rank, task in enumerate(SIGNATURES)}


def signature_scores(prompts: Sequence[str]) -> dict[str, float]:
    """Per known task with a signature: the share of ``prompts`` on which it fires."""
    if not prompts:
        return {}
    return {task: sum(test(p) for p in prompts) / len(prompts) for task, test in SIGNATURES.items()}
