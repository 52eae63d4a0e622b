"""Drawing graphs: the DOT text (nodes, edges, labels, stable ids), escaping, grad display and
colouring, the size limit and the grouped nn view. Rendering to SVG and PNG is in
``test_viz_render.py``."""

from __future__ import annotations

import re

import pytest
from strategies import apply_via_method, micrograd_example, n_inputs, op_id, op_instances

from autograd_engine import MLP, Op, Value, draw_dot, draw_graph, ops
from autograd_engine.viz.grouped import assign_groups, model_groups
from autograd_engine.viz.nodes import (
    RENDERABLE_NODES,
    grad_color,
    html_text,
    norm_color,
    readable_number,
)

pytest.importorskip("graphviz")

NODE = re.compile(r"^\t(\w+) \[label=<(.*)> (.*)\]$")
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[.*\])?$")


def parse(source: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The node labels (by id) and the edges (in order, repeats kept) of draw_dot's DOT text."""
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for line in source.splitlines():
        if m := NODE.match(line):
            nodes[m.group(1)] = m.group(2)
        elif (m := EDGE.match(line)) and "style=invis" not in line:
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def cells(label: str) -> list[str]:
    """The text of each table cell of an HTML label."""
    return re.findall(r"<TD[^>]*>(.*?)</TD>", label)


def middle(op: Op) -> list[float]:
    """A point inside the op's domain, away from 0 (where powers with negative exponents fail)."""
    return [low + 0.7 * (high - low) for low, high in op.domain[: n_inputs(op)]]


def expected_edges(order: list[Value]) -> list[tuple[str, str]]:
    """The edges draw_dot must draw, worked out from ``_prev`` and the node positions."""
    index = {node: i for i, node in enumerate(order)}
    edges = []
    for node in order:
        i = index[node]
        if node._operation is not None:
            edges.append((f"n{i}_op", f"n{i}"))
            edges += [(f"n{index[p]}", f"n{i}_op") for p in node._prev]
    return edges


# -- nodes, edges and labels for every op ---------------------------------------------------------


@pytest.mark.parametrize("op", op_instances(), ids=op_id)
def test_dot_has_a_node_per_value_an_oval_per_op_and_an_edge_per_use(op: Op) -> None:
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(middle(op))]
    y = apply_via_method(op, xs)
    y.label = "y"
    nodes, edges = parse(draw_dot(y).source)

    from autograd_engine import topological_order

    order = topological_order(y)
    assert sorted(edges) == sorted(expected_edges(order))
    value_ids = {f"n{i}" for i in range(len(order))}
    op_ids = {f"n{i}_op" for i, v in enumerate(order) if v._operation is not None}
    assert set(nodes) == value_ids | op_ids
    assert nodes[f"n{len(order) - 1}_op"] == html_text(op.label())
    for i, node in enumerate(order):
        shown = cells(nodes[f"n{i}"])
        assert f"data {readable_number(node.data)}" in shown
        if node.label:
            assert shown[0] == f"<B>{html_text(node.label)}</B>"


@pytest.mark.parametrize("op", op_instances(), ids=op_id)
def test_grads_after_backward_are_shown_for_every_op(op: Op) -> None:
    xs = [Value(x) for x in middle(op)]
    y = apply_via_method(op, xs)
    y.backward()
    nodes, _ = parse(draw_dot(y).source)
    for i, x in enumerate(xs):
        assert f"grad {readable_number(x.grad)}" in cells(nodes[f"n{i}"])


def test_value_used_twice_by_one_op_gets_two_edges() -> None:
    a = Value(3.0, label="a")
    _, edges = parse(draw_dot(a * a).source)
    assert edges.count(("n0", "n1_op")) == 2
    _, edges = parse(draw_dot(Value.sum([a, a, a])).source)
    assert edges.count(("n0", "n1_op")) == 3


def test_micrograd_example_draws_the_expected_graph() -> None:
    loss, _ = micrograd_example()
    nodes, edges = parse(draw_dot(loss).source)
    # topological order: a b e c d f L (parents first, in operand order)
    labels = {k: cells(v)[0] for k, v in nodes.items() if not k.endswith("_op")}
    assert labels == {f"n{i}": f"<B>{x}</B>" for i, x in enumerate("abecdfL")}
    assert nodes["n2_op"] == "*" and nodes["n4_op"] == "+" and nodes["n6_op"] == "*"
    assert ("n0", "n2_op") in edges and ("n2", "n4_op") in edges and ("n5", "n6_op") in edges


def test_draw_graph_is_draw_dot() -> None:
    assert draw_graph is draw_dot


def test_same_graph_built_twice_gives_byte_identical_dot() -> None:
    def build() -> Value:
        x = Value(0.5, label="x")
        h = (x * 2 + 1).tanh()
        return (h * h + x.exp()).log()

    first, second = build(), build()
    assert draw_dot(first).source == draw_dot(second).source
    assert draw_dot(first).source == draw_dot(first).source
    first.backward()
    second.backward()
    assert draw_dot(first, color_grads=True).source == draw_dot(second, color_grads=True).source


# -- grads: "not computed yet", hiding, formats ----------------------------------------------------


def test_grads_show_not_computed_yet_until_backward() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    before = draw_dot(c).source
    assert before.count("grad <I>not computed yet</I>") == 3
    assert "grad 0<" not in before
    c.backward()
    after = draw_dot(c).source
    assert "not computed yet" not in after
    assert "grad -3<" in after and "grad 2<" in after and "grad 1<" in after
    c.zero_grad()
    assert draw_dot(c).source.count("not computed yet") == 3


def test_grads_computed_option_overrides_the_rule() -> None:
    c = Value(2.0) * Value(3.0)
    assert draw_dot(c, grads_computed=True).source.count("grad 0<") == 3
    c.backward()
    assert draw_dot(c, grads_computed=False).source.count("not computed yet") == 3


def test_show_grads_false_draws_data_only() -> None:
    c = Value(2.0) * Value(3.0)
    c.backward()
    source = draw_dot(c, show_grads=False).source
    assert "grad" not in source and "data 6<" in source


@pytest.mark.parametrize(
    "x",
    [0.0, -0.0, 1.0, -2.0, 0.881373587, -7.3729e-05, 4.9152e-05, 1e-4, 9999.4, 12345.678, 1e300],
)
def test_readable_number_keeps_four_significant_digits_and_goes_scientific_by_size_only(
    x: float,
) -> None:
    text = readable_number(x)
    assert float(text) == pytest.approx(x, rel=5e-4)
    assert ("e" in text) == (x != 0.0 and not 1e-4 <= abs(x) < 9999.5)
    assert text != "-0"


def test_number_format_spec_and_function() -> None:
    c = Value(1234.5678, label="c") * 1
    assert "data 1.23e+03" in draw_dot(c, number_format=".2e").source
    assert "data ~1235" in draw_dot(c, number_format=lambda x: f"~{x:.0f}").source


def test_rankdir_default_left_to_right_and_top_to_bottom_option() -> None:
    c = Value(1.0) + 2
    assert "rankdir=LR" in draw_dot(c).source
    tb = draw_dot(c, rankdir="TB").source
    assert "rankdir=TB" in tb
    # in both directions the cells of a value are stacked, one row each: a narrow card
    for source in (draw_dot(c).source, tb):
        assert '<TR><TD ALIGN="LEFT">data 1</TD></TR><TR><TD ALIGN="LEFT">grad' in source


def test_grad_of_a_create_graph_backward_is_shown_by_its_data() -> None:
    x = Value(3.0)
    y = x * x
    y.backward(create_graph=True)
    assert "grad 6<" in draw_dot(y).source


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rankdir": "XY"}, "rankdir should be 'LR'"),
        ({"number_format": "%d"}, "number_format should be a format spec"),
        ({"grad_range": (1.0, 1e-3)}, "grad_range should be"),
        ({"max_nodes": 0}, "max_nodes should be a positive int"),
        ({"group_by": "row"}, "group_by should be 'neuron' or 'layer'"),
    ],
)
def test_bad_options_raise_value_error_saying_what_is_expected(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        draw_dot(Value(1.0) + 1, **kwargs)  # type: ignore[arg-type]


def test_root_that_is_not_a_value_raises_type_error() -> None:
    with pytest.raises(TypeError, match=r"draw_dot expects a Value .* got float 2.0"):
        draw_dot(2.0)  # type: ignore[arg-type]


# -- hostile labels --------------------------------------------------------------------------------

HOSTILE = {
    "quotes": "say \"hi\" and 'bye'",
    "backslashes": "a\\b \\n \\\\ \\N \\G \\L",
    "record_chars": "|{}<>",
    "ampersand": "A & B &amp; &lt; &#60;",
    "newlines": "first\nsecond\r\nthird",
    "html": "<b>bold</b> <TABLE><TR><TD>x</TD></TR></TABLE> <BR/>",
    "dot_injection": '"]; n0 -> n1 [label="pwned"]; x [label=<',
    "label_breakout": "</TD></TR></TABLE>> shape=box]\n\tevil [",
    "unicode": "é ∂ 日本語 😀 ½",
}


def test_html_text_escapes_markup_and_breaks_lines() -> None:
    assert html_text('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    assert html_text("a\nb\r\nc\rd") == "a<BR/>b<BR/>c<BR/>d"
    # a backslash is written twice: Graphviz reads "\\N" in any label as the node's name
    assert html_text("a\\N") == "a\\\\N"
    assert html_text("bell\x07 tab\t nul\x00") == "bell\\\\x07 tab\\\\t nul\\\\x00"
    assert html_text("del\x7f lone \ud800") == "del\\\\x7f lone \\\\ud800"
    assert html_text("é 日本 😀") == "é 日本 😀"


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_label_cannot_change_the_graph_structure(text: str) -> None:
    def build(label: str) -> Value:
        a = Value(1.0, label=label)
        b = a * 2
        b.label = label
        return b.tanh()

    plain = parse(draw_dot(build("plain")).source)
    hostile_source = draw_dot(build(text)).source
    hostile = parse(hostile_source)
    assert list(hostile[0]) == list(plain[0])  # the same node ids
    assert hostile[1] == plain[1]  # the same edges
    assert len(hostile_source.splitlines()) == len(draw_dot(build("plain")).source.splitlines())


def test_hostile_op_symbol_is_escaped_too() -> None:
    class Angle(Op):
        name = "angle"
        symbol = '<"op">'

        def forward(self, x: float) -> float:
            return x

        def backward(self, grad: ops.Scalar, out: ops.Scalar, x: ops.Scalar) -> tuple[ops.Scalar]:
            return (grad,)

    nodes, _ = parse(draw_dot(Angle()(Value(1.0))).source)
    assert nodes["n1_op"] == "&lt;&quot;op&quot;&gt;"


# -- size limit ------------------------------------------------------------------------------------


def test_graph_over_max_nodes_raises_with_count_limit_and_what_to_do() -> None:
    x = Value(1.0)
    for _ in range(30):
        x = x * 1.01
    count = 61  # the start, 30 constants and 30 products
    with pytest.raises(ValueError) as info:
        draw_dot(x, max_nodes=50)
    message = str(info.value)
    assert f"has {count} values" in message and "max_nodes=50" in message
    assert "model=model" in message and f"max_nodes={count}" in message
    assert draw_dot(x, max_nodes=count).source.count("_op [") == 30


def test_over_max_nodes_the_message_never_suggests_a_limit_that_would_not_render() -> None:
    # 4,100 values drawn one by one ran for 20 minutes; the message must not suggest that
    x = Value(1.0)
    for _ in range(RENDERABLE_NODES):
        x = x + 1.0
    count = 2 * RENDERABLE_NODES + 1
    with pytest.raises(ValueError) as info:
        draw_dot(x)
    message = str(info.value)
    assert f"has {count} values" in message and "draw_dot(loss, model=model)" in message
    assert "max_nodes=" + str(count) not in message
    assert "raising max_nodes is not suggested" in message


# -- gradient colouring ----------------------------------------------------------------------------


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_grad_color_hue_shows_sign_and_depth_shows_log_magnitude() -> None:
    assert grad_color(0.0) == "#ffffff"
    for g in (1e-5, 1e-2, 1.0, 50.0):
        r, _, b = rgb(grad_color(g))
        assert r > b  # positive: red
        r, _, b = rgb(grad_color(-g))
        assert b > r  # negative: blue
    depths = [sum(rgb(grad_color(g))) for g in (1e-6, 1e-4, 1e-2, 1.0, 1e2)]
    assert depths == sorted(depths, reverse=True) and len(set(depths)) == 5  # deeper, darker
    assert grad_color(1e-12) == grad_color(1e-6) != "#ffffff"  # vanishing: palest tint, not 0
    assert grad_color(1e9) == grad_color(1e2)  # exploding: full colour


def test_color_grads_fills_each_node_by_its_grad_and_adds_a_legend() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.backward()
    source = draw_dot(c, color_grads=True).source
    nodes, _ = parse(source)
    assert f'BGCOLOR="{grad_color(a.grad)}"' in nodes["n0"]  # -3: blue
    assert f'BGCOLOR="{grad_color(b.grad)}"' in nodes["n1"]  # 2: red
    legend = re.search(r"^\tgraph \[.*label=<(.*)> labeljust=l labelloc=b", source, re.M)
    assert legend is not None  # below the graph, not a node taking a column of its own
    assert "red positive, blue negative" in legend.group(1)
    assert "BGCOLOR" not in draw_dot(c).source


def test_grouped_legend_explains_the_neuron_colours_and_the_value_colours() -> None:
    model = MLP(2, [3, 1], seed=0, init="fan_in")
    loss = (model([Value(1.0, label="x0"), Value(-2.0, label="x1")]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    source = draw_dot(loss, model=model, color_grads=True).source
    graph_line = next(line for line in source.splitlines() if line.startswith("\tgraph ["))
    assert "neuron box colour" in graph_line and "value colour (inputs, loss)" in graph_line
    for colour in (norm_color(1.0), grad_color(1.0), grad_color(-1.0)):  # purple, red, blue
        assert colour in graph_line
    used_by_values = re.findall(r'<TABLE [^>]*BGCOLOR="(#[0-9a-f]{6})"', source)
    assert used_by_values  # the inputs and the loss are drawn red or blue too


# -- grouped view for nn models --------------------------------------------------------------------


def neuron_nodes(neuron: object, inputs: list[Value], out: Value) -> set[Value]:
    """The nodes computing one neuron's output, worked out from the graph: everything below
    ``out`` that is not below its inputs, except the constant leaves the call wrapped."""
    from autograd_engine import topological_order

    below_inputs = set(topological_order(*inputs)) if inputs else set()
    params = set(neuron.parameters())  # type: ignore[attr-defined]
    return {n for n in topological_order(out) if n not in below_inputs and (n._prev or n in params)}


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_grouping_puts_each_neurons_products_sum_and_activation_in_its_box(
    activation: str,
) -> None:
    model = MLP(2, [3, 2, 1], activation=activation, seed=0)
    xs = [Value(0.5, label="x0"), Value(-1.5, label="x1")]
    expected: dict[int, set[Value]] = {}
    layer_in = xs
    gi = 0
    for layer in model.layers:
        outs = []
        for neuron in layer.neurons:
            out = neuron(layer_in)
            expected[gi] = neuron_nodes(neuron, layer_in, out)
            outs.append(out)
            gi += 1
        layer_in = outs
    loss = (layer_in[0] - 1.0) ** 2
    from autograd_engine import topological_order

    member = assign_groups(topological_order(loss), model_groups(model))
    got: dict[int, set[Value]] = {}
    for node, g in member.items():
        got.setdefault(g, set()).add(node)
    assert got == expected


def test_grouped_view_draws_one_box_per_neuron_with_a_parameter_summary() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    loss = (model([1.0, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    source = draw_dot(loss, model=model).source
    nodes, edges = parse(source)
    boxes = {k: v for k, v in nodes.items() if re.fullmatch(r"g\d+", k)}
    assert len(boxes) == 4
    titles = [re.search(r"<B>(.*?)</B>", v).group(1) for v in boxes.values()]  # type: ignore[union-attr]
    # each box in its layer's column, headed by the layer: the box names only the neuron
    assert titles == [f"neurons[{j}]" for j in range(3)] + ["neurons[0]"]
    headers = [v for k, v in nodes.items() if k.startswith("layer")]
    assert ["layers[0]: 3 neurons" in h for h in headers] == [True, False]
    assert ["layers[1]: 1 neuron" in h for h in headers] == [False, True]
    first = model.layers[0].neurons[0]
    grad_norm = sum(p.grad**2 for p in first.parameters()) ** 0.5
    weights = sorted(abs(w.data) for w in first.w)
    assert "3 params" in boxes["g0"] and "4 params" in boxes["g3"]
    assert f"|w| {readable_number(weights[0])} to {readable_number(weights[1])}" in boxes["g0"]
    assert f"grad norm {readable_number(grad_norm)}" in boxes["g0"]
    assert ("g0", "g3") in edges and ("g2", "g3") in edges  # layer 0 feeds layer 1
    assert sum(1 for k in nodes if k.startswith("layer")) == 2  # a header per layer


def test_grouped_view_summarises_a_big_batch_and_groups_by_layer() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    batch = [[0.1 * i, -0.2 * i] for i in range(8)]
    loss = Value.sum([(model(x) - 1.0) ** 2 for x in batch])  # type: ignore[operator]
    with pytest.raises(ValueError, match="model=model"):
        draw_dot(loss)
    nodes, _ = parse(draw_dot(loss, model=model).source)
    assert sum(1 for k in nodes if re.fullmatch(r"g\d+", k)) == 33
    assert "leaves" in nodes and "others" in nodes  # inputs and the loss, summarised
    assert "8 x -" in nodes["others"] and "8 x **2" in nodes["others"]
    assert "(8 calls)" in nodes["g0"]
    by_layer, _ = parse(draw_dot(loss, model=model, group_by="layer").source)
    assert sum(1 for k in by_layer if re.fullmatch(r"g\d+", k)) == 3
    assert "16 neurons" in by_layer["g0"] and "272 params" in by_layer["g1"]


def test_grouped_view_accepts_a_stand_in_module_and_a_dict_of_parameters() -> None:
    class Unit:
        def __init__(self) -> None:
            self.w = [Value(0.5), Value(-0.25)]
            self.b = Value(0.1)

        def parameters(self) -> list[Value]:
            return [*self.w, self.b]

        def __call__(self, x: list[float]) -> Value:
            return Value.sum([self.b, *(w * xi for w, xi in zip(self.w, x))]).relu()

    unit = Unit()
    out = unit([1.0, 2.0])
    nodes, _ = parse(draw_dot(out * 3, model=unit).source)
    assert "<B>neuron</B>" in nodes["g0"] and "3 params" in nodes["g0"]
    nodes, _ = parse(draw_dot(out * 3, model={"my <unit>": unit.parameters()}).source)
    assert "<B>my &lt;unit&gt;</B>" in nodes["g0"]


def test_grouped_view_with_something_that_is_not_a_model_raises_type_error() -> None:
    with pytest.raises(TypeError, match="expects an nn model"):
        draw_dot(Value(1.0) * 2, model=42)
    with pytest.raises(TypeError, match="should hold only Values"):
        draw_dot(Value(1.0) * 2, model={"a": [1.0]})
