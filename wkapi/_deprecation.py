"""Old spellings that keep working, each with a :class:`DeprecationWarning` naming the new one."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import attrs

from ._warnings import warn_user

__all__ = ["positional_fields_deprecated", "warn_deprecated"]

C = TypeVar("C", bound=type)


def warn_deprecated(message: str) -> None:
    """Warn that a spelling is deprecated, at the line of the user's code that wrote it."""
    warn_user(message, DeprecationWarning)


def positional_fields_deprecated(cls: C) -> C:
    """Let a keyword-only attrs class still take its fields by position, with a warning.

    Apply it above ``@attrs.frozen(kw_only=True)``: type checkers see the keyword-only
    signature, and code written when the fields were positional (``Timeouts(30)``) keeps
    working, told how to write it now.
    """
    init = cls.__dict__["__init__"]  # the one attrs wrote
    names = tuple(field.alias for field in attrs.fields(cls) if field.init)
    name = cls.__name__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            if len(args) > len(names):
                raise TypeError(
                    f"{name}() takes at most {len(names)} arguments ({len(args)} given)"
                )
            spelled = ", ".join(f"{field}=..." for field in names[: len(args)])
            warn_deprecated(
                f"{name}() takes keyword arguments only; passing them by position is "
                f"deprecated: write {name}({spelled})"
            )
            for field, value in zip(names, args, strict=False):
                if field in kwargs:
                    raise TypeError(f"{name}() got multiple values for argument {field!r}")
                kwargs[field] = value
        init(self, **kwargs)

    cls.__init__ = __init__  # type: ignore[misc]
    return cls
