"""The command line is built on wkapi's public API only: what it imports from the library, and
every ``wkapi.<name>`` it uses, is exported and listed in ``__all__``."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import wkapi
from tests.cli.helpers import ThreadedServer, run_cli

CLI = Path(wkapi.__file__).parent / "cli"
#: The library's public modules (``wkapi.testing`` is imported where the fake server runs).
PUBLIC_MODULES = ("wkapi", "wkapi.jobs", "wkapi.models", "wkapi.nml", "wkapi.testing")


def _cli_modules() -> list[Path]:
    return sorted(CLI.glob("*.py"))


def _library_imports(tree: ast.Module) -> list[tuple[str, str | None]]:
    """``(module, name)`` of every absolute import of wkapi (``name`` None for ``import x``)."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "wkapi":
                found.extend((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, None) for a in node.names if a.name.split(".")[0] == "wkapi")
    return found


def _attributes_of_wkapi(tree: ast.Module) -> set[str]:
    """Every ``wkapi.<name>`` in the module."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "wkapi"
    }


@pytest.mark.parametrize("path", _cli_modules(), ids=lambda path: path.name)
def test_the_cli_imports_only_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for module, name in _library_imports(tree):
        assert module in PUBLIC_MODULES, f"{path.name} imports the private module {module}"
        if name is not None:
            exported = importlib.import_module(module).__all__
            assert name in exported, f"{path.name} imports {module}.{name}, not in its __all__"
    for name in _attributes_of_wkapi(tree):
        assert name in wkapi.__all__, f"{path.name} uses wkapi.{name}, not in wkapi.__all__"


def test_every_command_module_is_named_after_its_command() -> None:
    names = {path.stem for path in _cli_modules()}
    assert "demo" not in names
    assert {"_cmd_demo", "_cmd_export", "_cmd_info", "_cmd_tasks", "_cmd_transfer"} <= names


def test_download_offers_every_annotation_type() -> None:
    from wkapi.cli import cli

    download = cli.commands["download"]
    typ = next(param for param in download.params if param.name == "typ")
    assert list(typ.type.choices) == [member.value for member in wkapi.AnnotationType]  # type: ignore[attr-defined]
    assert "View" in typ.type.choices  # type: ignore[attr-defined]


def test_download_takes_a_view_annotation_through_the_entry_point(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    result = run_cli(
        "download",
        "view",  # any case, as every type
        "0" * 24,
        "-o",
        str(tmp_path),
        "--url",
        threaded_server.url,
        "--token",
        threaded_server.tokens["admin"],
    )
    # Asked for, not refused as a usage error; the server's word is passed on.
    assert result.returncode == 1, result.stderr
    assert "error: the server answered 400: Cannot download View annotation" in result.stderr
    last = threaded_server.server.requests[-1]
    assert last.route == f"/annotations/View/{'0' * 24}/download"
