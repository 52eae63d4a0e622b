"""The compiled path: trace a graph once, then replay its forward and backward pass as plain code.

Building Values is what costs time in the eager engine: every node is an object, and backward
walks them all. A training loop builds the *same* graph at every step, only with new numbers. So
:func:`compile_graph` takes one graph, writes its forward and backward pass as straight-line
Python functions over floats (the graph's "gradient program"), compiles them with Python's own
``compile()``, and from then on runs them on new parameter values and new data::

    loss = build_loss(model, xs)              # once, with Values for the data
    program = compile_graph(loss, model.parameters(), inputs=xs)
    print(program)                            # the generated code, commented
    for step in range(100):
        model.zero_grad()
        program.backward()                    # fills every parameter's .grad, returns the loss
        for p in model.parameters():
            p.data -= 0.1 * p.grad

Design, and why the results are the eager engine's, bit for bit:

- The nodes come from :func:`autograd_engine.graph.topological_order`, the one graph walk. The
  backward code visits them in reverse, like ``Value.backward``, and adds each node's gradient
  terms in the same order, so every float operation is the one eager mode does, in its order.
- The code for each op comes from the op itself: :func:`autograd_engine.symbolic.derive` runs the
  op's ``forward`` and ``backward`` methods on symbols and records the arithmetic they do, with
  every comparison (relu's ``x > 0.0``) kept as a conditional expression, so a branch flips on
  new data exactly as in eager mode. An op whose rule needs real floats (``math.exp``) is called
  on floats instead, as eager mode does.
- Single-use intermediate results feeding plain arithmetic (``+ - *``) are written inline (a
  neuron's weighted sum becomes one line); Python evaluates the expression in the same order.
- Repeated blocks. Python's ``compile()`` costs a few microseconds per token, which for a batch
  of 100 samples through an MLP (40,000 nodes) would be seconds. A subgraph that occurs many
  times with the same shape (one sample's way through the network) is therefore written once,
  as a function, and called once per copy. The copies are found by structure: nodes are numbered
  by (op, numbers of their inputs), with parameters told apart and data leaves not; a block is a
  repeated node together with the nodes only it uses, and blocks with equal structure share
  their code. A copy may read leaves from outside, not computed values: copies that all read
  one computed node (a shared ``w.tanh()``) are written out in full. Parameter gradients are
  then added into one list as each term arrives, which is what eager ``backward()`` does too.
- The numeric policy holds: ``_undefined()`` marks a path outside an op's domain, and every
  function checks that no value or gradient it computed is infinite or NaN. On any failure the
  program replays the graph in the eager engine, which raises the exact ``DomainError`` that
  eager mode raises (or, if eager mode has no complaint, returns its results).

What is not compiled: gradients of leaves other than the parameters (inputs and constants get
none, and subgraphs that no parameter feeds are not differentiated at all), and
``create_graph`` (higher-order gradients): use the eager engine for those. Every leaf that is
neither a parameter nor an input is a constant, frozen at compile time. So a derivative that
only such a gradient would need cannot fail here: for ``w * x.sqrt()`` with the input ``x`` at
0, eager ``backward()`` raises (it fills ``x.grad``, and d sqrt/dx is infinite at 0), while the
program returns ``w``'s gradient, ``sqrt(0) = 0.0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import as_float, describe
from ..grad_mode import enable_grad
from ..graph import topological_order
from ..value import ClosureOp, Value
from .codegen import (
    CONSTANT,
    INPUT,
    OP,
    PARAM,
    Call,
    Helpers,
    Tape,
    Writer,
    check_lines,
    tuple_text,
)

__all__ = ["CompiledGraph", "compile_function", "compile_graph"]

#: A repeated subgraph becomes a function of its own if it has at least this many nodes.
MIN_BLOCK_NODES = 8


class _ReplayEagerlyError(Exception):
    """Raised inside a program when a value is outside an op's domain or not finite."""


def _undefined() -> float:
    raise _ReplayEagerlyError("outside the domain of an op")


# ------------------------------------------------------------------------------------------------
# Finding repeated blocks
# ------------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """A subgraph that occurs several times with the same structure.

    Attributes:
        number: its number in the program (``_block3_forward``).
        members: the positions of one copy's nodes (the representative), in tape order.
        root: the position of that copy's output.
        externals: the leaves that copy reads, in order of first use.
        copies: for each copy, its output and its external leaves (in the same order).
    """

    number: int
    members: list[int]
    root: int
    externals: list[int]
    copies: list[tuple[int, list[int]]]


def _find_blocks(tape: Tape, min_nodes: int) -> tuple[list[int], list[_Block]]:
    """Find the repeated blocks of a tape; return each node's block root (-1: none) and them."""
    n = tape.size
    kinds, parents, slots = tape.kinds, tape.parents, tape.leaf_slot
    # 1. Number each node by its structure: equal numbers compute the same function of their
    #    data leaves. Parameters keep their identity; inputs and constants are interchangeable.
    table: dict[tuple[int, ...], int] = {}
    shape = [0] * n
    code_ids = tape.code_ids
    for i in range(n):
        kind = kinds[i]
        if kind == OP:
            key: tuple[int, ...] = (code_ids[i], *map(shape.__getitem__, parents[i]))
        elif kind == PARAM:
            key = (-2, slots[i])
        else:
            key = (-1,)
        number = table.get(key)
        if number is None:
            number = table[key] = len(table)
        shape[i] = number
    count = [0] * len(table)
    for number in shape:
        count[number] += 1
    # 2. A block's root is a repeated node that no repeated node uses (else it is inside a
    #    bigger repeated structure).
    used_by_repeated = [False] * n
    for i in range(n):
        if count[shape[i]] > 1:
            for p in parents[i]:
                used_by_repeated[p] = True
    # 3. A node belongs to a root's block when all the nodes using it do (consumers first).
    unclaimed, mixed = -1, -2
    claim = [unclaimed] * n
    owner = [-1] * n
    for i in reversed(range(n)):
        if kinds[i] != OP:
            continue
        if count[shape[i]] > 1 and not used_by_repeated[i] and tape.uses[i] > 0:
            owner[i] = i
        elif claim[i] >= 0:
            owner[i] = claim[i]
        o = owner[i]
        for p in parents[i]:
            if o < 0:
                claim[p] = mixed  # used outside any block
            elif claim[p] == unclaimed:
                claim[p] = o
            elif claim[p] != o:
                claim[p] = mixed  # used by two blocks
    members: dict[int, list[int]] = {}
    for i in range(n):
        if owner[i] >= 0:
            members.setdefault(owner[i], []).append(i)
    # 4. Copies with the same structure (ops, wiring, parameters) share one function.
    groups: dict[Any, list[tuple[int, list[int]]]] = {}
    scratch = [0] * n
    for root, nodes in members.items():
        found = _structure(tape, nodes, owner, scratch) if len(nodes) >= min_nodes else None
        if found is not None:
            key, externals = found
            groups.setdefault(key, []).append((root, externals))
    blocks: list[_Block] = []
    kept: set[int] = set()
    for copies in groups.values():
        if len(copies) < 2:
            continue
        root, externals = copies[0]
        blocks.append(_Block(len(blocks) + 1, members[root], root, externals, copies))
        kept.update(r for r, _ in copies)
    for i in range(n):
        if owner[i] >= 0 and owner[i] not in kept:
            owner[i] = -1
    return owner, blocks


def _structure(
    tape: Tape, nodes: list[int], owner: list[int], scratch: list[int]
) -> tuple[Any, list[int]] | None:
    """A key equal for copies with the same structure, and the copy's external leaves in order.

    The key lists, node by node, the op and where each input comes from (a node of the copy,
    by its index in the copy, or the n-th external leaf, which is a parameter or data). None
    if the copy reads a computed value from outside (only leaves may come from outside).
    ``scratch`` is a list as long as the tape, for the indices.
    """
    root = nodes[-1]
    for k, g in enumerate(nodes):
        scratch[g] = k
    kinds, slots, code_ids, parents = tape.kinds, tape.leaf_slot, tape.code_ids, tape.parents
    externals: dict[int, int] = {}
    described: list[int] = []
    body: list[int] = []
    for g in nodes:
        ps = parents[g]
        body.append(code_ids[g])
        body.append(len(ps))
        for p in ps:
            if owner[p] == root:
                body.append(scratch[p])
                continue
            if kinds[p] == OP:
                return None
            e = externals.get(p)
            if e is None:
                e = externals[p] = len(externals)
                described.append(slots[p] if kinds[p] == PARAM else -1)
            body.append(-1 - e)
    return (tuple(body), tuple(described)), list(externals)


# ------------------------------------------------------------------------------------------------
# Assembling the program
# ------------------------------------------------------------------------------------------------


class _Program:
    """The source of one program (with or without backward) and the functions it defines."""

    def __init__(
        self, tape: Tape, blocks: list[_Block], owner: list[int], with_grad: bool, fuse: bool
    ):
        self.tape = tape
        self.helpers = Helpers()
        self.names = tape.leaf_names()
        self.with_grad = with_grad
        self.fuse = fuse
        self.n_params = len(tape.param_positions)
        sections = [self._block_source(block) for block in blocks]
        sections.append(self._main_source(blocks, owner))
        self.source = "\n\n".join(sections)

    def _unpack_params(self, slots: list[int]) -> str:
        """The line that binds a function's parameters to their names."""
        if not slots:
            return ""
        positions = self.tape.param_positions
        names = [self.names[positions[j]] if positions[j] >= 0 else f"p{j}" for j in slots]
        if slots == list(range(self.n_params)):
            return f"    ({tuple_text(names)}) = _params"
        if slots == list(range(slots[0], slots[-1] + 1)):
            return f"    ({tuple_text(names)}) = _params[{slots[0]}:{slots[-1] + 1}]"
        return "\n".join(f"    {name} = _params[{j}]" for name, j in zip(names, slots))

    def _block_source(self, block: _Block) -> str:
        tape = self.tape
        param_slots = sorted({tape.leaf_slot[e] for e in block.externals if tape.kinds[e] == PARAM})
        bound: dict[int, str] = {}
        args: list[str] = []
        for e in block.externals:
            if tape.kinds[e] == PARAM:
                bound[e] = self.names[e]
            else:
                bound[e] = f"a{len(args)}"
                args.append(bound[e])
        writer = Writer(
            tape,
            self.helpers,
            members=block.members,
            root=block.root,
            with_grad=self.with_grad,
            fuse=self.fuse,
            accumulate=True,
            names=self.names,
            seed="g_out",
            bound=bound,
            use_labels=False,
        )
        writer.write_forward()
        unpack = self._unpack_params(param_slots)
        signature = ", ".join(["_params", *args])
        about = (
            f'    """Block {block.number}: one copy of a subgraph of {len(block.members)} nodes '
            f'that the graph holds {len(block.copies)} times."""'
        )
        result = writer.exprs[block.root][0]
        if not self.with_grad:
            value = [
                f"def _block{block.number}_value({signature}):",
                about,
                unpack,
                *writer.forward_lines,
                *check_lines(writer.forward_checked),
                f"    return {result}",
            ]
            return "\n".join(line for line in value if line)
        writer.write_backward()
        stash = tuple_text(args + writer.stored_names)
        lines = [
            f"def _block{block.number}_forward({signature}):",
            about,
            unpack,
            *writer.forward_lines,
            *check_lines(writer.forward_checked),
            f"    return {result}, ({stash})",
            "\n",
            f"def _block{block.number}_backward(_params, _stash, g_out, grads):",
            f'    """Block {block.number} backward: adds its terms to the parameter gradients."""',
            unpack,
            f"    ({stash}) = _stash",
            *writer.backward_lines,
            *check_lines(writer.backward_checked),
        ]
        return "\n".join(line for line in lines if line)

    def _main_source(self, blocks: list[_Block], owner: list[int]) -> str:
        tape = self.tape
        calls: dict[int, Call] = {}
        for block in blocks:
            for root, externals in block.copies:
                args = [e for e in externals if tape.kinds[e] != PARAM]
                calls[root] = Call(block.number, args, len(block.members))
        members = [i for i in range(tape.size) if owner[i] < 0 or i in calls]
        accumulate = bool(blocks)
        writer = Writer(
            tape,
            self.helpers,
            members=members,
            root=tape.size - 1,
            with_grad=self.with_grad,
            fuse=self.fuse,
            accumulate=accumulate,
            names=self.names,
            calls=calls,
        )
        writer.write_forward()
        n_inputs = len(tape.input_positions)
        what = "forward and backward pass" if self.with_grad else "forward pass"
        name = "gradient_program" if self.with_grad else "forward_program"
        lines = [
            f"def {name}(_params, _inputs):",
            f'    """The {what} of a graph of {_count(tape.size, "node")} '
            f'({_count(self.n_params, "parameter")}, {_count(n_inputs, "input")})."""',
            self._unpack_params(list(range(self.n_params))),
        ]
        if n_inputs:
            inputs = [
                self.names[i] if i >= 0 else f"x{j}" for j, i in enumerate(tape.input_positions)
            ]
            lines.append(f"    ({tuple_text(inputs)}) = _inputs")
        lines.append("    # forward: each line computes a node (or a few, written inline)")
        lines += writer.forward_lines
        result = writer.exprs[tape.size - 1][0]
        if not self.with_grad:
            lines += check_lines(writer.forward_checked)
            lines.append(f"    return {result}")
            return "\n".join(line for line in lines if line)
        lines.append(
            "    # backward: g_name = d(output)/d(name), a sum of one term per use of name (the\n"
            "    # chain rule); each term comes from the backward rule of the op that used it"
        )
        if accumulate:
            lines.append(f"    grads = [0.0] * {self.n_params}  # the parameters' gradients")
        writer.write_backward()
        lines += writer.backward_lines
        checked = writer.forward_checked + writer.backward_checked
        lines += check_lines(checked, "_sum(grads)" if accumulate and self.n_params else "")
        if accumulate:
            lines.append(f"    return {result}, grads")
        else:
            grads = [writer.param_grads.get(j, "0.0") for j in range(self.n_params)]
            lines.append(f"    return {result}, ({tuple_text(grads)})")
        return "\n".join(line for line in lines if line)

    def compile(self, name: str) -> Callable[..., Any]:
        namespace: dict[str, Any] = {
            "_undefined": _undefined,
            "_isfinite": math.isfinite,
            "_sum": sum,
            "_ReplayEagerlyError": _ReplayEagerlyError,
            **self.helpers.namespace,
        }
        exec(compile(self.source, f"<autograd_engine {name}>", "exec"), namespace)
        function: Callable[..., Any] = namespace[name]
        return function


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _replay_eagerly(
    tape: Tape, params: Sequence[float], inputs: Sequence[float], with_grad: bool
) -> tuple[float, list[float]]:
    """Rebuild the graph from Values with these numbers and run the eager engine on it.

    It raises exactly what eager mode raises for these numbers, and otherwise returns the
    output's value and the parameters' gradients (an empty list without ``with_grad``).
    """
    with enable_grad():
        values: list[Value] = []
        for i in range(tape.size):
            op = tape.ops[i]
            if op is not None:
                node = op(*[values[p] for p in tape.parents[i]])
                node.label = tape.labels[i]
            else:
                node = Value(0.0, label=tape.labels[i])
                kind, slot = tape.kinds[i], tape.leaf_slot[i]
                if kind == PARAM:
                    node.data = params[slot]
                elif kind == INPUT:
                    node.data = inputs[slot]
                else:
                    assert kind == CONSTANT
                    node.data = tape.data[i]
            values.append(node)
        root = values[-1]
        if not with_grad:
            return root.data, []
        root.backward()
    return root.data, [values[i].grad if i >= 0 else 0.0 for i in tape.param_positions]


# ------------------------------------------------------------------------------------------------
# The public API
# ------------------------------------------------------------------------------------------------


class CompiledGraph:
    """A graph's forward and backward pass as compiled Python code, for new numbers.

    Made by :func:`compile_graph` or :func:`compile_function`. It reads the current ``.data`` of
    the parameters (and of the inputs, unless new input numbers are given) at each call.

    Attributes:
        params: the parameters, in the order of the gradients.
        inputs: the input leaves, in the order new input numbers are given.
        source: the generated forward-and-backward code (``print(program)`` shows it).
        blocks: how many repeated subgraphs were written once as a function of their own.
        replays: how many calls fell back to the eager engine (a value outside an op's domain,
            or not finite); 0 in normal use.
    """

    def __init__(
        self,
        root: Value,
        params: Sequence[Value],
        inputs: Sequence[Value],
        fuse: bool,
        outline: bool,
    ) -> None:
        self.params = tuple(params)
        self.inputs = tuple(inputs)
        self.replays = 0
        self._fuse = fuse
        self._tape = Tape(root, self.params, self.inputs)
        size = self._tape.size
        self._owner, self._blocks = (
            _find_blocks(self._tape, MIN_BLOCK_NODES) if outline else ([-1] * size, [])
        )
        self.blocks = len(self._blocks)
        program = _Program(self._tape, self._blocks, self._owner, with_grad=True, fuse=fuse)
        self.source = program.source
        self._gradient_program = program.compile("gradient_program")
        self._forward: tuple[str, Callable[..., Any]] | None = None

    def _forward_program(self) -> tuple[str, Callable[..., Any]]:
        if self._forward is None:
            program = _Program(self._tape, self._blocks, self._owner, False, self._fuse)
            self._forward = (program.source, program.compile("forward_program"))
        return self._forward

    @property
    def forward_source(self) -> str:
        """The generated code of the forward pass alone (what calling the program runs)."""
        return self._forward_program()[0]

    # -- running it ------------------------------------------------------------------------------

    def _numbers(
        self, params: Sequence[float] | None, inputs: Sequence[float] | None
    ) -> tuple[list[float], list[float]]:
        if params is None:
            param_data = [p.data for p in self.params]
        else:
            param_data = _floats(params, len(self.params), "params")
        if inputs is None:
            input_data = [x.data for x in self.inputs]
        else:
            input_data = _floats(inputs, len(self.inputs), "inputs")
        return param_data, input_data

    def __call__(
        self, inputs: Sequence[float] | None = None, *, params: Sequence[float] | None = None
    ) -> float:
        """The output's value (forward pass only).

        Args:
            inputs: new numbers for the inputs, in order; default: the inputs' current ``.data``.
            params: numbers to use instead of the parameters' current ``.data``.

        Raises:
            DomainError: as the eager engine would for these numbers.
        """
        p, x = self._numbers(params, inputs)
        program = self._forward_program()[1]
        try:
            value: float = program(p, x)
        except Exception:
            self.replays += 1
            return _replay_eagerly(self._tape, p, x, with_grad=False)[0]
        return value

    def value_and_grad(
        self, inputs: Sequence[float] | None = None, *, params: Sequence[float] | None = None
    ) -> tuple[float, list[float]]:
        """The output's value and its gradient with respect to each parameter.

        No ``.grad`` is touched.

        Args:
            inputs: new numbers for the inputs, in order; default: the inputs' current ``.data``.
            params: numbers to use instead of the parameters' current ``.data``.

        Returns:
            ``(value, grads)``, with one gradient per parameter, in order.

        Raises:
            DomainError: as the eager engine would for these numbers (forward or backward),
                except for derivatives only the gradient of an input or constant would need,
                which the program does not compute (see the module docstring).
        """
        p, x = self._numbers(params, inputs)
        try:
            value, grads = self._gradient_program(p, x)
        except Exception:
            self.replays += 1
            return _replay_eagerly(self._tape, p, x, with_grad=True)
        return value, list(grads)

    def backward(self, inputs: Sequence[float] | None = None) -> float:
        """Like ``loss.backward()``: add each parameter's gradient to its ``.grad``.

        Gradients accumulate, as in eager mode: zero them between steps (``model.zero_grad()``).

        Args:
            inputs: new numbers for the inputs, in order; default: the inputs' current ``.data``.

        Returns:
            The output's value (the loss), as a float.

        Raises:
            DomainError: as the eager engine would; then no ``.grad`` is changed.
        """
        value, grads = self.value_and_grad(inputs)
        for p, g in zip(self.params, grads):
            p.grad += g
        return value

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return (
            f"<CompiledGraph: {_count(self._tape.size, 'node')}, "
            f"{_count(len(self.params), 'parameter')}, {_count(len(self.inputs), 'input')}, "
            f"{_count(self.blocks, 'repeated block')}, "
            f"{_count(self.source.count(chr(10)) + 1, 'line')} of code>"
        )


def _floats(numbers: Sequence[float], count: int, what: str) -> list[float]:
    values = list(numbers)
    if len(values) != count:
        raise ValueError(
            f"expected {count} numbers for the {what}, got {len(values)}; give one per "
            f"{what[:-1]}, in the order they were given to compile_graph"
        )
    return [as_float(v, f"CompiledGraph {what}[{i}]") for i, v in enumerate(values)]


def _check_leaves(values: Sequence[Value], what: str) -> list[Value]:
    leaves = list(values)
    first_at: dict[Value, int] = {}
    for i, v in enumerate(leaves):
        if not isinstance(v, Value):
            raise TypeError(
                f"compile_graph expects Values as {what}, got {describe(v)} at position {i}"
            )
        if v._operation is not None:
            raise ValueError(
                f"compile_graph expects leaf Values as {what} (made with Value(...), not "
                f"computed), got the result of {v._operation.name} at position {i}"
            )
        if v in first_at:
            raise ValueError(
                f"compile_graph: the {what} hold the same Value twice (positions {first_at[v]} "
                f"and {i}: {v!r}); give each one once"
            )
        first_at[v] = i
    return leaves


def compile_graph(
    output: Value,
    params: Sequence[Value],
    inputs: Sequence[Value] = (),
    *,
    fuse: bool = True,
    outline: bool = True,
) -> CompiledGraph:
    """Compile the graph below ``output`` into a program that replays it on new numbers.

    Args:
        output: the Value to compute and differentiate (a loss).
        params: the leaves to differentiate with respect to (``model.parameters()``). The
            program reads their current ``.data`` at every call.
        inputs: the leaves that hold data, to be given new numbers at each call (or read from
            their ``.data``). Every other leaf is a constant.
        fuse: write single-use intermediate results inline (fewer, longer lines). False gives
            one line per node: slower, but the clearest program to read.
        outline: write a subgraph that repeats (one sample's path through a network) once, as a
            function called for each copy. False writes every node out, which is slow to
            compile for big graphs.

    Returns:
        A :class:`CompiledGraph`.

    Example:
        >>> from autograd_engine import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> x = Value(10.0, label="x")
        >>> program = compile_graph((a * b + x).relu(), [a, b], inputs=[x])
        >>> program.value_and_grad()
        (4.0, [-3.0, 2.0])
        >>> program.value_and_grad(inputs=[1.0])       # relu is now 0: so is every gradient
        (0.0, [0.0, 0.0])
    """
    if not isinstance(output, Value):
        raise TypeError(f"compile_graph expects a Value as output, got {describe(output)}")
    param_list = _check_leaves(params, "params")
    input_list = _check_leaves(inputs, "inputs")
    param_set = set(param_list)
    for i, x in enumerate(input_list):
        if x in param_set:
            raise ValueError(
                f"compile_graph: {x!r} is both a parameter and an input (params"
                f"[{param_list.index(x)}] and inputs[{i}]); give it in one list only: params to "
                "get its gradient, inputs to give it new numbers at each call"
            )
    for node in topological_order(output):  # a closure has no rules to write code from
        if isinstance(node._operation, ClosureOp):
            raise node._operation.not_followable("the compiled path (compile_graph)")
    return CompiledGraph(output, param_list, input_list, fuse, outline)


def compile_function(
    fn: Callable[[list[Value]], Value],
    params: Sequence[Value],
    example_inputs: Sequence[float],
    *,
    fuse: bool = True,
    outline: bool = True,
) -> CompiledGraph:
    """Trace ``fn`` once on example inputs and compile the graph it builds.

    Args:
        fn: builds the output from a list of input Values (and the parameters it knows of).
        params: the parameters to differentiate with respect to.
        example_inputs: numbers for the inputs while tracing; later calls take new ones.
        fuse, outline: see :func:`compile_graph`.

    Example:
        >>> from autograd_engine import Value
        >>> w = Value(3.0)
        >>> error = compile_function(lambda xs: (w * xs[0] - xs[1]) ** 2, [w], [1.0, 2.0])
        >>> error.value_and_grad([2.0, 1.0])   # (3*2 - 1)^2 = 25, d/dw = 2*5*2 = 20
        (25.0, [20.0])
    """
    xs = [
        Value(as_float(x, f"compile_function example_inputs[{i}]"))
        for i, x in enumerate(example_inputs)
    ]
    with enable_grad():
        output = fn(xs)
    if not isinstance(output, Value):
        raise TypeError(f"compile_function: fn must return a Value, got {describe(output)}")
    return compile_graph(output, params, xs, fuse=fuse, outline=outline)
