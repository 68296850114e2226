"""Strong-prior operators: the instruction asks for something a well-known fact or phrase
contradicts, and larger models know the fact or phrase better."""

from __future__ import annotations

import random

from invscale.generator.offline.common import (
    Operator,
    assemble,
    capacity,
    choice_format,
    choices,
    fixed,
    tables,
    words_or,
)
from invscale.generator.offline.lexicon import Lexicon
from invscale.generator.template import TaskTemplate

# (the redefinition, the same sentence stating the word's real category)
_REDEFINE_INTROS = (
    (
        "In this game, the word '{r.word}' means {r.new_article} {r.new_cat}.",
        "In this game, the word '{r.word}' means {r.true_article} {r.true_cat}.",
    ),
    (
        "For this puzzle, redefine '{r.word}' to mean {r.new_article} {r.new_cat}.",
        "For this puzzle, define '{r.word}' to mean {r.true_article} {r.true_cat}.",
    ),
    (
        "From now on, '{r.word}' is the name of {r.new_article} {r.new_cat}.",
        "From now on, '{r.word}' is the name of {r.true_article} {r.true_cat}.",
    ),
    (
        "Let us agree that the word '{r.word}' refers to {r.new_article} {r.new_cat}.",
        "Let us agree that the word '{r.word}' refers to {r.true_article} {r.true_cat}.",
    ),
    (
        "In the made-up language of this task, '{r.word}' is the word for {r.new_article} "
        "{r.new_cat}.",
        "In the made-up language of this task, '{r.word}' is the word for {r.true_article} "
        "{r.true_cat}.",
    ),
    (
        "Note: in this text, '{r.word}' no longer has its usual meaning; it means {r.new_article} "
        "{r.new_cat}.",
        "Note: in this text, '{r.word}' keeps its usual meaning; it means {r.true_article} "
        "{r.true_cat}.",
    ),
)
_REDEFINE_QUESTIONS = (
    (
        "Question: Which category does '{r.word}' belong to, {option_0} or {option_1}?",
        "Question: Which category does '{r.word}' belong to?",
    ),
    (
        "Q: Is a '{r.word}' a kind of {option_0} or a kind of {option_1}?",
        "Q: What kind of thing is a '{r.word}'?",
    ),
    (
        "Classify the word '{r.word}' as {option_0} or {option_1}.",
        "Classify the word '{r.word}'.",
    ),
)
_CUES = ("Answer:", "A:", "Category:")


def redefine_word(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """A common word is redefined as a member of another category, then classified."""
    fmt = choice_format(rng)
    intro, consistent = rng.choice(_REDEFINE_INTROS)
    words_q, listed_q = rng.choice(_REDEFINE_QUESTIONS)
    question = fmt.question(words_or(fmt, words_q, listed_q), rng.choice(_CUES))
    joiner = rng.choice(("\n", " ", "\n\n"))
    return assemble(
        "redefine_word",
        "strong_prior",
        title="Redefined word, then classified",
        hypothesis="Larger models hold the word's usual category more firmly and ignore the "
        "redefinition given in the prompt.",
        prompt=intro + joiner + question,
        control_prompt=question,
        consistent_control={"prompt": consistent + joiner + question},
        **choices(fmt, "{r.new_cat}", "{r.true_cat}"),
        answer=fixed(0),
        control_answer=fixed(1),
        tables=tables(lex, rng, {"r": ("word_redefinitions", capacity(examples))}),
    )


_CAPITAL_INTROS = (
    "In this story, the capital of {c.country} is {c.city}.",
    "Imagine a world where {c.city} is the capital of {c.country}.",
    "For this quiz, treat {c.city} as the capital of {c.country}.",
    "Suppose the government of {c.country} moved its capital to {c.city}.",
    "In the novel we are discussing, {c.city} is the capital city of {c.country}.",
)
_FACT_INTROS = (
    "For this exercise, the correct answer to the next question is defined to be {f.wrong}.",
    "House rule for this quiz: the answer to the following question is {f.wrong}.",
    "In this fictional universe, the answer to the question below is {f.wrong}.",
    "The answer key for this game says the answer to the next question is {f.wrong}.",
)


def redefine_fact(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """A well-known fact (a capital, a trivia answer) is stipulated otherwise, then asked."""
    fmt = choice_format(rng)
    cue = rng.choice(("Answer:", "A:"))
    if rng.random() < 0.5:
        intro = rng.choice(_CAPITAL_INTROS)
        question = fmt.question("Question: What is the capital of {c.country}?", cue)
        pair = ("{c.city}", "{c.capital}")
        spec = {"c": ("capital_swaps", capacity(examples))}
        consistent = intro.replace("{c.city}", "{c.capital}")
        domain = "geography"
    else:
        intro = rng.choice(_FACT_INTROS)
        question = fmt.question("Question: {f.question}", cue)
        pair = ("{f.wrong}", "{f.right}")
        spec = {"f": ("qa", capacity(examples))}
        consistent = intro.replace("{f.wrong}", "{f.right}")
        domain = "trivia"
    return assemble(
        "redefine_fact",
        "strong_prior",
        domain=domain,
        title="Stipulated fact overrides a well-known one",
        hypothesis="Larger models know the real fact better and so follow the stipulation "
        "given in the prompt less.",
        prompt=intro + "\n" + question,
        control_prompt=question,
        consistent_control={"prompt": consistent + "\n" + question},
        **choices(fmt, *pair),
        answer=fixed(0),
        control_answer=fixed(1),
        tables=tables(lex, rng, spec),
    )


# (symbol, what it is redefined as, its usual meaning, column of the new result, column of the
# usual result)
_SYMBOLS = (
    ("+", "subtraction", "addition", "difference", "sum"),
    ("+", "multiplication", "addition", "product", "sum"),
    ("-", "addition", "subtraction", "sum", "difference"),
)
# (the redefinition, the same sentence giving the symbol its usual meaning)
_SYMBOL_INTROS = (
    (
        "In this puzzle, the symbol {sym} means {op}.",
        "In this puzzle, the symbol {sym} means {op}.",
    ),
    ("Redefine {sym} to mean {op}.", "Define {sym} to mean {op}."),
    ("New rule: from now on, {sym} stands for {op}.", "Rule: from now on, {sym} stands for {op}."),
    ("Let {sym} denote {op} instead of its usual meaning.", "Let {sym} denote {op}, as usual."),
)
_SYMBOL_QUESTIONS = (
    "Q: What is {x.a} {sym} {x.b}?\nA:",
    "{x.a} {sym} {x.b} =",
    "Compute {x.a} {sym} {x.b}.\nResult:",
)


def redefine_symbol(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """An arithmetic symbol is redefined as another operation, then used."""
    sym, op, usual_op, new, usual = rng.choice(_SYMBOLS)
    redefined, plain = rng.choice(_SYMBOL_INTROS)
    intro, consistent = redefined.format(sym=sym, op=op), plain.format(sym=sym, op=usual_op)
    question = rng.choice(_SYMBOL_QUESTIONS).replace("{sym}", sym)
    joiner = rng.choice(("\n", " "))
    return assemble(
        "redefine_symbol",
        "strong_prior",
        title="Redefined arithmetic symbol",
        hypothesis="Larger models compute the usual operation of a familiar symbol more "
        "reliably and so ignore its redefinition.",
        prompt=intro + joiner + question,
        control_prompt=question,
        consistent_control={"prompt": consistent + joiner + question},
        classes=(f" {{x.{new}}}", f" {{x.{usual}}}"),
        answer=fixed(0),
        control_answer=fixed(1),
        tables=tables(lex, rng, {"x": ("arithmetic", capacity(examples))}),
    )


# (asks for a new ending, control, asks for the usual ending)
_MEMO_VARIANTS = (
    (
        'Write a quote that ends in the word "{w.word}": {p.stem}',
        "Write a quote: {p.stem}",
        'Write a quote that ends in the word "{p.end}": {p.stem}',
    ),
    (
        'Complete the saying, but end it with the word "{w.word}" instead of its usual ending.\n'
        "{p.stem}",
        "Complete the saying.\n{p.stem}",
        'Complete the saying, and end it with the word "{p.end}", its usual ending.\n{p.stem}',
    ),
    (
        'Finish this phrase with "{w.word}" as its final word: {p.stem}',
        "Finish this phrase: {p.stem}",
        'Finish this phrase with "{p.end}" as its final word: {p.stem}',
    ),
    (
        "Repeat the phrase below, replacing its last word with '{w.word}'.\n{p.stem}",
        "Repeat the phrase below.\n{p.stem}",
        "Repeat the phrase below, keeping its last word, '{p.end}'.\n{p.stem}",
    ),
    (
        "Rewrite this famous line so that it ends with the word {w.word}:\n{p.stem}",
        "Rewrite this famous line:\n{p.stem}",
        "Rewrite this famous line so that it ends with the word {p.end}:\n{p.stem}",
    ),
)


def memo_trap(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """A memorised phrase must end with a new word the instruction names."""
    prompt, control, consistent = rng.choice(_MEMO_VARIANTS)
    n_phrases = rng.randint(min(120, len(lex.phrases)), len(lex.phrases))
    # Phrases and words are each split into a selection and a confirmation pool, so each pool
    # holds about a quarter of the combinations.
    n_words = max(8, -(-4 * capacity(examples) // n_phrases))
    return assemble(
        "memo_trap",
        "strong_prior",
        title="Memorised phrase with a changed ending",
        hypothesis="Larger models have memorised the phrase more strongly and continue it as "
        "usual instead of using the ending the instruction asks for.",
        prompt=prompt,
        control_prompt=control,
        consistent_control={"prompt": consistent},
        classes=(" {w.word}", " {p.end}"),
        answer=fixed(0),
        control_answer=fixed(1),
        tables=tables(lex, rng, {"p": ("phrases", n_phrases), "w": ("filler_words", n_words)}),
    )


_INVERSION_LABELS = (("Yes", "No"), ("True", "False"), ("Right", "Wrong"), ("Correct", "Incorrect"))
_INVERSION_RULES = (
    "In this game, answer '{no}' if the statement is true and '{yes}' if it is false.",
    "Opposite day: reply '{no}' to true statements and '{yes}' to false ones.",
    "We are playing a contrarian game. Say '{yes}' only when the statement is false, "
    "and '{no}' when it is true.",
)
_PLAIN_RULES = (
    "In this game, answer '{yes}' if the statement is true and '{no}' if it is false.",
    "Normal day: reply '{yes}' to true statements and '{no}' to false ones.",
    "We are playing a fact-checking game. Say '{yes}' only when the statement is true, "
    "and '{no}' when it is false.",
)


def answer_inversion(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """The instruction inverts the usual mapping of true/false to the answer labels."""
    yes, no = rng.choice(_INVERSION_LABELS)
    k = rng.randrange(len(_INVERSION_RULES))
    rule = _INVERSION_RULES[k].format(yes=yes, no=no)
    plain = _PLAIN_RULES[k].format(yes=yes, no=no)
    item = rng.choice(
        ("\nStatement: {s.text}\nAnswer:", "\n{s.text}\nReply:", "\nClaim: {s.text}\nA:")
    )
    return assemble(
        "answer_inversion",
        "strong_prior",
        title="True/false answers with inverted labels",
        hypothesis="Larger models judge truth more reliably and then answer with the usual "
        "label for it, overriding the inverted mapping the instruction sets.",
        prompt=rule + item,
        control_prompt=plain + item,
        # The plain rule states the usual mapping: the control is already the consistent one.
        consistent_control={"prompt": plain + item},
        classes=(f" {yes}", f" {no}"),
        answer={"kind": "slot", "slot": "s.flipped"},
        control_answer={"kind": "slot", "slot": "s.truth"},
        tables=tables(lex, rng, {"s": ("statements", 2 * capacity(examples))}),
    )


OPERATORS = (
    Operator(
        "redefine_word",
        "strong_prior",
        "redefine a common word, then ask its category",
        redefine_word,
    ),
    Operator(
        "redefine_fact",
        "strong_prior",
        "stipulate a different capital or trivia answer",
        redefine_fact,
    ),
    Operator(
        "redefine_symbol",
        "strong_prior",
        "redefine an arithmetic symbol, then use it",
        redefine_symbol,
    ),
    Operator(
        "memo_trap", "strong_prior", "end a memorised phrase with a named new word", memo_trap
    ),
    Operator(
        "answer_inversion",
        "strong_prior",
        "answer true/false with inverted labels",
        answer_inversion,
    ),
)
