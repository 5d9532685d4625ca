"""The fuzz targets' hypothesis budgets: ``fuzz-ci`` (the suite's) and ``fuzz-long``.

``tests/conftest.py`` imports this, so the profiles are registered before any
test module is collected. The fuzz tests take their settings from :data:`FUZZ`;
the environment variable ``UNIKMS_FUZZ_PROFILE`` picks the profile (default
``fuzz-ci``). Other tests keep hypothesis's defaults: loading a profile here
would change them too. Figures and the long-run command: ``docs/fuzzing.md``.

``fuzz-ci`` is derandomized, so the suite tries the same inputs on every run
and a failure in CI reproduces locally; ``fuzz-long`` draws fresh inputs each
run (and keeps any failure in hypothesis's example database).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["FUZZ", "PROFILE_VARIABLE"]

PROFILE_VARIABLE = "UNIKMS_FUZZ_PROFILE"

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "fuzz-ci", max_examples=200, deadline=None, derandomize=True, suppress_health_check=_QUIET
)
settings.register_profile(
    "fuzz-long", max_examples=20_000, deadline=None, suppress_health_check=_QUIET
)

#: the settings every fuzz target starts from (``UNIKMS_FUZZ_PROFILE`` selects them)
FUZZ = settings.get_profile(os.environ.get(PROFILE_VARIABLE, "fuzz-ci"))
