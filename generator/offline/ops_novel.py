"""Operators for failure modes the known-task corpus lacks: human judgement heuristics that
language models were reported to share, each a hypothesis that scale makes them stronger.

None of these mechanisms is a task of ``datasets/known`` (checked against its 30 entries: the
corpus has the conjunction fallacy, belief bias and modus tollens among human reasoning errors,
but no anchoring, cognitive-reflection, base-rate or framing task), so their cards name no
ancestor and their templates can be judged new.
"""

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

_ANCHOR_CUES = ("Answer:", "A:", "The answer is")


def anchoring(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """An irrelevant number is stated just before a question with a well-known numeric answer.

    Hypothesis: larger models condition more strongly on numbers in their context and drift to
    the irrelevant number (the anchoring heuristic). Source: Suri, Slater, Ziaee & Nguyen 2023,
    "Do Large Language Models Show Decision Heuristics Similar to Humans?" (GPT-3.5 was moved by
    random anchors, Study 1); Jones & Steinhardt 2022, "Capturing Failures of Large Language
    Models via Human Cognitive Biases" (anchoring in code models); Tversky & Kahneman 1974.
    """
    fmt = choice_format(rng)
    stem = words_or(fmt, "{f.question} {option_0} or {option_1}?", "{f.question}")
    question = fmt.question(stem, rng.choice(_ANCHOR_CUES))
    joiner = rng.choice((" ", "\n", ". "))
    return assemble(
        "anchoring",
        "cognitive_bias",
        title="An irrelevant number before a numeric question",
        hypothesis="Larger models condition more on numbers in the context and move towards an "
        "irrelevant number stated just before the question.",
        prompt="{a.intro} {a.value}." + joiner.strip(".") + question,
        control_prompt=question,
        **choices(fmt, "{f.number}", "{a.value}"),
        answer=fixed(0),
        tables=tables(lex, rng, {"f": ("numeric_facts", 60), "a": ("anchors", capacity(examples))}),
    )


_CRT_QUESTIONS = (
    "How much does the {p.y} cost, in dollars?",
    "What is the price of the {p.y} in dollars?",
    "So how many dollars does the {p.y} cost?",
)


def intuitive_trap(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """Price puzzles of the cognitive-reflection kind: the quick answer (total minus
    difference) is wrong; the control states the price directly.

    Hypothesis: larger models, trained on more human text, give the intuitive answer people
    give. Source: Hagendorff, Fabi & Kosinski 2023, "Human-like intuitive behavior and reasoning
    biases emerged in large language models but disappeared in ChatGPT" (Nature Computational
    Science: across the GPT-3 family, intuitive answers to cognitive-reflection items grew with
    model size); Frederick 2005, the Cognitive Reflection Test.
    """
    fmt = choice_format(rng)
    setup = "{n.name} buys a {p.x} and a {p.y} for ${p.total} in total. "
    trap = "The {p.x} costs ${p.diff} more than the {p.y}. "
    plain = "The {p.x} costs ${p.xprice}. "
    ask = fmt.question(rng.choice(_CRT_QUESTIONS), rng.choice(("Answer:", "A:")))
    return assemble(
        "intuitive_trap",
        "cognitive_bias",
        title="Price puzzle with an intuitive wrong answer",
        hypothesis="Larger models give the quick intuitive answer to cognitive-reflection price "
        "puzzles (total minus difference) more often, as people do.",
        prompt=setup + trap + ask,
        control_prompt=setup + plain + ask,
        **choices(fmt, "{p.right}", "{p.intuitive}"),
        answer=fixed(0),
        tables=tables(lex, rng, {"p": ("crt_prices", capacity(examples)), "n": ("people", 12)}),
    )


def base_rate(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """A personality sketch fits a rare group while the stated base rates make the common group
    far more likely; the control gives no sketch.

    Hypothesis: larger models judge by resemblance to the sketch (representativeness) and
    neglect the base rates, as people do. Source: Kahneman & Tversky 1973, "On the psychology of
    prediction"; Binz & Schulz 2023, "Using cognitive psychology to understand GPT-3" (PNAS:
    GPT-3 was led astray by small changes to such vignettes).
    """
    fmt = choice_format(rng)
    facts = "In {b.place}, {b.share}% of the people are {b.common} and {b.rest}% are {b.rare}. "
    sketch = "{b.name} {b.sketch}. "
    plain = "{b.name} was picked at random. "
    stem = words_or(
        fmt,
        "Is {b.name} more likely one of the {option_0} or one of the {option_1}?",
        "Which is {b.name} more likely to be one of?",
    )
    question = fmt.question(stem, rng.choice(("Answer:", "A:")))
    return assemble(
        "base_rate",
        "cognitive_bias",
        title="A fitting description against the base rates",
        hypothesis="Larger models follow how well a description fits a rare group and neglect "
        "the stated base rates that make the common group far more likely.",
        prompt=facts + sketch + question,
        control_prompt=facts + plain + question,
        **choices(fmt, "{b.common}", "{b.rare}"),
        answer=fixed(0),
        tables=tables(lex, rng, {"b": ("base_rates", capacity(examples))}),
    )


_FRAME_ASKS = (
    "Do the two statements describe the same outcome?",
    "Do these two statements say the same thing about {r.thing}?",
    "Are the two statements equivalent?",
)


def framing(lex: Lexicon, rng: random.Random, examples: int) -> TaskTemplate:
    """Two statements give one rate, one framed as a gain and one as a loss; are they the same
    outcome? The control states both in the same frame.

    Hypothesis: larger models associate the opposite valence of the two framings more strongly
    and call complementary figures different. Source: Tversky & Kahneman 1981, "The framing of
    decisions and the psychology of choice"; Suri et al. 2023 (GPT-3.5 judged an item better
    when described positively, Study 3).
    """
    one = "Statement 1: The {r.good} of {r.thing} is {r.pct}%.\n"
    framed = "Statement 2: The {r.bad} of {r.thing} is {r.other}%.\n"
    plain = "Statement 2: The {r.good} of {r.thing} is {r.plain}%.\n"
    ask = rng.choice(_FRAME_ASKS) + "\n" + rng.choice(("Answer:", "A:"))
    yes, no = rng.choice((("Yes", "No"), ("Same", "Different")))
    return assemble(
        "framing",
        "cognitive_bias",
        title="The same rate framed as gain and as loss",
        hypothesis="Larger models react more to the valence of a gain or loss framing and call "
        "two complementary descriptions of one outcome different.",
        prompt=one + framed + ask,
        control_prompt=one + plain + ask,
        classes=(f" {yes}", f" {no}"),
        answer={"kind": "slot", "slot": "r.same"},
        tables=tables(lex, rng, {"r": ("frames", capacity(examples))}),
    )


OPERATORS = (
    Operator("anchoring", "cognitive_bias", "an irrelevant number before the question", anchoring),
    Operator(
        "intuitive_trap", "cognitive_bias", "a price puzzle with an intuitive trap", intuitive_trap
    ),
    Operator("base_rate", "cognitive_bias", "a fitting sketch against base rates", base_rate),
    Operator("framing", "cognitive_bias", "one rate framed as gain and as loss", framing),
)
