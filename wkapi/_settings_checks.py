"""Checks of the client's settings (the config objects' attrs validators): a value of the wrong
type or range raises :class:`~wkapi.ConfigurationError` naming it, as ``<Class>.<field>``, when
the object is built; never an ``AttributeError`` or ``TypeError`` later, from inside.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import attrs

from ._errors import ConfigurationError

__all__ = ["as_status_set", "flag", "integer", "seconds", "status_set"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def seconds(*, optional: bool, zero: bool = False) -> Validator:
    """A number of seconds (or a ratio): > 0 (``zero``: >= 0), or ``None`` if ``optional``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not _is_number(value) or not (value >= 0 if zero else value > 0):  # type: ignore[operator]
            bound = ">= 0" if zero else "> 0"
            none = " or None" if optional else ""
            raise ConfigurationError(
                f"{_name(instance, attribute)} must be {bound} (a number){none}, got {value!r}"
            )

    return check


def integer(*, minimum: int, optional: bool = False) -> Validator:
    """An ``int`` (not a bool) >= ``minimum``, or ``None`` if ``optional``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            none = " or None" if optional else ""
            raise ConfigurationError(
                f"{_name(instance, attribute)} must be >= {minimum} (an int){none}, got {value!r}"
            )

    return check


def flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``True`` or ``False`` (not ``1`` or ``"yes"``)."""
    if value is not True and value is not False:
        raise ConfigurationError(
            f"{_name(instance, attribute)} must be True or False, got {value!r}"
        )


def as_status_set(value: object) -> Any:
    """A list, tuple or set of statuses as a frozenset (an attrs converter); anything else is
    left for :func:`status_set` to refuse, naming the field."""
    return frozenset(value) if isinstance(value, (set, frozenset, list, tuple)) else value


def status_set(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A set of HTTP statuses (ints)."""
    if not isinstance(value, frozenset) or not all(
        isinstance(status, int) and not isinstance(status, bool) for status in value
    ):
        raise ConfigurationError(
            f"{_name(instance, attribute)} must be a set of ints like {{429, 503}}, got {value!r}"
        )
