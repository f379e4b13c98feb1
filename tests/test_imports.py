"""Boundaries a newcomer can see: who may import whom, and no import cycle — function-local imports
included (a cycle hidden behind one is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "parsers", "reports", "intake", "samples")
# What each package may import from the project besides itself.
ALLOWED = {
    "core": set(),
    "parsers": {"core"},
    "reports": {"core"},
    "samples": {"core"},
    "intake": {"core", "parsers", "reports", "samples"},
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_packages_import_only_what_they_may() -> None:
    wrong = [
        f"{name} imports {dep}"
        for name, deps in _graph().items()
        for dep in deps
        if dep.split(".")[0] != name.split(".")[0] and dep.split(".")[0] not in ALLOWED[name.split(".")[0]]
    ]
    assert wrong == []


def test_the_runtime_packages_do_not_import_the_samples_except_for_the_demo() -> None:
    users = sorted(name for name, deps in _graph().items() if any(d.startswith("samples") for d in deps))
    assert [u for u in users if not u.startswith("samples")] == ["intake.run"]  # prepare_demo


def test_a_run_loads_the_ocr_stack_only_when_a_scan_needs_it() -> None:
    """cron starts `intake run` every few minutes, mostly with no new mail: importing the CLI and the
    run must not pull in OpenCV, SciPy or onnxruntime (0.6 s of the 0.9 s such a run took)."""
    import subprocess
    import sys

    code = (
        "import sys, intake.cli, intake.run, intake.stages; "
        "print(sorted(m for m in ('cv2', 'scipy', 'onnxruntime', 'rapidocr_onnxruntime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
