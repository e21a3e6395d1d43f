"""The emulator stands apart: no imports of auth0link outside it, no clashing names, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import auth0link.emulator

EMULATOR = Path(auth0link.emulator.__file__).parent
MAIN = EMULATOR.parent  # the auth0link package (found without importing it)
MAX_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    """Every module of the emulator package."""
    return sorted(EMULATOR.rglob("*.py"))


def _imported(tree: ast.Module) -> list[str]:
    """The absolute names every import statement of a module reaches (relative ones stay inside)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_emulator_imports_nothing_of_auth0link_outside_itself() -> None:
    """No emulator module imports auth0link.* outside auth0link.emulator (at any depth of the code)."""
    outside = {
        f"{path.name}: {name}"
        for path in _modules()
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if (name == "auth0link" or name.startswith("auth0link."))
        and not (name == "auth0link.emulator" or name.startswith("auth0link.emulator."))
    }
    assert len(_modules()) > 10
    assert outside == set()


def test_module_names_do_not_clash_with_the_main_package() -> None:
    """No emulator module shares its name with a module or package of auth0link (tokens, admin, …)."""
    main_names = {p.stem for p in MAIN.glob("*.py")} | {
        p.name for p in MAIN.iterdir() if (p / "__init__.py").exists()
    }
    emulator_names = {p.stem for p in _modules()} - {"__init__", "__main__"}
    assert emulator_names & main_names == set()


def test_modules_and_functions_stay_small() -> None:
    """Every emulator module is under 400 lines and every function under 60."""
    too_long: list[str] = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) >= MAX_LINES:
            too_long.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length >= MAX_FUNCTION_LINES:
                    too_long.append(f"{path.name}: {node.name}() {length} lines")
    assert too_long == []


SUBPACKAGES = {"server", "web", "authn", "protocol", "mgmt", "state", "pages", "testing"}
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "pytest_plugin.py"}


def test_the_folder_tree_names_the_parts() -> None:
    """Every emulator module lives in one of its named subpackages; only the entry points stay on top."""
    packages = {p.name for p in EMULATOR.iterdir() if (p / "__init__.py").exists()}
    top_level = {p.name for p in EMULATOR.glob("*.py")}
    assert packages == SUBPACKAGES
    assert top_level == TOP_LEVEL_MODULES
    assert all(any((EMULATOR / name).glob("[!_]*.py")) for name in SUBPACKAGES)


def test_modules_inside_the_package_import_each_other_relatively() -> None:
    """No emulator module imports auth0link.emulator by its absolute name (relative imports only)."""
    absolute = {
        f"{path.relative_to(EMULATOR)}: {name}"
        for path in _modules()
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")))
        if name.startswith("auth0link.emulator")
    }
    assert absolute == set()


MAX_PUBLIC_METHODS = 15
# Overrides of collections.abc.Mapping's own methods are its interface, not the class's jobs.
MAPPING_PROTOCOL = {"keys", "values", "items", "get"}


def test_no_class_has_more_than_fifteen_public_methods() -> None:
    """Every emulator class has at most 15 public methods (properties included): one job each."""
    too_big: list[str] = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                public = [
                    item.name
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and not item.name.startswith("_")
                    and item.name not in MAPPING_PROTOCOL
                ]
                if len(public) > MAX_PUBLIC_METHODS:
                    too_big.append(f"{path.relative_to(EMULATOR)}: {node.name} has {len(public)}")
    assert too_big == []


TESTS = Path(__file__).resolve().parents[1]


def _test_module_imports(path: Path, seen: set[Path]) -> set[str]:
    """The absolute names ``path`` imports, following ``tests.*`` helper modules transitively."""
    if path in seen:
        return set()
    seen.add(path)
    names = set(_imported(ast.parse(path.read_text(encoding="utf-8"))))
    for name in list(names):
        parts = name.split(".")
        if parts[0] != "tests":
            continue
        for length in range(len(parts), 1, -1):  # `from tests.support.tenant import X` → tenant.py
            candidate = TESTS.joinpath(*parts[1:length]).with_suffix(".py")
            if candidate.is_file():
                names |= _test_module_imports(candidate, seen)
                break
    return names


def test_the_emulator_tests_use_nothing_of_auth0link_outside_the_emulator() -> None:
    """No module of tests/emulator imports auth0link outside auth0link.emulator, directly or via tests.*."""
    seen: set[Path] = set()
    outside = {
        f"{path.name}: {name}"
        for path in sorted((TESTS / "emulator").glob("*.py"))
        for name in _test_module_imports(path, seen)
        if (name == "auth0link" or name.startswith("auth0link."))
        and not (name == "auth0link.emulator" or name.startswith("auth0link.emulator."))
    }
    assert len(seen) > 10
    assert outside == set()
