"""Fixes are data: no module writes an auth0link command into text that another part reads back.

An error's next step is a :class:`~auth0link.errors.Fix` holding :class:`~auth0link.errors.Command`
values; :func:`~auth0link.errors.render_fix` alone writes ``auth0link …`` (and places
``--profile``). Checked on the source:

* outside ``cli/``, ``output/`` and the emulator, no string (docstrings and comments aside) names
  a command as ``auth0link <command>``, so no hint, problem or fix is built as text;
* in ``cli/`` no hint (a ``hint=``/``*_hint=`` argument, or a name with ``hint`` or ``fix`` in
  it) does either;
* no module but the renderers builds or splits the ``" Fix: "`` of a ``status`` problem.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from auth0link.cli import COMMANDS
from tests.test_architecture import SRC, modules, relative

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

#: ``auth0link <command>``, with or without a global ``--profile NAME`` before it
COMMAND_TEXT = re.compile(
    r"\bauth0link (?:--profile \S+ )?(?:" + "|".join(map(re.escape, COMMANDS)) + r")\b",
)
#: the renderers: of a fix (errors.render_fix) and of a status problem (models.Problem)
RENDERERS = ("errors.py", "models/results.py")
#: where text for people is written apart from hints: the output, and the emulator (a product apart)
APART = ("output/", "emulator/")


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _strings(node: ast.AST, skip: set[int] | None = None) -> Iterator[tuple[int, str]]:
    """The line and text of each string constant under ``node`` (f-string pieces too), but ``skip``'s."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in (skip or ()):
            yield child.lineno, child.value


def _hint_parts(tree: ast.AST) -> Iterator[ast.AST]:
    """The expressions that become a hint: ``hint=``/``*_hint=`` arguments, names with hint or fix."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and node.arg.endswith("hint"):
            yield node.value
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id.lower() for t in targets if isinstance(t, ast.Name)]
            if any("hint" in name or "fix" in name for name in names):
                yield node.value


def command_text(path: Path, root: Path = SRC) -> list[str]:
    """``file:line: text`` for each string in ``path`` that writes an auth0link command itself."""
    where = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if where.startswith("cli/"):
        nodes = [s for part in _hint_parts(tree) for s in _strings(part)]
    else:
        nodes = list(_strings(tree, _docstrings(tree)))
    return [f"{where}:{line}: {text!r}" for line, text in nodes if COMMAND_TEXT.search(text)]


def _checked() -> list[Path]:
    return [
        path for path in modules() if not relative(path).startswith(APART) and relative(path) not in RENDERERS
    ]


def test_no_module_writes_command_text_into_a_hint() -> None:
    """Hints and fixes name commands as Command values; only render_fix writes `auth0link <cmd>`."""
    checked = _checked()
    assert len(checked) > 50, "the check must see the package"
    found = [line for path in checked for line in command_text(path)]
    assert found == [], "build these as errors.Fix(…, cmd(…)):\n" + "\n".join(found)


def test_no_module_builds_or_splits_a_problem_line() -> None:
    """A status problem keeps its fix as a value: no `" Fix: "` text outside its renderers."""
    found = [
        f"{relative(path)}:{line}"
        for path in modules()
        if not relative(path).startswith(APART) and relative(path) not in RENDERERS
        for tree in [ast.parse(path.read_text(encoding="utf-8"))]
        for line, text in _strings(tree, _docstrings(tree))
        if "Fix: " in text
    ]
    assert found == []


def test_the_check_sees_a_hint_written_as_text(tmp_path: Path) -> None:
    """A `hint="run: auth0link login"` (and an f-string one in cli/) is found; a docstring is not."""
    module = tmp_path / "usecases" / "bad.py"
    module.parent.mkdir()
    module.write_text(
        '"""Run ``auth0link login`` first."""\n'
        'def f(user: str) -> None:\n    raise ValueError("x", hint=f"check with: auth0link identities --user {user}")\n',
        encoding="utf-8",
    )
    assert command_text(module, root=tmp_path) == [
        "usecases/bad.py:3: 'check with: auth0link identities --user '"
    ]
    (tmp_path / "cli").mkdir()
    cli_module = tmp_path / "cli" / "bad.py"
    cli_module.write_text('x = "auth0link login --help"\nhint = "run: auth0link login"\n', encoding="utf-8")
    assert command_text(cli_module, root=tmp_path) == ["cli/bad.py:2: 'run: auth0link login'"]
