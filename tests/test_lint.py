"""Lint, types and import contracts are part of the test command, so CI enforces them like any
test. Caches go to a temporary directory: the test run writes nothing into the checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lint-cache")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run("ruff", "format", "--no-cache", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_packages_is_clean(cache: Path) -> None:
    result = run("mypy", "--cache-dir", str(cache / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    """bot → store → scrapers only, and the pure core imports no I/O library (pyproject.toml,
    [tool.importlinter])."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_mypy_catches_a_wrong_store_run_call(tmp_path: Path, cache: Path) -> None:
    """`Store.run` is typed with Concatenate: a wrong argument is a type error."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from store import treaties\n"
        "from store.db import Store\n"
        "async def wrong(store: Store) -> None:\n"
        "    await store.run(treaties.untrack, 42)\n"
        "async def right(store: Store) -> bool:\n"
        "    return await store.run(treaties.untrack, 'XVIII-16')\n",
        encoding="utf-8",
    )
    result = run(
        "mypy", "--strict", "--cache-dir", str(cache / "mypy-probe"), "--follow-imports=silent",
        str(probe),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert 'Argument 2 to "run" of "Store" has incompatible type "int"' in result.stdout
    assert result.stdout.count("error:") == 1, result.stdout
