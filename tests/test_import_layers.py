"""Imports point one way: no circle between project modules, and each layer imports only
the layers below it (README, "Architecture").

Read from the source (every import statement, inside functions too), not from what a
run happened to import. A module's ``if __name__ == "__main__":`` block is an entry
point, not a dependency, and is left out.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "pipelines")

# Layer rules: modules under the prefix never import modules under these prefixes.
# Commands (``cli``, ``__main__``) sit above their package and are exempt from its rule.
FORBIDDEN = {
    "pipelines": ("crawler", "scrapy", "twisted", "scrapy_redis"),
    "pipelines.storage": ("pipelines.events", "pipelines.extract", "pipelines.dates", "pipelines.process",
                          "pipelines.archive", "pipelines.warc"),
    "pipelines.extract": ("pipelines.events", "pipelines.storage", "pipelines.process", "pipelines.archive"),
    "pipelines.dates": ("pipelines.events", "pipelines.storage", "pipelines.process", "pipelines.archive"),
    "pipelines.events": ("pipelines.process", "pipelines.archive", "pipelines.warc"),
    "pipelines.records": ("pipelines.",),
    "pipelines.config": ("pipelines.",),
    # redact() serves every layer, storage included: it imports no project module.
    "pipelines.secrets": ("pipelines.",),
    # disk checks serve the embedded server, the spool and failures.py: a leaf of storage.
    "pipelines.storage.disk": ("pipelines.storage",),
    # Start-up checks run before Scrapy builds the crawl, and say why it cannot start
    # without starting any of it; the crawl command only checks and hands over to Scrapy.
    "crawler.preflight": ("scrapy", "twisted", "scrapy_redis", "crawler.spiders", "crawler.item_pipelines",
                          "crawler.middlewares", "pipelines.storage", "pipelines.process", "pipelines.archive"),
    "crawler.scrapy_commands": ("crawler.spiders", "crawler.item_pipelines", "crawler.middlewares",
                                "pipelines.storage", "pipelines.process", "pipelines.archive"),
    "pipelines.urls": ("pipelines.storage", "pipelines.extract", "pipelines.dates", "pipelines.events"),
    "pipelines.arabic": ("pipelines.storage", "pipelines.extract", "pipelines.dates", "pipelines.events"),
}
COMMANDS = ("cli", "__main__")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_main_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    names = [node.test.left, *node.test.comparators]
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in names)


def _is_type_checking_block(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:``: names for annotations only, never imported at run time."""
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING"))


def _imports(name: str, path: Path, modules: set[str] = frozenset()) -> tuple[set[str], set[str]]:
    """(every module name the module's import statements name, the project modules it
    depends on). ``from package import sub`` depends on the submodule, and on the package
    body too unless that package is the importer's own (already running) parent."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    parents = {".".join(package[:i]) for i in range(1, len(package) + 1)}
    named: set[str] = set()
    edges: set[str] = set()
    pending: list[ast.AST] = [n for n in tree.body if not _is_main_block(n) and not _is_type_checking_block(n)]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                named.add(alias.name)
                edges.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            named.add(module)
            subs = {f"{module}.{alias.name}" for alias in node.names} & set(modules)
            named.update(subs)
            edges.update(subs)
            if not subs or module not in parents:
                edges.add(module)
        pending.extend(ast.iter_child_nodes(node))
    return named, {m for m in edges if m in modules and m != name}


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    every, project = {}, {}
    for name, path in modules.items():
        every[name], project[name] = _imports(name, path, set(modules))
    return project, every


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_between_project_modules():
    project, _ = _graph()
    assert _cycles(project) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_layers_import_only_downwards():
    _, every = _graph()
    broken = []
    for module, imported in sorted(every.items()):
        if module.rsplit(".", 1)[-1] in COMMANDS:
            continue
        for prefix, banned in FORBIDDEN.items():
            if module != prefix and not module.startswith(prefix + "."):
                continue
            for target in sorted(imported):
                if any(target == b or target.startswith(b if b.endswith(".") else b + ".") for b in banned) \
                        and not target.startswith(prefix + ".") and target != prefix:
                    broken.append(f"{module} imports {target}")
    assert broken == []


def test_main_blocks_are_left_out_and_function_imports_are_read():
    source = ("import os\n"
              "def f():\n    from pipelines import storage\n"
              "if __name__ == '__main__':\n    import crawler.demo\n")
    path = ROOT / "tests" / ".layers_probe.py"
    path.write_text(source, encoding="utf-8")
    try:
        named, edges = _imports("pipelines.probe", path, {"pipelines", "pipelines.storage", "crawler.demo"})
    finally:
        path.unlink()
    assert {"os", "pipelines", "pipelines.storage"} <= named and "crawler.demo" not in named
    assert edges == {"pipelines.storage"}  # its own parent package is already running
