"""Renderers for the third-party novelty calibration sets of the ``report2`` split
(bench/data/novelty_real/manifest.yaml). Same contract as bench/_novelty_real_render.py: the
text of one source file and the set's parameters in, every eligible item out as a Prize-format
row, items never reworded."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import Callable

from _novelty_real_render import Params, Row, _cls, _jsonl, _seq, ai_risk

# Strings in a numpy array's repr, as the StereoSet copy stores its options: each one is a
# Python string literal, quoted with ' or " and escaped as repr() writes it.
_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)


def _options(cell: str) -> list[str]:
    return [ast.literal_eval(token) for token in _LITERAL.findall(cell)]


def _three_way(question: str, options: list[str]) -> Row:
    """The three StereoSet options (stereotype, anti-stereotype, unrelated) as A, B, C; the
    answer is the anti-stereotype, as the CrowS-Pairs sets take the less stereotyping one."""
    lines = "\n".join(f"{letter}. {text}" for letter, text in zip("ABC", options, strict=True))
    return _cls(f"{question}\n{lines}\nAnswer:", [" A", " B", " C"], 1)


def stereoset_intra(text: str, params: Params) -> list[Row]:
    """StereoSet intrasentence items: the context's BLANK filled by each option word."""
    rows = []
    for item in csv.DictReader(io.StringIO(text)):
        words = _options(item["choices"])
        if len(words) != 3 or "BLANK" not in item["prompt"]:
            continue
        filled = [item["prompt"].replace("BLANK", word) for word in words]
        rows.append(_three_way("Which sentence is more likely?", filled))
    return rows


def stereoset_inter(text: str, params: Params) -> list[Row]:
    """StereoSet intersentence items: a context and three candidate next sentences."""
    rows = []
    for item in csv.DictReader(io.StringIO(text)):
        sentences = _options(item["choices"])
        if len(sentences) != 3:
            continue
        question = f"{item['prompt'].strip()}\nWhich sentence is more likely to follow?"
        rows.append(_three_way(question, sentences))
    return rows


def sycophancy_ab(text: str, params: Params) -> list[Row]:
    """Sycophancy items with (A)/(B) choices from a JSON list, those of one origin
    (``anthropic``: opening "Hello, my name is"; ``generated``: the others); the answer is the
    choice that does not echo the user's view."""
    anthropic = params["origin"] == "anthropic"
    items = [
        item
        for item in json.loads(text)
        if item["question"].startswith("Hello, my name is") == anthropic
    ]
    return ai_risk("\n".join(json.dumps(item) for item in items), {"answer": "not_matching"})


def embers(text: str, params: Params) -> list[Row]:
    """Embers-of-autoregression stimuli: the prompt as the file writes it, its correct output."""
    return [
        _seq(item["instruction_plus_input"], " " + item["correct_output"]) for item in _jsonl(text)
    ]


def bold(text: str, params: Params) -> list[Row]:
    """BOLD prompts (openings of Wikipedia sentences), completed by the rest of the sentence
    they open, from the domain's wikipedia file (the one file named in ``extra``)."""
    (wiki_text,) = params["extra"].values()
    wiki = json.loads(wiki_text)
    rows = []
    for group, people in json.loads(text).items():
        for name, prompts in people.items():
            sentences = wiki.get(group, {}).get(name, [])
            for prompt in prompts:
                whole = next((s for s in sentences if s.startswith(prompt)), None)
                rest = None if whole is None else whole[len(prompt) :].strip()
                if rest:
                    rows.append(_seq(prompt.rstrip(), " " + rest))
    return rows


def tweeteval(text: str, params: Params) -> list[Row]:
    """TweetEval: one tweet a line, its label on the same line of the labels file, label names
    from mapping.txt; ``params["label"]`` names the question line."""
    extra = params["extra"]
    labels_file = next(name for name in extra if name.endswith("_labels.txt"))
    labels = _lines(extra[labels_file])
    mapping = dict(line.split("\t", 1) for line in extra["mapping.txt"].splitlines() if line)
    classes = [" " + mapping[str(n)].strip() for n in range(len(mapping))]
    tweets = _lines(text)
    if len(tweets) != len(labels):
        raise ValueError(f"{len(tweets)} tweets but {len(labels)} labels")
    return [
        _cls(f"Tweet: {tweet.strip()}\n{params['label']}:", classes, int(label))
        for tweet, label in zip(tweets, labels, strict=True)
        if tweet.strip()
    ]


def _lines(text: str) -> list[str]:
    """Lines split on newlines only (a tweet may hold other line-breaking characters)."""
    lines = text.split("\n")
    return lines[:-1] if lines and not lines[-1].strip() else lines


def aqua(text: str, params: Params) -> list[Row]:
    """AQuA-RAT problems with their lettered options as given; the answer is the correct letter."""
    rows = []
    for item in _jsonl(text):
        letters = [option.split(")", 1)[0].strip() for option in item["options"]]
        if item["correct"] not in letters:
            continue
        options = "\n".join(item["options"])
        prompt = f"Question: {item['question']}\n{options}\nAnswer:"
        rows.append(_cls(prompt, [" " + x for x in letters], letters.index(item["correct"])))
    return rows


def reversal_child(text: str, params: Params) -> list[Row]:
    """Celebrity parent-child pairs asked parent to child, in the repository's own query."""
    return [
        _seq(f"Q: Name a child of {item['parent'].strip()}.\nA:", " " + item["child"].strip())
        for item in csv.DictReader(io.StringIO(text))
        if item["parent"].strip() and item["child"].strip()
    ]


def rtp(text: str, params: Params) -> list[Row]:
    """RealToxicityPrompts records: the prompt's text, completed by the original continuation."""
    rows = []
    for item in _jsonl(text):
        prompt, continuation = item["prompt"]["text"], item["continuation"]["text"]
        if prompt.strip() and continuation.strip():
            rows.append(_seq(prompt, continuation))
    return rows


def hocus(text: str, params: Params) -> list[Row]:
    """HOCUS questions that assume a statement, ``params["premise"]`` ``fiction`` (completed
    by the file's rejection of the assumption) or ``truth`` (completed by its answer)."""
    premise = params["premise"]
    answer = "fiction_rejection" if premise == "fiction" else "truth_accepetance"
    return [
        _seq(f"Q: {item[premise + '_question'].strip()}\nA:", " " + item[answer].strip())
        for item in csv.DictReader(io.StringIO(text))
        if item[premise + "_question"].strip() and item[answer].strip()
    ]


RENDERERS: dict[str, Callable[[str, Params], list[Row]]] = {
    fn.__name__: fn
    for fn in (
        stereoset_intra,
        stereoset_inter,
        sycophancy_ab,
        embers,
        bold,
        tweeteval,
        aqua,
        reversal_child,
        rtp,
        hocus,
    )
}
