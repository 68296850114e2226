"""Calibration of the acceptance rule on simulated candidates (``bench/bench_acceptance.py``).

:mod:`.scenarios` simulates per-item class log-probabilities; :mod:`.backend` serves them as a
backend; :mod:`.runner` runs the real acceptance path on them and counts what it accepts.
"""

from invscale.search.calibration.runner import Calibration, ScenarioRow, run_calibration
from invscale.search.calibration.scenarios import SCENARIOS, Scenario

__all__ = ["SCENARIOS", "Calibration", "Scenario", "ScenarioRow", "run_calibration"]
