"""A tiny OpenAI-compatible ``/v1/completions`` server for tests, with fault injection.

It serves a random-init causal LM saved to a folder (tokenizer trained here, no download) and
answers ``echo`` + ``logprobs`` requests the way the legacy completions API does: token texts,
``token_logprobs`` (None for the first token), ``top_logprobs`` and ``text_offset``. In
``vllm_style`` it also behaves like vLLM: a BOS token in front whose text ``<s>`` shifts every
offset, ``max_tokens`` 0 refused with HTTP 400, and vLLM's own ``prompt_logprobs`` request field
answered with its ``prompt_logprobs`` and ``prompt_token_ids`` reply fields. ``echo_mode`` makes it
a broken server: ``shifted`` gives each echoed token the log-probability of the position after it
(llama-cpp-python's bug), ``none`` echoes the prompt's text but gives log-probabilities only for
generated tokens. Only 127.0.0.1, an ephemeral port.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CORPUS = [
    "The capital of France is Paris, and the capital of England is London.",
    "Question: Is the sky blue? Answer: Yes",
    "Question: Is fire cold? Answer: No",
    "Review: I loved this film. Sentiment: positive",
    "Review: A dull and tedious mess. Sentiment: negative",
    "Numbers: one two three four five six seven eight nine ten.",
]

# Faults a request can meet, consumed one per HTTP request in order.
FAULTS = ("429", "500", "stall", "truncated", "cut", "no-logprobs")


def build_model_folder(folder: Path, seed: int = 0) -> Path:
    """Write a byte-level BPE tokenizer (no BOS added) and a 2-layer Llama to ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS * 3, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", clean_up_tokenization_spaces=False
    )
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        initializer_range=0.3, bos_token_id=0, eos_token_id=1, tie_word_embeddings=False,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@dataclass
class ServerState:
    """What the server serves and how it misbehaves.

    Attributes:
        model_name: The only model name accepted.
        model: The causal LM; tokenizer: its tokenizer.
        vllm_style: BOS in front (offsets shifted by its text), max_tokens 0 refused,
            ``prompt_logprobs`` answered.
        echo_mode: ``right``, ``shifted`` (one position late) or ``none`` (no prompt logprobs).
        faults: Faults to inject, one per HTTP request, in order.
        healthy_requests: Requests answered before every later one gets HTTP 500 (None: all).
        stall_s: How long a ``stall`` fault sleeps before answering.
        batch_sizes: Prompts per HTTP request that was answered normally.
        max_tokens_seen: ``max_tokens`` of each echo request that reached the model.
        prompt_logprobs_requests: Requests answered with vLLM's ``prompt_logprobs``.
        faults_served: Faults injected so far.
    """

    model_name: str
    model: Any
    tokenizer: Any
    vllm_style: bool = False
    echo_mode: str = "right"
    faults: deque[str] = field(default_factory=deque)
    healthy_requests: int | None = None
    stall_s: float = 1.0
    batch_sizes: list[int] = field(default_factory=list)
    max_tokens_seen: list[int] = field(default_factory=list)
    prompt_logprobs_requests: int = 0
    faults_served: list[str] = field(default_factory=list)
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> str | None:
        with self.lock:
            self.seen += 1
            if self.healthy_requests is not None and self.seen > self.healthy_requests:
                return "500"
            fault = self.faults.popleft() if self.faults else None
            if fault:
                self.faults_served.append(fault)
            return fault


def _prompt_ids(state: ServerState, prompt: str) -> list[int]:
    ids = list(state.tokenizer(prompt, add_special_tokens=False)["input_ids"])
    return [state.tokenizer.bos_token_id, *ids] if state.vllm_style else ids


def _logprobs(state: ServerState, ids: list[int]) -> Any:
    import torch

    with torch.no_grad():
        logits = state.model(torch.tensor([ids])).logits[0]  # [seq, vocab]
    return torch.log_softmax(logits.double(), dim=-1)


def echo_choice(
    state: ServerState, prompt: str, max_tokens: int, top_k: int, echo: bool = True
) -> dict:
    """The legacy API's choice for one prompt: echoed tokens and logprobs, plus generated ones."""
    tok = state.tokenizer
    ids = _prompt_ids(state, prompt)
    logprobs = _logprobs(state, ids)
    # Position i's distribution predicts token i + 1; a shifted server reads it one token late.
    late = 1 if state.echo_mode == "shifted" else 0
    values: list[float | None] = [None]
    tops: list[dict[str, float] | None] = [None]
    for i in range(1, len(ids)):
        values.append(float(logprobs[i - 1 + late, ids[i]]))
        tops.append(_top(tok, logprobs[i - 1 + late], top_k))
    if state.echo_mode == "none":
        values, tops = [None] * len(ids), [None] * len(ids)
    start = 0 if echo else len(ids)  # without echo only generated tokens come back
    if max_tokens > 0:  # one greedy token, as temperature 0 asks (the client asks for <= 1)
        nxt = int(logprobs[-1].argmax())
        values.append(float(logprobs[-1, nxt]))
        tops.append(_top(tok, logprobs[-1], top_k))
        ids.append(nxt)
    tokens = [tok.decode([t], skip_special_tokens=False) for t in ids]
    offsets, at = [], 0 if echo else len(prompt) - len("".join(tokens[:start]))
    for text in tokens:  # cumulative token lengths, as vLLM counts (OpenAI's equal without BOS)
        offsets.append(at)
        at += len(text)
    return {
        "index": 0,
        "text": "".join(tokens[start:]),
        "finish_reason": "length",
        "logprobs": {
            "tokens": tokens[start:],
            "token_logprobs": values[start:],
            "top_logprobs": tops[start:],
            "text_offset": offsets[start:],
        },
    }


def prompt_logprobs_fields(state: ServerState, prompt: str, top_k: int) -> dict:
    """vLLM's ``prompt_logprobs`` and ``prompt_token_ids`` of one prompt: per position the prompt
    token and the ``top_k`` best, keyed by token id, each with logprob, rank and text."""
    tok = state.tokenizer
    ids = _prompt_ids(state, prompt)
    logprobs = _logprobs(state, ids)
    entries: list[dict[str, dict] | None] = [None]
    for i in range(1, len(ids)):
        row = logprobs[i - 1]
        ranks = (row > row[ids[i]]).sum().item() + 1
        chosen = {ids[i]: int(ranks)} | {
            int(t): r + 1 for r, t in enumerate(row.topk(top_k).indices.tolist())
        }
        entries.append(
            {
                str(t): {"logprob": float(row[t]), "rank": rank, "decoded_token": tok.decode([t])}
                for t, rank in chosen.items()
            }
        )
    return {"prompt_logprobs": entries, "prompt_token_ids": ids}


def _top(tok: Any, row: Any, k: int) -> dict[str, float] | None:
    if k <= 0:
        return None
    best = row.topk(k)
    return {tok.decode([int(i)]): float(v) for v, i in zip(best.values, best.indices, strict=True)}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        state = self.server.state
        fault = state.next_fault()
        if fault in ("429", "500"):
            return self._send(int(fault), {"error": {"message": f"injected {fault}"}})
        if fault == "stall":
            time.sleep(state.stall_s)
        status, reply = self._answer(state, body)
        if fault == "no-logprobs":  # a server that ignores echo/logprobs
            for choice in reply.get("choices", []):
                choice.pop("logprobs", None)
        if fault == "truncated":
            return self._send_raw(status, json.dumps(reply).encode()[:40])
        if fault == "cut":  # promise more bytes than sent, then hang up
            data = json.dumps(reply).encode()
            return self._send_raw(status, data[:40], length=len(data))
        self._send(status, reply)

    def _answer(self, state: ServerState, body: dict) -> tuple[int, dict]:
        if self.path.rstrip("/") != "/v1/completions":
            return 404, {"error": {"message": f"no route {self.path}"}}
        if body.get("model") != state.model_name:
            return 404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}}
        max_tokens = int(body.get("max_tokens", 16))
        if body.get("echo"):
            state.max_tokens_seen.append(max_tokens)
        if state.vllm_style and max_tokens < 1:
            return 400, {"error": {"message": "max_tokens must be at least 1, got 0."}}
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        echo, top_k = bool(body.get("echo")), int(body.get("logprobs") or 0)
        wanted = body.get("prompt_logprobs") if state.vllm_style else None
        with state.lock:
            choices = [echo_choice(state, p, max_tokens, top_k, echo) for p in prompts]
            if wanted is not None:
                state.prompt_logprobs_requests += 1
                for choice, prompt in zip(choices, prompts, strict=True):
                    choice.update(prompt_logprobs_fields(state, prompt, int(wanted)))
                    if not body.get("logprobs"):
                        choice["logprobs"] = None
            state.batch_sizes.append(len(prompts))
        for index, choice in enumerate(choices):
            choice["index"] = index
        return 200, {"object": "text_completion", "model": state.model_name, "choices": choices}

    def _send(self, status: int, payload: dict) -> None:
        self._send_raw(status, json.dumps(payload).encode())

    def _send_raw(self, status: int, data: bytes, length: int | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(length if length is not None else len(data)))
            if status == 429:
                self.send_header("Retry-After", "0")
            if length is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a stall past its timeout)
        if length is not None:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState


@dataclass
class RunningServer:
    """A started server: its URL, its state, and how to stop it."""

    base_url: str
    state: ServerState
    httpd: _Server
    thread: threading.Thread

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def start_server(state: ServerState) -> RunningServer:
    """Serve ``state`` on 127.0.0.1 at an ephemeral port, in a daemon thread."""
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.state = state
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    host, port = httpd.server_address[:2]
    return RunningServer(f"http://{host}:{port}/v1", state, httpd, thread)
