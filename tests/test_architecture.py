"""The shape of the package, read from its source: modules stay small, nothing imports in a circle
(imports inside functions count), every import points down the pipeline's layers, no module
guards an import of our own code with `try`, and every sub-package reaches the wheel.

The files are read as text and parsed (ast); nothing is imported, so a cycle or a bad direction
is found even where it happens to work at run time."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# Where each installed name lives in the checkout (pyproject's package-dir says the same).
SOURCES = {"kinerja": ROOT / "engine", "kinerja.cli": ROOT / "cli"}
MAX_LINES = 450

# The pipeline, bottom to top: a module may import from its own layer or a lower one. The first
# matching prefix wins (so `kinerja.cli` is L10, not the L8 of the package `kinerja`).
LAYERS: list[tuple[int, tuple[str, ...]]] = [
    (10, ("kinerja.cli",)),
    (9, ("kinerja.report",)),
    (8, ("kinerja.explain", "kinerja.compare", "kinerja.testing", "kinerja.handbook", "kinerja.library",
         "kinerja.validate", "kinerja.workbench", "kinerja.api")),
    (7, ("kinerja.evaluate",)),
    (6, ("kinerja.records",)),
    (5, ("kinerja.compile",)),
    (4, ("kinerja.checks",)),
    (3, ("kinerja.model",)),  # and whatever model.py is split into: kinerja.model.*, kinerja.model_*
    (2, ("kinerja.expr",)),
    (1, ("kinerja.policy",)),
    (0, ("kinerja.findings", "kinerja.limits", "kinerja.i18n", "kinerja.i18n_catalog", "kinerja.suggest",
         "kinerja.spill", "kinerja.values")),
]
PACKAGE_LAYER = 8  # the package __init__: the public API, a consumer of everything below report/


@dataclass(frozen=True)
class Module:
    name: str  # kinerja.evaluate.evaluator
    path: Path
    is_package: bool  # an __init__.py

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


@cache
def modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for base, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if base == "kinerja" and parts[0] == "cli":
                continue  # not installed from engine/
            is_package = parts[-1] == "__init__"
            name = ".".join((base, *parts[:-1]) if is_package else (base, *parts))
            found[name] = Module(name, path, is_package)
    return found


@cache
def tree(name: str) -> ast.Module:
    module = modules()[name]
    return ast.parse(module.path.read_text(encoding="utf-8"), filename=module.rel)


def layer(name: str) -> int | None:
    if name == "kinerja":
        return PACKAGE_LAYER
    for number, prefixes in LAYERS:
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + ".") or (prefix == "kinerja.model"
                                                                   and name.startswith("kinerja.model_")):
                return number
    return None


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The module an ImportFrom names, with a relative import resolved against `module`."""
    if not node.level:
        return node.module or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _own(name: str) -> bool:
    return name == "kinerja" or name.startswith("kinerja.")


def imported(module: Module, node: ast.AST, known: set[str] | dict[str, Module] | None = None) -> list[str]:
    """Our modules one import statement loads, by name. `from kinerja.x import y` is the module
    kinerja.x.y when y is one, else the module kinerja.x (y is a name in it). A package's
    __init__ that Python runs on the way down is not counted: every module would import it."""
    known = modules() if known is None else known
    targets: list[str] = []
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names if _own(alias.name)]
    elif isinstance(node, ast.ImportFrom):
        source = _absolute(module, node)
        if _own(source):
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                targets.append(sub if sub in known else source)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
          and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
          and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
          and _own(node.args[0].value)):
        targets = [node.args[0].value]  # importlib.import_module("kinerja.…")
    # a name that is not a module of ours (a typo, a module not yet written) is reported by the caller
    return list(dict.fromkeys(targets))


def module_edges(module: Module, parsed: ast.Module, known=None) -> list[tuple[str, int]]:
    """[(imported module, line)] of one module, imports inside functions and classes included."""
    found = []
    for node in ast.walk(parsed):
        if isinstance(node, ast.Import | ast.ImportFrom | ast.Call):
            found += [(target, node.lineno) for target in imported(module, node, known) if target != module.name]
    return sorted(set(found), key=lambda e: (e[1], e[0]))


@cache
def edges() -> dict[str, list[tuple[str, int]]]:
    return {name: module_edges(module, tree(name)) for name, module in modules().items()}


def package_graph() -> dict[str, list[str]]:
    return {name: sorted({t for t, _ in targets if t in modules()}) for name, targets in edges().items()}


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each in the order found."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # recursion depth is bounded by the number of modules (~100)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def cycle_path(group: list[str]) -> str:
    """One concrete circle through the group, with the line of each import, to show where to cut."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:  # breadth first back to the start: the shortest circle through it
        v = queue.pop(0)
        for w, _ in edges()[v]:
            if w == start:
                steps = paths[v] + [start]
                return " -> ".join(f"{a} ({modules()[a].rel}:{ln})" for a, ln in _lines(steps)) + f" -> {start}"
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return " <-> ".join(group)


def _lines(steps: list[str]) -> list[tuple[str, int]]:
    return [(a, next(line for t, line in edges()[a] if t == b)) for a, b in pairwise(steps)]


# ---- the tests ----------------------------------------------------------------------------------------

def test_the_source_tree_is_read():
    # a guard for the tests below: they would pass on an empty tree
    names = modules()
    assert {"kinerja", "kinerja.findings", "kinerja.cli.main", "kinerja.evaluate.evaluator"} <= set(names)
    assert any(t.startswith("kinerja.") for t, _ in edges()["kinerja.cli.main"])


def test_no_module_is_over_450_lines():
    long = {m.rel: n for m in modules().values()
            if (n := len(m.path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines (split them by job): {long}"


def test_no_import_cycle():
    found = [cycle_path(sorted(group)) for group in cycles(package_graph())]
    assert found == [], "import cycles (imports inside functions count):\n" + "\n".join(found)


def test_every_module_has_a_layer():
    missing = sorted(name for name in modules() if layer(name) is None)
    assert missing == [], f"modules with no layer: place them in LAYERS of {Path(__file__).name}: {missing}"


def test_imports_point_down_the_layers():
    wrong, unknown = [], []
    for name, targets in edges().items():
        mine = layer(name)
        for target, line in targets:
            where = f"{modules()[name].rel}:{line}"
            if target not in modules():
                unknown.append(f"{where} imports {target}, which is not a module of the package")
            elif mine is not None and (theirs := layer(target)) is not None and theirs > mine:
                wrong.append(f"{where} {name} (L{mine}) imports {target} (L{theirs})")
    assert unknown == [], "\n".join(unknown)
    assert wrong == [], "imports that point up the layers:\n" + "\n".join(wrong)


def test_the_core_never_imports_report_or_cli():
    # the layer rule implies it; said on its own because it is the rule users of the API rely on
    wrong = [f"{modules()[name].rel}:{line} imports {target}" for name, targets in edges().items()
             if (layer(name) or 0) < 9 for target, line in targets
             if target.startswith(("kinerja.report", "kinerja.cli"))]
    assert wrong == [], "\n".join(wrong)


def guarded_imports(module: Module, parsed: ast.Module, known=None) -> list[int]:
    """Lines where an import of our own code sits in a `try` whose handler catches its failure
    (ImportError, ModuleNotFoundError, Exception, BaseException or a bare except)."""
    catching = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    lines = []
    for node in ast.walk(parsed):
        if not isinstance(node, ast.Try):
            continue
        caught = set()
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            caught |= {"" if k is None else getattr(k, "id", getattr(k, "attr", "?")) for k in kinds}
        if caught & (catching | {""}):
            lines += [inner.lineno for statement in node.body for inner in ast.walk(statement)
                      if isinstance(inner, ast.Import | ast.ImportFrom) and imported(module, inner, known)]
    return sorted(set(lines))


def test_no_guarded_import_of_our_own_modules():
    guarded = [f"{m.rel}:{line}" for name, m in modules().items() for line in guarded_imports(m, tree(name))]
    assert guarded == [], f"`try: import` of kinerja's own modules (import it plainly): {guarded}"


@pytest.mark.parametrize("source,want", [
    ("try:\n    from kinerja.findings import Finding\nexcept ImportError:\n    Finding = None\n", [2]),
    ("try:\n    import kinerja.findings\nexcept (ValueError, ModuleNotFoundError):\n    pass\n", [2]),
    ("try:\n    from kinerja.findings import Finding\nexcept:\n    pass\n", [2]),
    ("try:\n    import yaml\nexcept ImportError:\n    yaml = None\n", []),
    ("try:\n    from kinerja.findings import Finding\n    run()\nexcept KinerjaError:\n    pass\n", []),
], ids=["import-error", "tuple", "bare-except", "third-party", "other-error"])
def test_guarded_imports_are_found(source, want):
    module = Module("kinerja.validate", ROOT / "engine/validate.py", False)
    assert guarded_imports(module, ast.parse(source), {"kinerja.findings"}) == want


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_in_the_wheel():
    setuptools = _pyproject()["tool"]["setuptools"]
    listed, dirs = set(setuptools["packages"]), setuptools["package-dir"]

    def folder(package: str) -> Path | None:  # where setuptools looks for it: the longest mapped prefix
        parts = package.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in dirs:
                return ROOT.joinpath(dirs[prefix], *parts[cut:])
        return None

    packages = sorted(m.name for m in modules().values() if m.is_package)
    assert "kinerja.cli.studio" in packages  # a guard: nested folders are found
    missing = [p for p in packages if p not in listed]
    assert missing == [], f"sub-packages missing from pyproject's `packages` (absent from the wheel): {missing}"
    misplaced = {p: str(folder(p)) for p in packages if folder(p) != modules()[p].path.parent}
    assert misplaced == {}, f"package-dir maps these to the wrong folder: {misplaced}"


# ---- the reader of imports itself, on tiny cases --------------------------------------------------------

KNOWN = {"kinerja", "kinerja.expr", "kinerja.expr.types", "kinerja.findings", "kinerja.evaluate",
         "kinerja.evaluate.evaluator", "kinerja.evaluate.parallel"}


@pytest.mark.parametrize("source,want", [
    ("import kinerja.expr.types", ["kinerja.expr.types"]),
    ("from kinerja.expr import types", ["kinerja.expr.types"]),  # a submodule: that module
    ("from kinerja.expr.types import NUMBER", ["kinerja.expr.types"]),
    ("from kinerja.findings import Finding, Severity", ["kinerja.findings"]),
    ("from kinerja import findings, __version__", ["kinerja.findings", "kinerja"]),
    ("from . import parallel", ["kinerja.evaluate.parallel"]),  # relative, from kinerja.evaluate.evaluator
    ("from ..expr import types", ["kinerja.expr.types"]),
    ("import yaml\nfrom decimal import Decimal", []),
    ("import importlib\nimportlib.import_module('kinerja.findings')", ["kinerja.findings"]),
], ids=["import-dotted", "from-package-submodule", "from-module-name", "from-module-names", "from-root",
        "relative", "relative-up", "third-party", "import-module-call"])
def test_imports_are_read_the_way_python_loads_them(source, want):
    module = Module("kinerja.evaluate.evaluator", ROOT / "engine/evaluate/evaluator.py", False)
    got = [t for node in ast.walk(ast.parse(source)) for t in imported(module, node, KNOWN)]
    assert got == want


def test_an_import_inside_a_function_closes_a_cycle():
    a = Module("kinerja.records.xlsx", ROOT / "engine/records/xlsx.py", False)
    b = Module("kinerja.records.units", ROOT / "engine/records/units.py", False)
    sources = {a: "from kinerja.records import units\n",
               b: "def later():\n    from kinerja.records.xlsx import read\n    return read\n"}
    known = {"kinerja.records", a.name, b.name}
    graph = {m.name: sorted({t for t, _ in module_edges(m, ast.parse(src), known)}) for m, src in sources.items()}
    assert graph == {a.name: [b.name], b.name: [a.name]}
    assert [sorted(group) for group in cycles(graph)] == [[b.name, a.name]]
    assert cycles({a.name: [b.name], b.name: []}) == []
