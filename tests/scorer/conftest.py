"""Fixtures of the endpoint tests: a tiny model served by the local fake completions server."""

from __future__ import annotations

import pytest

from tests.scorer._completions_server import ServerState, build_model_folder, start_server


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny model's folder, loaded model and tokenizer (built once per module)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = build_model_folder(tmp_path_factory.mktemp("tiny-llama"))
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    with torch.no_grad():
        model(torch.tensor([[0, 5, 6]]))  # warm up before any client timeout is running
    return folder, model, AutoTokenizer.from_pretrained(folder)


@pytest.fixture
def server(tiny):
    _, model, tokenizer = tiny
    running = start_server(ServerState("tiny", model, tokenizer))
    yield running
    running.stop()
