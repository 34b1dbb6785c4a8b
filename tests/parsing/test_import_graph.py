"""The parsers form no import circle: each module imports only modules below it (raw_layer, the one
module that lists every extractor, is imported by none of them). Function-level imports count too."""

import ast
from pathlib import Path

import orchestration.parsing

PACKAGE = Path(orchestration.parsing.__file__).parent


def _imports(path: Path) -> set[str]:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            found |= {n.split(".")[0] for n in names} & modules
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("orchestration.parsing."):
            found.add(node.module.split(".")[2])
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                return path[path.index(dep):] + [dep] if dep in path else [module, dep]
            if dep not in state and (found := visit(dep, path + [dep])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_parsing_modules_form_no_import_circle():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
