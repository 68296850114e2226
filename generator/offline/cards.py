"""Mechanism cards of the offline operators: each operator's definition as structured data.

``ancestors`` name the known tasks (``datasets/known``) an operator's mechanism descends from;
an operator whose mechanism is in none of them names none, and its templates can be new.
"""

from __future__ import annotations

from invscale.generator.card import Behaviour, CauseFamily, Lure, MechanismCard


def _card(
    family: CauseFamily,
    lure: Lure,
    lure_text: str,
    behaviour: Behaviour,
    behaviour_text: str,
    domain: str,
    *ancestors: str,
) -> MechanismCard:
    return MechanismCard(
        family=family,
        lure=lure,
        lure_text=lure_text,
        behaviour=behaviour,
        behaviour_text=behaviour_text,
        domain=domain,
        ancestors=ancestors,
    )


F, L, B = CauseFamily, Lure, Behaviour

CARDS: dict[str, MechanismCard] = {
    "redefine_word": _card(
        F.STRONG_PRIOR,
        L.USUAL_MEANING,
        "the usual category of a word that the prompt has redefined",
        B.FOLLOW_STIPULATION,
        "classify the word by the new meaning the prompt gives it",
        "word categories",
        "prize-redefine",
    ),
    "redefine_fact": _card(
        F.STRONG_PRIOR,
        L.REAL_WORLD_FACT,
        "the real, well-known answer that the prompt has stipulated otherwise",
        B.FOLLOW_STIPULATION,
        "answer with the fact as the prompt stipulates it",
        "trivia",
        "prize-redefine",
    ),
    "redefine_symbol": _card(
        F.STRONG_PRIOR,
        L.USUAL_MEANING,
        "the usual operation of an arithmetic symbol that the prompt has redefined",
        B.FOLLOW_STIPULATION,
        "compute with the new meaning the prompt gives the symbol",
        "arithmetic",
        "prize-redefine",
        "counterfactual-task-variants",
    ),
    "memo_trap": _card(
        F.STRONG_PRIOR,
        L.MEMORISED_TEXT,
        "the memorised usual ending of a famous phrase",
        B.FOLLOW_INSTRUCTION,
        "end the phrase with the word the instruction names",
        "proverbs and famous lines",
        "prize-memo-trap",
    ),
    "answer_inversion": _card(
        F.STRONG_PRIOR,
        L.USUAL_MEANING,
        "the usual meaning of the true/false answer labels",
        B.FOLLOW_STIPULATION,
        "answer with the inverted label mapping the instruction sets",
        "true and false statements",
        "prize-redefine",
        "negated-instructions",
    ),
    "pattern_suppression": _card(
        # The Prize paper files pattern-match suppression under distractor tasks.
        F.DISTRACTOR_TASK,
        L.PATTERN_CONTINUATION,
        "continuing a repeated word pattern",
        B.FOLLOW_INSTRUCTION,
        "break the pattern at the end as instructed",
        "word sequences",
        "prize-pattern-match-suppression",
    ),
    "sycophancy": _card(
        F.SYCOPHANCY,
        L.USER_BELIEF,
        "the wrong answer the user says they believe",
        B.STATE_TRUTH,
        "give the right answer despite the user's stated belief",
        "trivia",
        "sycophancy-suggested-answer",
    ),
    "misleading_cue": _card(
        F.UNWANTED_IMITATION,
        L.SUGGESTED_ANSWER,
        "a wrong answer shown beside the question as if it were the answer",
        B.STATE_TRUTH,
        "answer the question on its merits instead of copying the shown answer",
        "trivia",
        "sycophancy-suggested-answer",
    ),
    "negation": _card(
        F.DISTRACTOR_TASK,
        L.EASIER_TASK,
        "the answer to the same question without its negation",
        B.READ_QUESTION_EXACTLY,
        "answer the negated question as asked",
        "word categories",
        "prize-neqa",
        "negated-instructions",
    ),
    "distractor_question": _card(
        F.DISTRACTOR_TASK,
        L.SALIENT_DISTRACTOR,
        "the answer to a first question it was told to skip",
        B.READ_QUESTION_EXACTLY,
        "answer only the question it is asked to answer",
        "trivia",
    ),
    "spurious_fewshot": _card(
        F.SPURIOUS_FEW_SHOT,
        L.SPURIOUS_DEMO_FEATURE,
        "the demonstrations' rule that the decimal with more digits is larger",
        B.COMPUTE,
        "compare the two decimals by their value",
        "decimal numbers",
    ),
    "repeated_answer": _card(
        F.SPURIOUS_FEW_SHOT,
        L.REPEATED_DEMO_ANSWER,
        "the answer that every demonstration shares",
        B.COMPUTE,
        "compute the new problem's own answer",
        "arithmetic",
        "prize-repetitive-algebra",
    ),
    # Mechanisms absent from datasets/known (see ops_novel): no ancestors.
    "anchoring": _card(
        F.COGNITIVE_BIAS,
        L.IRRELEVANT_NUMBER,
        "an arbitrary number stated just before the question",
        B.STATE_TRUTH,
        "answer from what it knows, ignoring the irrelevant number",
        "numeric facts",
    ),
    "intuitive_trap": _card(
        F.COGNITIVE_BIAS,
        L.INTUITIVE_ANSWER,
        "the quick intuitive answer of a cognitive-reflection price puzzle",
        B.COMPUTE,
        "work out the price from the stated total and difference",
        "shopping prices",
    ),
    "base_rate": _card(
        F.COGNITIVE_BIAS,
        L.REPRESENTATIVENESS,
        "how well a personality sketch fits a rare group",
        B.USE_CONTEXT_EVIDENCE,
        "weigh the stated base rates, which favour the common group",
        "occupations and groups",
    ),
    "framing": _card(
        F.COGNITIVE_BIAS,
        L.FRAME_VALENCE,
        "the opposite valence of a gain and a loss framing",
        B.JUDGE_EQUIVALENCE,
        "recognise that complementary rates describe the same outcome",
        "rates and percentages",
    ),
}


def operator_card(name: str, domain: str | None = None) -> MechanismCard | None:
    """The card of operator ``name`` (None for an operator without one), with ``domain`` when
    the operator rendered another surface than its default."""
    card = CARDS.get(name)
    if card is None or domain is None:
        return card
    return card.model_copy(update={"domain": domain})
