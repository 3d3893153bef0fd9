"""Structuring code generated once per model and mode: the fast path of ``structure``.

For every attrs model, :class:`StructureCode` writes one Python function per mode (tolerant,
strict) that reads each field straight from the JSON object under its key, checks the value's
kind inline (``type(v) is int``), and builds the instance once with every value, the way a
hand-written parser would: a plain frozen record (no validator, converter or init hook) through
its slots' descriptors, which stores what its ``__init__`` would (:mod:`wkapi._records`), any other
class by calling it. Nested models, sequences and unions call the functions built for their own
types. There is no per-field call into a generic hook, no keyword dict, and no path bookkeeping.

The functions accept exactly what the cattrs converters of :mod:`wkapi._convert` accept (the same
keys and aliases, ``_wk_prepare`` hooks, kinds, tolerant and strict rules) and build the same
objects. They only have to notice a misfit, not describe it: ``structure`` catches any exception
and runs the detailed cattrs converter, whose message names the path (``Task.status.pending:
expected int, got 'x'``).

A field declared the models' way (``attrs.field(metadata=wk_metadata(key=..., aliases=...))``) of
any type is handled without further work: types without inline code (a closed enum, a dict of
typed values, a union of models) get a small function of their own, and types this module does
not know at all go to the cattrs converter's hook.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import cattrs
import orjson

from wkapi._records import slot_setters

__all__ = ["Misfit", "StructureCode"]

Hook = Callable[[Any], Any]

_NONE_TYPE = type(None)
_FACTORY: Any = type(attrs.Factory(list))
_ABSENT: Any = object()
#: Instances kept per memoized record type; the memo starts again when it is full.
_MEMO_SIZE = 512
#: JSON text as a memo key: a str, int, dict or list subclass has none (it is an error), so
#: only exact JSON values share an instance.
_EXACT = orjson.OPT_PASSTHROUGH_SUBCLASS


class Misfit(ValueError):
    """The JSON does not fit the model (the detailed converter says where and how)."""


def _as_int(value: Any) -> int:
    # JSON has one number type; a float that holds an integer is an integer.
    if type(value) is float and value.is_integer():
        return int(value)
    raise Misfit


def _as_float(value: Any) -> float:
    if type(value) is int:
        return float(value)
    raise Misfit


def _identity(value: Any) -> Any:
    return value


def _is_enum(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, enum.Enum)


def _is_union(t: Any) -> bool:
    return typing.get_origin(t) in (typing.Union, types.UnionType)


def _open_enum_of(members: Sequence[Any]) -> type[enum.Enum] | None:
    """The enum of an open vocabulary ``SomeEnum | str``, else ``None``."""
    if len(members) != 2 or str not in members:
        return None
    found = [m for m in members if _is_enum(m)]
    return found[0] if found else None


class _Names:
    """The globals of one generated function: values bound to fresh names."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {
            "Misfit": Misfit,
            "_as_int": _as_int,
            "_as_float": _as_float,
            "_ABSENT": _ABSENT,
            "_dumps": orjson.dumps,
            "_EXACT": _EXACT,
            "_review": _review,
            "_new": object.__new__,
        }
        self._count = 0

    def bind(self, value: Any, stem: str = "_g") -> str:
        self._count += 1
        name = f"{stem}{self._count}"
        self.values[name] = value
        return name

    def local(self) -> str:
        self._count += 1
        return f"v{self._count}"


class StructureCode:
    """The generated structuring functions of one mode, built on first use and kept.

    Args:
        strict: reject unknown keys and unknown values of open vocabularies.
        fallback: the cattrs converter of the same mode, for types without code here.
        enum_hook: the converter's hook factory for closed enums (same acceptance, same
            objects).
        json_key: the JSON key of an attrs field.
        aliases: the alias keys of an attrs field.
        required_keys: for each required field of a model, the keys that can carry it.
        consume: empty the JSON lists of models on the way (for JSON the caller gives away).
    """

    def __init__(
        self,
        *,
        strict: bool,
        fallback: cattrs.Converter,
        enum_hook: Callable[[Any], Callable[[Any, Any], Any]],
        json_key: Callable[[attrs.Attribute[Any]], str],
        aliases: Callable[[attrs.Attribute[Any]], tuple[str, ...]],
        required_keys: Callable[[type], list[tuple[str, ...]]],
        consume: bool = False,
    ) -> None:
        self._strict = strict
        self._consume = consume
        self._fallback = fallback
        self._enum_hook = enum_hook
        self._json_key = json_key
        self._aliases = aliases
        self._required_keys = required_keys
        self._hooks: dict[Any, Hook] = {}

    def hook(self, t: Any) -> Hook:
        """The one-argument function that structures a ``t`` (raises on a misfit)."""
        found = self._hooks.get(t)
        if found is None:
            try:
                found = self._build(t)
            except BaseException:
                self._hooks.pop(t, None)  # no placeholder left behind
                raise
            self._hooks[t] = found
        return found

    # -- building ---------------------------------------------------------------------------

    def _build(self, t: Any) -> Hook:
        if t is typing.Any:
            return _identity
        if isinstance(t, type) and attrs.has(t):
            return self._model(t)
        names = _Names()
        lines: list[str] = []
        self._emit(t, "v", lines, "    ", names)
        return _compile(
            f"structure_{_ident(t)}", ["def structure(v):", *lines, "    return v"], names
        )

    def _model(self, cls: type) -> Hook:
        if "__attrs_init__" in vars(cls) or "__init__" not in vars(cls):
            return self._fallback_hook(cls)  # a custom __init__: not a plain record
        attrs.resolve_types(cls)
        fields = attrs.fields(cls)
        keys = [self._json_key(f) for f in fields]
        aliases = [self._aliases(f) for f in fields]
        if any(
            not f.init or (isinstance(f.default, _FACTORY) and f.default.takes_self) for f in fields
        ) or set(keys) & {a for group in aliases for a in group}:
            return self._fallback_hook(cls)  # shapes the models do not have
        # A placeholder while the code is written, for models that contain themselves.
        self._hooks[cls] = lambda value: self._hooks[cls](value)
        names = _Names()
        lines = ["def structure(o):", "    if type(o) is not dict:", "        raise Misfit"]
        kind = self._memo_kind(cls, fields)
        memo = self._emit_memo_lookup(kind, lines, names)
        prepare = getattr(cls, "_wk_prepare", None)
        if prepare is not None:
            lines.append(f"    o = {names.bind(prepare)}(o, {self._strict!r})")
        if self._strict:  # alias keys are read (and consumed) like the field's own key
            allowed = frozenset([*keys, *(a for group in aliases for a in group)])
            lines.append(f"    if not {names.bind(allowed)}.issuperset(o):")
            lines.append("        raise Misfit")
        values: list[str] = []
        for field, key, field_aliases in zip(fields, keys, aliases, strict=True):
            var = names.local()
            values.append(var)
            self._emit_field(field, var, key, field_aliases, lines, names)
        build = self._builder(cls, fields, values, names)
        self._emit_memo_store(kind, memo, fields, values, build, lines, names)
        return _compile(f"structure_{cls.__name__}", lines, names)

    def _emit_field(
        self,
        field: attrs.Attribute[Any],
        var: str,
        key: str,
        field_aliases: tuple[str, ...],
        lines: list[str],
        names: _Names,
    ) -> None:
        """Read one field under its key (or the first alias present; the key wins) and check it;
        a field with a default takes it when no key is present."""
        default = field.default
        if default is attrs.NOTHING and not field_aliases:
            lines.append(f"    {var} = o[{key!r}]")
            self._emit(field.type, var, lines, "    ", names)
            return
        if default is None and not field_aliases and _optional_member(field.type) is not None:
            # ``X | None = None``: an absent key and a null are the same None.
            lines.append(f"    {var} = o.get({key!r})")
            self._emit(field.type, var, lines, "    ", names)
            return
        lines.append(f"    {var} = o.get({key!r}, _ABSENT)")
        for alias in field_aliases:
            lines.append(f"    if {var} is _ABSENT:")
            lines.append(f"        {var} = o.get({alias!r}, _ABSENT)")
        lines.append(f"    if {var} is _ABSENT:")
        if default is attrs.NOTHING:
            lines.append("        raise Misfit")
        elif isinstance(default, _FACTORY):
            lines.append(f"        {var} = {names.bind(default.factory)}()")
        else:
            lines.append(f"        {var} = {names.bind(default)}")
        body: list[str] = []
        self._emit(field.type, var, body, "        ", names)
        if body:
            lines.append("    else:")
            lines.extend(body)

    @staticmethod
    def _builder(
        cls: type, fields: Sequence[attrs.Attribute[Any]], values: list[str], names: _Names
    ) -> Callable[[str, str], list[str]]:
        """``build(target, indent)``: the statements that make the instance as ``target``:
        through its slots when :func:`~wkapi._records.slot_setters` allows it (a ``Task`` per
        task of an answer), else by calling the class."""
        setters = slot_setters(cls)
        cls_name = names.bind(cls, "_cls")
        if setters is None:
            positional = [v for f, v in zip(fields, values, strict=True) if not f.kw_only]
            keywords = [f"{f.alias}={v}" for f, v in zip(fields, values, strict=True) if f.kw_only]
            call = f"{cls_name}({', '.join([*positional, *keywords])})"
            return lambda target, indent: [f"{indent}{target} = {call}"]
        setter_names = [names.bind(setter, "_set") for setter in setters]

        def build(target: str, indent: str) -> list[str]:
            return [
                f"{indent}{target} = _new({cls_name})",
                *(f"{indent}{s}({target}, {v})" for s, v in zip(setter_names, values, strict=True)),
            ]

        return build

    # -- memos -------------------------------------------------------------------------------

    def _memo_kind(self, cls: type, fields: Sequence[attrs.Attribute[Any]]) -> str | None:
        """How equal answers of ``cls`` may share one instance: ``"values"`` (a record of
        plain values, keyed by them), ``"json"`` (a record with parts, keyed by its JSON text),
        or ``None`` (every answer builds its own)."""
        if not _frozen(cls):
            return None  # mutable, or compared by identity: every answer needs its own object
        if all(_flat(f.type) for f in fields):
            return "values"
        if all(_is_plain_dict_or_none(f.type) or _pure(f.type, set()) for f in fields):
            return "json"
        return None

    def _emit_memo_lookup(
        self, kind: str | None, lines: list[str], names: _Names
    ) -> tuple[str, str] | None:
        """For a ``"json"`` memo: look the answer's JSON text up before reading any field.
        Returns the names of the memo and of its state (``[in use, hits, misses]``)."""
        if kind != "json":
            return None
        memo, state = names.bind({}, "_memo"), names.bind([True, 0, 0], "_state")
        lines.append("    key = None")
        lines.append(f"    if {state}[0]:")
        lines.append("        try:")
        lines.append("            key = _dumps(o, option=_EXACT)")
        lines.append("        except Exception:")
        lines.append("            pass  # no JSON text of its own (an int beyond 64 bits, ...)")
        lines.append("        else:")
        lines.append(f"            found = {memo}.get(key)")
        lines.append("            if found is not None:")
        lines.append(f"                {state}[1] += 1")
        lines.append("                return found")
        return memo, state

    def _emit_memo_store(
        self,
        kind: str | None,
        memo: tuple[str, str] | None,
        fields: Sequence[attrs.Attribute[Any]],
        values: list[str],
        build: Callable[[str, str], list[str]],
        lines: list[str],
        names: _Names,
    ) -> None:
        """Build the instance and keep it for equal answers (see :class:`StructureCode`)."""
        if kind is None:
            lines.extend(build("found", "    "))
            lines.append("    return found")
            return
        if kind == "json":
            assert memo is not None
            unshared = [
                v for f, v in zip(fields, values, strict=True) if _is_plain_dict_or_none(f.type)
            ]
            shareable = ["key is not None", *(f"{v} is None" for v in unshared)]
            lines.append("    if key is not None:")
            self._emit_miss(*memo, "        ", lines)
            lines.extend(build("found", "    "))
            lines.append(f"    if {' and '.join(shareable)}:")
            self._emit_store(*memo, "key", "        ", lines)
            lines.append("    return found")
            return
        guards: list[str] = []
        parts: list[str] = []
        for field, v in zip(fields, values, strict=True):
            guard, part = _flat_key(field.type, v)
            if guard:
                guards.append(guard)
            parts.append(part)
        memo_name, state = names.bind({}, "_memo"), names.bind([True, 0, 0], "_state")
        if guards:
            lines.append(f"    if {state}[0] and {' and '.join(guards)}:")
        else:
            lines.append(f"    if {state}[0]:")
        indent = "        "
        lines.append(f"{indent}key = ({''.join(p + ', ' for p in parts)})")
        lines.append(f"{indent}found = {memo_name}.get(key)")
        lines.append(f"{indent}if found is not None:")
        lines.append(f"{indent}    {state}[1] += 1")
        lines.append(f"{indent}    return found")
        self._emit_miss(memo_name, state, indent, lines)
        lines.extend(build("found", indent))
        self._emit_store(memo_name, state, "key", indent, lines)
        lines.append(f"{indent}return found")
        lines.extend(build("found", "    "))
        lines.append("    return found")

    @staticmethod
    def _emit_miss(memo: str, state: str, indent: str, lines: list[str]) -> None:
        lines.append(f"{indent}{state}[2] += 1")
        lines.append(f"{indent}if {state}[2] >= {_MEMO_SIZE}:")
        lines.append(f"{indent}    _review({memo}, {state})")

    @staticmethod
    def _emit_store(memo: str, state: str, key: str, indent: str, lines: list[str]) -> None:
        lines.append(f"{indent}if {state}[0]:")
        lines.append(f"{indent}    if len({memo}) >= {_MEMO_SIZE}:")
        lines.append(f"{indent}        {memo}.clear()  # starts again")
        lines.append(f"{indent}    {memo}[{key}] = found")

    def _fallback_hook(self, t: Any) -> Hook:
        cattrs_hook = self._fallback.get_structure_hook(t)
        return lambda value: cattrs_hook(value, t)

    # -- inline code of one value -----------------------------------------------------------

    def _emit(self, t: Any, v: str, lines: list[str], indent: str, names: _Names) -> None:
        """Append the statements that check ``v`` as a ``t`` and replace it by its value."""
        if t is typing.Any:
            return
        if t is str:
            lines.append(f"{indent}if type({v}) is not str and not isinstance({v}, str):")
            lines.append(f"{indent}    raise Misfit")
        elif t is bool:
            lines.append(f"{indent}if type({v}) is not bool:")
            lines.append(f"{indent}    raise Misfit")
        elif t is int:
            lines.append(f"{indent}if type({v}) is not int:")
            lines.append(f"{indent}    {v} = _as_int({v})")
        elif t is float:
            lines.append(f"{indent}if type({v}) is not float:")
            lines.append(f"{indent}    if type({v}) is not int:")
            lines.append(f"{indent}        raise Misfit")
            lines.append(f"{indent}    {v} = float({v})")
        elif _is_union(t):
            self._emit_union(t, v, lines, indent, names)
        elif _is_plain_dict(t):
            lines.append(f"{indent}if type({v}) is not dict:")
            lines.append(f"{indent}    raise Misfit")
        elif t is list or typing.get_origin(t) is list:
            self._emit_sequence(_args_or_any(t, 0), "list", v, lines, indent, names)
        elif typing.get_origin(t) is tuple:
            args = typing.get_args(t)
            if len(args) == 2 and args[1] is Ellipsis:
                self._emit_sequence(args[0], "tuple", v, lines, indent, names)
            else:
                self._emit_fixed_tuple(args, v, lines, indent, names)
        else:
            self._emit_call(t, v, lines, indent, names)

    def _emit_call(self, t: Any, v: str, lines: list[str], indent: str, names: _Names) -> None:
        lines.append(f"{indent}{v} = {names.bind(self._hook_for_call(t))}({v})")

    def _hook_for_call(self, t: Any) -> Hook:
        if isinstance(t, type) and attrs.has(t):
            return self.hook(t)
        if _is_enum(t):
            enum_hook = self._enum_hook(t)
            return lambda value: enum_hook(value, t)
        if _is_union(t):
            return self._choice_hook(t)
        if typing.get_origin(t) is dict and typing.get_args(t)[0] is str:
            return self._dict_hook(typing.get_args(t)[1])
        return self._fallback_hook(t)

    def _emit_union(self, t: Any, v: str, lines: list[str], indent: str, names: _Names) -> None:
        args = typing.get_args(t)
        members = [m for m in args if m is not _NONE_TYPE]
        allows_none = len(members) < len(args)
        open_enum = _open_enum_of(members)
        if allows_none and (len(members) == 1 or open_enum is not None):
            body: list[str] = []
            inner = members[0] if len(members) == 1 else typing.Union[tuple(members)]  # noqa: UP007
            self._emit(inner, v, body, indent + "    ", names)
            if body:
                lines.append(f"{indent}if {v} is not None:")
                lines.extend(body)
            return
        if open_enum is None:
            self._emit_call(t, v, lines, indent, names)
            return
        # An open vocabulary: a string, the enum member when it is one, else kept as sent.
        members_by_value = names.bind(open_enum._value2member_map_)
        lines.append(f"{indent}if type({v}) is not str and not isinstance({v}, str):")
        lines.append(f"{indent}    raise Misfit")
        member = names.local()
        lines.append(f"{indent}{member} = {members_by_value}.get({v})")
        lines.append(f"{indent}if {member} is not None:")
        lines.append(f"{indent}    {v} = {member}")
        lines.append(f"{indent}else:")
        lines.append(f"{indent}    {v} = {names.bind(self._unlisted_value(open_enum))}({v})")

    def _unlisted_value(self, cls: type[enum.Enum]) -> Hook:
        """A string that is no member's value: the enum's own lookup decides (its
        ``_missing_``); tolerant mode keeps a string it refuses, strict mode fails."""
        if self._strict:
            enum_hook = self._enum_hook(cls)
            return lambda value: enum_hook(value, cls)

        def keep_unknown(value: Any) -> Any:
            try:
                return cls(value)
            except ValueError:
                return value

        return keep_unknown

    def _emit_sequence(
        self, elem: Any, kind: str, v: str, lines: list[str], indent: str, names: _Names
    ) -> None:
        lines.append(f"{indent}if type({v}) is not list and type({v}) is not tuple:")
        lines.append(f"{indent}    raise Misfit")
        item = names.local()
        if elem is typing.Any:
            lines.append(f"{indent}{v} = {kind}({v})")
        elif elem is int or elem is float:  # a float holding an integer becomes an int
            convert = "_as_int" if elem is int else "_as_float"
            lines.append(
                f"{indent}{v} = {kind}([{item} if type({item}) is {elem.__name__} else "
                f"{convert}({item}) for {item} in {v}])"
            )
        elif elem is str or elem is bool or _is_plain_dict(elem):  # checked, kept as they are
            lines.append(f"{indent}for {item} in {v}:")
            self._emit(elem, item, lines, indent + "    ", names)
            lines.append(f"{indent}{v} = {kind}({v})")
        elif self._consume and isinstance(elem, type) and attrs.has(elem):
            # The list is the caller's to give away: each item goes once it is structured, so
            # the JSON of a long answer dies as it is read, not all at the end.
            each, out, index = names.bind(self.hook(elem)), names.local(), names.local()
            lines.append(f"{indent}if type({v}) is list:")
            lines.append(f"{indent}    {out} = []")
            lines.append(f"{indent}    for {index} in range(len({v})):")
            lines.append(f"{indent}        {out}.append({each}({v}[{index}]))")
            lines.append(f"{indent}        {v}[{index}] = None")
            lines.append(f"{indent}    {v} = {kind}({out})")
            lines.append(f"{indent}else:")
            lines.append(f"{indent}    {v} = {kind}([{each}({item}) for {item} in {v}])")
        else:
            each = names.bind(self.hook(elem))
            lines.append(f"{indent}{v} = {kind}([{each}({item}) for {item} in {v}])")

    def _emit_fixed_tuple(
        self, args: tuple[Any, ...], v: str, lines: list[str], indent: str, names: _Names
    ) -> None:
        n = len(args)
        lines.append(
            f"{indent}if (type({v}) is not list and type({v}) is not tuple) or len({v}) != {n}:"
        )
        lines.append(f"{indent}    raise Misfit")
        items = [names.local() for _ in args]
        if n:
            lines.append(f"{indent}{', '.join(items)}, = {v}")
        for arg, item in zip(args, items, strict=True):
            self._emit(arg, item, lines, indent, names)
        lines.append(f"{indent}{v} = ({''.join(item + ', ' for item in items)})")

    # -- functions of their own -------------------------------------------------------------

    def _choice_hook(self, t: Any) -> Hook:
        """Models (and str) told apart by their keys: the one needing the most keys first, the
        first whose keys are all present wins; as the converter does."""
        args = typing.get_args(t)
        members = [m for m in args if m is not _NONE_TYPE]
        classes = [m for m in members if isinstance(m, type) and attrs.has(m)]
        others = [m for m in members if not (isinstance(m, type) and attrs.has(m))]
        if others not in ([], [str]) or not classes:
            return self._fallback_hook(t)  # refused by the converter, with its message
        names = _Names()
        lines = ["def structure(v):"]
        if len(members) < len(args):
            lines += ["    if v is None:", "        return None"]
        if others:
            lines += ["    if type(v) is str:", "        return v"]
        lines += ["    if type(v) is not dict:", "        raise Misfit"]
        ranked = sorted(classes, key=lambda c: -len(self._required_keys(c)))
        for cls in ranked:
            groups = self._required_keys(cls)
            single = frozenset(g[0] for g in groups if len(g) == 1)
            tests = [f"v.keys() >= {names.bind(single)}"] if single else []
            tests += [
                "(" + " or ".join(f"{k!r} in v" for k in g) + ")" for g in groups if len(g) > 1
            ]
            hook = names.bind(self.hook(cls))
            if cls is ranked[-1]:  # the last one fails with the missing key named
                lines.append(f"    return {hook}(v)")
            else:
                lines.append(f"    if {' and '.join(tests) or 'True'}:")
                lines.append(f"        return {hook}(v)")
        return _compile(f"structure_{_ident(t)}", lines, names)

    def _dict_hook(self, value_type: Any) -> Hook:
        value_hook = self.hook(value_type)

        def structure_dict(value: Any) -> dict[str, Any]:
            if type(value) is not dict:
                raise Misfit
            return {key: value_hook(item) for key, item in value.items()}

        return structure_dict


def _review(memo: dict[Any, Any], state: list[Any]) -> None:
    """After every ``_MEMO_SIZE`` misses of a memo (``state``: in use, hits, misses): one that
    missed more often than it hit (values that rarely repeat, like ids, or records that are
    never shared) is given up, since looking up then costs more than it saves."""
    if state[1] < state[2]:
        state[0] = False
        memo.clear()
    state[1] = state[2] = 0


def _frozen(cls: type) -> bool:
    """Whether instances are frozen and compared by value (so one may stand for another)."""
    record: Any = cls
    return record.__setattr__ is not object.__setattr__ and record.__hash__ not in (
        None,
        object.__hash__,
    )


def _optional_member(t: Any) -> Any:
    """``X`` of ``X | None``, else ``None``."""
    args = typing.get_args(t) if _is_union(t) else ()
    if len(args) == 2 and _NONE_TYPE in args:
        return args[0] if args[1] is _NONE_TYPE else args[1]
    return None


def _open_enum_type(t: Any) -> type[enum.Enum] | None:
    """The enum of ``SomeEnum | str`` (or ``SomeEnum | str | None``), else ``None``."""
    if not _is_union(t):
        return None
    return _open_enum_of([m for m in typing.get_args(t) if m is not _NONE_TYPE])


def _flat(t: Any) -> bool:
    """A string, int or boolean (or ``None``), or an open vocabulary's value: a memo key part
    as it is (see :func:`_flat_key`)."""
    if t in (str, int, bool) or _open_enum_type(t) is not None:
        return True
    return _optional_member(t) in (str, int, bool)


def _flat_key(t: Any, v: str) -> tuple[str, str]:
    """The guard (``""``: none) and the memo key part of a checked flat value ``v``.

    A string subclass (an enum member in a ``str`` field) equals its value without being it,
    so only exact strings take part; enum members go by identity (they live as long as their
    class, and a string never equals an int)."""
    if _open_enum_type(t) is not None:
        return "", f"({v} if type({v}) is str else id({v}))"
    if t is str:
        return f"type({v}) is str", v
    if _optional_member(t) is str:
        return f"({v} is None or type({v}) is str)", v
    return "", v


def _is_plain_dict_or_none(t: Any) -> bool:
    member = _optional_member(t)
    return member is not None and _is_plain_dict(member)


def _pure(t: Any, seen: set[type]) -> bool:
    """Whether values of ``t`` are immutable and told apart by their JSON text alone: strings,
    ints, booleans, ``None``, enums, tuples and frozen records of those. Not floats (NaN is
    written ``null``), dicts or lists (mutable), nor ``Any``."""
    if t in (str, int, bool, _NONE_TYPE) or _is_enum(t):
        return True
    if _is_union(t):
        return all(_pure(m, seen) for m in typing.get_args(t))
    if typing.get_origin(t) is tuple:
        return all(a is Ellipsis or _pure(a, seen) for a in typing.get_args(t))
    if isinstance(t, type) and attrs.has(t):
        if t in seen:
            return True
        seen.add(t)
        attrs.resolve_types(t)
        return _frozen(t) and all(_pure(f.type, seen) for f in attrs.fields(t))
    return False


def _is_plain_dict(t: Any) -> bool:
    """``dict`` or ``dict[str, Any]``: a JSON object passed through as the server sent it."""
    return t is dict or (typing.get_origin(t) is dict and typing.get_args(t) == (str, typing.Any))


def _args_or_any(t: Any, index: int) -> Any:
    args = typing.get_args(t)
    return args[index] if len(args) > index else typing.Any


def _ident(t: Any) -> str:
    return "".join(c if c.isalnum() else "_" for c in getattr(t, "__name__", repr(t)))[:60]


def _compile(name: str, lines: list[str], names: _Names) -> Hook:
    source = "\n".join(lines)
    namespace = dict(names.values)
    exec(compile(source, f"<wkapi {name}>", "exec"), namespace)
    function: Hook = namespace["structure"]
    function.__name__ = function.__qualname__ = name
    return function
