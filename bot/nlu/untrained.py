"""Base of this project's NLU components that learn nothing: built from their config alone."""

from __future__ import annotations

from typing import Any, Dict, Text, Type, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

_Component = TypeVar("_Component", bound="UntrainedComponent")


class UntrainedComponent(GraphComponent):
    """A graph component whose instance depends on its config only (nothing is stored)."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls: Type[_Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Component:
        return cls(config)
