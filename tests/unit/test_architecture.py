"""The house rules that keep SnowOps easy to extend, checked on the source itself.

- Small modules and functions: no product module over 400 lines (seed data aside), no
  function over 60 lines.
- Adapters translate and render: no routing on core's request types (no ``isinstance``
  against a command or a form request), and every request type has one handler in core.
- Import bans between floors are ruff's (``core/ruff.toml``, ``adapters/ruff.toml``,
  ``sim/ruff.toml``); here we check they are in force.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from core import actions, commands
from core.handlers.router import Router

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "adapters", "bot", "sim")
#: Data, not logic: the simulator's seeded Secure Score catalogue.
SEED_DATA = {Path("sim/graph/data.py")}
MODULE_MAX = 400
FUNCTION_MAX = 60


def _modules() -> list[Path]:
    return sorted(p for root in PRODUCT for p in (ROOT / root).rglob("*.py"))


def test_product_modules_are_small() -> None:
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MODULE_MAX
        and p.relative_to(ROOT) not in SEED_DATA
    }
    assert too_long == {}


def test_functions_are_short() -> None:
    too_long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_MAX:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {length}")
    assert too_long == []


def _request_names() -> set[str]:
    names = {n for n in commands.__all__ if isinstance(getattr(commands, n), type)}
    return names | {"SubmitTicket", "SubmitClient", "ShareMessage", "RenameInConfiguration"}


def _class_names(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Tuple):
        return [n for e in node.elts for n in _class_names(e)]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Name):
        return [node.id]
    return []


def test_adapters_do_not_route_on_request_types() -> None:
    requests = _request_names()
    found = []
    for path in sorted((ROOT / "adapters").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance"
                and len(node.args) == 2
            ):
                hits = requests & set(_class_names(node.args[1]))
                if hits:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(hits)}")
            if isinstance(node, ast.MatchClass):
                hits = requests & set(_class_names(node.cls))
                if hits:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} case {sorted(hits)}")
    assert found == []


class _Group:
    def __init__(self, kinds: list[type]) -> None:
        self._kinds = kinds

    def routes(self) -> dict[type, object]:
        async def handle(ctx: object, request: object) -> object:
            return None

        return dict.fromkeys(self._kinds, handle)


def test_every_request_has_exactly_one_handler(tmp_path: Path) -> None:
    from bot.core import build_core
    from bot.settings import load_settings
    from core.actions_fit import SuggestRecords
    from core.clock import FakeClock
    from core.secrets import SecretBox, generate_key
    from core.store.memory import MemoryStore

    key = generate_key()
    settings = load_settings(SNOWOPS_STORE="memory://", SNOWOPS_SECRET_KEY=key, _env_file=None)
    core = build_core(settings, MemoryStore(SecretBox(key)), FakeClock(), {})
    expected = {getattr(commands, n) for n in commands.__all__ if n in _request_names()}
    expected |= {actions.SubmitTicket, actions.SubmitClient}
    expected |= {actions.ShareMessage, actions.RenameInConfiguration}
    expected |= {actions.SubmitActionForm, actions.SuggestGroups}
    expected |= {actions.ThreadPost}
    expected |= {actions.PreviewLinks, SuggestRecords}
    assert core.router.routed == frozenset(expected)
    with pytest.raises(ValueError, match="routed twice"):
        Router([_Group([commands.Help]), _Group([commands.Help])])


@pytest.mark.parametrize(
    ("folder", "line", "banned"),
    [
        ("core", "from adapters.slack import app", "adapters"),
        ("core", "import bot.services", "bot"),
        ("core", "from sim.servicenow import SimInstance", "sim"),
        ("sim", "from core.models import Ticket", "core"),
        ("adapters", "from core.store.port import Store", "core.store"),
    ],
)
def test_import_bans_are_in_force(folder: str, line: str, banned: str) -> None:
    probe = ROOT / folder / "_probe_import_ban.py"
    probe.write_text(f'"""Probe."""\n\n{line}\n')
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251", str(probe)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"`{banned}` is banned" in result.stdout


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(tree: ast.Module) -> set[str]:
    """Every module a file imports, at any depth, except under ``if TYPE_CHECKING``."""
    hidden = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    """No module imports, even lazily inside a function, one that imports it back."""
    modules = {_module_name(p): p for p in _modules()}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {
        name: {
            r
            for t in _imports(ast.parse(path.read_text()))
            if (r := resolve(t)) not in (None, name)
        }
        for name, path in modules.items()
    }
    assert import_cycles(graph) == []  # type: ignore[arg-type]
