from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from invscale.generator import GeneratorConfig

ROOT = Path(__file__).resolve().parents[2]


def test_config_yaml_generator_section_is_valid_and_complete() -> None:
    section = yaml.safe_load((ROOT / "config.yaml").read_text())["generator"]
    cfg = GeneratorConfig.model_validate(section)
    assert cfg.backend == "offline" and cfg.examples_per_task == 300
    assert set(section) == set(GeneratorConfig.model_fields) - {"llm"} | {"llm"}
    assert set(section["llm"]) == set(
        GeneratorConfig.model_fields["llm"].annotation.model_fields
    ) - {"avoid_tasks"}


@pytest.mark.parametrize(
    "section",
    [{"backend": "gpt"}, {"examples_per_task": 3}, {"llm": {"modle": "x"}}, {"colour": 1}],
)
def test_bad_generator_config_is_refused(section: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GeneratorConfig.model_validate(section)


def test_every_field_is_documented() -> None:
    for model in (
        GeneratorConfig,
        *(
            f.annotation
            for f in GeneratorConfig.model_fields.values()
            if isinstance(f.annotation, type)
        ),
    ):
        for name, field in getattr(model, "model_fields", {}).items():
            assert field.description, f"{model.__name__}.{name} has no docstring"
