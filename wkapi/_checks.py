"""Argument checks: a bad argument raises :class:`~wkapi.InputError` naming it, before anything
is sent; a bad setting of a config object (:class:`~wkapi.Timeouts`, :class:`~wkapi.Limits`,
:class:`~wkapi.RetryPolicy`, the client's config) raises :class:`~wkapi.ConfigurationError`
naming it, when the object is built (the ``valid_*`` attrs validators at the end).

Shared by resources, models and jobs, with one message per kind of mistake::

    <name> must be an id of 24 lowercase hex characters, got <value>
    <name> must be an int, got <value>              (or: an int >= 1, an int <= 9,
                                                         an int >= 1 and <= 10000;
                                                         below the minimum: an int >= 1)
    <name> must be True or False, got <value>
    <name> must be a string, got <value>            (or: a non-empty string)
    <name> must be a path (a str or os.PathLike), got <value>
    <name> must be a list (or another iterable) of <items>, got <value>
    <name> must be callable, got <value>

``None`` for "not given" is the caller's to handle: these check a value that was given. Each
check is a plain function, cheap when the value is good (a task spec runs a dozen of them).

Every integer that goes to the server is bounded by what the server stores: WEBKNOSSOS is
written in Scala, whose ``Int`` is 32 bits (instance counts, positions, bounding boxes, priority,
experience, page sizes and numbers) and ``Long`` 64 bits (durations, time stamps). A bigger
number would be refused by the server (or could not even be written as JSON), so it is refused
here, naming the field: ``check_int(name, value, maximum=INT32_MAX)``.
"""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ._errors import ConfigurationError, InputError

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "OBJECT_ID",
    "as_status_set",
    "check_bool",
    "check_callable",
    "check_id",
    "check_int",
    "check_items",
    "check_name",
    "check_path",
    "check_str",
    "is_int",
    "valid_flag",
    "valid_int",
    "valid_seconds",
    "valid_statuses",
]

#: The bounds of the server's ``Int`` (Scala/Java, 32-bit signed).
INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
#: The bounds of the server's ``Long`` (64-bit signed), also the largest integer JSON is written
#: with.
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

#: A WEBKNOSSOS object id (a MongoDB ObjectId in hex): 24 lowercase hex characters.
OBJECT_ID = re.compile(r"[0-9a-f]{24}")
_is_object_id = OBJECT_ID.fullmatch


#: Ids found valid lately: an exact ``str`` equal to one of them is one too, found by a set
#: lookup instead of the pattern (a bulk job checks one task type id for every spec).
_valid_ids: set[str] = set()
_VALID_IDS_KEPT = 256


def check_id(name: str, value: object) -> str:
    """``value`` if it is a WEBKNOSSOS object id, so a typo never reaches the server."""
    if type(value) is str:
        if value in _valid_ids:
            return value
        if _is_object_id(value) is not None:
            if len(_valid_ids) >= _VALID_IDS_KEPT:
                _valid_ids.clear()  # starts again
            _valid_ids.add(value)
            return value
    elif isinstance(value, str) and _is_object_id(value) is not None:
        return value
    raise InputError(f"{name} must be an id of 24 lowercase hex characters, got {value!r}")


def is_int(value: object) -> bool:
    """Whether ``value`` is an integer (any :class:`numbers.Integral`, NumPy's too), not a bool."""
    if type(value) is int:
        return True
    return not isinstance(value, bool) and isinstance(value, numbers.Integral)


def check_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) within the bounds (inclusive).

    Any :class:`numbers.Integral` passes (a NumPy integer from a table of tasks) and comes back
    as a plain ``int``, which JSON and the query string take.
    """
    if type(value) is int:  # the common case first: one type check
        number = value
    elif isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be {_int_kind(minimum, maximum)}, got {value!r}")
    else:
        number = int(value)
    if minimum is not None and number < minimum:
        # The bound crossed, alone: a count of 0 has nothing to do with the server's maximum.
        raise InputError(f"{name} must be {_int_kind(minimum, None)}, got {value!r}")
    if maximum is not None and number > maximum:
        raise InputError(f"{name} must be {_int_kind(minimum, maximum)}, got {value!r}")
    return number


def _int_kind(minimum: int | None, maximum: int | None) -> str:
    if minimum is None:
        return "an int" if maximum is None else f"an int <= {maximum}"
    if maximum is None:
        return f"an int >= {minimum}"
    return f"an int >= {minimum} and <= {maximum}"


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is a ``bool``.

    ``1`` or ``"true"`` are refused: the server only understands JSON booleans and lowercase
    query flags, which the session writes from real booleans.
    """
    if value is True or value is False:
        return value
    raise InputError(f"{name} must be True or False, got {value!r}")


def check_str(name: str, value: object, *, allow_empty: bool = False) -> str:
    """``value`` if it is a string, and not empty unless ``allow_empty``."""
    if isinstance(value, str) and (value or allow_empty):
        return value
    kind = "a string" if allow_empty else "a non-empty string"
    raise InputError(f"{name} must be {kind}, got {value!r}")


def check_name(name: str, value: object) -> str:
    """``value`` if it is a string with more than white space (a name, a label)."""
    if isinstance(value, str) and value.strip():
        return value
    raise InputError(f"{name} must be a non-empty string, got {value!r}")


def check_path(name: str, value: object) -> str | os.PathLike[str]:
    """``value`` if it is a path: a ``str`` or an :class:`os.PathLike` (a ``pathlib.Path``)."""
    if isinstance(value, (str, os.PathLike)):
        return value
    raise InputError(f"{name} must be a path (a str or os.PathLike), got {value!r}")


def check_items(name: str, value: object, items: str) -> list[Any]:
    """``value`` as a list if it is an iterable of several things (a list, a tuple, a
    generator), not one string, mapping or scalar: ``items`` says what it should hold."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError(f"{name} must be a list (or another iterable) of {items}, got {value!r}")
    return list(value)


def check_callable(name: str, value: object) -> Callable[..., Any]:
    """``value`` if it can be called (a callback)."""
    if callable(value):
        return value
    raise InputError(f"{name} must be callable, got {value!r}")


# -- settings ---------------------------------------------------------------------------------
# The config objects' attrs validators: a setting of the wrong type or range raises
# ConfigurationError naming it as ``<Class>.<field>`` when the object is built, never an
# AttributeError or TypeError later, from inside.

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def valid_seconds(*, optional: bool, zero: bool = False) -> Validator:
    """A number of seconds (or a ratio): > 0 (``zero``: >= 0), or ``None`` if ``optional``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not _is_number(value) or not (value >= 0 if zero else value > 0):  # type: ignore[operator]
            bound = ">= 0" if zero else "> 0"
            none = " or None" if optional else ""
            raise ConfigurationError(
                f"{_name(instance, attribute)} must be a number {bound}{none}, got {value!r}"
            )

    return check


def valid_int(*, minimum: int, optional: bool = False) -> Validator:
    """An ``int`` (not a bool) >= ``minimum``, or ``None`` if ``optional``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            none = " or None" if optional else ""
            raise ConfigurationError(
                f"{_name(instance, attribute)} must be {_int_kind(minimum, None)}{none}, "
                f"got {value!r}"
            )

    return check


def valid_flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``True`` or ``False`` (not ``1`` or ``"yes"``)."""
    if value is not True and value is not False:
        raise ConfigurationError(
            f"{_name(instance, attribute)} must be True or False, got {value!r}"
        )


def as_status_set(value: object) -> Any:
    """A list, tuple or set of statuses as a frozenset (an attrs converter); anything else is
    left for :func:`valid_statuses` to refuse, naming the field."""
    return frozenset(value) if isinstance(value, (set, frozenset, list, tuple)) else value


def valid_statuses(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A set of HTTP statuses (ints)."""
    if not isinstance(value, frozenset) or not all(
        isinstance(status, int) and not isinstance(status, bool) for status in value
    ):
        raise ConfigurationError(
            f"{_name(instance, attribute)} must be a set of ints like {{429, 503}}, got {value!r}"
        )
