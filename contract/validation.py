"""Request validation derived from the shapes: `parse(VerifyBody, data)` checks a request body
(or query) against its TypedDict with pydantic and returns the checked, trimmed values.

Every failure raises `InvalidField` (422, naming the first field at fault, in the shape's order)
with the sentence the API has always given: "is required", "must be a string", "must not be
empty", "must be at most N characters", "must not contain control characters", "must be one of
a, b", "must be true or false", "must be a date YYYY-MM-DD", "must be a decimal string such as
"12.34"". Text is trimmed; an optional key may be absent or null; unknown keys are ignored.
"""

from __future__ import annotations

import json
import re
import typing
from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Type, TypeVar, cast

from pydantic import BaseModel, Extra, ValidationError, validator
from pydantic.fields import ModelField

from contract.errors import InvalidField
from contract.models import ShapeModel, model_of
from contract.shapes import AMOUNT_PATTERN

DEFAULT_MAX_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(AMOUNT_PATTERN)
T = TypeVar("T")


def is_unicode_text(value: Any) -> bool:
    """True when every string in `value` (a parsed JSON value or a str) encodes as UTF-8: no lone
    surrogates, whether from a JSON escape or from undecodable bytes in a header or URL."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, TypeError, ValueError):
        return False
    return True


def _choices(field: ModelField) -> typing.Tuple[Any, ...]:
    kind = field.outer_type_
    return typing.get_args(kind) if typing.get_origin(kind) is typing.Literal else ()


def _check_text(value: Any, field: ModelField) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    limit = field.field_info.max_length or DEFAULT_MAX_LENGTH
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not is_unicode_text(value):
        raise ValueError("must be valid Unicode text")
    choices = _choices(field)
    if choices and value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    if field.field_info.extra.get("format") == "date":
        if not _DAY.fullmatch(value):
            raise ValueError("must be a date YYYY-MM-DD")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a real date YYYY-MM-DD") from None
    if field.field_info.regex == AMOUNT_PATTERN:
        if not _AMOUNT.match(value):
            raise ValueError('must be a decimal string such as "12.34"')
        if Decimal(value) <= 0:
            raise ValueError("must be greater than zero")
    return value


class _Request(ShapeModel):
    """What every request model checks, field by field, before pydantic's own coercion."""

    class Config:
        extra = Extra.ignore

    @validator("*", pre=True)
    def _check(cls, value: Any, field: ModelField) -> Any:
        if value is None and field.name in cls.__nullable__:
            return None
        if field.type_ is bool:
            if not isinstance(value, bool):
                raise ValueError("must be true or false")
            return value
        if field.field_info.regex == AMOUNT_PATTERN and not isinstance(value, str):
            raise ValueError('must be a decimal string such as "12.34"')
        return _check_text(value, field)


def request_model(shape: type) -> Type[BaseModel]:
    """The pydantic model that checks a request shape (a TypedDict of contract.shapes)."""
    return model_of(shape, _Request)


def parse(shape: Type[T], data: Mapping[str, Any]) -> T:
    """``data`` checked against ``shape``: the keys it sent (trimmed), or InvalidField."""
    try:
        model = request_model(shape).parse_obj(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0])
        message = "is required" if first["type"] == "value_error.missing" else first["msg"]
        raise InvalidField(name, message) from None
    return cast(T, model.dict(exclude_unset=True))


def day(value: Any) -> date:
    """A date of a checked request (`RequestDay`)."""
    return date.fromisoformat(str(value))
