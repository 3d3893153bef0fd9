"""Building frozen attrs records through their slots: the same objects as the class makes.

attrs' ``__init__`` of a frozen slotted class stores each argument with ``object.__setattr__``,
which looks the attribute up by name on every call. For a record whose ``__init__`` only stores
its arguments (no validators, converters or ``__attrs_pre_init__``/``__attrs_post_init__``), the
descriptors of its slots store the same values directly, in about four fifths of the time. Bulk
jobs build one :class:`~wkapi.models.Task` (19 fields) and one report item per task, so they use
:func:`slot_setters` (the generated structuring code, :mod:`wkapi._structure_code`) and
:func:`record_builder`.

Any class that does not pass every check gets ``None`` (or itself, from :func:`record_builder`):
building it the ordinary way is always right.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["record_builder", "record_initializer", "slot_setters"]

Setter = Callable[[Any, Any], None]


@attrs.frozen
class _Probe:
    value: int


#: The ``__setattr__`` attrs gives frozen classes (found on a class of our own, not imported
#: from attrs' internals).
_FROZEN_SETATTR = _Probe.__setattr__


def slot_setters(cls: type, *, own_init: bool = False) -> list[Setter] | None:
    """The setters of ``cls``'s slots, one per attrs field in field order, if
    ``object.__new__(cls)`` followed by them builds what ``cls(...)`` builds: a frozen slotted
    attrs class with attrs' own ``__init__`` and no validator, converter or init hook. Else
    ``None``.

    ``own_init``: the class has an ``__init__`` of its own that checks its arguments and calls
    attrs' ``__attrs_init__`` (``attrs.frozen(init=False)``); the setters then do what
    ``__attrs_init__`` does, on the instance being initialised.
    """
    if not (isinstance(cls, type) and attrs.has(cls)):
        return None
    generated = vars(cls).get("__attrs_init__" if own_init else "__init__")
    code = getattr(generated, "__code__", None)
    if (
        cls.__new__ is not object.__new__
        or getattr(cls, "__setattr__", None) is not _FROZEN_SETATTR
        or ("__attrs_init__" in vars(cls)) is not own_init
        or code is None
        or not code.co_filename.startswith("<attrs generated")
        or hasattr(cls, "__attrs_pre_init__")
        or hasattr(cls, "__attrs_post_init__")
    ):
        return None
    fields = attrs.fields(cls)
    if any(not f.init or f.validator is not None or f.converter is not None for f in fields):
        return None
    slots = {
        name
        for klass in cls.__mro__
        for name in vars(klass).get("__slots__", ())
        if name not in ("__weakref__", "__dict__")
    }
    if slots != {f.name for f in fields}:
        return None  # a slot of attrs' own (a cached hash) or a field without one
    setters: list[Setter] = []
    for field in fields:
        descriptor = next(
            (vars(klass)[field.name] for klass in cls.__mro__ if field.name in vars(klass)), None
        )
        if type(descriptor) is not types.MemberDescriptorType:
            return None
        setters.append(descriptor.__set__)
    return setters


def record_builder(cls: type) -> Callable[..., Any]:
    """A function taking one value per field of ``cls``, positionally in field order, and
    returning what ``cls`` makes of them; ``cls`` itself when :func:`slot_setters` refuses it
    (then keyword-only fields need their keywords)."""
    setters = slot_setters(cls)
    if setters is None:
        return cls
    return _compile(cls, setters, new=True)


def record_initializer(cls: type) -> Callable[..., None]:
    """For a class with a checking ``__init__`` of its own (``slot_setters(cls, own_init=True)``):
    a function ``store(instance, *values)`` doing ``instance.__attrs_init__(*values)``, one
    value per field in field order."""
    setters = slot_setters(cls, own_init=True)
    if setters is None:
        return lambda instance, *values: instance.__attrs_init__(*values)
    initialize: Callable[..., None] = _compile(cls, setters, new=False)
    return initialize


def _compile(cls: type, setters: list[Setter], *, new: bool) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    args = [f"a{i}" for i in range(len(setters))]
    if new:
        lines = [f"def build({', '.join(args)}):", "    record = _new(_cls)"]
    else:
        lines = [f"def build(record, {', '.join(args)}):"]
    for i, (arg, setter) in enumerate(zip(args, setters, strict=True)):
        namespace[f"_set{i}"] = setter
        lines.append(f"    _set{i}(record, {arg})")
    lines.append("    return record" if new else "    return None")
    exec(compile("\n".join(lines), f"<wkapi build {cls.__name__}>", "exec"), namespace)
    build: Callable[..., Any] = namespace["build"]
    build.__name__ = build.__qualname__ = f"{'build' if new else 'initialize'}_{cls.__name__}"
    return build
