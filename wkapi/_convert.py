"""The one cattrs converter that maps WEBKNOSSOS JSON to wkapi's attrs models and back.

How JSON keys map to attributes
    Every attrs field is read from (and written to) the camelCase form of its name
    (``dataset_name`` <-> ``datasetName``). :func:`wk_field` overrides the key and can name
    *aliases*: other keys that older or newer servers use for the same value. The key wins
    when both are present; aliases are consumed, so the strict converter never reports them
    as unknown. Only attrs classes are renamed: plain ``dict`` fields (a user's
    ``experiences``, ``viewConfiguration``, ...) keep the server's keys untouched.

Tolerant and strict
    Real servers answer a v5 client with JSON of newer releases, so the client parses
    tolerantly (:data:`converter`): unknown keys are ignored, and a value of an open
    vocabulary that this version of wkapi does not know (a new annotation type, say) is kept
    as the plain string the server sent. Fields of such vocabularies are typed
    ``SomeEnum | str``; compare them with ``==`` (``AnnotationState.FINISHED == "Finished"``).
    The strict converter (:data:`strict_converter`, for tests and for ``strict_models=True``
    clients) rejects unknown keys and unknown enum values, so drift from the spec shows up.
    Both reject values of the wrong JSON type: a string where a number belongs is an error
    in either mode, never silently coerced.

Two hooks a model may define
    ``_wk_prepare(cls, data: dict, strict: bool) -> dict`` (classmethod) reshapes the raw
    JSON object before the fields are read (for a server form that is not one key per
    field). ``to_json(self) -> dict`` replaces the generated unstructuring (request models
    build the exact body the server expects).

Errors
    :func:`structure` turns every failure into :class:`~wkapi._errors.InvalidResponseError`
    with a short message naming the path, e.g. ``Task.status.pending: expected int, got 'x'``.

Speed
    Answers are structured by code generated once per model and mode
    (:mod:`wkapi._structure_code`), which accepts exactly what these converters accept and
    builds the same objects; only a failure runs the detailed converter, to name the path.
    Frozen records that repeat across answers (a task's type, its status counts) share one
    instance. The converters stay the reference: their hooks describe every rule above.
"""

from __future__ import annotations

import enum
import functools
import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from wkapi._errors import InvalidResponseError
from wkapi._gc_pause import collector_paused
from wkapi._structure_code import StructureCode

__all__ = [
    "converter",
    "make_converter",
    "strict_converter",
    "structure",
    "structure_decoded",
    "structure_list",
    "structurer",
    "to_camel",
    "unstructure",
    "wk_field",
    "wk_metadata",
]

T = TypeVar("T")

_KEY = "wkapi.key"
_ALIASES = "wkapi.aliases"
_NONE_TYPE = type(None)
_CAMEL_PART = re.compile(r"_([a-z0-9])")
_INT_ONLY = {int}

StructureHook = Callable[[Any, Any], Any]


def to_camel(name: str) -> str:
    """The camelCase JSON key of a snake_case name (``"dataset_name"`` -> ``"datasetName"``)."""
    return _CAMEL_PART.sub(lambda m: m.group(1).upper(), name)


def wk_metadata(*, key: str | None = None, aliases: tuple[str, ...] = ()) -> dict[str, Any]:
    """Field metadata giving a JSON key and/or alternative keys, for ``attrs.field(metadata=...)``.

    Args:
        key: the JSON key; default the camelCase form of the attribute name.
        aliases: keys read when ``key`` is absent (other server generations' names).
    """
    metadata: dict[str, Any] = {}
    if key is not None:
        metadata[_KEY] = key
    if aliases:
        metadata[_ALIASES] = tuple(aliases)
    return metadata


def wk_field(*, key: str | None = None, aliases: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """An :func:`attrs.field` with an explicit JSON key and/or alternative keys.

    Args:
        key: the JSON key; default the camelCase form of the attribute name.
        aliases: keys read when ``key`` is absent (other server generations' names).
        **kwargs: passed to :func:`attrs.field` (``default``, ``factory``, ``kw_only``, ...).

    mypy's attrs plugin and ruff recognise only ``attrs.field`` itself: they take any other
    call as a default value. wkapi's models therefore write
    ``attrs.field(metadata=wk_metadata(...))``, which means the same.
    """
    metadata = {**(kwargs.pop("metadata", None) or {}), **wk_metadata(key=key, aliases=aliases)}
    return attrs.field(metadata=metadata, **kwargs)


def _json_key(field: attrs.Attribute[Any]) -> str:
    key: str | None = field.metadata.get(_KEY)
    return key if key is not None else to_camel(field.name)


def _aliases(field: attrs.Attribute[Any]) -> tuple[str, ...]:
    aliases: tuple[str, ...] = field.metadata.get(_ALIASES, ())
    return aliases


# --- leaf checks ----------------------------------------------------------------------------


class _ShapeError(ValueError):
    """A JSON value of the wrong kind; its text is the end of the user-facing message."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _mismatch(expected: str, value: Any) -> _ShapeError:
    return _ShapeError(f"expected {expected}, got {_show(value)}")


# cattrs looks hooks for classes up by MRO, so the str and int hooks also receive their
# subclasses, such as str enums (``class X(str, Enum)``: str precedes Enum in the MRO).
# ``cls`` tells them apart.


def _structure_str(value: Any, cls: Any) -> str:
    if cls is not str and _is_enum(cls):
        return _enum_hook(cls)(value, cls)  # type: ignore[no-any-return]
    if isinstance(value, str):
        return value
    raise _mismatch("string", value)


def _structure_int(value: Any, cls: Any) -> int:
    if cls is not int and _is_enum(cls):
        return _enum_hook(cls)(value, cls)  # type: ignore[no-any-return]
    if type(value) is int:
        return value
    # JSON has one number type; a float that holds an integer is an integer.
    if type(value) is float and value.is_integer():
        return int(value)
    raise _mismatch("int", value)


def _structure_float(value: Any, _: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _mismatch("number", value)


def _structure_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise _mismatch("boolean", value)


def _structure_any(value: Any, _: Any) -> Any:
    return value


def _is_enum(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, enum.Enum)


@functools.cache
def _enum_hook(cls: type[enum.Enum]) -> StructureHook:
    values = ", ".join(repr(m.value) for m in cls)

    def structure_enum(value: Any, _: Any) -> enum.Enum:
        try:
            return cls(value)
        except (ValueError, TypeError):
            raise _ShapeError(f"expected one of {values}, got {_show(value)}") from None

    return structure_enum


# --- type predicates --------------------------------------------------------------------------


def _is_union(t: Any) -> bool:
    return typing.get_origin(t) in (typing.Union, types.UnionType)


def _is_tuple(t: Any) -> bool:
    return typing.get_origin(t) is tuple


def _is_list(t: Any) -> bool:
    return t is list or typing.get_origin(t) is list


def _is_dict(t: Any) -> bool:
    return t is dict or typing.get_origin(t) is dict


def _is_open_enum(members: Sequence[Any]) -> bool:
    return len(members) == 2 and str in members and any(_is_enum(m) for m in members)


def _required_keys(cls: type) -> list[tuple[str, ...]]:
    """For each required field of an attrs class: the keys that can carry it."""
    return [
        (_json_key(f), *_aliases(f))
        for f in attrs.fields(cls)
        if f.default is attrs.NOTHING and f.init
    ]


# --- the converter ----------------------------------------------------------------------------


def make_converter(*, strict: bool, detailed: bool = True) -> cattrs.Converter:
    """Build a converter for wkapi's models.

    Args:
        strict: reject unknown keys and unknown enum values (for tests and strict clients).
        detailed: record the path of a failure (cattrs' detailed validation). The fast
            variant (``False``) is used for the common case; :func:`structure` re-runs a
            detailed one to describe a failure.
    """
    conv = cattrs.Converter(
        forbid_extra_keys=strict,
        detailed_validation=detailed,
        prefer_attrib_converters=False,
    )
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    # A predicate, not a class: typing.Any is no class before Python 3.11 (singledispatch).
    conv.register_structure_hook_func(lambda t: t is typing.Any, _structure_any)
    conv.register_structure_hook_factory(_is_enum, _enum_hook)
    factories = _StructureFactories(conv, strict)
    conv.register_structure_hook_factory(_is_union, factories.for_union)
    conv.register_structure_hook_factory(_is_tuple, factories.for_tuple)
    conv.register_structure_hook_factory(_is_list, factories.for_list)
    conv.register_structure_hook_factory(_is_dict, factories.for_dict)
    conv.register_structure_hook_factory(attrs.has, factories.for_model)

    def attrs_unstructure_hook(cls: type) -> Callable[[Any], Any]:
        if callable(getattr(cls, "to_json", None)):
            return lambda obj: obj.to_json()
        overrides: dict[str, Any] = {
            f.name: override(rename=_json_key(f)) for f in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **overrides)

    def tuple_unstructure_hook(t: Any) -> Callable[[Any], Any]:
        return lambda value: [conv.unstructure(v) for v in value]

    def union_unstructure_hook(t: Any) -> Callable[[Any], Any]:
        return conv.unstructure  # by the value's own class: an enum member gives its value

    conv.register_unstructure_hook(str, _unstructure_str)
    conv.register_unstructure_hook_factory(_is_enum, lambda _: _enum_value)
    conv.register_unstructure_hook_factory(_is_tuple, tuple_unstructure_hook)
    conv.register_unstructure_hook_factory(_is_union, union_unstructure_hook)
    conv.register_unstructure_hook_factory(attrs.has, attrs_unstructure_hook)
    return conv


class _StructureFactories:
    """Hook factories of one converter: each builds the function for one type, once."""

    def __init__(self, conv: cattrs.Converter, strict: bool) -> None:
        self._conv = conv
        self._hook = conv.get_structure_hook
        self._strict = strict

    def for_model(self, cls: type) -> StructureHook:
        """A model: check for an object, reshape (``_wk_prepare``, aliases), read the fields."""
        fields = attrs.fields(cls)
        overrides: dict[str, Any] = {f.name: override(rename=_json_key(f)) for f in fields}
        base: StructureHook = make_dict_structure_fn(cls, self._conv, **overrides)
        alias_specs = [(_json_key(f), _aliases(f)) for f in fields if _aliases(f)]
        prepare: Callable[[dict[str, Any], bool], dict[str, Any]] | None = getattr(
            cls, "_wk_prepare", None
        )
        strict = self._strict
        if not alias_specs and prepare is None:

            def structure_plain(value: Any, _: Any) -> Any:
                if type(value) is not dict:
                    raise _mismatch("an object", value)
                return base(value, cls)

            return structure_plain

        def structure_reshaped(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise _mismatch("an object", value)
            if prepare is not None:
                value = prepare(value, strict)
            if alias_specs:
                value = _apply_aliases(value, alias_specs)
            return base(value, cls)

        return structure_reshaped

    def for_union(self, t: Any) -> StructureHook:
        """``X | None``, an open enum ``SomeEnum | str``, or models (and str) told apart by keys."""
        members = [m for m in typing.get_args(t) if m is not _NONE_TYPE]
        allows_none = len(members) < len(typing.get_args(t))
        if allows_none and len(members) == 1:
            return self._optional(members[0])
        inner = self._open_enum(members) if _is_open_enum(members) else self._choice(members)

        def structure_union(value: Any, _: Any) -> Any:
            if value is None:
                if allows_none:
                    return None
                raise _mismatch("a value", None)
            return inner(value)

        return structure_union

    def _optional(self, member: Any) -> StructureHook:
        member_hook = self._hook(member)

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else member_hook(value, member)

        return structure_optional

    def _open_enum(self, members: Sequence[Any]) -> Callable[[Any], Any]:
        cls = next(m for m in members if _is_enum(m))
        strict_hook = _enum_hook(cls)
        strict = self._strict

        def structure_open_enum(value: Any) -> Any:
            if not isinstance(value, str):
                raise _mismatch("string", value)
            if strict:
                return strict_hook(value, cls)
            try:
                return cls(value)
            except ValueError:
                return value  # a value from a newer server: keep it as the server's string

        return structure_open_enum

    def _choice(self, members: Sequence[Any]) -> Callable[[Any], Any]:
        classes = [m for m in members if attrs.has(m)]
        others = [m for m in members if not attrs.has(m)]
        if others not in ([], [str]):
            raise TypeError(f"unsupported union for wkapi models: {members!r}")
        # The class needing the most keys first; the first whose keys are all present wins.
        ranked = sorted(classes, key=lambda c: -len(_required_keys(c)))
        keyed = [(c, self._hook(c), _required_keys(c)) for c in ranked]

        def structure_choice(value: Any) -> Any:
            if type(value) is str and others:
                return value
            if type(value) is not dict:
                kinds = ["an object"] if classes else []
                kinds += ["a string"] if others else []
                raise _mismatch(" or ".join(kinds), value)
            for cls, cls_hook, required in keyed:
                if all(any(k in value for k in keys) for keys in required):
                    return cls_hook(value, cls)
            cls, cls_hook, _ = keyed[-1]
            return cls_hook(value, cls)  # fails with the missing key named

        return structure_choice

    def for_tuple(self, t: Any) -> StructureHook:
        """``tuple[X, ...]`` from a JSON array, or a fixed ``tuple[X, Y, Z]`` (vectors)."""
        args = typing.get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return self._sequence(t, args[0], tuple)
        return self._fixed_tuple(t, args)

    def for_list(self, t: Any) -> StructureHook:
        """``list[X]`` from a JSON array."""
        args = typing.get_args(t)
        return self._sequence(t, args[0] if args else typing.Any, list)

    def _sequence(self, t: Any, elem: Any, result: Callable[[list[Any]], Any]) -> StructureHook:
        elem_hook = self._hook(elem)

        def structure_sequence(value: Any, _: Any) -> Any:
            if type(value) is not list and type(value) is not tuple:
                raise _mismatch("a list", value)
            index = 0
            try:
                out = []
                for index, item in enumerate(value):  # noqa: B007 (index names the failure)
                    out.append(elem_hook(item, elem))
            except Exception as exc:
                raise _element_error(t, index, exc) from None
            return result(out)

        return structure_sequence

    def _fixed_tuple(self, t: Any, args: tuple[Any, ...]) -> StructureHook:
        n = len(args)
        hooks = [self._hook(a) for a in args]
        all_int = all(a is int for a in args)
        expected = f"a list of {n} {'ints' if all_int else 'values'}"

        def structure_fixed(value: Any, _: Any) -> tuple[Any, ...]:
            if (type(value) is not list and type(value) is not tuple) or len(value) != n:
                raise _mismatch(expected, value)
            if all_int and set(map(type, value)) == _INT_ONLY:
                return tuple(value)
            out = []
            for index, (item, h, a) in enumerate(zip(value, hooks, args, strict=True)):
                try:
                    out.append(h(item, a))
                except Exception as exc:
                    raise _element_error(t, index, exc) from None
            return tuple(out)

        return structure_fixed

    def for_dict(self, t: Any) -> StructureHook:
        """``dict[str, X]``; ``dict[str, Any]`` passes the server's object through untouched."""
        args = typing.get_args(t)
        value_type = args[1] if len(args) == 2 else typing.Any
        if args and args[0] is not str:
            raise TypeError(f"JSON objects have string keys, not {args[0]!r}")
        if value_type is typing.Any:

            def structure_raw_dict(value: Any, _: Any) -> dict[str, Any]:
                if type(value) is not dict:
                    raise _mismatch("an object", value)
                return value

            return structure_raw_dict
        value_hook = self._hook(value_type)

        def structure_dict(value: Any, _: Any) -> dict[str, Any]:
            if type(value) is not dict:
                raise _mismatch("an object", value)
            out = {}
            for key, item in value.items():
                try:
                    out[key] = value_hook(item, value_type)
                except Exception as exc:
                    raise _element_error(t, key, exc) from None
            return out

        return structure_dict


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _unstructure_str(value: str) -> Any:
    # str enums dispatch here (see _structure_str); they go out as their value.
    return value.value if isinstance(value, enum.Enum) else value


def _apply_aliases(
    value: dict[str, Any], specs: Sequence[tuple[str, tuple[str, ...]]]
) -> dict[str, Any]:
    """Move alias keys to their field's key (the key wins if both are present)."""
    copied = False
    for key, aliases in specs:
        for alias in aliases:
            if alias in value:
                if not copied:
                    value = dict(value)
                    copied = True
                aliased = value.pop(alias)
                value.setdefault(key, aliased)
    return value


def _element_error(t: Any, index: int | str, exc: Exception) -> IterableValidationError:
    # Python 3.10 has no add_note(); cattrs reads __notes__ the same way.
    exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote("", index, t)]  # type: ignore[attr-defined]
    return IterableValidationError(f"While structuring {t!r}", [exc], t)


converter: cattrs.Converter = make_converter(strict=False)
"""The tolerant converter: unknown keys ignored, unknown enum values kept as strings."""

strict_converter: cattrs.Converter = make_converter(strict=True)
"""The strict converter: unknown keys and unknown enum values are errors."""

# Structuring runs code generated per model (see wkapi._structure_code); only a failure pays
# for a second, detailed run of the cattrs converter that finds the path to report. Types the
# generated code does not cover go to the cattrs converter without detailed validation.
_fast = {
    False: make_converter(strict=False, detailed=False),
    True: make_converter(strict=True, detailed=False),
}
_detailed = {False: converter, True: strict_converter}


def _generated(strict: bool, *, consume: bool = False) -> StructureCode:
    return StructureCode(
        strict=strict,
        fallback=_fast[strict],
        enum_hook=_enum_hook,
        json_key=_json_key,
        aliases=_aliases,
        required_keys=_required_keys,
        consume=consume,
    )


_code = {strict: _generated(strict) for strict in (False, True)}
#: For JSON nobody else holds (see structure_decoded): lists are emptied as they are read.
_consuming_code = {strict: _generated(strict, consume=True) for strict in (False, True)}


# --- public entry points ----------------------------------------------------------------------


def structure(data: Any, cls: type[T], *, strict: bool = False) -> T:
    """Build a ``cls`` from decoded JSON.

    Raises:
        InvalidResponseError: the data does not fit ``cls``; the message names the path of
            the first problem, e.g. ``Task.status.pending: expected int, got 'x'``.
    """
    try:
        result: T = _code[strict].hook(cls)(data)
    except StructureHandlerNotFoundError:
        raise  # a model the converter cannot handle: a bug in wkapi, not in the answer
    except Exception as fast_exc:
        raise _invalid(data, cls, _type_name(cls), strict, fast_exc) from fast_exc
    return result


def structurer(cls: type[T], *, strict: bool = False) -> Callable[[Any], T]:
    """A function doing ``structure(data, cls, strict=strict)`` (for one item after another:
    the lookup of ``cls``'s code is done once)."""
    code = _code[strict]
    hooks: list[Callable[[Any], T]] = []

    def structure_one(data: Any) -> T:
        try:
            if not hooks:
                hooks.append(code.hook(cls))
            return hooks[0](data)
        except StructureHandlerNotFoundError:
            raise
        except Exception as fast_exc:
            raise _invalid(data, cls, _type_name(cls), strict, fast_exc) from fast_exc

    return structure_one


def structure_decoded(decode: Callable[[], Any], cls: type[T], *, strict: bool = False) -> T:
    """:func:`structure` of the JSON ``decode()`` returns, which nobody else holds: its lists
    of objects are emptied as their items are structured, so a long answer's JSON dies as it
    is read rather than all at the end.

    Decoding and structuring run with the automatic garbage collector paused (see
    :mod:`wkapi._gc_pause`). ``decode`` is called again to describe a failure, from JSON that
    is still whole.
    """
    with collector_paused():
        try:
            result: T = _consuming_code[strict].hook(cls)(decode())
        except StructureHandlerNotFoundError:
            raise
        except Exception:
            return structure(decode(), cls, strict=strict)  # raises, naming the path
    return result


def structure_list(data: Any, cls: type[T], *, strict: bool = False) -> list[T]:
    """Build a list of ``cls`` from a decoded JSON array (errors name the index: ``Task[3].id``)."""
    if type(data) is not list:
        raise InvalidResponseError(f"list[{_type_name(cls)}]: expected a list, got {_show(data)}")
    if not data:
        return []
    index = 0
    try:
        hook = _code[strict].hook(cls)
        out = []
        for index, item in enumerate(data):  # noqa: B007 (index names the failure)
            out.append(hook(item))
    except StructureHandlerNotFoundError:
        raise
    except Exception as fast_exc:
        path = f"{_type_name(cls)}[{index}]"
        raise _invalid(data[index], cls, path, strict, fast_exc) from fast_exc
    return out


def unstructure(obj: Any) -> Any:
    """Turn models into JSON-ready data: camelCase keys, enums as values, tuples as lists.

    Optional fields holding their default (``None``, ``()``) are left out; plain dicts keep
    their keys.
    """
    return converter.unstructure(obj)


def _invalid(
    data: Any, cls: Any, path: str, strict: bool, fast_exc: Exception
) -> InvalidResponseError:
    try:
        _detailed[strict].structure(data, cls)
    except Exception as exc:
        return InvalidResponseError(_describe(exc, path))
    # The detailed run passed where the fast one failed; report what the fast one said.
    return InvalidResponseError(f"{path}: {type(fast_exc).__name__}: {fast_exc}")


def _type_name(t: Any) -> str:
    """``Task``, ``list[Task]``: the short name of a type for messages."""
    args = typing.get_args(t)
    if not args:
        return getattr(t, "__name__", repr(t))
    if _is_union(t):
        return " | ".join(_type_name(a) for a in args)
    origin = typing.get_origin(t)
    inner = ", ".join("..." if a is Ellipsis else _type_name(a) for a in args)
    return f"{getattr(origin, '__name__', repr(origin))}[{inner}]"


def _describe(exc: BaseException, path: str) -> str:
    """The message for a structuring failure: the path of its first leaf and what is wrong."""
    total = _count_leaves(exc)
    owner: Any = None
    while isinstance(exc, BaseValidationError):
        owner = exc.cl
        sub = exc.exceptions[0]
        for note in getattr(sub, "__notes__", []):
            if isinstance(note, AttributeValidationNote):
                path += f".{note.name}"
                break
            if isinstance(note, IterableValidationNote):
                path += f"[{note.index!r}]" if isinstance(note.index, str) else f"[{note.index}]"
                break
        exc = sub
    message = f"{path}: {_leaf_text(exc, owner, path)}"
    if total > 1:
        message += f" (and {total - 1} more problem{'s' if total > 2 else ''})"
    return message


def _count_leaves(exc: BaseException) -> int:
    if isinstance(exc, BaseValidationError):
        return sum(_count_leaves(sub) for sub in exc.exceptions)
    return 1


def _leaf_text(exc: BaseException, owner: Any, path: str) -> str:
    if isinstance(exc, ForbiddenExtraKeysError):
        keys = ", ".join(repr(k) for k in sorted(exc.extra_fields))
        return f"unexpected key{'s' if len(exc.extra_fields) > 1 else ''} {keys}"
    if isinstance(exc, KeyError) and exc.args:
        key = exc.args[0]
        aliases = _aliases_of_key(owner, key)
        alternatives = f" (or {', '.join(repr(a) for a in aliases)})" if aliases else ""
        return f"missing key {key!r}{alternatives}"
    if isinstance(exc, ValueError):  # our own checks (and models' _wk_prepare) say it plainly
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _aliases_of_key(owner: Any, key: Any) -> tuple[str, ...]:
    if owner is None or not attrs.has(owner):
        return ()
    for f in attrs.fields(owner):
        if _json_key(f) == key:
            return _aliases(f)
    return ()
