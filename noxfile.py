"""Developer sessions: ``nox -s tests lint typecheck bench``."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (the README's test command)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", "wkapi", "tests", "benchmarks", "tools", "noxfile.py")
    session.run("ruff", "format", "--check", "wkapi", "tests", "benchmarks", "tools", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".[test,cli]", "mypy")
    session.run("mypy", "--strict", "wkapi")


@nox.session
def bench(session: nox.Session) -> None:
    """Run every script in benchmarks/ and print their figures (pass script options after --)."""
    session.install("-e", ".[test,cli]")
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        session.log(f"== {script.name}")
        session.run("python", str(script), *session.posargs)
