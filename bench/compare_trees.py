"""Run one benchmark of this repository in two checkouts, alternately, in one run.

A change that must not make things slower is measured against the tree it
changes: ``--base`` (e.g. a worktree of main before the change) and ``--head``
(this tree). Each repetition runs the benchmark once in each tree, in
alternating order, with the same arguments and the same interpreter; lines that
end in a ratio (``0.15x``, each benchmark's figure against its own bare baseline,
measured in the same process; recomputed from the row's first figure, a time, against
the first row's, for more digits) are collected per tree and their medians printed
side by side, so machine drift hits both alike.

    python bench/compare_trees.py --base ../wt-base --repeat 3 bench/fake_bench.py -- --rounds 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

_RATIO = re.compile(r"^(?P<label>\S.*?)\s{2,}(?P<first>\d+(?:\.\d+)?)\s.*?(?P<ratio>\d+\.\d+)x\s*$")


def _run(tree: Path, bench: str, args: list[str], printed: bool) -> dict[str, float]:
    # the tree first on the path, for the benchmark and for the processes it starts
    # (unikms serve as ``python -m unikms.cli``), whatever the venv installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "adapters")])}
    out = subprocess.run(
        [sys.executable, str(tree / bench), *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
    ).stdout
    found = {}
    reference: float | None = None
    for line in out.splitlines():
        match = _RATIO.match(line)
        if match:
            # the ratio again, from the row's first figure (a time) against the first
            # row's: the printed one is rounded to two digits
            first = float(match["first"])
            reference = reference or first
            if printed or not first:
                found[match["label"].strip()] = float(match["ratio"])
            else:
                found[match["label"].strip()] = reference / first
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the tree to compare against")
    parser.add_argument("--head", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--printed-ratio",
        action="store_true",
        help="take each row's printed ratio as it is (a benchmark whose first figure "
        "is not a time, e.g. bench/emulator_bench.py's requests per second)",
    )
    parser.add_argument("bench", help="the benchmark, relative to each tree")
    parser.add_argument("args", nargs="*", help="the benchmark's arguments (after --)")
    opts = parser.parse_args()
    runs: dict[str, dict[str, list[float]]] = {"base": {}, "head": {}}
    trees = {"base": opts.base.resolve(), "head": opts.head.resolve()}
    for i in range(opts.repeat):
        order = ("base", "head") if i % 2 == 0 else ("head", "base")
        for side in order:
            found = _run(trees[side], opts.bench, opts.args, opts.printed_ratio)
            for label, ratio in found.items():
                runs[side].setdefault(label, []).append(ratio)
    print(f"{opts.bench}: medians of {opts.repeat} runs per tree, alternating")
    print(f"base: {trees['base']}\nhead: {trees['head']}")
    print(f"{'side':45} {'base':>8} {'head':>8} {'head/base':>10}")
    for label, ratios in runs["base"].items():
        head = runs["head"].get(label)
        if not head:
            continue
        b, h = statistics.median(ratios), statistics.median(head)
        print(f"{label:45} {b:7.3f}x {h:7.3f}x {h / b:10.3f}")


if __name__ == "__main__":
    main()
