"""A catalog of students' submissions for the four checks: every verdict right, hints that name
the mistake.

Each submission is the code a student could hand in for one task of ``07_exercises.ipynb``
(right ones in many styles, the usual mistakes, cheats, endless loops, exits, prints), with the
verdict it deserves and a phrase its report must contain: the hint's words for a mistake, the
exercise's request for a cheat. At most three failing reports may fall back to a generic hint.
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autograd_engine.testing import CheckReport

LIMIT = 10.0  # seconds per check: right code takes milliseconds, even on a busy machine
HANG_LIMIT = 0.5  # for the submissions that loop forever

PRELUDE = """
import math
import random
import sys

from autograd_engine import Op, Value, ops
from autograd_engine.functions import sigmoid
from autograd_engine.nn import MLP, SGD, Layer, Neuron
from autograd_engine.testing import check_backward, check_module, check_op, check_training_step


def tiny_graph(a, b, c, f):
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    g = d * f
    g.label = "g"
    L = g + a
    L.label = "L"
    return L
"""

CHECKS = {
    "op": f"check_op(MySigmoid(), reference=Value.sigmoid, time_limit={LIMIT})",
    "module": f'check_module(MyNeuron(3, activation="tanh"), time_limit={LIMIT})',
    "backward": f"check_backward(my_backward, tiny_graph, time_limit={LIMIT})",
    "training": f"check_training_step(train_step, time_limit={LIMIT})",
}

#: Fallback hints: right, but they do not name the mistake.
GENERIC = (
    "the difference is not a sign or a constant factor",
    "check the formula of forward",
    "compute act(w0*x0",
    "your outputs are right but the gradients are not",
    "go backwards from the root, one node at a time",
    "after loss.backward(), move every parameter",
    "compute the loss of the current model",
)


@dataclass(frozen=True)
class Submission:
    name: str
    kind: str  # op, module, backward, training
    code: str
    verdict: str  # passed, failed, not done
    phrase: str = ""  # must appear in the report ("" for a generic hint, counted)
    check: str = ""  # the check call, if not the kind's usual one


def sigmoid_op(body: str, base: str = "Op", extra: str = "") -> str:
    """A student's sigmoid op: the given forward, and ``body`` as the backward."""
    return (
        f"class MySigmoid({base}):\n"
        '    name, symbol, arity = "my_sigmoid", "my_sigmoid", 1\n'
        f"{textwrap.indent(textwrap.dedent(extra), '    ')}\n"
        "    def forward(self, x):\n"
        "        return 1.0 / (1.0 + math.exp(-x))\n\n"
        "    def backward(self, grad, out, x):\n"
        f"{textwrap.indent(textwrap.dedent(body).strip(), '        ')}\n"
    )


def relu_op(body: str, extra: str = "") -> str:
    return (
        "class MyRelu(Op):\n"
        '    name, symbol, arity = "my_relu", "my_relu", 1\n'
        f"{textwrap.indent(textwrap.dedent(extra), '    ')}\n"
        "    def forward(self, x):\n"
        "        return x if x > 0 else 0.0\n\n"
        "    def backward(self, grad, out, x):\n"
        f"{textwrap.indent(textwrap.dedent(body).strip(), '        ')}\n"
    )


def mul_op(body: str) -> str:
    return (
        "class MyMul(Op):\n"
        '    name, symbol, arity = "my_mul", "*", 2\n\n'
        "    def forward(self, a, b):\n"
        "        return a * b\n\n"
        "    def backward(self, grad, out, a, b):\n"
        f"{textwrap.indent(textwrap.dedent(body).strip(), '        ')}\n"
    )


def neuron(body: str) -> str:
    """A student's neuron: a subclass of Neuron with ``body`` as __call__."""
    return (
        "class MyNeuron(Neuron):\n"
        "    def __call__(self, x):\n"
        f"{textwrap.indent(textwrap.dedent(body).strip(), '        ')}\n"
    )


def backward(body: str) -> str:
    return (
        "def my_backward(L, g, d, e, f, c, a, b):\n"
        f"{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n"
    )


def step(body: str) -> str:
    return (
        "def train_step(model, xs, ys, learning_rate):\n"
        f"{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n"
    )


RELU = f"check_op(MyRelu(), reference=Value.relu, time_limit={LIMIT})"
MUL = f"check_op(MyMul(), reference=lambda a, b: a * b, time_limit={LIMIT})"
RIGHT_BACKWARD = """
    L.grad = 1.0
    g.grad = L.grad * 1.0
    a.grad = L.grad * 1.0
    d.grad = g.grad * f.data
    f.grad = g.grad * d.data
    e.grad = d.grad * 1.0
    c.grad = d.grad * 1.0
    a.grad += e.grad * b.data
    b.grad = e.grad * a.data
"""
RIGHT_STEP = """
    predictions = [model(x) for x in xs]
    loss = sum((p - y) ** 2 for p, y in zip(predictions, ys)) / len(ys)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss
"""

OP = [
    # right, in many styles
    Submission("op_out", "op", sigmoid_op("return (grad * out * (1.0 - out),)"), "passed"),
    Submission("op_int_one", "op", sigmoid_op("return (grad * out * (1 - out),)"), "passed"),
    Submission(
        "op_recompute",
        "op",
        sigmoid_op("s = 1 / (1 + math.exp(-x))\nreturn (grad * s * (1 - s),)"),
        "passed",
    ),
    Submission(
        "op_helper_list",
        "op",
        sigmoid_op("s = sigmoid(x)\nreturn [grad * s * (1 - s)]"),
        "passed",
    ),
    Submission(
        "op_exp_form",
        "op",
        sigmoid_op("return (grad * math.exp(-x) / (1 + math.exp(-x)) ** 2,)"),
        "passed",
    ),
    Submission("op_expanded", "op", sigmoid_op("return (grad * (out - out * out),)"), "passed"),
    Submission(
        "op_local_first", "op", sigmoid_op("d = out * (1.0 - out)\nreturn (d * grad,)"), "passed"
    ),
    Submission("op_bare_tuple", "op", sigmoid_op("return grad * out * (1 - out),"), "passed"),
    Submission(
        "op_forward_same_point",
        "op",
        sigmoid_op("s = self.forward(x)\nreturn (grad * s * (1 - s),)"),
        "passed",
    ),
    Submission(
        "op_numpy",
        "op",
        sigmoid_op("import numpy as np\nreturn (np.float64(grad * out * (1 - out)),)"),
        "passed",
    ),
    Submission(
        "op_prints",
        "op",
        sigmoid_op('print("debug", x)\nreturn (grad * out * (1 - out),)'),
        "passed",
        "debug",
    ),
    Submission(
        "op_prints_a_flood",
        "op",
        sigmoid_op('for i in range(300):\n    print("line", i)\nreturn (grad * out * (1 - out),)'),
        "passed",
        "more line(s)",
    ),
    Submission("relu_right", "op", relu_op("return (grad if x > 0 else 0.0,)"), "passed", "", RELU),
    Submission("relu_branchless", "op", relu_op("return (grad * (x > 0),)"), "passed", "", RELU),
    Submission("mul_right", "op", mul_op("return (grad * b, grad * a)"), "passed", "", MUL),
    Submission(
        "function_right",
        "op",
        "def my_tanh(x):\n    return x.tanh()\n",
        "passed",
        "",
        f"check_op(my_tanh, reference=Value.tanh, time_limit={LIMIT})",
    ),
    # the usual mistakes
    Submission(
        "op_sign", "op", sigmoid_op("return (grad * out * (out - 1.0),)"), "failed", "wrong sign"
    ),
    Submission(
        "op_no_grad",
        "op",
        sigmoid_op("return (out * (1.0 - out),)"),
        "failed",
        "multiply by `grad`",
    ),
    Submission(
        "op_grad_twice",
        "op",
        sigmoid_op("return (grad * grad * out * (1 - out),)"),
        "failed",
        "not twice",
    ),
    Submission(
        "op_factor", "op", sigmoid_op("return (2 * grad * out * (1 - out),)"), "failed", "2 times"
    ),
    Submission(
        "op_x_for_out",
        "op",
        sigmoid_op("return (grad * x * (1 - x),)"),
        "failed",
        "",  # generic: the formula in terms of out, evaluated at x
    ),
    Submission(
        "op_not_a_tuple", "op", sigmoid_op("return grad * out * (1 - out)"), "failed", "tuple"
    ),
    Submission(
        "op_no_return", "op", sigmoid_op("d = grad * out * (1 - out)"), "failed", "forget `return`"
    ),
    Submission("op_bool", "op", sigmoid_op("return (x > 0,)"), "failed", "comparison"),
    Submission(
        "op_two_terms", "op", sigmoid_op("return (grad * out, 1 - out)"), "failed", "one term per"
    ),
    Submission("op_value_not_slope", "op", sigmoid_op("return (grad * out,)"), "failed", "value"),
    Submission("op_zero", "op", sigmoid_op("return (0.0,)"), "failed", "not a placeholder 0"),
    Submission(
        "op_blank",
        "op",
        sigmoid_op('raise NotImplementedError("your code here")'),
        "not done",
        "your code here",
    ),
    Submission(
        "op_divides_by_zero", "op", sigmoid_op("return (grad / 0,)"), "failed", "division by zero"
    ),
    Submission(
        "op_overflow",
        "op",
        sigmoid_op("return (grad * math.exp(1000 * abs(x) + 1000),)"),
        "failed",
        "too large",
    ),
    Submission(
        "op_typo", "op", sigmoid_op("return (grad * outt * (1 - out),)"), "failed", "spelling"
    ),
    Submission(
        "op_float_raises",
        "op",
        "class Odd(float):\n    def __float__(self):\n        raise RuntimeError('no')\n\n\n"
        + sigmoid_op("return (Odd(grad * out * (1 - out)),)"),
        "failed",
        "plain float",
    ),
    Submission(
        "relu_at_zero", "op", relu_op("return (grad if x >= 0 else 0.0,)"), "failed", "x >= 0", RELU
    ),
    Submission(
        "relu_narrowed_domain",
        "op",
        relu_op("return (grad,)", extra="domain = ((0.5, 3.0),)\nkinks = ()\nedge_points = ()"),
        "failed",
        "miss a case",
        RELU,
    ),
    Submission(
        "mul_swapped", "op", mul_op("return (grad * a, grad * b)"), "failed", "swapped", MUL
    ),
    Submission(
        "mul_same_twice",
        "op",
        mul_op("return (grad * b, grad * b)"),
        "failed",
        "wrong variable",
        MUL,
    ),
    Submission("mul_one_term", "op", mul_op("return (grad * b,)"), "failed", "one term per", MUL),
    Submission(
        "function_cut_graph",
        "op",
        "def my_tanh(x):\n    return Value(math.tanh(x.data))\n",
        "failed",
        "graph is cut",
        f"check_op(my_tanh, reference=Value.tanh, time_limit={LIMIT})",
    ),
    Submission(
        "function_bool",
        "op",
        "def my_tanh(x):\n    return x.data > 0\n",
        "failed",
        "comparison",
        f"check_op(my_tanh, reference=Value.tanh, time_limit={LIMIT})",
    ),
    # cheats
    Submission(
        "op_engine_rule",
        "op",
        sigmoid_op("return ops.Sigmoid().backward(grad, out, x)"),
        "failed",
        "engine's own rule",
    ),
    Submission(
        "op_super_rule",
        "op",
        sigmoid_op("return super().backward(grad, out, x)", base="ops.Sigmoid"),
        "failed",
        "engine's own rule",
    ),
    Submission(
        "op_finite_differences",
        "op",
        sigmoid_op(
            "h = 1e-5\nreturn (grad * (self.forward(x + h) - self.forward(x - h)) / (2 * h),)"
        ),
        "failed",
        "finite differences",
    ),
    Submission(
        "op_engine_backward",
        "op",
        sigmoid_op("v = Value(x)\nv.sigmoid().backward()\nreturn (grad * v.grad,)"),
        "failed",
        "lets the engine differentiate",
    ),
    Submission(
        "op_numerical_gradient",
        "op",
        sigmoid_op(
            "from autograd_engine import numerical_gradient\n"
            "return (grad * numerical_gradient(Value.sigmoid, [x])[0],)"
        ),
        "failed",
        "lets the engine differentiate",
    ),
    # code that would stop a grader
    Submission(
        "op_endless_loop", "op", sigmoid_op("while True:\n    pass"), "failed", "endless loop"
    ),
    Submission(
        "op_endless_swallowing_exception",
        "op",
        sigmoid_op("while True:\n    try:\n        pass\n    except Exception:\n        pass"),
        "failed",
        "endless loop",
    ),
    Submission("op_exit", "op", sigmoid_op("sys.exit(0)"), "failed", "sys.exit()"),
    Submission("op_system_exit", "op", sigmoid_op("raise SystemExit(1)"), "failed", "exit()"),
    Submission(
        "op_generator_exit", "op", sigmoid_op("raise GeneratorExit"), "failed", "GeneratorExit"
    ),
    Submission(
        "op_recursion", "op", sigmoid_op("return self.backward(grad, out, x)"), "failed", "itself"
    ),
]

MODULE = [
    # right, in many styles
    Submission(
        "neuron_loop",
        "module",
        neuron(
            "total = self.b\nfor wi, xi in zip(self.w, x):\n    total = total + wi * xi\n"
            "return total.tanh()"
        ),
        "passed",
    ),
    Submission(
        "neuron_sum",
        "module",
        neuron("return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()"),
        "passed",
    ),
    Submission(
        "neuron_value_sum",
        "module",
        neuron("return Value.sum([self.b] + [wi * xi for wi, xi in zip(self.w, x)]).tanh()"),
        "passed",
    ),
    Submission(
        "neuron_indices",
        "module",
        neuron(
            "act = self.b\nfor i in range(len(self.w)):\n    act = act + self.w[i] * x[i]\n"
            "return act.tanh()"
        ),
        "passed",
    ),
    Submission(
        "neuron_bias_last",
        "module",
        neuron("act = sum(wi * xi for wi, xi in zip(self.w, x)) + self.b\nreturn act.tanh()"),
        "passed",
    ),
    Submission(
        "neuron_tanh_from_exp",
        "module",
        neuron(
            "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n"
            "e = (2 * act).exp()\nreturn (e - 1) / (e + 1)"
        ),
        "passed",
    ),
    Submission(
        "neuron_prints",
        "module",
        neuron(
            'print("inputs", x)\nreturn sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()'
        ),
        "passed",
        "inputs",
    ),
    Submission(
        "neuron_own_names",
        "module",
        """
class MyNeuron(Neuron):
    def __init__(self, nin, activation="tanh"):
        self.weights = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.bias = Value(0.0)

    def parameters(self):
        return self.weights + [self.bias]

    def __call__(self, x):
        return sum((w * xi for w, xi in zip(self.weights, x)), self.bias).tanh()
""",
        "passed",
    ),
    Submission(
        "neuron_keeps_a_parameter_list",
        "module",
        """
class MyNeuron(Neuron):
    def __init__(self, nin, **kwargs):
        super().__init__(nin, **kwargs)
        self.params = self.w + [self.b]

    def parameters(self):
        return self.params

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()
""",
        "passed",
    ),
    Submission(
        "standalone_neuron",
        "module",
        """
class MyNeuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    def parameters(self):
        return self.w + [self.b]

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()
""",
        "passed",
        "",
        f'check_module(MyNeuron(3), reference=Neuron(3, activation="tanh"), time_limit={LIMIT})',
    ),
    Submission(
        "standalone_bias_first",
        "module",
        """
class MyNeuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    def parameters(self):
        return [self.b] + self.w

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()
""",
        "passed",
        "",
        f'check_module(MyNeuron(3), reference=Neuron(3, activation="tanh"), time_limit={LIMIT})',
    ),
    Submission(
        "layer_right",
        "module",
        """
class MyLayer(Layer):
    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs
""",
        "passed",
        "",
        f'check_module(MyLayer(3, 2, activation="tanh"), time_limit={LIMIT})',
    ),
    Submission(
        "mlp_right",
        "module",
        """
class MyMLP(MLP):
    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
""",
        "passed",
        "",
        f"check_module(MyMLP(2, [3, 2]), time_limit={LIMIT})",
    ),
    # the usual mistakes
    Submission(
        "neuron_no_activation",
        "module",
        neuron("return sum((wi * xi for wi, xi in zip(self.w, x)), self.b)"),
        "failed",
        "before the activation",
    ),
    Submission(
        "neuron_no_bias",
        "module",
        neuron("return sum(wi * xi for wi, xi in zip(self.w, x)).tanh()"),
        "failed",
        "without its bias",
    ),
    Submission(
        "neuron_cut_graph",
        "module",
        neuron(
            "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n"
            "return Value(math.tanh(act.data))"
        ),
        "failed",
        "graph is cut",
    ),
    Submission(
        "neuron_sign",
        "module",
        neuron("return (-sum((wi * xi for wi, xi in zip(self.w, x)), self.b)).tanh()"),
        "failed",
        "wrong sign",
    ),
    Submission(
        "neuron_relu_not_tanh",
        "module",
        neuron("return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).relu()"),
        "failed",
        "relu of the weighted sum",
    ),
    Submission(
        "neuron_float_out",
        "module",
        neuron("return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh().data"),
        "failed",
        "no graph",
    ),
    Submission(
        "neuron_no_return",
        "module",
        neuron("out = sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()"),
        "failed",
        "forget `return`",
    ),
    Submission(
        "neuron_skips_last_input",
        "module",
        neuron("return sum((wi * xi for wi, xi in zip(self.w[:-1], x)), self.b).tanh()"),
        "failed",
        "without the term w2*x2",
    ),
    Submission(
        "neuron_one_input_for_all",
        "module",
        neuron("return sum((wi * x[0] for wi in self.w), self.b).tanh()"),
        "failed",
        "",  # generic
    ),
    Submission(
        "neuron_blank",
        "module",
        neuron('raise NotImplementedError("your code here")'),
        "not done",
        "your code here",
    ),
    Submission(
        "layer_shared_neuron",
        "module",
        """
class MyLayer(Layer):
    def __init__(self, nin, nout, **kwargs):
        super().__init__(nin, nout, **kwargs)
        self.neurons = [Neuron(nin, activation="tanh")] * nout

    def __call__(self, x):
        return [n(x) for n in self.neurons]
""",
        "failed",
        "[Neuron(nin) for _ in range(nout)]",
        f'check_module(MyLayer(3, 2, activation="tanh"), time_limit={LIMIT})',
    ),
    Submission(
        "layer_first_only",
        "module",
        """
class MyLayer(Layer):
    def __call__(self, x):
        return self.neurons[0](x)
""",
        "failed",
        "not only the first",
        f'check_module(MyLayer(3, 2, activation="tanh"), time_limit={LIMIT})',
    ),
    Submission(
        "mlp_drops_last_layer",
        "module",
        """
class MyMLP(MLP):
    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = layer(x)
        return x
""",
        "failed",
        "every layer, the last one too",
        f"check_module(MyMLP(2, [3, 1]), time_limit={LIMIT})",
    ),
    Submission(
        "mlp_parameters_without_call",
        "module",
        """
class MyMLP(MLP):
    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters]
""",
        "failed",
        "with the brackets",
        f"check_module(MyMLP(2, [3, 1]), time_limit={LIMIT})",
    ),
    Submission(
        "standalone_forgets_bias_in_parameters",
        "module",
        """
class MyNeuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    def parameters(self):
        return self.w

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()
""",
        "failed",
        "leaves out 1",
        f'check_module(MyNeuron(3), reference=Neuron(3, activation="tanh"), time_limit={LIMIT})',
    ),
    Submission(
        "standalone_float_weights",
        "module",
        """
class MyNeuron:
    def __init__(self, nin):
        self.w = [random.uniform(-1, 1) for _ in range(nin)]
        self.b = 0.0

    def parameters(self):
        return self.w + [self.b]

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
""",
        "failed",
        "should be a Value",
        f'check_module(MyNeuron(3), reference=Neuron(3, activation="tanh"), time_limit={LIMIT})',
    ),
    # cheats
    Submission(
        "neuron_super_call",
        "module",
        neuron("return super().__call__(x)"),
        "failed",
        "hands the work",
    ),
    Submission(
        "standalone_wraps_library",
        "module",
        """
class MyNeuron:
    def __init__(self, nin):
        self.inner = Neuron(nin, activation="tanh")

    def parameters(self):
        return self.inner.parameters()

    def __call__(self, x):
        return self.inner(x)
""",
        "failed",
        "hands the work",
        f'check_module(MyNeuron(3), reference=Neuron(3, activation="tanh"), time_limit={LIMIT})',
    ),
    # code that would stop a grader
    Submission(
        "neuron_endless", "module", neuron("while True:\n    x = x"), "failed", "endless loop"
    ),
    Submission("neuron_exit", "module", neuron("exit()"), "failed", "sys.exit()"),
]

BACKWARD = [
    # right, in many styles
    Submission("backward_solution", "backward", backward(RIGHT_BACKWARD), "passed"),
    Submission(
        "backward_all_add",
        "backward",
        backward(
            """
            L.grad += 1.0
            g.grad += L.grad
            a.grad += L.grad
            d.grad += g.grad * f.data
            f.grad += g.grad * d.data
            e.grad += d.grad
            c.grad += d.grad
            a.grad += e.grad * b.data
            b.grad += e.grad * a.data
            """
        ),
        "passed",
    ),
    Submission(
        "backward_other_order",
        "backward",
        backward(
            """
            L.grad = 1.0
            g.grad = L.grad
            f.grad = g.grad * d.data
            d.grad = g.grad * f.data
            c.grad = d.grad
            e.grad = d.grad
            b.grad = e.grad * a.data
            a.grad = e.grad * b.data + L.grad
            """
        ),
        "passed",
    ),
    Submission(
        "backward_locals",
        "backward",
        backward(
            """
            L.grad = 1.0
            dL_dg, dL_da = 1.0, 1.0
            g.grad = L.grad * dL_dg
            d.grad, f.grad = g.grad * f.data, g.grad * d.data
            e.grad = c.grad = d.grad
            a.grad = L.grad * dL_da + e.grad * b.data
            b.grad = e.grad * a.data
            """
        ),
        "passed",
    ),
    Submission(
        "backward_prints",
        "backward",
        backward('print("L is", L.data)\n' + textwrap.dedent(RIGHT_BACKWARD)),
        "passed",
        "L is",
    ),
    Submission(
        "backward_keyword_nodes",
        "backward",
        """
def my_backward(**n):
    n["L"].grad = 1.0
    n["g"].grad = n["L"].grad
    n["d"].grad = n["g"].grad * n["f"].data
    n["f"].grad = n["g"].grad * n["d"].data
    n["e"].grad = n["c"].grad = n["d"].grad
    n["a"].grad = n["L"].grad + n["e"].grad * n["b"].data
    n["b"].grad = n["e"].grad * n["a"].data
""",
        "passed",
    ),
    Submission(
        "backward_products_reordered",
        "backward",
        backward(
            """
            L.grad = 1.0
            g.grad = 1.0 * L.grad
            d.grad = f.data * g.grad
            f.grad = d.data * g.grad
            e.grad = 1.0 * d.grad
            c.grad = 1.0 * d.grad
            a.grad = 1.0 * L.grad
            a.grad = a.grad + b.data * e.grad
            b.grad = a.data * e.grad
            """
        ),
        "passed",
    ),
    # the usual mistakes
    Submission(
        "backward_no_root",
        "backward",
        backward(textwrap.dedent(RIGHT_BACKWARD).replace("L.grad = 1.0", "pass")),
        "failed",
        "start from the end",
    ),
    Submission(
        "backward_wrong_order",
        "backward",
        backward(
            """
            L.grad = 1.0
            a.grad = L.grad
            a.grad += e.grad * b.data
            b.grad = e.grad * a.data
            e.grad = d.grad
            c.grad = d.grad
            g.grad = L.grad
            d.grad = g.grad * f.data
            f.grad = g.grad * d.data
            """
        ),
        "failed",
        "before you set it",
    ),
    Submission(
        "backward_assign_not_add",
        "backward",
        backward(textwrap.dedent(RIGHT_BACKWARD).replace("a.grad +=", "a.grad =")),
        "failed",
        "a is used 2 times",
    ),
    Submission(
        "backward_local_only",
        "backward",
        backward(
            textwrap.dedent(RIGHT_BACKWARD).replace("b.grad = e.grad * a.data", "b.grad = a.data")
        ),
        "failed",
        "the local derivative only",
    ),
    Submission(
        "backward_own_value",
        "backward",
        backward(
            textwrap.dedent(RIGHT_BACKWARD).replace(
                "d.grad = g.grad * f.data", "d.grad = g.grad * d.data"
            )
        ),
        "failed",
        "own value",
    ),
    Submission(
        "backward_negated",
        "backward",
        backward(
            """
            L.grad = 1.0
            g.grad = -L.grad
            a.grad = -L.grad
            d.grad = g.grad * f.data
            f.grad = g.grad * d.data
            e.grad = d.grad
            c.grad = d.grad
            a.grad += e.grad * b.data
            b.grad = e.grad * a.data
            """
        ),
        "failed",
        "signs are not",
    ),
    Submission(
        "backward_unfinished",
        "backward",
        backward("L.grad = 1.0\ng.grad = L.grad\nd.grad = g.grad * f.data"),
        "failed",
        "not set",
    ),
    Submission(
        "backward_returns_dict",
        "backward",
        backward(
            "return {'L': 1.0, 'g': 1.0, 'd': f.data, 'f': d.data, 'e': f.data, 'c': f.data, "
            "'a': 1.0 + f.data * b.data, 'b': f.data * a.data}"
        ),
        "failed",
        "set no grad",
    ),
    Submission(
        "backward_sum_local_wrong",
        "backward",
        backward(
            textwrap.dedent(RIGHT_BACKWARD).replace(
                "e.grad = d.grad * 1.0", "e.grad = d.grad * c.data"
            )
        ),
        "failed",
        "e.grad should be d.grad times dd/de",
    ),
    Submission(
        "backward_swapped_factors",
        "backward",
        backward(
            textwrap.dedent(RIGHT_BACKWARD)
            .replace("a.grad += e.grad * b.data", "a.grad += e.grad * a.data")
            .replace("b.grad = e.grad * a.data", "b.grad = e.grad * b.data")
        ),
        "failed",
        "own value",
    ),
    Submission(
        "backward_blank",
        "backward",
        backward('raise NotImplementedError("your code here")'),
        "not done",
        "your code here",
    ),
    # cheats
    Submission(
        "backward_calls_backward",
        "backward",
        backward("L.backward()"),
        "failed",
        "calls backward()",
    ),
    Submission(
        "backward_calls_grad",
        "backward",
        backward(
            "from autograd_engine import grad\n"
            "nodes = [L, g, d, e, f, c, a, b]\n"
            "for node, value in zip(nodes, grad(L, nodes)):\n"
            "    node.grad = value"
        ),
        "failed",
        "calls grad()",
    ),
    # code that would stop a grader
    Submission(
        "backward_endless",
        "backward",
        backward("while True:\n    L.grad = 1.0"),
        "failed",
        "endless loop",
    ),
    Submission("backward_exit", "backward", backward("quit()"), "failed", "sys.exit()"),
]

TRAINING = [
    # right, in many styles
    Submission("step_solution", "training", step(RIGHT_STEP), "passed"),
    Submission(
        "step_explicit_zero",
        "training",
        step(
            textwrap.dedent(RIGHT_STEP).replace(
                "model.zero_grad()", "for p in model.parameters():\n    p.grad = 0.0"
            )
        ),
        "passed",
    ),
    Submission(
        "step_value_sum",
        "training",
        step(
            textwrap.dedent(RIGHT_STEP).replace(
                "loss = sum((p - y) ** 2 for p, y in zip(predictions, ys)) / len(ys)",
                "loss = Value.sum([(p - y) ** 2 for p, y in zip(predictions, ys)]) * (1 / len(ys))",
            )
        ),
        "passed",
    ),
    Submission(
        "step_loop_loss",
        "training",
        step(
            """
            loss = Value(0.0)
            for x, y in zip(xs, ys):
                loss = loss + (model(x) - y) ** 2
            loss = loss / len(xs)
            for p in model.parameters():
                p.grad = 0.0
            loss.backward()
            for p in model.parameters():
                p.data += -learning_rate * p.grad
            return loss
            """
        ),
        "passed",
    ),
    Submission(
        "step_zero_after_update",
        "training",
        step(
            """
            loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(ys)
            loss.backward()
            for p in model.parameters():
                p.data -= learning_rate * p.grad
            model.zero_grad()
            return loss
            """
        ),
        "passed",
    ),
    Submission(
        "step_sgd",
        "training",
        step(
            """
            optimizer = SGD(model.parameters(), lr=learning_rate)
            loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(ys)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss
            """
        ),
        "passed",
    ),
    Submission(
        "step_shuffles_in_place",
        "training",
        step(
            "pairs = list(zip(xs, ys))\nrandom.shuffle(pairs)\n"
            "xs[:] = [x for x, _ in pairs]\nys[:] = [y for _, y in pairs]\n"
            + textwrap.dedent(RIGHT_STEP)
        ),
        "passed",
    ),
    Submission(
        "step_mutates_data",
        "training",
        step(
            textwrap.dedent(RIGHT_STEP).replace(
                "return loss", "xs.append([9.0, 9.0])\nys.clear()\nreturn loss"
            )
        ),
        "passed",
    ),
    Submission(
        "step_returns_float",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("return loss", "return loss.data")),
        "passed",
    ),
    Submission(
        "step_prints",
        "training",
        step('print("a step")\n' + textwrap.dedent(RIGHT_STEP)),
        "passed",
        "a step",
    ),
    # the usual mistakes
    Submission(
        "step_no_zero_grad",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("model.zero_grad()\n", "")),
        "failed",
        "zero_grad",
    ),
    Submission(
        "step_uphill",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("p.data -= ", "p.data += ")),
        "failed",
        "uphill",
    ),
    Submission(
        "step_sum_not_mean",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace(" / len(ys)", "")),
        "failed",
        "take their mean",
    ),
    Submission(
        "step_no_update",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("p.data -= learning_rate * p.grad", "pass")),
        "failed",
        "did not change",
    ),
    Submission(
        "step_no_return",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("return loss", "pass")),
        "failed",
        "`return loss`",
    ),
    Submission(
        "step_returns_list",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("return loss", "return [loss]")),
        "failed",
        "loss alone",
    ),
    Submission(
        "step_double_rate",
        "training",
        step(
            textwrap.dedent(RIGHT_STEP).replace(
                "learning_rate * p.grad", "2 * learning_rate * p.grad"
            )
        ),
        "failed",
        "2 times the expected size",
    ),
    Submission(
        "step_fixed_rate",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("learning_rate * p.grad", "0.01 * p.grad")),
        "failed",
        "1/10 times the expected size",
    ),
    Submission(
        "step_loss_after_update",
        "training",
        step(
            textwrap.dedent(RIGHT_STEP).replace(
                "return loss",
                "return sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(ys)",
            )
        ),
        "failed",
        "after the update",
    ),
    Submission(
        "step_parameters_without_call",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("in model.parameters():", "in model.parameters:")),
        "failed",
        "with the brackets",
    ),
    Submission(
        "step_update_before_backward",
        "training",
        step(
            """
            loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(ys)
            model.zero_grad()
            for p in model.parameters():
                p.data -= learning_rate * p.grad
            loss.backward()
            return loss
            """
        ),
        "failed",
        "did not change",
    ),
    Submission(
        "step_absolute_error",
        "training",
        step(textwrap.dedent(RIGHT_STEP).replace("(p - y) ** 2", "abs(p - y)")),
        "failed",
        "",  # generic
    ),
    Submission(
        "step_blank",
        "training",
        step('raise NotImplementedError("your code here")'),
        "not done",
        "your code here",
    ),
    # cheats
    Submission(
        "step_finite_differences",
        "training",
        step(
            """
            def loss_of():
                return (sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(ys)).data
            loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(ys)
            h = 1e-6
            grads = []
            for p in model.parameters():
                p.data += h
                up = loss_of()
                p.data -= 2 * h
                down = loss_of()
                p.data += h
                grads.append((up - down) / (2 * h))
            for p, g in zip(model.parameters(), grads):
                p.data -= learning_rate * g
            return loss
            """
        ),
        "failed",
        "never calls backward()",
    ),
    Submission(
        "step_imports_reference",
        "training",
        step(
            "from autograd_engine.testing import training\n"
            "return training._mse_step(model, xs, ys, learning_rate)"
        ),
        "failed",
        "reference step",
    ),
    # code that would stop a grader
    Submission("step_endless", "training", step("while True:\n    pass"), "failed", "endless loop"),
    Submission("step_exit", "training", step("sys.exit(3)"), "failed", "sys.exit()"),
]

CATALOG = OP + MODULE + BACKWARD + TRAINING


@functools.cache
def run(submission: Submission) -> CheckReport:
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(PRELUDE + "\n" + textwrap.dedent(submission.code), namespace)
    check = submission.check or CHECKS[submission.kind]
    if "endless" in submission.name:
        check = check.replace(f"time_limit={LIMIT}", f"time_limit={HANG_LIMIT}")
        assert f"time_limit={HANG_LIMIT}" in check
    report = eval(check, namespace)
    assert isinstance(report, CheckReport)
    return report


def text_of(report: CheckReport) -> str:
    return " ".join(str(report).split())


def is_generic(report: CheckReport) -> bool:
    return not report.hint or any(report.hint.startswith(g) for g in GENERIC)


@pytest.mark.parametrize("submission", CATALOG, ids=lambda s: s.name)
def test_each_submission_gets_its_verdict_and_a_hint_that_names_its_mistake(
    submission: Submission,
) -> None:
    report = run(submission)
    text = text_of(report)
    assert report.status == submission.verdict, str(report)
    assert "Traceback" not in text
    if submission.phrase:
        assert submission.phrase in text, str(report)
    if submission.verdict == "failed":
        assert (not submission.phrase) == is_generic(report) or submission.phrase in text, str(
            report
        )
    assert report.score == (report.max_score if report.passed else report.score)
    if not report.passed:
        assert report.score < report.max_score


def test_the_catalog_is_large_and_varied_and_at_most_three_failing_hints_are_generic() -> None:
    counts = {kind: sum(s.kind == kind for s in CATALOG) for kind in CHECKS}
    assert sum(counts.values()) >= 100, counts
    assert all(n >= 20 for n in counts.values()), counts
    verdicts = {v: sum(s.verdict == v for s in CATALOG) for v in ("passed", "failed", "not done")}
    assert verdicts["passed"] >= 30 and verdicts["failed"] >= 60, verdicts
    failing = [run(s) for s in CATALOG if s.verdict == "failed"]
    generic = [r for r in failing if is_generic(r)]
    assert len(generic) <= 3, [str(r) for r in generic]
    assert len({s.name for s in CATALOG}) == len(CATALOG)
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text("utf-8").split())
    assert f"holds {len(CATALOG)} submissions" in readme
    assert f"{len(generic)} of the {len(failing)} failing reports fall back" in readme
