"""The public surface: every public name is exported and listed, every public error is in one place.

As httpx's ``tests/test_exported_members.py``: for each public package, ``__all__`` is sorted,
each name in it imports, and each public name the package exposes is in it (submodules aside).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest

import wkapi
from wkapi import _errors

PUBLIC_PACKAGES = ["wkapi", "wkapi.models", "wkapi.jobs", "wkapi.nml", "wkapi.testing"]


def _exposed(module: ModuleType) -> set[str]:
    """The public names a module exposes, submodules and ``from __future__`` flags aside."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and type(value).__module__ != "__future__"
    }


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_is_sorted_importable_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)

    assert exported == sorted(exported)
    assert len(exported) == len(set(exported))
    for member in exported:
        namespace: dict[str, object] = {}
        exec(f"from {name} import {member}", namespace)
        assert namespace[member] is getattr(module, member)
    public = {member for member in exported if not member.startswith("_")}
    assert _exposed(module) == public, "exposed but not in __all__, or listed but not exposed"


def _client_modules() -> list[ModuleType]:
    """Every module of the client (not the fake server, not the command line)."""
    modules = [wkapi]
    for info in pkgutil.walk_packages(wkapi.__path__, "wkapi."):
        if info.name.startswith(("wkapi.testing", "wkapi.cli")) or info.name.endswith("__main__"):
            continue  # __main__ runs the command line when imported
        modules.append(importlib.import_module(info.name))
    return modules


def test_every_public_error_is_defined_in_errors_and_exported() -> None:
    found = {
        value
        for module in _client_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, wkapi.WebknossosError)
        and not name.startswith("_")
    }
    defined = {
        value
        for value in vars(_errors).values()
        if inspect.isclass(value) and issubclass(value, wkapi.WebknossosError)
    }

    assert found == defined, "a public error defined outside wkapi._errors"
    for error in defined:
        assert getattr(wkapi, error.__name__) is error
        assert error.__doc__, error


def test_the_error_tree_in_the_docstring_is_complete_and_true() -> None:
    """Each class of ``_errors`` is in the tree, under a base class it really has."""
    assert _errors.__doc__ is not None
    rows = [
        (len(match[1]), match[2])
        for line in _errors.__doc__.splitlines()
        if (match := re.match(r"([\s│├└─]*)([A-Z]\w*Error)\b", line))
    ]
    root_column = rows[0][0]
    parents: list[str] = []
    for column, name in rows:
        depth = (column - root_column) // 4
        del parents[depth:]
        if parents:
            assert getattr(_errors, parents[-1]) in getattr(_errors, name).__bases__, name
        parents.append(name)

    defined = {
        name
        for name, value in vars(_errors).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == "wkapi._errors"
    }
    assert rows[0][1] == "WebknossosError"
    assert sorted(name for _, name in rows) == sorted(defined)
