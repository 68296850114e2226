"""One source of defaults: the models hold them, config.yaml only what differs, init writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from invscale.scorer.errors import ConfigError
from invscale.search.cli import app
from invscale.search.config import Config, load_config, with_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_no_config_anywhere_gives_the_documented_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg == Config()
    s = cfg.search
    assert (s.max_candidates, s.halving_sizes, s.rewordings) == (10, (16, 48, 128), 2)
    assert set(cfg.scorer.ladders) == {"offline", "fake", "opt", "pythia", "gpt2"}
    assert cfg.scorer.ladder()[0].name == "smollm2-135m"


def test_the_repository_config_sets_nothing_the_defaults_do_not():
    raw = yaml.safe_load((ROOT / "config.yaml").read_text()) or {}
    assert Config.model_validate(raw) == Config()


def test_init_writes_every_field_under_its_docstring_and_loads_as_the_defaults(tmp_path):
    res = CliRunner().invoke(app, ["init", str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
    path = tmp_path / "new" / "config.yaml"
    assert load_config(path) == Config()
    text = path.read_text()
    for section, model in Config.model_fields.items():
        sub = model.annotation
        for name, field in sub.model_fields.items():  # type: ignore[union-attr]
            assert f"\n  {name}:" in text, f"{section}.{name} missing"
            first_words = " ".join(str(field.description).replace("``", "`").split()[:4])
            assert first_words in " ".join(text.replace("#", " ").split()), f"{section}.{name}"


def test_init_does_not_overwrite_an_existing_config(tmp_path):
    (tmp_path / "config.yaml").write_text("search: {seed: 5}\n")
    res = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert res.exit_code == 2 and "--force" in res.stderr
    assert load_config(tmp_path / "config.yaml").search.seed == 5


def test_a_ladder_in_the_config_joins_the_built_in_ones(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        yaml.safe_dump(
            {"scorer": {"ladders": {"mine": [{"name": "a", "params": 1, "backend": "fake"}]}}}
        )
    )
    cfg = load_config(path)
    assert {"mine", "offline", "fake"} <= set(cfg.scorer.ladders)


def test_command_line_overrides_are_validated_like_the_file():
    cfg = with_overrides(Config(), "search", ladder="fake", seed=None)
    assert cfg.search.ladder == "fake" and cfg.search.seed == 0
    with pytest.raises(ConfigError, match="unknown ladder 'nope'"):
        with_overrides(Config(), "search", ladder="nope")
    with pytest.raises(ConfigError, match="search.max_candidates"):
        with_overrides(Config(), "search", max_candidates=0)


def test_an_unknown_key_names_the_file_and_the_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("search: {max_candidate: 3}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: invalid config: search\.max_candidate"):
        load_config(path)
