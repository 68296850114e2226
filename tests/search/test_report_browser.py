"""The report opened in headless Chromium: it renders, and every embedded plot decodes.

CI installs Debian's ``chromium`` package (see ``.ci/run``); elsewhere the test is skipped when no
Chromium is found. The screenshot is kept as a test artefact under ``$INVSCALE_TEST_ARTIFACTS``
(default: ``test-artifacts/`` in the test's tmp folder).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from invscale.search.report import write_report
from tests.search.report_run import build_run

pytestmark = pytest.mark.slow

# Appended to a copy of the page only: the report itself carries no script.
PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const decoded = images.filter((img) => img.complete && img.naturalWidth > 0).length;
  document.body.setAttribute("data-images", images.length + "/" + decoded);
});
</script>
</body>"""
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """Path of a Chromium binary, or skip the test saying how to get one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on PATH: install Debian's package with `apt-get install -y chromium`")


def artefact_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("INVSCALE_TEST_ARTIFACTS") or tmp_path / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def browse(binary: str, tmp_path: Path, page: Path, *args: str) -> str:
    """Run headless Chromium on a local page and return its stdout."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("finished", [True, False], ids=["finished", "running"])
def test_report_renders_in_chromium_with_every_plot_decoded(tmp_path, finished):
    binary = chromium()
    report = write_report(build_run(tmp_path, finished=finished))
    page = report.read_text(encoding="utf-8")
    n_images = page.count("<img ")
    assert n_images >= 2
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE, 1), encoding="utf-8")
    dom = browse(binary, tmp_path, probe, "--virtual-time-budget=10000", "--dump-dom")
    match = re.search(r'data-images="(\d+)/(\d+)"', dom)
    assert match, "the page's load event never ran"
    assert (int(match.group(1)), int(match.group(2))) == (n_images, n_images)
    assert "Accepted tasks" in dom and "Funnel" in dom

    shot = artefact_dir(tmp_path) / f"report-{'finished' if finished else 'running'}.png"
    browse(binary, tmp_path, report, f"--screenshot={shot}", "--window-size=1280,2000")
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 200, "the screenshot is (nearly) blank"
