"""Checking JSON request bodies field by field, the way Play's JSON reads report failures.

:func:`field_errors` returns ``{path: [error key]}`` with Play's keys (``error.path.missing``,
``error.expected.jsstring``, ...). Task bodies report them as Play's map (``obj.taskTypeId``);
projects and datastores as ``{"errors": [{"field": "/name", ...}]}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MISSING = "error.path.missing"


@dataclass(frozen=True)
class Field:
    """One expected key: ``kind`` is string, int, number, bool, object, vec3 or strings."""

    name: str
    kind: str
    required: bool = True
    children: tuple[Field, ...] = ()


def _kind_error(value: object, kind: str) -> str | None:
    if kind == "string":
        return None if isinstance(value, str) else "error.expected.jsstring"
    if kind == "bool":
        return None if isinstance(value, bool) else "error.expected.jsboolean"
    if kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "error.expected.jsnumber"
        if kind == "int" and isinstance(value, float) and not value.is_integer():
            return "error.expected.int"
        return None
    if kind == "object":
        return None if isinstance(value, dict) else "error.expected.jsobject"
    if kind == "vec3":
        if not isinstance(value, list):
            return "error.expected.jsarray"
        ok = len(value) == 3 and all(_kind_error(v, "number") is None for v in value)
        return None if ok else "error.expected.vec3"
    if kind == "strings":
        if not isinstance(value, list):
            return "error.expected.jsarray"
        return None if all(isinstance(v, str) for v in value) else "error.expected.jsstring"
    raise ValueError(f"unknown field kind {kind!r}")


def field_errors(
    body: object, fields: Sequence[Field], *, path: str = "obj", separator: str = "."
) -> dict[str, list[str]]:
    """Errors of ``body`` against ``fields``, keyed by the path of the failing value.

    ``null`` counts as absent, as for Play's ``Option`` reads.
    """
    if not isinstance(body, Mapping):
        return {path: ["error.expected.jsobject"]}
    errors: dict[str, list[str]] = {}
    for spec in fields:
        key = f"{path}{separator}{spec.name}"
        value = body.get(spec.name)
        if value is None:
            if spec.required:
                errors[key] = [MISSING]
            continue
        problem = _kind_error(value, spec.kind)
        if problem is not None:
            errors[key] = [problem]
        elif spec.children:
            errors.update(field_errors(value, spec.children, path=key, separator=separator))
    return errors


def form_fields(errors: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """``{"/name": [key]}`` -> ``[("/name", key)]`` for the ``errors`` list form."""
    return [(path, key) for path, keys in errors.items() for key in keys]
