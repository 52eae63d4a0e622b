"""Tracing a graph onto a tape, and finding the structure that repeats on it.

A :class:`Tape` holds a graph as flat per-node arrays in topological order, with no ``Value``
left in it. Two kinds of repetition are found on it: *blocks*, copies of one subgraph that read
only leaves from outside (one sample's path through a network), and *runs*, stretches of the
tape that repeat with a short period, each step reading the one before (a chain ``y = y * w + b``).
The code writer writes a block once as a function and a run as a loop.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..graph import topological_order
from ..symbolic import OpCode, derive
from ..value import ClosureOp

if TYPE_CHECKING:
    from ..ops import Op
    from ..value import Value

__all__ = [
    "CONSTANT",
    "INPUT",
    "OP",
    "PARAM",
    "WIDE",
    "Block",
    "Run",
    "Tape",
    "find_blocks",
    "find_runs",
]

#: What a node of the tape is.
PARAM, INPUT, CONSTANT, OP = 0, 1, 2, 3

#: An op with more inputs than this (a sum of many terms) is not run on symbols: the program
#: calls it on floats, its inputs gathered by index, instead of writing out every term.
WIDE = 64
#: A repeated subgraph becomes a function of its own if it has at least this many nodes.
MIN_BLOCK_NODES = 8
#: A periodic stretch becomes a loop if it has at least this many nodes and steps ...
MIN_RUN_NODES = 64
MIN_RUN_STEPS = 4
#: ... and if one step has at most this many nodes.
MAX_PERIOD = 16


class Tape:
    """A traced graph as flat arrays, indexed by position in the topological order (root last).

    It keeps the ops, the shape of the graph, the labels and the constants, but no Value, so
    the traced graph itself can be freed.

    Attributes:
        size: the number of nodes.
        kinds: PARAM, INPUT, CONSTANT or OP for each node.
        ops: the op of each node (None for a leaf).
        parents: the positions of each node's inputs, in operand order.
        labels: each node's label.
        data: the value of each constant leaf (0.0 for the others).
        constants: the constants' values; ``constant_slot`` gives each one's index (-1: none).
        leaf_slot: a parameter's or an input's position in its list (-1 for the others).
        param_positions, input_positions: where each parameter and input sits (-1: unused).
        codes: the derived code of each op node's op; ``code_ids`` numbers the distinct ones.
        needs: 1 for the nodes a parameter's gradient flows through.
        uses: how many times each node is an input of another (a node used twice counts 2).
        consumer: the last node that uses each node (-1: none); ``slot_in_consumer``: where.
    """

    def __init__(self, root: Value, params: Sequence[Value], inputs: Sequence[Value]) -> None:
        order = topological_order(root)
        n = len(order)
        position = {node: i for i, node in enumerate(order)}
        self.size = n
        self.ops: list[Op | None] = [node._operation for node in order]
        for op in self.ops:
            if isinstance(op, ClosureOp):  # a micrograd-style closure: no rules to write code from
                raise op.not_followable("the compiled path (compile_graph)")
        at = position.__getitem__
        self.parents: list[tuple[int, ...]] = [
            tuple(map(at, node._prev)) if node._prev else () for node in order
        ]
        self.labels: list[str] = [node.label for node in order]
        self.param_positions = [position.get(p, -1) for p in params]
        self.input_positions = [position.get(x, -1) for x in inputs]
        del position
        self.kinds = bytearray([OP]) * n
        self.data: list[float] = [0.0] * n
        self.leaf_slot = array("q", [-1]) * n
        for i, node in enumerate(order):
            if node._operation is None:
                self.kinds[i], self.data[i] = CONSTANT, node.data
        del order
        for kind, positions in ((INPUT, self.input_positions), (PARAM, self.param_positions)):
            for slot, i in enumerate(positions):
                if i >= 0:
                    self.kinds[i], self.data[i], self.leaf_slot[i] = kind, 0.0, slot
        self.constants: list[float] = []
        self.constant_slot = array("q", [-1]) * n
        for i in range(n):
            if self.kinds[i] == CONSTANT:
                self.constant_slot[i] = len(self.constants)
                self.constants.append(self.data[i])
        self._derive_codes()
        self._analyse()

    def _derive_codes(self) -> None:
        cache: dict[Any, tuple[int, OpCode]] = {}
        by_instance: dict[tuple[int, int], tuple[int, OpCode]] = {}  # ops are shared objects
        self.codes: list[OpCode | None] = [None] * self.size
        self.code_ids = array("q", [-1]) * self.size
        for i, op in enumerate(self.ops):
            if op is None:
                continue
            arity = len(self.parents[i])
            entry = by_instance.get((id(op), arity))
            if entry is None:
                key = _op_key(op, arity)
                entry = cache.get(key)
                if entry is None:
                    code = derive(op, arity) if arity <= WIDE else OpCode(op, arity, None, None)
                    entry = cache[key] = (len(cache), code)
                by_instance[(id(op), arity)] = entry
            self.code_ids[i], self.codes[i] = entry

    def _analyse(self) -> None:
        n = self.size
        kinds, parents = self.kinds, self.parents
        self.needs = needs = bytearray(n)
        self.uses = uses = array("q", [0]) * n
        self.consumer = consumer = array("q", [-1]) * n
        self.slot_in_consumer = slot = array("q", [-1]) * n
        for i in range(n):
            need = kinds[i] == PARAM
            for k, p in enumerate(parents[i]):
                uses[p] += 1
                consumer[p] = i
                slot[p] = k
                need = need or needs[p] == 1
            needs[i] = need


def _op_key(op: Op, arity: int) -> Any:
    """Ops of one class with equal attributes share their derived code (``x ** 2`` everywhere).

    A float attribute counts with its repr too: 0.0 == -0.0, yet ``0.0 * x`` and ``-0.0 * x``
    differ in sign, so ``leaky_relu(0.0)`` and ``leaky_relu(-0.0)`` need code of their own.
    """
    try:
        attributes = ((k, (v, repr(v)) if isinstance(v, float) else v) for k, v in vars(op).items())
        key = (type(op), arity, tuple(sorted(attributes)))
        hash(key)
    except TypeError:  # unhashable attributes, or no __dict__
        return (id(op), arity)
    return key


# ------------------------------------------------------------------------------------------------
# Runs: stretches of the tape that repeat with a short period
# ------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """A stretch of the tape made of ``steps`` copies of one step of ``period`` nodes.

    Step ``t`` occupies positions ``start + t * period`` onwards. A node of a step reads nodes of
    its own step, nodes of the step before (*carried* values), parameters (the same ones in every
    step) and data leaves (different in each step: read from a table). The first step reads, in
    place of the step before, the nodes ``carry_in``.

    Attributes:
        number: its number in the program (``_loop2_forward``).
        start, period, steps: where it is and its shape.
        members: the op nodes of the first step, in tape order.
        carried: the offsets (in a step) of the nodes the next step reads.
        carry_in: for each carried offset, the node the first step reads instead.
        data: the data leaves the first step reads that change from step to step, in order of
            first use (a loop reads them from a table).
        rows: for each step, the data leaves it reads in their place.
        literals: the constants the first step reads that are the same number in every step.
    """

    number: int
    start: int
    period: int
    steps: int
    members: list[int]
    carried: list[int]
    carry_in: list[int]
    data: list[int]
    rows: list[tuple[int, ...]]
    literals: list[int]

    @property
    def end(self) -> int:
        """The position after its last node."""
        return self.start + self.period * self.steps

    def last(self, offset: int) -> int:
        """The position of the node at ``offset`` in the last step."""
        return self.end - self.period + offset


def _signatures(tape: Tape) -> list[int]:
    """A number per node, equal for nodes that can take each other's place in a periodic run.

    Equal numbers mean: the same op, reading parents at the same distances (computed ones) or the
    same parameters, with the same number of uses and the same need of a gradient. Data leaves
    (inputs and constants) share one number; parameters have one each.
    """
    kinds, parents, code_ids, needs, uses = (
        tape.kinds,
        tape.parents,
        tape.code_ids,
        tape.needs,
        tape.uses,
    )
    # where a parent comes from: its distance back (a computed node), which parameter, or data
    place = [0] * tape.size
    for i in range(tape.size):
        kind = kinds[i]
        if kind == PARAM:
            place[i] = -1 - tape.leaf_slot[i]
    table: dict[Any, int] = {"data": 0}
    signature = [0] * tape.size
    for i in range(tape.size):
        kind = kinds[i]
        if kind != OP:
            if kind == PARAM:
                signature[i] = table.setdefault(("param", i), len(table))
            continue  # data: 0
        ps = parents[i]
        if len(ps) == 2:
            a, b = ps
            key: Any = (
                code_ids[i],
                needs[i],
                uses[i],
                i - a if kinds[a] == OP else place[a],
                i - b if kinds[b] == OP else place[b],
            )
        elif len(ps) <= MAX_PERIOD:
            where = [i - p if kinds[p] == OP else place[p] for p in ps]
            key = (code_ids[i], needs[i], uses[i], *where)
        else:
            key = ("wide", i)  # a node with many inputs is no step of a loop
        signature[i] = table.setdefault(key, len(table))
    return signature


def _periodic_stretches(signature: list[int]) -> list[tuple[int, int, int]]:
    """Maximal stretches ``(start, end, period)`` of the signatures that repeat with a period.

    A stretch of period P has ``signature[i] == signature[i - P]`` from ``start + P`` to ``end``.
    The period is guessed from the last few positions of the same signature (at most
    ``MAX_PERIOD`` back), and confirmed by checking one period further ahead.
    """
    n = len(signature)
    last: dict[int, int] = {}  # signature -> its latest position
    before = [-1] * n  # position -> the one before it with the same signature
    found: list[tuple[int, int, int]] = []
    period, start = 0, 0
    for i in range(n):
        s = signature[i]
        if period and signature[i - period] == s:
            continue
        if period and i - start >= MIN_RUN_NODES:
            found.append((start, i, period))
        period = 0
        prev = before[i] = last.get(s, -1)
        last[s] = i
        while prev >= 0 and i - prev <= MAX_PERIOD:
            p = i - prev
            ahead = min(n, i + p + 1)
            if all(signature[j] == signature[j - p] for j in range(i + 1, ahead)):
                period, start = p, prev
                break
            prev = before[prev]
    if period and n - start >= MIN_RUN_NODES:
        found.append((start, n, period))
    return found


def find_runs(tape: Tape) -> list[Run]:
    """The runs of a tape: periodic stretches that a loop can compute, in tape order."""
    runs: list[Run] = []
    after = 0  # runs may not overlap
    for start, end, period in _periodic_stretches(_signatures(tape)):
        start = max(start, after)
        steps = (end - start) // period
        for _ in range(8):  # a few tries at narrower bounds, then give up on the stretch
            if steps < MIN_RUN_STEPS or steps * period < MIN_RUN_NODES:
                break
            run = _make_run(tape, len(runs) + 1, start, period, steps)
            if isinstance(run, Run):
                runs.append(run)
                after = run.end
                break
            start, steps = run
    return runs


def _make_run(
    tape: Tape, number: int, start: int, period: int, steps: int
) -> Run | tuple[int, int]:
    """The run of these bounds, or narrower bounds ``(start, steps)`` to try instead when the
    stretch breaks a rule the loop relies on."""
    kinds, parents, consumer, needs = tape.kinds, tape.parents, tape.consumer, tape.needs
    later = (start + period, steps - 1)
    window = range(start, start + period)
    if any(kinds[i] == PARAM for i in window):
        return later
    members = [i for i in window if kinds[i] == OP]
    carry: dict[int, int] = {}  # carried offset -> the node the first step reads there
    data: dict[int, int] = {}  # data leaf of the first step -> its number
    reads: list[tuple[int, int, int]] = []  # (member, operand, data number)
    for i in members:
        for k, p in enumerate(parents[i]):
            kind = kinds[p]
            if kind == OP and p < start:
                offset = p - start + period
                if offset < 0:
                    return later  # it reads two steps back
                carry[offset] = p
            elif kind in (INPUT, CONSTANT):
                reads.append((i, k, data.setdefault(p, len(data))))
    if not carry:  # steps that do not read each other (a row of leaves, of independent
        return start, 0  # products): no loop; outlined blocks cover independent copies
    # the nodes carried into the first step: used by no later step (the loop hands back the sum
    # of their terms from the first step, which comes first in their gradient, as in eager mode)
    for offset, p in carry.items():
        if consumer[p] >= start + period or needs[p] != needs[start + offset]:
            return later
    # a node is used in its own step, or (carried) in the next; the last step's carried nodes
    # may be used after the run as well
    for t in range(steps):
        base = start + t * period
        for offset in range(period):
            i = base + offset
            if kinds[i] != OP or (offset in carry and t == steps - 1):
                continue
            if consumer[i] >= base + (2 * period if offset in carry else period):
                return later if t == 0 else (start, t)
    # each step reads its own data leaves; what the first step reads as one leaf stays one
    rows: list[tuple[int, ...]] = []
    for t in range(steps):
        shift = t * period
        row = [-1] * len(data)
        for i, k, d in reads:
            p = parents[i + shift][k]
            if row[d] not in (-1, p):
                return later if t == 0 else (start, t)
            row[d] = p
        rows.append(tuple(row))
    first = rows[0]
    literal = [
        kinds[p] == CONSTANT
        and all(
            kinds[row[d]] == CONSTANT and repr(tape.data[row[d]]) == repr(tape.data[p])
            for row in rows
        )
        for d, p in enumerate(first)
    ]
    carried = sorted(carry)
    return Run(
        number=number,
        start=start,
        period=period,
        steps=steps,
        members=members,
        carried=carried,
        carry_in=[carry[o] for o in carried],
        data=[p for d, p in enumerate(first) if not literal[d]],
        rows=[tuple(p for d, p in enumerate(row) if not literal[d]) for row in rows],
        literals=[p for d, p in enumerate(first) if literal[d]],
    )


# ------------------------------------------------------------------------------------------------
# Blocks: copies of one subgraph that read only leaves from outside
# ------------------------------------------------------------------------------------------------


@dataclass
class Block:
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


def find_blocks(tape: Tape, runs: Sequence[Run] = ()) -> tuple[list[int], list[Block]]:
    """Find the repeated blocks of a tape outside its runs.

    Returns each node's block root (-1: none) and the blocks, numbered after the runs.
    """
    n = tape.size
    kinds, parents, slots, code_ids = tape.kinds, tape.parents, tape.leaf_slot, tape.code_ids
    in_run = bytearray(n)
    for run in runs:
        in_run[run.start : run.end] = b"\x01" * (run.end - run.start)
    # 1. Number each node by its structure: equal numbers compute the same function of their
    #    data leaves. Parameters keep their identity; inputs and constants are interchangeable.
    #    Number 0 stands for the nodes of runs, which are never part of a block.
    table: dict[tuple[int, ...], int] = {(): 0}
    shape = [0] * n
    for i in range(n):
        kind = kinds[i]
        if in_run[i]:
            continue
        if kind == OP:
            key: tuple[int, ...] = (code_ids[i], *[shape[p] for p in parents[i]])
        elif kind == PARAM:
            key = (-2, slots[i])
        else:
            key = (-1,)
        shape[i] = table.setdefault(key, len(table))
    count = [0] * len(table)
    for number in shape:
        count[number] += 1
    count[0] = 1  # a run's nodes: not repeated
    del table
    # 2. A block's root is a repeated node that no repeated node uses (else it is inside a
    #    bigger repeated structure).
    used_by_repeated = bytearray(n)
    for i in range(n):
        if count[shape[i]] > 1:
            for p in parents[i]:
                used_by_repeated[p] = 1
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
    del claim, used_by_repeated, count
    members: dict[int, list[int]] = {}
    for i in range(n):
        if owner[i] >= 0:
            members.setdefault(owner[i], []).append(i)
    # 4. Copies with the same structure (ops, wiring, parameters) share one function.
    groups: dict[Any, list[tuple[int, list[int]]]] = {}
    scratch = shape  # no longer needed: reused for the indices inside a copy
    for root, nodes in members.items():
        found = _structure(tape, nodes, owner, scratch) if len(nodes) >= MIN_BLOCK_NODES else None
        if found is not None:
            key, externals = found
            groups.setdefault(key, []).append((root, externals))
    blocks: list[Block] = []
    kept: set[int] = set()
    for copies in groups.values():
        if len(copies) < 2:
            continue
        root, externals = copies[0]
        number = len(runs) + len(blocks) + 1
        blocks.append(Block(number, members[root], root, externals, copies))
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
    ``scratch`` is a list as long as the tape, overwritten with the indices.
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
