"""The house rules, checked on the source (docs/ARCHITECTURE.md draws them).

* Each third-party dependency with a job of its own is imported in one place only: click under
  ``cli/``, rich under ``output/``, keyring in ``tokens.py``, httpx under ``client/`` (and the
  emulator, which stands apart).
* Layers: a module imports only from its own layer or the ones below it (type-only imports
  included), so there are no cycles between layers and no back edges (``output`` never imports a
  use case).
* The emulator imports nothing of auth0link outside itself.
* Every module is under 400 lines, every function under 60 unless its ``def`` line says why
  (``# long: …``).
* ``--help`` and ``--version`` import no command module and nothing heavy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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
    "output": 2,
    "auth": 3,
    "session": 4,
    "machine": 4,
    "usecases": 5,
    "application": 6,
    "cli": 7,
    "__init__": 0,  # the package itself: only a lazy __version__
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


def imports(path: Path) -> list[str]:
    """Every module name ``path`` imports (module level, in functions, type-only: all of them)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def layer_of(name: str) -> int | None:
    """The layer of ``auth0link.X…`` (None outside the layered part: the emulator)."""
    parts = name.split(".")
    if parts[0] != "auth0link":
        return None
    top = parts[1] if len(parts) > 1 else "__init__"
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
            assert length <= 60 or "# long:" in lines[node.lineno - 1], (
                f"{relative(path)}:{node.lineno} {node.name} has {length} lines"
            )


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_no_command_and_nothing_heavy(flag: str) -> None:
    """`auth0link --help` / `--version` import no command module, nor httpx, rich, keyring, jwt or ssl."""
    code = (
        "import sys\n"
        "from auth0link.cli import main\n"
        f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'rich', 'keyring', 'jwt', 'cryptography', 'starlette', 'ssl', 'truststore')\n"
        "          or (m.startswith('auth0link.cli.') and m != 'auth0link.cli._globals')\n"
        "          or m.startswith(('auth0link.usecases', 'auth0link.application', 'auth0link.client'))]\n"
        "print('LOADED:' + ','.join(sorted(loaded)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "LOADED:"
