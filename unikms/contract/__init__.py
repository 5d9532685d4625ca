"""Contract scenarios, transcripts and cassettes: holding the fake to the real services.

A *scenario* is a short neutral-API program (create a key, encrypt, decrypt with
a wrong context, ...). Running it yields a *transcript*: each step's outcome in
a form that compares across runs (ids become ``key#1``, errors keep their class,
code and HTTP status). Recorded through an adapter (``unikms record``), a
scenario leaves a vcrpy cassette with its transcript inside; replayed, the
adapter must give the same transcript, and so must the fake running the same
scenario. Any difference is a divergence, shown as a diff. See ``docs/contract.md``.
"""

from unikms.contract.scenarios import SCENARIOS, Scenario, ScenarioRun, run_scenario
from unikms.contract.transcript import Transcript, diff_transcripts

__all__ = [
    "SCENARIOS",
    "Scenario",
    "ScenarioRun",
    "Transcript",
    "diff_transcripts",
    "run_scenario",
]
