"""The compiled path's public API: :func:`compile_graph` and :func:`compile_function` trace a
graph once (:mod:`.tape`) and write its forward and backward pass as Python over floats
(:mod:`.codegen`); a :class:`CompiledGraph` then replays it on new numbers, with the eager
engine's results bit for bit. ``docs/compiled.md`` explains the design.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import DomainError, as_float, count_text, describe
from ..grad_mode import enable_grad
from ..graph import gc_paused
from ..value import Value
from .codegen import Program, write_program
from .tape import CONSTANT, INPUT, PARAM, Block, Run, Tape, find_blocks, find_runs

__all__ = ["CompiledGraph", "compile_function", "compile_graph"]


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


class CompiledGraph:
    """A graph's forward and backward pass as compiled Python code, for new numbers.

    Made by :func:`compile_graph` or :func:`compile_function`. It reads the current ``.data`` of
    the parameters (and of the inputs, unless new input numbers are given) at each call.

    Attributes:
        params: the parameters, in the order of the gradients.
        inputs: the input leaves, in the order new input numbers are given.
        source: the generated forward-and-backward code (``print(program)`` shows it).
        blocks: how many repeated subgraphs were written once as a function of their own.
        loops: how many periodic stretches (a long chain) were written as a loop.
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
        with gc_paused():
            self._tape = Tape(root, self.params, self.inputs)
            self._runs: list[Run] = find_runs(self._tape) if outline else []
            self._owner: Sequence[int]
            self._blocks: list[Block]
            if outline:
                self._owner, self._blocks = find_blocks(self._tape, self._runs)
            else:
                self._owner, self._blocks = [-1] * self._tape.size, []
            program = self._write(with_grad=True)
            self._gradient_program = program.compile()
        self.source = program.source
        self.blocks = len(self._blocks)
        self.loops = len(self._runs)
        self._forward: tuple[str, Callable[..., Any]] | None = None

    def _write(self, with_grad: bool) -> Program:
        return write_program(
            self._tape, self._runs, self._blocks, self._owner, with_grad=with_grad, fuse=self._fuse
        )

    def _forward_program(self) -> tuple[str, Callable[..., Any]]:
        if self._forward is None:
            with gc_paused():
                program = self._write(with_grad=False)
                self._forward = (program.source, program.compile())
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
        All or nothing: every sum is computed before any ``.grad`` changes.

        Args:
            inputs: new numbers for the inputs, in order; default: the inputs' current ``.data``.

        Returns:
            The output's value (the loss), as a float.

        Raises:
            DomainError: as the eager engine would, or when adding a gradient to the earlier
                ``.grad`` overflows; then no ``.grad`` is changed.
        """
        value, grads = self.value_and_grad(inputs)
        earlier = [p.grad for p in self.params]
        totals = []
        for i, (old, g) in enumerate(zip(earlier, grads)):
            total = g if type(old) is float and old == 0.0 else old + g
            if type(total) is float and total - total != 0.0:  # inf or NaN
                raise DomainError(
                    f"CompiledGraph.backward: adding this call's gradient {g!r} to the earlier "
                    f"grad {old!r} of params[{i}] ({self.params[i]!r}) overflows. Call "
                    "zero_grad() between calls. No grad was changed by this call"
                )
            totals.append(total)
        try:
            for p, total in zip(self.params, totals):
                p.grad = total
        except BaseException:  # even Ctrl-C: put every grad back as it was
            for p, old in zip(self.params, earlier):
                p.grad = old
            raise
        return value

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        parts = [
            count_text(self._tape.size, "node"),
            count_text(len(self.params), "parameter"),
            count_text(len(self.inputs), "input"),
            count_text(self.blocks, "repeated block"),
            count_text(self.loops, "loop"),
            count_text(self.source.count("\n") + 1, "line") + " of code",
        ]
        return f"<CompiledGraph: {', '.join(parts)}>"


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
            function called for each copy, and a stretch that repeats step after step (a long
            chain) as a loop. False writes every node out, which is slow to compile for big
            graphs.

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
