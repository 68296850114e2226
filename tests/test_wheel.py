"""The package as a user gets it: a wheel, installed (not editable) into a fresh virtualenv, run
from an empty folder with no config file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the wheel is built from: the packages, their data, and the files setuptools reads.
SOURCES = ("scorer", "generator", "search", "datasets", "pyproject.toml", "README.md")


def _run(args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode in ok, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _build_wheel(tmp_path: Path) -> Path:
    """``python -m build --wheel`` on a copy of the sources (the checkout stays clean), offline:
    no isolated build environment, the setuptools already installed builds it."""
    src = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    cmd = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), "."]
    _run(cmd, src, dict(os.environ))
    (wheel,) = dist.glob("invscale-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path) -> Path:
    """A new virtualenv that sees this environment's packages (torch and the rest) through a
    ``.pth`` file, so nothing is downloaded or reinstalled; only invscale goes into it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        tmp_path,
        dict(os.environ),
    ).strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # Only the folders, not their .pth files: this checkout's editable install stays out.
    Path(site, "parent-env.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_every_command_from_an_empty_folder(tmp_path):
    wheel = _build_wheel(tmp_path)
    python = _fresh_venv(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(tmp_path / "home")  # caches and the accepted-tasks file land here
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "install", "--no-deps", "--no-index", str(wheel)], tmp_path, env)
    files = _run([*pip, "show", "-f", "invscale"], tmp_path, env)
    assert f"Location: {tmp_path / 'venv'}" in files
    listed = [line.strip() for line in files.splitlines() if line.startswith("  ")]
    assert any(f.startswith("invscale/datasets/seeds/") for f in listed)
    assert not [f for f in listed if f.split("/")[0] in ("search", "scorer", "generator")]

    work = tmp_path / "empty"
    work.mkdir()
    where = "import invscale.scorer.paths as p; print(p.__file__); print(p.shipped_data())"
    code, data = _run([str(python), "-c", where], work, env).split()
    venv = str(tmp_path / "venv")
    assert code.startswith(venv) and data.startswith(venv), (code, data)  # not this checkout
    cli = [str(python.parent / "invscale")]

    def invscale(*args: str, ok: tuple[int, ...] = (0,)) -> str:
        return _run([*cli, *args], work, env, ok)

    assert "wrote 3 templates" in invscale("generate", "--n", "3", "--out", "t.jsonl")
    invscale("expand", "t.jsonl", "--out-dir", "items")
    data = sorted(p for p in (work / "items").glob("*.csv") if ".control" not in p.name)[0]
    assert "NEW" in invscale("novelty", str(data), ok=(0, 1))
    invscale("score", str(data), "--ladder", "fake", "--limit", "40", "--out", "scored")
    assert (work / "scored" / "summary.json").is_file()
    invscale("search", "--ladder", "fake", "--max-candidates", "2", "--no-live", "--out", "run")
    assert "leaderboard" in invscale("status", "run")
    invscale("report", "run")
    assert (work / "run" / "report.html").is_file()
    best = sorted((work / "run" / "best").iterdir())[0]
    invscale("export", str(best), "--out", "exported", "--min-rows", "100")
    assert (work / "exported" / "prize").is_dir()
    assert sorted(p.name for p in work.iterdir()) == [
        "exported", "items", "run", "scored", "t.jsonl",
    ]  # fmt: skip
    stored = json.loads((work / "run" / "summary.json").read_text())
    assert stored["counters"]["proposed"] == 2
