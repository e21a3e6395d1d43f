"""The developer tooling: make targets, the pre-commit hooks, a run that collects no test, test markers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    """``make ARGS`` in the checkout, without the venv being rebuilt, outside any outer make."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", "-o", ".venv/.installed", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_pre_commit_runs_the_linters_of_make_lint_and_types() -> None:
    """.pre-commit-config.yaml has ruff, ruff-format, interrogate and mypy from the project's venv."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) >= {"ruff", "ruff-format", "interrogate", "mypy"}
    assert all(hook["entry"].startswith(".venv/bin/") for hook in hooks.values())


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_e2e_and_fmt_have_recipes() -> None:
    """`make e2e` runs the e2e and browser tests in parallel; `make fmt` formats and autofixes."""
    e2e = _make("-n", "e2e")
    assert e2e.returncode == 0, e2e.stderr
    assert '-m "e2e or browser"' in e2e.stdout
    assert "-n auto" in e2e.stdout
    fmt = _make("-n", "fmt")
    assert "ruff format src tests" in fmt.stdout
    assert "ruff check --fix" in fmt.stdout


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_a_run_that_collects_no_test_fails() -> None:
    """pytest's exit 5 (no test collected) fails the make target (so .ci/run) instead of passing."""
    ran = _make("unit", "WORKERS=0", "PYTEST_ARGS=tests/test_errors.py -k no_test_is_named_like_this")
    assert ran.returncode != 0
    assert "no tests ran" in ran.stdout + ran.stderr or "deselected" in ran.stdout
    assert "Error 5" in ran.stderr


def test_a_test_over_the_time_budget_fails_naming_its_time(tmp_path: Path) -> None:
    """--test-budget: a test whose call takes longer fails with its time and where slow work belongs."""
    (tmp_path / "test_slow.py").write_text(
        "import time\n\n\ndef test_slow():\n    time.sleep(0.3)\n\n\ndef test_quick():\n    pass\n",
        encoding="utf-8",
    )
    ran = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "tests.conftest",
            "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
            "--test-budget", "0.2", "--no-load-scaling", str(tmp_path / "test_slow.py"),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "1 failed, 1 passed" in ran.stdout
    assert "over the 0.2 s budget of a test" in ran.stdout
    assert "benchmarks/ (make bench)" in ran.stdout


def test_callback_port_markers_sit_on_tests() -> None:
    """`@pytest.mark.callback_ports` decorates test functions only (on a helper pytest ignores it: no lock)."""
    import ast

    misplaced = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            marked = any("callback_ports" in ast.unparse(d) for d in node.decorator_list)
            if marked and not node.name.startswith(("test_", "Test")):
                misplaced.append(f"{path.relative_to(ROOT)}::{node.name}")
    assert misplaced == []
