"""Running prediction graphs (the NLU parse and every policy prediction).

* ``DaskGraphRunner.run`` (the NLU parse and every policy prediction) recomputes the minimal
  graph schema of its targets (a recursive walk and new schema objects) and rebuilds the task
  graph on every call, formats its inputs into a debug message whatever the log level, and then
  hands a graph of ~20 nodes to dask's scheduler. For prediction graphs (no hooks) the task
  graph of each target list is now built once and its tasks are called in dependency order
  directly; training graphs (with hooks) keep Rasa's own run.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.rasa_speedups.originals import ORIGINALS


def graph_plan(runner: Any, targets: List[str]) -> Optional[Dict[str, Any]]:
    """The task graph for ``targets`` (built once per target list), or None for a runner whose
    nodes have hooks (training: caching and fingerprinting), which keeps Rasa's own run."""
    plans = runner.__dict__.setdefault("_speedups_plans", {})
    key = tuple(targets)
    if key not in plans:
        hooked = any(getattr(node, "_hooks", None) for node in runner._instantiated_nodes.values())
        plans[key] = (
            None if hooked else runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(targets))
        )
    return plans[key]


def _execute(graph: Dict[str, Any], targets: List[str]) -> List[Any]:
    """Results of ``targets`` in ``graph`` as ``dask.get`` computes them for Rasa's graphs: a
    task is ``(callable, *keys)``, called once with its dependencies' results; a key missing
    from the graph is passed on as the key itself; any other value is its own result."""
    results: Dict[str, Any] = {}

    def compute(key: Any) -> Any:
        if key in results:
            return results[key]
        if key not in graph:
            return key
        task = graph[key]
        if isinstance(task, tuple) and task and callable(task[0]):
            value = task[0](*[compute(dependency) for dependency in task[1:]])
        else:
            value = task
        results[key] = value
        return value

    return [compute(target) for target in targets]


def graph_run(
    self: Any, inputs: Optional[Dict[str, Any]] = None, targets: Optional[List[str]] = None
) -> Dict[str, Any]:
    """Drop-in for ``DaskGraphRunner.run`` for prediction graphs: the minimal graph of the
    targets is computed once, not on every run, and its tasks are called in dependency order
    directly instead of through dask's scheduler (same calls, same results, same errors)."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    plan = graph_plan(self, run_targets)
    if plan is None:
        return ORIGINALS["DaskGraphRunner.run"](self, inputs, targets)
    run_graph = dict(plan)
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(_execute(run_graph, run_targets))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
