from __future__ import annotations

import json
from pathlib import Path

import pytest

from invscale.generator import TemplateFormatError, expand, load_templates, save_templates

from .conftest import make, memo_data

HAND_WRITTEN = """
- id: capital-trap
  title: Stipulated capital
  hypothesis: Larger models know the real capital and ignore the stipulation.
  cause_family: strong_prior
  prompt: "In this story, the capital of {c.country} is {x.city}.\\nQ: What is the capital of {c.country}?\\nA:"
  control_prompt: "Q: What is the capital of {c.country}?\\nA:"
  classes: [" {x.city}", " {c.capital}"]
  answer: {kind: fixed, index: 0}
  control_answer: {kind: fixed, index: 1}
  tables:
    c:
      - {country: France, capital: Paris}
      - {country: Japan, capital: Tokyo}
      - {country: Peru, capital: Lima}
      - {country: Kenya, capital: Nairobi}
    x:
      - {city: Oslo}
      - {city: Cairo}
      - {city: Quito}
      - {city: Hanoi}
      - {city: Dublin}
"""


@pytest.mark.parametrize("suffix", [".jsonl", ".yaml", ".yml", ".json"])
def test_templates_round_trip(tmp_path: Path, suffix: str) -> None:
    templates = [
        make(),
        make(prompt='End it with "{w.word}": {p.stem}', lineage={"parents": ["x"]}),
    ]
    path = save_templates(templates, tmp_path / f"t{suffix}")
    assert load_templates(path) == templates


def test_hand_written_yaml_loads_and_expands(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(HAND_WRITTEN)
    (template,) = load_templates(path)
    expansion = expand(template, n=16, seed=1)
    assert len(expansion.dataset) == 16
    assert template.id == "capital-trap"


def test_bad_field_names_file_line_and_field(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", **memo_data()})
    bad = json.dumps({"id": "b", **memo_data(answer={"kind": "fixed", "index": 5})})
    path = tmp_path / "t.jsonl"
    path.write_text(good + "\n\n" + bad + "\n")
    with pytest.raises(TemplateFormatError, match=r"t\.jsonl: line 3 \(id 'b'\):.*out of range"):
        load_templates(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.jsonl", "{not json\n", "line 1: not valid JSON"),
        ("t.yaml", "- [unclosed\n", "not valid YAML"),
        ("t.yaml", "- just a string\n", "entry 1: expected a mapping"),
        ("t.txt", "", "unknown suffix"),
    ],
)
def test_unreadable_files_get_one_line_errors(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TemplateFormatError, match=message):
        load_templates(path)


def test_repeated_ids_are_refused(tmp_path: Path) -> None:
    path = save_templates([make(), make()], tmp_path / "t.jsonl")
    with pytest.raises(TemplateFormatError, match="repeats line 1"):
        load_templates(path)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateFormatError, match="cannot read"):
        load_templates(tmp_path / "absent.jsonl")
