"""The house rules, checked on the source (docs/ARCHITECTURE.md draws them).

* Each third-party dependency with a job of its own is imported in one place only: click under
  ``cli/``, rich under ``output/``, keyring in ``tokens.py``, httpx under ``client/`` (and the
  emulator, which stands apart).
* Layers: a module imports only from its own layer or the ones below it (type-only imports
  included), so there are no cycles between layers and no back edges (``output`` never imports a
  use case).
* The emulator imports nothing of auth0link outside itself.
* No import cycles between modules at run time (imports under ``if TYPE_CHECKING:`` aside; they
  still obey the layers). Relative imports count like absolute ones.
* Every module is under 400 lines, every function under 60 unless its ``def`` line says why
  (``# long: …``), and only a function over 60 lines carries that mark.
* ``--help`` and ``--version`` import no command module and nothing heavy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "auth0link"

#: lower number = lower layer; a module may import its own layer and below.
LAYERS: dict[str, int] = {
    "errors": 0,
    "_constants": 0,
    "_version": 0,
    "_jwt": 0,
    "_redact": 0,
    "_files": 0,
    "_stdin": 0,
    "_domain": 0,
    "_profile_file": 0,
    "_ca_bundle": 0,
    "models": 0,
    "config": 1,
    "client": 2,
    "tokens": 2,
    "token_file": 2,
    "output": 2,
    "auth": 3,
    "session": 4,
    "machine": 4,
    "infra": 4,
    "usecases": 5,
    "application": 6,
    "other_profiles": 6,
    "cli": 7,
    "__init__": 0,  # the package itself: a lazy __version__ and the --version line
    "__main__": 7,
}

#: third-party package → where it may be imported (paths relative to src/auth0link)
OWNERS: dict[str, tuple[str, ...]] = {
    "click": ("cli/",),
    "rich": ("output/",),
    "keyring": ("tokens.py",),
    "httpx": ("client/", "emulator/"),
}


def modules() -> list[Path]:
    """Every Python module of the package."""
    return sorted(SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    """``auth0link.cli.link`` for ``cli/link.py``; ``auth0link.cli`` for ``cli/__init__.py``."""
    parts = ["auth0link", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: every module of the package by dotted name
MODULES: dict[str, Path] = {module_name(path): path for path in modules()}


class Import(NamedTuple):
    """One imported module name, and whether only type checkers see it (``if TYPE_CHECKING:``)."""

    name: str
    type_only: bool


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name of a ``from`` import (relative ones resolved against the package)."""
    if node.level == 0:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def all_imports(path: Path, nodes: list[ast.stmt] | None = None) -> list[Import]:
    """Every import of ``path`` (or only under its ``nodes``): module level, in functions, relative, type-only."""
    found: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, True)
            for statement in node.orelse:
                visit(statement, type_only)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, type_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(path, node)
            found.append(Import(module, type_only))
            found.extend(Import(f"{module}.{alias.name}", type_only) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    for node in ast.parse(path.read_text(encoding="utf-8")).body if nodes is None else nodes:
        visit(node, False)
    return found


def imports(path: Path) -> list[str]:
    """Every module name ``path`` imports (module level, in functions, relative, type-only)."""
    return [item.name for item in all_imports(path)]


def runtime_graph() -> dict[str, set[str]]:
    """auth0link module → the auth0link modules it imports when it runs (not ``if TYPE_CHECKING``).

    ``from package import name`` depends on the package's ``__init__`` (it runs it and reads the
    name from it), and on ``package.name`` too when that is a module.
    """
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        graph[name] = {
            item.name
            for item in all_imports(path)
            if not item.type_only and item.name in MODULES and item.name != name
        }
    return graph


def layer_of(name: str) -> int | None:
    """The layer of ``auth0link.X…`` (None outside the layered part: the emulator)."""
    parts = name.split(".")
    if parts[0] != "auth0link":
        return None
    top = parts[1] if len(parts) > 1 else "__init__"
    if ".".join(parts[:2]) not in MODULES and not (SRC / top).is_dir():
        top = "__init__"  # a name the package itself defines (``from auth0link import version_line``)
    return None if top == "emulator" else LAYERS[top]


def relative(path: Path) -> str:
    """``cli/link.py``."""
    return path.relative_to(SRC).as_posix()


def test_each_dependency_is_imported_where_it_belongs() -> None:
    """click only in cli/, rich only in output/, keyring only in tokens.py, httpx only in client/."""
    wrong = [
        f"{relative(path)} imports {name}"
        for path in modules()
        for name in imports(path)
        for package, owners in OWNERS.items()
        if name.split(".")[0] == package and not relative(path).startswith(owners)
    ]
    assert wrong == []


def test_no_module_imports_a_higher_layer() -> None:
    """Layers only look down (no cycles between layers, no back edges such as output → use case)."""
    wrong = []
    for path in modules():
        here = layer_of("auth0link." + relative(path).removesuffix(".py").replace("/", "."))
        if here is None:
            continue
        for name in imports(path):
            there = layer_of(name)
            if there is not None and there > here:
                wrong.append(f"{relative(path)} (layer {here}) imports {name} (layer {there})")
    assert wrong == []


def test_the_emulator_stands_apart() -> None:
    """No emulator module imports auth0link outside auth0link.emulator."""
    wrong = [
        f"{relative(path)} imports {name}"
        for path in (SRC / "emulator").rglob("*.py")
        for name in imports(path)
        if name.startswith("auth0link") and not name.startswith("auth0link.emulator")
    ]
    assert wrong == []


@pytest.mark.parametrize("path", modules(), ids=relative)
def test_modules_and_functions_are_small(path: Path) -> None:
    """A module under 400 lines; a function under 60, or its def line says why (# long: …)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 400, f"{relative(path)} has {len(lines)} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            marked = "# long:" in lines[node.lineno - 1]
            assert length <= 60 or marked, f"{relative(path)}:{node.lineno} {node.name} has {length} lines"
            assert length > 60 or not marked, (
                f"{relative(path)}:{node.lineno} {node.name} has {length} lines: drop its stale '# long:'"
            )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of more than one module that reach each other through imports, each sorted."""

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for target in graph.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    reachable = {node: reach(node) for node in graph}
    groups = {
        tuple(sorted({node} | {other for other in reachable[node] if node in reachable.get(other, ())}))
        for node in graph
    }
    return sorted(list(group) for group in groups if len(group) > 1)


def test_no_import_cycles() -> None:
    """No two modules import each other at run time, directly or round a loop (TYPE_CHECKING aside)."""
    assert cycles(runtime_graph()) == []


def test_the_cycle_finder_sees_a_loop() -> None:
    """The cycle check reports a three-module loop and ignores a chain."""
    loop = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(loop) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


def test_relative_and_type_only_imports_are_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`from ..config import Settings` counts as auth0link.config; a TYPE_CHECKING import is marked type-only."""
    fake = tmp_path / "auth0link"
    (fake / "emulator").mkdir(parents=True)
    module = fake / "emulator" / "demo.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from ..config import Settings\n"
        "from . import tls\n"
        "if TYPE_CHECKING:\n"
        "    from ..tokens import TokenSet\n"
        "def f():\n"
        "    from .model import Tenant\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    seen = all_imports(module)
    assert Import("auth0link.config", False) in seen
    assert Import("auth0link.config.Settings", False) in seen
    assert Import("auth0link.emulator.tls", False) in seen
    assert Import("auth0link.tokens", True) in seen
    assert Import("auth0link.emulator.model", False) in seen


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_no_command_and_nothing_heavy(flag: str) -> None:
    """`auth0link --help` / `--version` import no command module, nor httpx, rich, keyring, jwt or ssl."""
    code = (
        "import sys\n"
        "from auth0link.cli import main\n"
        f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'rich', 'keyring', 'jwt', 'cryptography', 'starlette', 'ssl', 'truststore')\n"
        "          or (m.startswith('auth0link.cli.') and m not in ('auth0link.cli._globals', 'auth0link.cli._help'))\n"
        "          or m.startswith(('auth0link.usecases', 'auth0link.application', 'auth0link.client'))]\n"
        "print('LOADED:' + ','.join(sorted(loaded)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "LOADED:"


def imported_by(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Every module ``python -X importtime ARGV`` imports (from its stderr), and the run."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, env=env, check=False
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return names, result


HEAVY: tuple[str, ...] = ("rich", "httpx", "keyring", "jwt", "cryptography", "ssl", "truststore")


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_python_m_help_and_version_import_nothing_heavy(flag: str) -> None:
    """`python -X importtime -m auth0link --help` / `--version`: no rich, httpx, keyring, jwt or ssl."""
    names, result = imported_by(["-m", "auth0link", flag])
    assert result.returncode == 0, result.stderr[-500:]
    assert ("auth0link.cli" in names) == (flag == "--help")  # a bare --version is answered before it
    assert sorted(n for n in names if n.split(".")[0] in HEAVY) == []


@pytest.mark.parametrize("argv", [["--help"], ["identities", "--help"], ["config", "--help"]])
def test_help_pages_import_no_locale(argv: list[str]) -> None:
    """A help page looks up no click message catalogue (gettext imports locale, ~1 ms)."""
    names, result = imported_by(["-m", "auth0link", *argv])
    assert "Usage: " in result.stdout + result.stderr, result.stderr[-500:]
    assert "locale" not in names


@pytest.mark.parametrize("admin", [True, False], ids=["--user ID", "signed-in user"])
def test_identities_with_an_env_token_loads_no_stored_credentials(tmp_path: Path, admin: bool) -> None:
    """`identities [--user ID] --json` with AUTH0LINK_ACCESS_TOKEN imports no keyring, token store or machine code."""
    import os
    import socket

    with socket.socket() as probe:  # a port nothing listens on: the run stops at its one request
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0LINK_")}
    env.update(
        HOME=str(tmp_path),
        AUTH0LINK_CONFIG_DIR=str(tmp_path / "config"),
        AUTH0LINK_DATA_DIR=str(tmp_path / "data"),
        AUTH0LINK_DOMAIN=f"127.0.0.1:{port}",
        # an unsigned JWT whose sub is auth0|x: the signed-in user's form reads its sub
        AUTH0LINK_ACCESS_TOKEN="eyJhbGciOiJub25lIn0.eyJzdWIiOiJhdXRoMHx4In0.",
    )
    command = ["identities", "--user", "auth0|x", "--json"] if admin else ["identities", "--json"]
    names, result = imported_by(["-m", "auth0link", *command], env)
    assert "Could not connect" in result.stderr  # it got as far as the request
    assert "auth0link.client._http" in names
    unwanted = {"keyring", "jwt", "auth0link.machine", "auth0link.tokens"}
    unwanted |= {"auth0link.session"} if admin else set()  # the user's form reads the token's sub there
    unwanted |= {
        "auth0link.token_file",
        "auth0link.models.results",
        "auth0link.output._svg",
        "auth0link.auth",
    }
    assert sorted(n for n in names if n in unwanted or n.rsplit(".", 1)[0] in unwanted) == []


def test_the_layer_table_in_the_docs_is_the_one_checked_here() -> None:
    """docs/ARCHITECTURE.md's layer table names exactly the modules and layers of LAYERS."""
    import re

    doc = (SRC.parents[1] / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = {
        name.removesuffix("/"): int(layer)
        for layer, cell in re.findall(r"^\| (\d) \| ([^|]+) \|", doc, flags=re.MULTILINE)
        for name in re.findall(r"`([^`]+)`", cell)
    }
    checked = {name: layer for name, layer in LAYERS.items() if name not in {"__init__", "__main__"}}
    on_disk = {path.name.removesuffix(".py") for path in SRC.iterdir() if path.name != "emulator"}
    on_disk -= {"__init__", "__main__", "__pycache__", "py.typed"}
    assert documented == checked
    assert set(checked) == on_disk


def _use_cases_under(path: Path, nodes: list[ast.stmt]) -> set[str]:
    """The ``auth0link.usecases.*`` modules imported anywhere under ``nodes`` (type-only ones too)."""
    found = set()
    for item in all_imports(path, nodes):
        parts = item.name.split(".")
        if parts[:2] == ["auth0link", "usecases"] and len(parts) > 2 and ".".join(parts[:3]) in MODULES:
            found.add(parts[2])
    return found


def _is_command(decorator: ast.expr) -> bool:
    """``@command(…)``, ``@click.command(…)``, ``@click.group(…)``, ``@config_group.command(…)``."""
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in {"command", "group"}


def use_cases_per_command(path: Path) -> dict[str, set[str]]:
    """Each click command of ``path`` → the use-case modules it reaches.

    What the module imports at its top level counts for every command; then each command's own
    function and the module's functions and classes it names, transitively.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    defs = {node.name: node for node in tree.body if isinstance(node, kinds)}
    shared = _use_cases_under(path, [node for node in tree.body if not isinstance(node, kinds)])
    result = {}
    for name, node in defs.items():
        if not isinstance(node, ast.FunctionDef) or not any(_is_command(d) for d in node.decorator_list):
            continue
        reached, todo = {name}, [name]
        while todo:
            for inner in ast.walk(defs[todo.pop()]):
                if isinstance(inner, ast.Name) and inner.id in defs and inner.id not in reached:
                    reached.add(inner.id)
                    todo.append(inner.id)
        result[name] = shared | _use_cases_under(path, [defs[n] for n in reached])
    return result


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((SRC / "cli").glob("*.py")) if not p.name.startswith("_")],
    ids=lambda p: p.name,
)
def test_a_command_calls_one_use_case(path: Path) -> None:
    """Each command (and each subcommand) of cli/<command>.py reaches at most one auth0link.usecases module."""
    commands = use_cases_per_command(path)
    assert commands, f"{relative(path)} defines no command"
    many = {name: sorted(used) for name, used in commands.items() if len(used) > 1}
    assert many == {}, f"{relative(path)}: commands calling more than one use case"


def test_the_use_case_count_sees_helpers_and_subcommands(tmp_path: Path) -> None:
    """A use case imported in a helper a command calls counts for that command; each subcommand is its own."""
    module = tmp_path / "probe.py"
    module.write_text(
        "import click\n"
        "from auth0link.usecases import status\n"
        "@click.group()\n"
        "def group() -> None:\n    pass\n"
        "@group.command()\n"
        "def one() -> None:\n    from auth0link.usecases.link import link_as_user\n    _helper()\n"
        "def _helper() -> None:\n    from auth0link.usecases.unlink import unlink_as_user\n"
        "@group.command()\n"
        "def two() -> None:\n    from auth0link.usecases.restore import restore_backup\n",
        encoding="utf-8",
    )
    found = use_cases_per_command(module)
    assert found == {"group": {"status"}, "one": {"link", "status", "unlink"}, "two": {"restore", "status"}}
