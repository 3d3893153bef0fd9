"""``TaskSpec``: one task to create, checked before anything is sent.

A :class:`TaskSpec` is built from Python values (``TaskSpec(...)``) or from one row of a CSV
file or a JSON-lines file (:meth:`TaskSpec.from_row`). Either way every value is checked on
construction and a bad one raises :class:`~wkapi.InputError` naming the field, so a bulk
creation job fails before its first request rather than halfway through.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from wkapi._checks import (
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    check_id,
    check_int,
    check_name,
    check_str,
    is_int,
)
from wkapi._errors import InputError
from wkapi._records import record_initializer
from wkapi.models.common import BoundingBox, JsonObject, NeededExperience, Vec3Int

__all__ = ["TaskFromFilesParams", "TaskSpec"]

Number = int | float
NeededExperienceLike = NeededExperience | tuple[str, int] | Mapping[str, Any]
BoundingBoxLike = BoundingBox | Mapping[str, Any] | Sequence[int]


#: The defaults of ``edit_rotation`` and ``needed_experience`` (valid: taken as they are).
_NO_ROTATION: tuple[Number, Number, Number] = (0, 0, 0)
_NO_EXPERIENCE_GIVEN = ("", 0)
#: The default "no experience needed", shared by every spec that does not name one.
_NO_EXPERIENCE = NeededExperience("", 0)


@attrs.frozen(init=False)
class TaskSpec:
    """One task for ``POST /tasks``.

    Args:
        task_type_id: id of the task type (24 hex characters).
        dataset: name of the dataset.
        project_name: name of the project (the server matches projects by name here).
        edit_position: where annotators start, three ints.
        edit_rotation: the starting rotation, three numbers.
        open_instances: how many annotators get the task (>= 1).
        needed_experience: ``(domain, value)``, ``{"domain": .., "value": ..}`` or a
            :class:`~wkapi.models.NeededExperience`; ``("", 0)`` means none needed.
        bounding_box: a :class:`~wkapi.models.BoundingBox`, a dict
            ``{"topLeft": [x, y, z], "width": w, "height": h, "depth": d}`` or a 6-tuple
            ``(x, y, z, width, height, depth)``.
        script_id: id of a user script to attach.
        creation_info: a text stored with the task; bulk creation uses it to recognise tasks
            it already created.
        description: a free text.

    Raises:
        InputError: a value is not valid; the message starts with the field's name.
    """

    task_type_id: str
    dataset: str
    project_name: str
    edit_position: Vec3Int
    edit_rotation: tuple[Number, Number, Number]
    open_instances: int
    needed_experience: NeededExperience
    bounding_box: BoundingBox | None
    script_id: str | None
    creation_info: str | None
    description: str | None

    def __init__(
        self,
        task_type_id: str,
        dataset: str,
        project_name: str,
        edit_position: Sequence[int],
        *,
        edit_rotation: Sequence[Number] = _NO_ROTATION,
        open_instances: int = 1,
        needed_experience: NeededExperienceLike = _NO_EXPERIENCE_GIVEN,
        bounding_box: BoundingBoxLike | None = None,
        script_id: str | None = None,
        creation_info: str | None = None,
        description: str | None = None,
    ) -> None:
        # Positional, in field order, and the defaults (valid as they are) taken without a
        # check: a bulk job builds tens of thousands of specs. _store_spec() is what
        # self.__attrs_init__() does, through the slots.
        _store_spec(
            self,
            check_id("task_type_id", task_type_id),
            check_name("dataset", dataset),
            check_name("project_name", project_name),
            _int_vector("edit_position", edit_position),
            (
                edit_rotation
                if edit_rotation is _NO_ROTATION
                else _number_vector("edit_rotation", edit_rotation)
            ),
            (
                open_instances
                if type(open_instances) is int and 1 <= open_instances <= INT32_MAX
                else check_int("open_instances", open_instances, minimum=1, maximum=INT32_MAX)
            ),
            (
                _NO_EXPERIENCE
                if needed_experience is _NO_EXPERIENCE_GIVEN
                else _needed_experience(needed_experience)
            ),
            None if bounding_box is None else _bounding_box(bounding_box),
            None if script_id is None else check_id("script_id", script_id),
            None if creation_info is None else check_name("creation_info", creation_info),
            (
                None
                if description is None
                else check_str("description", description, allow_empty=True)
            ),
        )

    def to_json(self) -> JsonObject:
        """The task body ``POST /tasks`` expects (optional keys left out when unset).

        The instance count goes out as ``openInstances`` and as ``pendingInstances``: servers
        before 23.09 need the first, newer ones the second, and both ignore the other.
        """
        return spec_json(self, self.creation_info)

    @staticmethod
    def unknown_fields(names: Iterable[str]) -> list[str]:
        """The names among ``names`` that :meth:`from_row` does not accept (in any spelling)."""
        return [name for name in names if _field_name(name) is None]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TaskSpec:
        """Build a spec from one CSV row or one JSON-lines object.

        Keys may be snake_case or camelCase (``edit_position``, ``editPosition``), in any
        case and with spaces or hyphens for underscores. Besides the constructor's names:

        * ``dataSet``/``data_set``/``dataset_name`` for ``dataset``;
          ``pendingInstances``/``instances`` for ``open_instances``;
        * ``edit_position`` as a list or a text ``"1,2,3"`` (also ``"[1, 2, 3]"`` or
          ``"1 2 3"``), or three columns ``x``, ``y``, ``z`` (or ``edit_position_x``, ...);
        * ``edit_rotation`` likewise, or ``edit_rotation_x``, ...;
        * ``needed_experience`` as a dict, a pair or a text ``"domain:value"``, or two columns
          ``needed_experience_domain`` and ``needed_experience_value``;
        * ``bounding_box`` as a dict, six numbers or a text ``"x,y,z,width,height,depth"``.

        Text cells are parsed (``"3"`` is 3); empty cells count as absent, so an empty
        optional column is fine. Unknown keys are refused, so a misspelt column never
        silently drops a value. One field under two names (a task body's ``openInstances``
        and ``pendingInstances``) is fine when both hold the same value.

        Raises:
            InputError: a value is missing, malformed or invalid, or a key is unknown;
                the message names the field.
        """
        fields = _normalise_row(row)
        position = _vector_from_row(fields, "edit_position", ("x", "y", "z"))
        rotation = _vector_from_row(fields, "edit_rotation", None)
        experience = _experience_from_row(fields)
        kwargs: dict[str, Any] = {}
        for name in ("script_id", "creation_info", "description", "bounding_box"):
            if name in fields:
                kwargs[name] = fields.pop(name)
        if rotation is not None:
            kwargs["edit_rotation"] = _parse_vector("edit_rotation", rotation, float)
        if "open_instances" in fields:
            kwargs["open_instances"] = _parse_int("open_instances", fields.pop("open_instances"))
        if experience is not None:
            kwargs["needed_experience"] = experience
        if isinstance(kwargs.get("bounding_box"), str):
            kwargs["bounding_box"] = _parse_numbers("bounding_box", kwargs["bounding_box"], 6, int)
        required = {
            name: fields.pop(name, None) for name in ("task_type_id", "dataset", "project_name")
        }
        for name, value in [*required.items(), ("edit_position", position)]:
            if value is None:
                raise InputError(f"{name} is missing")
        return cls(
            required["task_type_id"],
            required["dataset"],
            required["project_name"],
            _parse_vector("edit_position", position, int),
            **kwargs,
        )


_store_spec = record_initializer(TaskSpec)


# --- value checks -----------------------------------------------------------------------------


def _three(field: str, value: Any, what: str) -> Sequence[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise InputError(f"{field} must be three {what}, got {value!r}")
    if len(value) != 3:
        raise InputError(f"{field} must be three {what}, got {len(value)} values: {value!r}")
    return value


#: The fast paths take ints in this range at once (one comparison each); any other value goes
#: through the full checks below, which decide (and name the field when they refuse it).
_FAST_INT_MIN, _FAST_INT_MAX = -(2**31), 2**31 - 1


def _int_vector(field: str, value: Any) -> Vec3Int:
    if (type(value) is tuple or type(value) is list) and len(value) == 3:
        x, y, z = value
        if (
            type(x) is int
            and type(y) is int
            and type(z) is int
            and _FAST_INT_MIN <= x <= _FAST_INT_MAX
            and _FAST_INT_MIN <= y <= _FAST_INT_MAX
            and _FAST_INT_MIN <= z <= _FAST_INT_MAX
        ):  # the common case, at once
            return value if type(value) is tuple else (x, y, z)
    items = _three(field, value, "ints")
    if not all(is_int(v) for v in items):
        raise InputError(f"{field} must be three ints, got {value!r}")
    x, y, z = int(items[0]), int(items[1]), int(items[2])
    if not (
        INT32_MIN <= x <= INT32_MAX and INT32_MIN <= y <= INT32_MAX and INT32_MIN <= z <= INT32_MAX
    ):
        raise InputError(
            f"{field} must be three ints >= {INT32_MIN} and <= {INT32_MAX} (the server's Int), "
            f"got {value!r}"
        )
    return (x, y, z)


def _number_vector(field: str, value: Any) -> tuple[Number, Number, Number]:
    if (type(value) is tuple or type(value) is list) and len(value) == 3:
        x, y, z = value
        if _plain_number(x) and _plain_number(y) and _plain_number(z):  # the common case
            return value if type(value) is tuple else (x, y, z)
    items = _three(field, value, "numbers")
    out: list[Number] = []
    for v in items:
        if is_int(v):
            number = int(v)
            if not INT64_MIN <= number <= INT64_MAX:
                raise InputError(f"{field} must be three finite numbers of 64 bits, got {value!r}")
            out.append(number)
        elif type(v) is not bool and isinstance(v, numbers.Real) and math.isfinite(v):
            out.append(float(v))
        else:
            raise InputError(f"{field} must be three finite numbers, got {value!r}")
    return (out[0], out[1], out[2])


def _plain_number(value: Any) -> bool:
    """Whether ``value`` is an ``int`` of 64 bits or a finite ``float`` (not a subclass), kept
    as it is; anything else goes through the full checks."""
    if type(value) is int:
        return INT64_MIN <= value <= INT64_MAX
    return type(value) is float and _isfinite(value)


_isfinite = math.isfinite


def _needed_experience(value: Any) -> NeededExperience:
    if type(value) is tuple and len(value) == 2:  # the common case, at once
        domain, level = value
        if type(domain) is str and type(level) is int and 0 <= level <= _FAST_INT_MAX:
            if level == 0 and not domain:
                return _NO_EXPERIENCE
            return NeededExperience(domain, level)
    field = "needed_experience"
    if isinstance(value, NeededExperience):
        domain, level = value.domain, value.value
    elif isinstance(value, Mapping):
        if set(value) != {"domain", "value"}:
            raise InputError(f"{field} must have the keys 'domain' and 'value', got {value!r}")
        domain, level = value["domain"], value["value"]
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == 2:
        domain, level = value
    else:
        raise InputError(f"{field} must be (domain, value), a dict or a NeededExperience")
    if not isinstance(domain, str):
        raise InputError(f"{field}.domain must be a string, got {domain!r}")
    return NeededExperience(
        domain, check_int(f"{field}.value", level, minimum=0, maximum=INT32_MAX)
    )


def _bounding_box(value: Any) -> BoundingBox:
    field = "bounding_box"
    if isinstance(value, BoundingBox):
        top_left, dims = value.top_left, (value.width, value.height, value.depth)
    elif isinstance(value, Mapping):
        corner_key = "topLeft" if "topLeft" in value else "top_left"
        expected = {corner_key, "width", "height", "depth"}
        if set(value) != expected:
            raise InputError(
                f"{field} must have the keys topLeft, width, height, depth, got {sorted(value)}"
            )
        top_left = value[corner_key]
        dims = (value["width"], value["height"], value["depth"])
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == 6:
        top_left, dims = tuple(value[:3]), tuple(value[3:])
    else:
        raise InputError(
            f"{field} must be a BoundingBox, a dict or (x, y, z, width, height, depth), "
            f"got {value!r}"
        )
    corner = _int_vector(f"{field}.top_left", top_left)
    width, height, depth = (
        check_int(f"{field}.{name}", dim, minimum=0, maximum=INT32_MAX)
        for name, dim in zip(("width", "height", "depth"), dims, strict=True)
    )
    return BoundingBox(corner, width, height, depth)


# --- rows -------------------------------------------------------------------------------------

_ROW_ALIASES = {
    "data_set": "dataset",
    "dataset_name": "dataset",
    "pending_instances": "open_instances",
    "instances": "open_instances",
}
_ROW_FIELDS = {
    "task_type_id",
    "dataset",
    "project_name",
    "edit_position",
    "edit_rotation",
    "open_instances",
    "needed_experience",
    "bounding_box",
    "script_id",
    "creation_info",
    "description",
    "x",
    "y",
    "z",
    *(f"edit_{kind}_{axis}" for kind in ("position", "rotation") for axis in "xyz"),
    "needed_experience_domain",
    "needed_experience_value",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-]+")
_VECTOR_TEXT = re.compile(r"[\s,;]+")
#: An example for the error message of each kind of number list: a vector, a bounding box.
_EXAMPLES = {3: "1,2,3", 6: "0,0,0,100,100,50"}


def _snake(key: str) -> str:
    return _SEPARATORS.sub("_", _CAMEL_BOUNDARY.sub("_", key.strip())).lower()


def _field_name(key: str) -> str | None:
    """The field a row key names (any spelling, aliases resolved), ``None`` if it names none."""
    name = _snake(key)
    name = _ROW_ALIASES.get(name, name)
    return name if name in _ROW_FIELDS else None


def _normalise_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Keys in snake_case with aliases resolved; empty cells dropped."""
    if not isinstance(row, Mapping):
        raise InputError(f"a task row must be a mapping, got {type(row).__name__}")
    fields: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for raw_key, value in row.items():
        if not isinstance(raw_key, str):
            raise InputError(f"field names must be strings, got {raw_key!r}")
        key = _field_name(raw_key)
        if key is None:
            raise InputError(f"unknown field: {raw_key!r}")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in fields and fields[key] != _clean(value):
            raise InputError(f"{key} is given twice (as {origin[key]!r} and {raw_key!r})")
        fields[key] = _clean(value)
        origin.setdefault(key, raw_key)
    return fields


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _vector_from_row(fields: dict[str, Any], name: str, short: tuple[str, str, str] | None) -> Any:
    """The vector ``name`` from one value or from per-axis columns; ``None`` if absent."""
    long_axes = tuple(f"{name}_{axis}" for axis in "xyz")
    spellings = [long_axes] if short is None else [long_axes, short]
    whole = fields.pop(name, None)
    found: list[Any] = []
    for axes in spellings:
        present = [a for a in axes if a in fields]
        if not present:
            continue
        if whole is not None or found:
            raise InputError(f"{name} is given twice ({name} and per-axis columns)")
        missing = [a for a in axes if a not in fields]
        if missing:
            raise InputError(f"{name}: missing {', '.join(missing)}")
        found = [fields.pop(a) for a in axes]
    return found if found else whole


def _experience_from_row(fields: dict[str, Any]) -> Any:
    whole = fields.pop("needed_experience", None)
    domain = fields.pop("needed_experience_domain", None)
    value = fields.pop("needed_experience_value", None)
    if domain is None and value is None:
        if isinstance(whole, str):
            text_domain, sep, text_value = whole.rpartition(":")
            if not sep:
                raise InputError(f"needed_experience: expected 'domain:value', got {whole!r}")
            return (text_domain.strip(), _parse_int("needed_experience.value", text_value))
        return whole
    if whole is not None:
        raise InputError("needed_experience is given twice (whole and per-part columns)")
    if value is None:
        raise InputError("needed_experience: missing needed_experience_value")
    return ("" if domain is None else domain, _parse_int("needed_experience.value", value))


def _parse_int(field: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value  # checked by the constructor
    try:
        return int(value.strip())
    except ValueError:
        raise InputError(f"{field} must be an int, got {value!r}") from None


def _parse_vector(field: str, value: Any, kind: Callable[[str], Number]) -> Any:
    if isinstance(value, str):
        return _parse_numbers(field, value, 3, kind)
    if isinstance(value, list) and any(isinstance(v, str) for v in value):
        return [_parse_scalar(field, v, kind) for v in value]
    return value


def _parse_numbers(field: str, text: str, count: int, kind: Callable[[str], Number]) -> list[Any]:
    parts = [p for p in _VECTOR_TEXT.split(text.strip().strip("[]()").strip()) if p]
    if len(parts) != count:
        example = _EXAMPLES.get(count, ",".join(map(str, range(1, count + 1))))
        raise InputError(f"{field} must be {count} numbers like {example!r}, got {text!r}")
    return [_parse_scalar(field, p, kind) for p in parts]


def _parse_scalar(field: str, value: Any, kind: Callable[[str], Number]) -> Any:
    if not isinstance(value, str):
        return value
    try:
        number = kind(value.strip())
    except ValueError:
        what = "ints" if kind is int else "numbers"
        raise InputError(f"{field} must hold {what}, got {value!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise InputError(f"{field} must hold finite numbers, got {value!r}")
    return number


def task_parameters_json(
    task_type_id: str,
    project_name: str,
    needed_experience: NeededExperience,
    open_instances: int,
    script_id: str | None,
    bounding_box: BoundingBox | None,
) -> JsonObject:
    """The keys a task body and a ``formJSON`` share. The instance count goes out as
    ``openInstances`` and as ``pendingInstances``: servers before 23.09 need the first, newer
    ones the second, and both ignore the other."""
    body: JsonObject = {
        "taskTypeId": task_type_id,
        "neededExperience": {"domain": needed_experience.domain, "value": needed_experience.value},
        "openInstances": open_instances,
        "pendingInstances": open_instances,
        "projectName": project_name,
    }
    if script_id is not None:
        body["scriptId"] = script_id
    if bounding_box is not None:
        body["boundingBox"] = {
            "topLeft": list(bounding_box.top_left),
            "width": bounding_box.width,
            "height": bounding_box.height,
            "depth": bounding_box.depth,
        }
    return body


def task_json(
    task_type_id: str,
    project_name: str,
    needed_experience: NeededExperience,
    open_instances: int,
    script_id: str | None,
    bounding_box: BoundingBox | None,
    dataset: str,
    edit_position: Sequence[int],
    edit_rotation: Sequence[Number],
    creation_info: str | None,
    description: str | None,
    vector: Callable[[Sequence[Number]], Any] = list,
) -> JsonObject:
    """A whole task body as ``POST /tasks`` and ``PUT /tasks/:id`` take it (optional keys left
    out when unset): the keys of :func:`task_parameters_json` and the task's own.

    ``vector`` makes the JSON arrays of the positions; ``tuple`` keeps a spec's own tuples
    (orjson writes them as arrays too), for bodies that are encoded at once.
    """
    # Without a script or a bounding box (the common case), one dict display with the same keys
    # in the same order: a bulk job builds one body per task.
    if script_id is not None or bounding_box is not None:
        body = task_parameters_json(
            task_type_id, project_name, needed_experience, open_instances, script_id, bounding_box
        )
        body["dataSet"] = dataset
        body["editPosition"] = vector(edit_position)
        body["editRotation"] = vector(edit_rotation)
    else:
        body = {
            "taskTypeId": task_type_id,
            "neededExperience": {
                "domain": needed_experience.domain,
                "value": needed_experience.value,
            },
            "openInstances": open_instances,
            "pendingInstances": open_instances,
            "projectName": project_name,
            "dataSet": dataset,
            "editPosition": vector(edit_position),
            "editRotation": vector(edit_rotation),
        }
    if creation_info is not None:
        body["creationInfo"] = creation_info
    if description is not None:
        body["description"] = description
    return body


def spec_json(
    spec: TaskSpec,
    creation_info: str | None,
    vector: Callable[[Sequence[Number]], Any] = list,
) -> JsonObject:
    """``spec.to_json()`` with ``creation_info`` in place of the spec's own (a bulk job's, with
    its marker); ``vector`` makes the positions' arrays (``tuple`` keeps the spec's own tuples,
    which orjson writes as arrays too)."""
    return task_json(
        spec.task_type_id,
        spec.project_name,
        spec.needed_experience,
        spec.open_instances,
        spec.script_id,
        spec.bounding_box,
        spec.dataset,
        spec.edit_position,
        spec.edit_rotation,
        creation_info,
        spec.description,
        vector,
    )


@attrs.frozen(init=False)
class TaskFromFilesParams:
    """What ``POST /tasks/createFromFiles`` needs besides the files (its ``formJSON``).

    The dataset and start position come from each annotation file; one task is created per file.

    Args:
        task_type_id: id of the task type.
        project_name: name of the project.
        needed_experience: ``(domain, value)``, a dict or a
            :class:`~wkapi.models.NeededExperience`; ``("", 0)`` means none needed.
        open_instances: how many annotators get each task (>= 1).
        script_id: id of a user script to attach.
        bounding_box: a :class:`~wkapi.models.BoundingBox`, a dict or
            ``(x, y, z, width, height, depth)``.

    Raises:
        InputError: a value is not valid; the message names it.
    """

    task_type_id: str
    project_name: str
    needed_experience: NeededExperience
    open_instances: int
    script_id: str | None
    bounding_box: BoundingBox | None

    def __init__(
        self,
        task_type_id: str,
        project_name: str,
        *,
        needed_experience: NeededExperienceLike = ("", 0),
        open_instances: int = 1,
        script_id: str | None = None,
        bounding_box: BoundingBoxLike | None = None,
    ) -> None:
        self.__attrs_init__(
            task_type_id=check_id("task_type_id", task_type_id),
            project_name=check_name("project_name", project_name),
            needed_experience=_needed_experience(needed_experience),
            open_instances=check_int(
                "open_instances", open_instances, minimum=1, maximum=INT32_MAX
            ),
            script_id=None if script_id is None else check_id("script_id", script_id),
            bounding_box=None if bounding_box is None else _bounding_box(bounding_box),
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TaskFromFilesParams:
        """Build the parameters from a mapping with snake_case or camelCase keys
        (``taskTypeId``, ``projectName``, ``neededExperience``, ``openInstances`` or
        ``pendingInstances``, ``scriptId``, ``boundingBox``)."""
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = _PARAM_KEYS.get(key)
            if name is None:
                raise InputError(f"unknown task parameter: {key!r}")
            if name in kwargs:
                raise InputError(f"{name} is given twice")
            kwargs[name] = value
        for required in ("task_type_id", "project_name"):
            if required not in kwargs:
                raise InputError(f"{required} is missing")
        return cls(kwargs.pop("task_type_id"), kwargs.pop("project_name"), **kwargs)

    def to_json(self) -> JsonObject:
        """The ``formJSON`` object."""
        return task_parameters_json(
            self.task_type_id,
            self.project_name,
            self.needed_experience,
            self.open_instances,
            self.script_id,
            self.bounding_box,
        )


_PARAM_KEYS = {
    **{name: name for name in ("task_type_id", "project_name", "needed_experience")},
    **{name: name for name in ("open_instances", "script_id", "bounding_box")},
    "taskTypeId": "task_type_id",
    "projectName": "project_name",
    "neededExperience": "needed_experience",
    "openInstances": "open_instances",
    "pendingInstances": "open_instances",
    "pending_instances": "open_instances",
    "scriptId": "script_id",
    "boundingBox": "bounding_box",
}
