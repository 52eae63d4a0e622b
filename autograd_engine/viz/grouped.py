"""The grouped view of ``draw_dot(root, model=...)``: one box per neuron (or layer) of an nn model.

It owns finding the neurons of a model, assigning each graph node to the neuron it belongs to,
and drawing the boxes, the rest of the graph and the edges between them, with the node drawing
of :mod:`autograd_engine.viz.nodes`; :func:`~autograd_engine.draw_dot` calls it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import describe
from ..value import Value
from .nodes import Style, grad_float, html_text, node_lines, norm_color, static_look

__all__ = ["Group", "assign_groups", "grouped_lines", "model_groups"]


@dataclass
class Group:
    """A neuron (or a layer, or any named set of parameters) drawn as one box."""

    title: str
    params: list[Value]
    cluster: str = ""  # the layer it is drawn inside, "" for none
    weights: list[Value] | None = None
    biases: list[Value] | None = None
    neurons: int = 0  # for a layer box, how many neurons it holds


def _values(items: Any, what: str) -> list[Value]:
    try:
        values = list(items)
    except TypeError:
        raise TypeError(f"{what} should be a list of Values, got {describe(items)}") from None
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"{what} should hold only Values, got {describe(v)} at position {i}")
    return values


def _params_of(module: Any, what: str) -> list[Value]:
    parameters = getattr(module, "parameters", None)
    if not callable(parameters):
        raise TypeError(
            f"draw_dot(model=...) expects an nn model (MLP, Layer, Neuron: anything with "
            f"parameters()) or a dict of name -> list of Values; {what} is {describe(module)}"
        )
    return _values(parameters(), f"{what}.parameters()")


def _neuron_group(title: str, cluster: str, neuron: Any) -> Group:
    weights = getattr(neuron, "w", None)
    bias = getattr(neuron, "b", None)
    return Group(
        title,
        _params_of(neuron, title),
        cluster,
        weights=_values(weights, f"{title}.w") if weights is not None else None,
        biases=[bias] if isinstance(bias, Value) else None,
    )


def model_groups(model: Any) -> list[Group]:
    """One group per neuron, found by duck typing: ``model.layers[i].neurons[j]`` (w, b)."""
    if isinstance(model, Mapping):
        return [Group(str(name), _values(ps, f"model[{name!r}]")) for name, ps in model.items()]
    layers = getattr(model, "layers", None)
    if layers is not None:
        named = [(f"layers[{i}]", layer) for i, layer in enumerate(layers)]
    elif getattr(model, "neurons", None) is not None:
        named = [("layer", model)]
    else:
        return [_neuron_group("neuron", "", model)]
    groups = []
    for name, layer in named:
        neurons = getattr(layer, "neurons", None)
        if neurons is None:  # a layer we cannot look into: one box for all of it
            groups.append(Group(name, _params_of(layer, name)))
            continue
        for j, neuron in enumerate(neurons):
            groups.append(_neuron_group(f"{name}.neurons[{j}]", name, neuron))
    return groups


def assign_groups(order: Sequence[Value], groups: Sequence[Group]) -> dict[Value, int]:
    """Which group (index) each node belongs to; nodes in no group are absent.

    1. A parameter belongs to its neuron (to the first group listing it, if it is shared).
    2. A node with a parameter among its inputs belongs to that parameter's neuron: ``w * x``,
       the weighted sum with the bias.
    3. A node whose inputs are all in one neuron's weighted sum belongs to it (the chain of ``+``
       in a micrograd neuron), as long as it uses each parameter at most once: a node that adds up
       several applications of the neuron (a sum over a batch) stays outside.
    4. A node with one input from a neuron's weighted sum is that neuron's activation; nothing
       after the activation joins the neuron.

    Everything else (inputs, targets, the loss) is drawn outside the boxes.
    """
    owner: dict[Value, int] = {}
    for gi, group in enumerate(groups):
        for p in group.params:
            owner.setdefault(p, gi)
    member: dict[Value, int] = {}
    uses: dict[Value, int] = {}  # parameter uses in a weighted-sum node; absent for activations
    for node in order:
        if node in owner:
            member[node] = owner[node]
            continue
        parents = node._prev
        if not parents:
            continue
        direct = next((owner[p] for p in parents if p in owner), None)
        if direct is not None:
            gi = direct
        else:
            first = member.get(parents[0])
            if first is None or any(member.get(p) != first or p not in uses for p in parents):
                continue
            gi = first
            if len(parents) == 1:  # rule 4: the activation
                member[node] = gi
                continue
        count = sum(
            1 if owner.get(p) == gi else uses.get(p, 0) if member.get(p) == gi else 0
            for p in parents
        )
        if direct is not None or count <= len(groups[gi].params):
            member[node] = gi
            uses[node] = count
    return member


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _range_text(values: Iterable[float], style: Style) -> str:
    values = list(values)
    if not values:
        return "none"
    low, high = min(values), max(values)
    if low == high:
        return style.number(low)
    return f"{style.number(low)} to {style.number(high)}"


def _group_box(gid: str, group: Group, outputs: list[Value], style: Style, computed: bool) -> str:
    """One neuron's box: its name, a summary of its parameters, and its outputs."""
    # inside its layer's column, headed by the layer's name, a box needs only the neuron's part
    title = group.title.removeprefix(f"{group.cluster}.") if group.cluster else group.title
    rows = [f"<B>{html_text(title)}</B>"]
    params = group.params
    if group.neurons:
        rows.append(_plural(group.neurons, "neuron"))
    if group.weights is not None and group.biases is not None:
        # two short rows rather than one long one: boxes stay narrow
        rows.append(f"{len(params)} params, b {_range_text((b.data for b in group.biases), style)}")
        rows.append(f"|w| {_range_text((abs(w.data) for w in group.weights), style)}")
    else:
        rows.append(f"{len(params)} params")
        rows.append(f"|p| {_range_text((abs(p.data) for p in params), style)}")
    norm = math.sqrt(sum(grad_float(p) ** 2 for p in params))
    if style.show_grads:
        rows.append(
            f"grad norm {style.number(norm)}" if computed else "grad <I>not computed yet</I>"
        )
    if outputs:
        times = f" ({len(outputs)} calls)" if len(outputs) > 1 else ""
        rows.append(f"out {_range_text((v.data for v in outputs), style)}{times}")
    fill = norm_color(norm, style.grad_range) if style.color_grads and computed else "#f7f7f7"
    table = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    label = f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{table}</TABLE>'
    return f'\t{gid} [label=<{label}> shape=box style="rounded,filled" fillcolor="{fill}"]\n'


def _summary_box(uid: str, title: str, nodes: list[Value], style: Style) -> str:
    """A box standing for many ungrouped nodes: how many, of which ops, and their data range."""
    rows = [
        f"<B>{html_text(title)}</B>",
        f"{len(nodes)} values, data {_range_text((n.data for n in nodes), style)}",
    ]
    ops = Counter(n._operation.label() for n in nodes if n._operation is not None)
    if ops:
        common = sorted(ops.items(), key=lambda item: (-item[1], item[0]))
        text = ", ".join(f"{count} x {html_text(label)}" for label, count in common[:6])
        rows.append(text + (", ..." if len(common) > 6 else ""))
    table = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    label = f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{table}</TABLE>'
    return f'\t{uid} [label=<{label}> shape=box style="dashed,rounded"]\n'


def _merge_layers(
    groups: list[Group], member: dict[Value, int]
) -> tuple[list[Group], dict[Value, int]]:
    """The neuron groups merged into one group per layer (for ``group_by="layer"``)."""
    position: dict[str, int] = {}
    layers: list[Group] = []
    renumber: list[int] = []
    for group in groups:
        key = group.cluster or group.title
        if key not in position:
            position[key] = len(layers)
            layers.append(Group(key, []))
        layer = layers[position[key]]
        if layer.neurons == 0:
            layer.weights, layer.biases = [], []
        layer.params += group.params
        layer.neurons += 1
        if group.weights is None or group.biases is None:
            layer.weights = layer.biases = None
        elif layer.weights is not None and layer.biases is not None:
            layer.weights += group.weights
            layer.biases += group.biases
        renumber.append(position[key])
    return layers, {node: renumber[gi] for node, gi in member.items()}


def grouped_lines(
    order: Sequence[Value],
    model: Any,
    style: Style,
    computed: bool,
    group_by: str,
    detail_limit: int,
    max_nodes: int,
) -> list[str]:
    """The grouped view: neuron (or layer) boxes, the rest drawn node by node or summarised."""
    groups = model_groups(model)
    member = assign_groups(order, groups)
    if group_by == "layer":
        groups, member = _merge_layers(groups, member)
    root = order[-1]
    index = {node: i for i, node in enumerate(order)}
    outside = [n for n in order if n not in member and n is not root]
    detailed = len(outside) <= detail_limit

    # The unit each node is drawn in: a group box, itself, or a summary box.
    unit = {node: f"g{gi}" for node, gi in member.items()}
    for node in outside:
        if detailed:
            unit[node] = f"n{index[node]}"
        else:
            unit[node] = "leaves" if node._operation is None else "others"
    unit[root] = f"n{index[root]}"  # the root is always drawn as itself
    drawn = set(unit.values())
    if len(drawn) > max_nodes:
        raise ValueError(
            f"draw_dot: the grouped view of this graph still has {len(drawn)} boxes, more than "
            f"max_nodes={max_nodes}; raise the limit: draw_dot(..., max_nodes={len(drawn)})"
        )

    # A group's outputs: its members that a node outside the group uses.
    outputs: dict[str, dict[Value, None]] = {}
    for node in order:
        for parent in node._prev:
            if parent in member and unit[parent] != unit[node]:
                outputs.setdefault(unit[parent], {})[parent] = None

    lines: list[str] = []
    clusters: dict[str, list[int]] = {}
    for gi, group in enumerate(groups):
        if f"g{gi}" in drawn:
            clusters.setdefault(group.cluster, []).append(gi)
    for ci, (cluster, members) in enumerate(clusters.items()):
        boxes = [
            _group_box(f"g{gi}", groups[gi], list(outputs.get(f"g{gi}", ())), style, computed)
            for gi in members
        ]
        if not cluster:
            lines += boxes
            continue
        # A layer is a column headed by its name. Invisible edges within the column keep the
        # neurons in index order (a Graphviz cluster would shuffle them).
        title = html_text(f"{cluster}: {_plural(len(members), 'neuron')}")
        lines.append(f"\tlayer{ci} [label=<<B>{title}</B>> shape=plaintext]\n")
        lines += boxes
        chain = " -> ".join([f"layer{ci}", *(f"g{gi}" for gi in members)])
        lines.append(f"\t{{rank=same; {chain} [style=invis]}}\n")

    look = static_look(style, computed)
    for node in order:
        name = f"n{index[node]}"
        if unit[node] == name:  # drawn as itself, not inside a box
            lines += node_lines(name, node, style, look(node))
    if not detailed:
        leaves = [n for n in outside if n._operation is None]
        others = [n for n in outside if n._operation is not None]
        if leaves:
            lines.append(_summary_box("leaves", "inputs and constants", leaves, style))
        if others:
            lines.append(_summary_box("others", "other operations", others, style))

    # Edges: one per use into a node drawn as itself; one per pair of boxes otherwise.
    box_edges: dict[tuple[str, str], None] = {}
    for node in order:
        target = unit[node]
        if target == f"n{index[node]}":
            lines += [f"\t{unit[parent]} -> {target}_op\n" for parent in node._prev]
            continue
        for parent in node._prev:
            if unit[parent] != target:
                box_edges[(unit[parent], target)] = None
    faint = ' [color="#40404080"]' if len(box_edges) > 40 else ""
    lines += [f"\t{source} -> {target}{faint}\n" for source, target in box_edges]
    return lines
