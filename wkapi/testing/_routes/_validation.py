"""Checking JSON request bodies field by field, the way Play's JSON reads report failures.

Integers are bounded as the server's Scala types are: ``int`` fields are ``Int`` (32 bits; a
larger number is ``error.expected.int``), ``long`` fields ``Long`` (64 bits,
``error.expected.long``), and the components of a ``vec3int`` (a position) are ``Int``s.

:func:`field_errors` returns ``{path: [error key]}`` with Play's keys (``error.path.missing``,
``error.expected.jsstring``, ...). Task bodies report them as Play's map (``obj.taskTypeId``);
projects and datastores as ``{"errors": [{"field": "/name", ...}]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

MISSING = "error.path.missing"

# Scala's Int and Long.
_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1
_LONG_MIN, _LONG_MAX = -(1 << 63), (1 << 63) - 1


@dataclass(frozen=True)
class Field:
    """One expected key: ``kind`` is string, int, long, number, bool, object, vec3, vec3int or
    strings."""

    name: str
    kind: str
    required: bool = True
    children: tuple[Field, ...] = ()
    passes: Callable[[object], bool] = field(init=False, repr=False, compare=False)
    """Whether a present value is valid, children included (exactly when :func:`field_errors`
    finds nothing in it)."""

    def __post_init__(self) -> None:
        check = _PASSES.get(self.kind, _never)
        if self.children:
            children = self.children

            def check_with_children(value: object) -> bool:
                return check(value) and is_valid(value, children)

            object.__setattr__(self, "passes", check_with_children)
        else:
            object.__setattr__(self, "passes", check)


def _kind_error(value: object, kind: str) -> str | None:
    if kind == "string":
        return None if isinstance(value, str) else "error.expected.jsstring"
    if kind == "bool":
        return None if isinstance(value, bool) else "error.expected.jsboolean"
    if kind in ("int", "long", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "error.expected.jsnumber"
        if kind == "number":
            return None
        return None if _PASSES[kind](value) else f"error.expected.{kind}"
    if kind == "object":
        return None if isinstance(value, dict) else "error.expected.jsobject"
    if kind in ("vec3", "vec3int"):
        if not isinstance(value, list):
            return "error.expected.jsarray"
        return None if _PASSES[kind](value) else "error.expected.vec3"
    if kind == "strings":
        if not isinstance(value, list):
            return "error.expected.jsarray"
        return None if all(isinstance(v, str) for v in value) else "error.expected.jsstring"
    raise ValueError(f"unknown field kind {kind!r}")


def _is_number(value: object) -> bool:
    kind = type(value)
    if kind is int or kind is float:
        return True
    return not isinstance(value, bool) and isinstance(value, int | float)


def _integral(value: object, low: int, high: int) -> bool:
    """Whether ``value`` is a JSON number with an integral value in ``[low, high]``."""
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return low <= value <= high
    return isinstance(value, float) and value.is_integer() and low <= value <= high


def _is_int(value: object) -> bool:
    return _integral(value, _INT_MIN, _INT_MAX)


def _is_long(value: object) -> bool:
    return _integral(value, _LONG_MIN, _LONG_MAX)


def _is_vec3(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and _is_number(value[0])
        and _is_number(value[1])
        and _is_number(value[2])
    )


def _is_vec3int(value: object) -> bool:
    """A position: three numbers, integral ones within ``Int`` (fractions are read as today)."""
    return (
        _is_vec3(value)
        and isinstance(value, list)
        and all(_INT_MIN <= v <= _INT_MAX for v in value)
    )


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _never(value: object) -> bool:
    return False  # an unknown kind: field_errors raises for it


# kind -> whether a value passes (exactly when ``_kind_error`` finds nothing)
_PASSES: dict[str, Callable[[object], bool]] = {
    "string": lambda value: isinstance(value, str),
    "bool": lambda value: isinstance(value, bool),
    "int": _is_int,
    "long": _is_long,
    "number": _is_number,
    "object": lambda value: isinstance(value, dict),
    "vec3": _is_vec3,
    "vec3int": _is_vec3int,
    "strings": _is_strings,
}


def is_valid(body: object, fields: Sequence[Field]) -> bool:
    """Whether :func:`field_errors` would find nothing: the cheap check of the common case
    (a thousand task items per request), without building any error path."""
    if not isinstance(body, dict) and not isinstance(body, Mapping):
        return False
    for spec in fields:
        value = body.get(spec.name)
        if value is None:
            if spec.required:
                return False
        elif not spec.passes(value):
            return False
    return True


def field_errors(
    body: object, fields: Sequence[Field], *, path: str = "obj", separator: str = "."
) -> dict[str, list[str]]:
    """Errors of ``body`` against ``fields``, keyed by the path of the failing value.

    ``null`` counts as absent, as for Play's ``Option`` reads.
    """
    if is_valid(body, fields):
        return {}
    return collect_errors(body, fields, path=path, separator=separator)


def collect_errors(
    body: object, fields: Sequence[Field], *, path: str = "obj", separator: str = "."
) -> dict[str, list[str]]:
    """:func:`field_errors` without the fast path: walks every field."""
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
            errors.update(collect_errors(value, spec.children, path=key, separator=separator))
    return errors


def form_fields(errors: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """``{"/name": [key]}`` -> ``[("/name", key)]`` for the ``errors`` list form."""
    return [(path, key) for path, keys in errors.items() for key in keys]
