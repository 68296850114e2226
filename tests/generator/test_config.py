from __future__ import annotations

import pytest
from pydantic import ValidationError

from invscale.generator import GeneratorConfig
from invscale.generator.offline.lexicon import load_lexicon


def test_defaults_propose_offline_from_the_shipped_seeds_in_any_folder(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = GeneratorConfig()
    assert cfg.backend == "offline" and cfg.examples_per_task == 300
    assert load_lexicon(cfg.seeds_dir).categories  # found through the installed package


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
