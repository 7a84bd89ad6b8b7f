"""pydantic models of the shapes (contract.shapes), for request validation and for the schemas of
the OpenAPI document. pydantic 1.10 reads a TypedDict's required keys but not the `NotRequired`
wrapper around a constrained type, so the models are built here from the type hints: a key that
may be absent gets the default None, its constraints kept; nested shapes become nested models.
"""

from __future__ import annotations

import typing
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Optional, Tuple, Type, Union

from pydantic import BaseModel, create_model
from typing_extensions import Annotated, NotRequired, Required, is_typeddict


def _unwrap(hint: Any) -> Any:
    """``hint`` without NotRequired/Required."""
    while typing.get_origin(hint) in (NotRequired, Required):
        hint = typing.get_args(hint)[0]
    return hint


def is_nullable(hint: Any) -> bool:
    """True when the value may be null (Optional, also inside Annotated)."""
    hint = _unwrap(hint)
    if typing.get_origin(hint) is Annotated:
        hint = typing.get_args(hint)[0]
    return typing.get_origin(hint) is Union and type(None) in typing.get_args(hint)


def _convert(hint: Any, base: Optional[Type[BaseModel]]) -> Any:
    """``hint`` with every TypedDict in it replaced by its model."""
    hint = _unwrap(hint)
    if is_typeddict(hint):
        return model_of(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        params = (_convert(args[0], base), *hint.__metadata__)
        return Annotated.__class_getitem__(params)
    if origin in (list, List):
        return List[_convert(args[0], base)]  # type: ignore[misc]
    if origin is Union:
        return Union[tuple(_convert(a, base) for a in args)]
    return hint


def fields_of(shape: type) -> Dict[str, Tuple[Any, bool]]:
    """Each key of a shape: (its type hint, required), in the shape's order."""
    hints = typing.get_type_hints(shape, include_extras=True)
    required: FrozenSet[str] = getattr(shape, "__required_keys__", frozenset(hints))
    return {name: (hint, name in required) for name, hint in hints.items()}


class ShapeModel(BaseModel):
    # Base of the models: knows the shape's docstring and which fields may be null (the document).
    __nullable__: typing.ClassVar[FrozenSet[str]] = frozenset()
    __shape_doc__: typing.ClassVar[Optional[str]] = None

    class Config:
        @staticmethod
        def schema_extra(schema: Dict[str, Any], model: Type["ShapeModel"]) -> None:
            schema.pop("title", None)
            schema.pop("description", None)
            if model.__shape_doc__:
                schema["description"] = model.__shape_doc__
            for name, prop in schema.get("properties", {}).items():
                prop.pop("title", None)
                if name in model.__nullable__:
                    prop["nullable"] = True
            if "required" in schema and not schema["required"]:
                del schema["required"]


@lru_cache(maxsize=None)
def model_of(shape: type, base: Type[BaseModel] = ShapeModel) -> Type[BaseModel]:
    """The pydantic model of a TypedDict of contract.shapes (``base``: the request checks)."""
    fields: Dict[str, Any] = {}
    for name, (hint, required) in fields_of(shape).items():
        fields[name] = (_convert(hint, base), ... if required else None)
    model = create_model(shape.__name__, __base__=base, __module__=shape.__module__, **fields)
    doc = shape.__doc__ or ""
    model.__shape_doc__ = None if doc.startswith(shape.__name__ + "(") else doc  # type: ignore[attr-defined]
    model.__nullable__ = frozenset(n for n, (h, _) in fields_of(shape).items() if is_nullable(h))  # type: ignore[attr-defined]
    return model
