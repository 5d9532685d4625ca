"""Import hygiene of ``unikms`` and ``unikms_adapters`` (issue #12, backward arrows and cycles).

Four checks, all on the source tree:

* every module imports on its own in a fresh interpreter (one subprocess that, for each
  module, forgets every ``unikms*`` module and imports that one; an import cycle that
  only bites in one order shows up here as a partially initialised module);
* no module imports a private name (``_name``, not a dunder) of another module, neither
  as ``from unikms.x import _name`` nor as ``unikms.x._name`` through a module alias.
  Private *modules* (``unikms._output``, ``unikms_adapters._common``) are a package's
  own toolbox and may be imported; their underscore names may not;
* the import graph among these modules has no cycle. The graph is built with :mod:`ast`
  and holds every import that can run: module-level ones and the lazy ones inside
  functions alike (a lazy import hides a cycle, it does not remove it). Imports under
  ``if TYPE_CHECKING:`` are left out: they never run, so they are not runtime cycles, and
  annotations are strings (``from __future__ import annotations``) everywhere. An import
  names one module: ``import a.b.c`` is an arrow to ``a.b.c`` only, not to the packages
  ``a`` and ``a.b`` that Python initialises on the way (otherwise every submodule
  would depend on its package's ``__init__``, and every ``__init__`` that imports its
  own submodules, as packages normally do, would close a cycle). The packages Python
  initialises on the way *do* count when they are not the importer's own: importing
  ``unikms.fake.cipher`` from a dialect runs ``unikms/fake/__init__.py``;
* the core and envelope encryption have no backward arrows (into the fake, the emulator,
  the CLI, the contract tests, the adapters, or any one dialect's package: the core
  reaches dialects only through the registry, ``unikms.dialects``; envelope encryption
  not into the dialects' rules either).

Exceptions would be listed in ``_ALLOWED_CYCLE_ARROWS``, ``_ALLOWED_IMPORT_FAILURES``,
``_ALLOWED_BACKWARD`` and ``_ALLOWED_PRIVATE``, each with its reason; an entry that no
longer matches anything fails the test, so the lists only shrink. With the dialect
registry in place (#12) all four are empty.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"unikms": ROOT / "unikms", "unikms_adapters": ROOT / "adapters" / "unikms_adapters"}

# (importer, imported) arrows left out of the cycle search, with the reason.
_ALLOWED_CYCLE_ARROWS: dict[tuple[str, str], str] = {}

# (importer, "module._name") private imports still allowed, with the reason.
_ALLOWED_PRIVATE: dict[tuple[str, str], str] = {}

# Modules that do not import on their own, with the reason.
_ALLOWED_IMPORT_FAILURES: dict[str, str] = {}

# The core (the client and what it stands on) and envelope encryption look only forward:
# never at the fake, the emulator, the CLI, the contract tests or the adapters; envelope
# encryption not at the dialects either (it uses the client, unikms.types and .errors).
_CORE = (
    "unikms",
    "unikms.aio",
    "unikms.client",
    "unikms.context",
    "unikms.dialects",
    "unikms.dialects.base",
    "unikms.dialects.package",
    "unikms.native",
    "unikms.errors",
    "unikms.extras",
    "unikms.registry",
    "unikms.retry",
    "unikms.types",
)
_BEYOND_THE_CORE = (
    "unikms.cli",
    "unikms.cli_fake",
    "unikms.contract",
    "unikms.emulator",
    "unikms.envelope",
    "unikms.fake",
    "unikms.pytest_plugin",
    "unikms_adapters",
)
_ALLOWED_BACKWARD: dict[tuple[str, str], str] = {}


# the dialect registry (unikms.dialects), what a package declares and the rules' types
# are core; every other module under unikms.dialects belongs to one dialect
def _a_dialects_own(module: str) -> bool:
    return module.startswith("unikms.dialects.") and module not in _CORE


def _module_files() -> dict[str, Path]:
    """Every module of the two packages, by dotted name."""
    found: dict[str, Path] = {}
    for top, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([top, *parts])] = path
    return found


MODULES = _module_files()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` that can run, i.e. not under ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module name of a ``from ... import`` (relative ones resolved)."""
    if node.level == 0:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


class _Imports:
    """What one module imports at run time: arrows, and uses of private names."""

    def __init__(self, module: str, source: str | None = None) -> None:
        self.module = module
        self.arrows: dict[str, int] = {}  # imported module -> first line
        self.private: list[tuple[str, int]] = []  # "module._name", line
        if source is None:
            source = MODULES[module].read_text(encoding="utf-8")
        tree = ast.parse(source)
        aliases: dict[str, str] = {}  # local name -> module it is bound to
        nodes = list(_runtime_nodes(tree))
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name not in MODULES:
                        continue
                    self._arrow(alias.name, node.lineno)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, node)
                if source.split(".")[0] not in PACKAGES:
                    continue
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in MODULES:
                        self._arrow(full, node.lineno)
                        aliases[alias.asname or alias.name] = full
                        continue
                    if source in MODULES:
                        self._arrow(source, node.lineno)
                    if _is_private(alias.name) and source != module:
                        self.private.append((full, node.lineno))
        for node in nodes:
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                target = _dotted(node.value, aliases)
                if target and target != module and f"{target}.{node.attr}" not in MODULES:
                    self.private.append((f"{target}.{node.attr}", node.lineno))

    def _arrow(self, target: str, line: int) -> None:
        """An arrow to ``target`` and to each package Python initialises on the way to it,
        but not to this module's own packages: they are initialised before it, always."""
        own = {".".join(self.module.split(".")[:i]) for i in range(1, self.module.count(".") + 1)}
        parts = target.split(".")
        for i in range(1, len(parts)):
            package = ".".join(parts[:i])
            if package not in own and package != self.module:
                self.arrows.setdefault(package, line)
        if target != self.module:
            self.arrows.setdefault(target, line)


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The module an expression like ``unikms.fake.keystore`` names, if it names one."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _dotted(node.value, aliases)
        if parent and f"{parent}.{node.attr}" in MODULES:
            return f"{parent}.{node.attr}"
    return None


@pytest.fixture(scope="module")
def imports() -> dict[str, _Imports]:
    return {module: _Imports(module) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles of ``graph``: in each strongly connected component (Tarjan) with more
    than one module, a shortest cycle through each of its modules, without repeats."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    cycles: list[list[str]] = []
    for component in components:
        for start in sorted(component):
            cycle = _one_cycle(graph, component, start)
            first = cycle.index(min(cycle))
            cycle = [*cycle[first:-1], *cycle[:first], cycle[first]]
            if cycle not in cycles:
                cycles.append(cycle)
    return cycles


def _one_cycle(graph: dict[str, set[str]], component: set[str], start: str) -> list[str]:
    """A shortest cycle from ``start`` back to it within ``component`` (breadth first)."""
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"no cycle in {component}")  # pragma: no cover


def _assert_explained(
    found: dict[tuple[str, str], int], allowed: dict[tuple[str, str], str], verb: str, what: str
) -> None:
    """Every (module, name) found is allow-listed, and every allow-listed one is found."""
    unexplained = sorted(
        f"{MODULES[module].relative_to(ROOT)}:{line}: {module} {verb} {name}"
        for (module, name), line in found.items()
        if (module, name) not in allowed
    )
    assert not unexplained, f"{what}:\n" + "\n".join(unexplained)
    stale = sorted(set(allowed) - set(found))
    assert not stale, f"allow-listed {what} that are gone (take them off the list): {stale}"


def test_no_module_imports_a_private_name_of_another(imports: dict[str, _Imports]) -> None:
    found = {
        (module, name): line for module, found in imports.items() for name, line in found.private
    }
    _assert_explained(found, _ALLOWED_PRIVATE, "uses", "private names used across modules")


def test_no_import_cycles(imports: dict[str, _Imports]) -> None:
    graph = {
        module: {t for t in found.arrows if (module, t) not in _ALLOWED_CYCLE_ARROWS}
        for module, found in imports.items()
    }
    cycles = _cycles(graph)
    assert not cycles, "import cycles (lazy imports count):\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )
    stale = sorted(
        arrow for arrow in _ALLOWED_CYCLE_ARROWS if arrow[1] not in imports[arrow[0]].arrows
    )
    assert not stale, f"allow-listed arrows that no longer exist: {stale}"


_IMPORT_EACH = """
import importlib, json, sys, traceback
failures = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("unikms", "unikms_adapters")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failures[name] = traceback.format_exc(limit=-3)
print(json.dumps(failures))
"""


def test_every_module_imports_on_its_own() -> None:
    """Each module, imported first, in an interpreter that has loaded no unikms module."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, json.dumps(sorted(MODULES))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    unexplained = {n: tb for n, tb in failures.items() if n not in _ALLOWED_IMPORT_FAILURES}
    assert not unexplained, "\n".join(f"{name}:\n{tb}" for name, tb in unexplained.items())
    stale = sorted(set(_ALLOWED_IMPORT_FAILURES) - set(failures))
    assert not stale, f"allow-listed as failing alone, but they import now: {stale}"


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def test_the_core_and_envelope_look_only_forward(imports: dict[str, _Imports]) -> None:
    """No backward arrows: core -> fake/emulator/CLI, envelope -> dialects and beyond."""
    found: dict[tuple[str, str], int] = {}
    for module, found_in in imports.items():
        if module in _CORE:
            beyond: tuple[str, ...] = _BEYOND_THE_CORE
            envelope = False
        elif _within(module, ("unikms.envelope",)) and module != "unikms.envelope.cli":
            beyond = tuple(p for p in _BEYOND_THE_CORE if p != "unikms.envelope")
            envelope = True
        else:
            continue
        for target, line in found_in.arrows.items():
            rules = envelope and target == "unikms.dialects.base"
            if _within(target, beyond) or _a_dialects_own(target) or rules:
                found[(module, target)] = line
    _assert_explained(found, _ALLOWED_BACKWARD, "imports", "backward arrows")


def test_the_checks_see_what_they_look_for() -> None:
    """The analysis itself, on made-up source: what counts and what does not."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b", "c"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"], ["a", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    found = _Imports(
        "unikms.envelope.rewrap",
        "from typing import TYPE_CHECKING\n"
        "import argparse\n"
        "import unikms.fake.keystore as ks\n"
        "from unikms.envelope import seal\n"
        "from . import files\n"
        "if TYPE_CHECKING:\n    from unikms.emulator import _hidden\n"
        "def f():\n    from unikms.cli import _context\n"
        "ks._iso, seal._Sealer, files.atomic_output, argparse._SubParsersAction\n",
    )
    assert sorted(name for name, _ in found.private) == [
        "unikms.cli._context",
        "unikms.envelope.seal._Sealer",
        "unikms.fake.keystore._iso",
    ]
    # lazy imports count, TYPE_CHECKING ones do not; the packages on the way count
    # (unikms.fake, unikms.cli's package is unikms itself), this module's own do not
    assert sorted(found.arrows) == [
        "unikms.cli",
        "unikms.envelope.files",
        "unikms.envelope.seal",
        "unikms.fake",
        "unikms.fake.keystore",
    ]
