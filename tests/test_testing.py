"""autograd_engine.testing: each check passes right code and names each typical mistake kindly.

The "student" ops, modules and functions below are each written with one deliberate mistake; the
tests state which message a student gets for it. Messages must never contain a stack trace, and
code that still raises ``NotImplementedError`` must be reported as "Not done yet", not raised.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from strategies import op_id, op_instances

from autograd_engine import Op, Value, ops
from autograd_engine.nn import MLP, Layer, Neuron
from autograd_engine.testing import (
    UPSTREAM,
    CheckReport,
    check_backward,
    check_module,
    check_op,
    check_training_step,
)


def assert_kind(report: CheckReport) -> None:
    """A report a student may see: plain words, no stack frames, renders in Jupyter."""
    text = str(report)
    assert "Traceback" not in text and 'File "' not in text
    assert repr(report) == text
    assert report.summary in text.replace("\n", " ") or report.summary[:40] in text
    assert "<div" in report._repr_html_()


def failed_with(report: CheckReport, *phrases: str) -> str:
    """Assert that the report failed and that its text contains every phrase; return the text."""
    assert_kind(report)
    text = " ".join(str(report).split())  # undo the line wrapping
    assert report.status == "failed", text
    assert not report
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in:\n{report}"
    return text


# ------------------------------------------------------------------------------------------------
# Students' ops: a sigmoid and a product, each with one typical mistake
# ------------------------------------------------------------------------------------------------


class StudentSigmoid(Op):
    """The forward is given; the exercise is the backward."""

    name = "student_sigmoid"
    symbol = "sig"

    def forward(self, x: float) -> float:
        return 1.0 / (1.0 + math.exp(-x))


class RightSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * out * (1.0 - out),)


class SignErrorSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * out * (out - 1.0),)


class ForgotGradSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (out * (1.0 - out),)


class DoubleSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (2.0 * grad * out * (1.0 - out),)


class ValueInsteadOfSlopeSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * out,)


class BlankSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        raise NotImplementedError("your code here")


class BareNumberSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> Any:
        return grad * out * (1.0 - out)  # no tuple


class NoReturnSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> Any:
        grad * out * (1.0 - out)


class DividesByZeroSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * out * (1.0 - out) / (x - x),)


class MathSigmoid(StudentSigmoid):
    """Right on floats, but math.exp turns a Value into a float: no second derivative."""

    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        s = 1.0 / (1.0 + math.exp(-float(x)))
        return (grad * s * (1.0 - s),)


class WrongForwardSigmoid(RightSigmoid):
    def forward(self, x: float) -> float:
        return 1.0 / (1.0 + math.exp(x))


class StudentMul(Op):
    name = "student_mul"
    symbol = "mul"
    arity = 2
    domain = ((-4.0, 4.0), (-4.0, 4.0))

    def forward(self, a: float, b: float) -> float:
        return a * b


class RightMul(StudentMul):
    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return grad * b, grad * a


class SwappedMul(StudentMul):
    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return grad * a, grad * b


class WrongVariableMul(StudentMul):
    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return grad * a, grad * a  # d/da differentiated with respect to b


class OneTermMul(StudentMul):
    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (grad * b,)


# ------------------------------------------------------------------------------------------------
# check_op
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", op_instances(), ids=op_id)
def test_check_op_passes_every_builtin_op(op: ops.Op) -> None:
    report = check_op(op)
    assert report, str(report)
    assert report.status == "passed" and report.failures == 0
    assert report.checked >= 2 * 20  # 20 points, each with grad = 1 and grad = UPSTREAM
    assert_kind(report)


@pytest.mark.parametrize("op", [ops.SIGMOID, ops.RELU, ops.SQRT, ops.MUL, ops.PowConst(0.5)])
def test_check_op_passes_a_builtin_op_against_itself_as_reference(op: ops.Op) -> None:
    assert check_op(op, reference=op)


def test_check_op_passes_a_right_student_op_against_a_reference() -> None:
    report = check_op(RightSigmoid(), reference=Value.sigmoid)
    assert report.passed and report.status == "passed"
    assert "Passed" in str(report)
    assert check_op(RightSigmoid, reference=lambda x: 1.0 / (1.0 + math.exp(-float(x))))
    assert check_op(RightMul(), reference=ops.MUL)


def test_check_op_catches_a_sign_error() -> None:
    report = check_op(SignErrorSigmoid(), reference=Value.sigmoid)
    failed_with(report, "wrong sign", "yours", "expected")
    assert report.got is not None and report.expected is not None
    assert report.got == pytest.approx(-report.expected, rel=1e-4)
    assert report.point is not None and set(report.point) == {"x"}


def test_check_op_catches_a_missing_chain_rule_factor_with_an_upstream_grad_other_than_one() -> (
    None
):
    report = check_op(ForgotGradSigmoid(), reference=Value.sigmoid)
    failed_with(report, "multiply by `grad`", "chain rule", f"grad = {UPSTREAM:g}")
    assert report.got is not None and report.expected is not None
    assert report.got == pytest.approx(report.expected / UPSTREAM, rel=1e-4)


def test_check_op_catches_the_derivative_of_the_wrong_variable() -> None:
    failed_with(check_op(WrongVariableMul()), "term for a", "wrong variable")
    failed_with(check_op(SwappedMul(), reference=ops.MUL), "swapped", "(d/da, d/db)")


def test_check_op_catches_a_constant_factor_and_names_it() -> None:
    report = check_op(DoubleSigmoid(), reference=Value.sigmoid)
    failed_with(report, "2 times the right one", "constant factor")
    assert report.got == pytest.approx(2 * report.expected, rel=1e-4)  # type: ignore[operator]


def test_check_op_notices_the_value_returned_instead_of_the_derivative() -> None:
    failed_with(check_op(ValueInsteadOfSlopeSigmoid()), "the function's value f(x)")


def test_each_typical_mistake_gets_its_own_hint() -> None:
    students = [SignErrorSigmoid(), ForgotGradSigmoid(), DoubleSigmoid(), WrongVariableMul()]
    hints = [check_op(s).hint for s in students]
    assert all(hints) and len(set(hints)) == len(hints)


def test_check_op_reports_a_blank_as_not_done_without_raising() -> None:
    report = check_op(BlankSigmoid(), reference=Value.sigmoid)
    assert report.status == "not done" and not report
    text = " ".join(str(report).split())
    assert text.startswith("… Not done yet")
    assert "BlankSigmoid.backward" in text and "your code here" in text
    assert_kind(report)


def test_an_op_without_backward_is_not_done_either() -> None:
    assert check_op(StudentSigmoid()).status == "not done"


def test_check_op_reports_an_exception_kindly_with_the_input() -> None:
    report = check_op(DividesByZeroSigmoid())
    failed_with(report, "raised ZeroDivisionError", "at x = ", "division by zero")


@pytest.mark.parametrize(
    ("student", "phrases"),
    [
        (BareNumberSigmoid(), ("not a tuple", "return (grad * df/dx,)", "comma")),
        (NoReturnSigmoid(), ("returned None", "forget `return`")),
        (OneTermMul(), ("returned 1 term(s)", "2 input(s) (a, b)", "one term per input")),
    ],
)
def test_check_op_explains_a_backward_of_the_wrong_shape(student: Op, phrases: tuple[str]) -> None:
    failed_with(check_op(student), *phrases)


class ComplexSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> Any:
        return 1j * grad  # a number, but not a real one (and not in a tuple)


def test_a_backward_returning_a_complex_number_gets_a_report_not_a_crash() -> None:
    failed_with(check_op(ComplexSigmoid()), "returned a single number", "not a tuple")


def test_an_error_in_a_students_function_is_reported_under_its_name_at_the_sampled_point() -> None:
    def broken(x: Value) -> Value:
        raise ValueError(f"got {x.data!r}")

    report = check_op(broken)
    text = failed_with(report, "broken raised ValueError: got ")
    assert "broken.forward" not in text  # a function has no .forward
    seen = float(text.split("got ")[1].split(" ")[0])
    assert seen == round(seen, 3)  # the sampled point itself, not a finite-difference neighbour
    assert f"at x = {seen:.6g}" in text


def test_a_function_whose_graph_is_cut_is_told_so_not_a_constant_factor() -> None:
    report = check_op(lambda x: Value(math.tanh(x.data)), reference=math.tanh)
    text = failed_with(report, "the derivative from backward through <lambda> is off", "cut")
    assert "constant factor" not in text and "0 times" not in text


class ZeroSigmoid(StudentSigmoid):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * 0.0,)


def test_a_backward_returning_zero_is_told_so_not_a_constant_factor() -> None:
    text = failed_with(check_op(ZeroSigmoid()), "0 at every point")
    assert "constant factor" not in text


def test_check_op_catches_a_wrong_forward_when_given_a_reference() -> None:
    report = check_op(WrongForwardSigmoid(), reference=Value.sigmoid)
    failed_with(report, "WrongForwardSigmoid.forward gives a wrong value")
    # without a reference, the derivative only has to match the op's own forward
    assert not check_op(WrongForwardSigmoid())  # its backward is the real sigmoid's


def test_second_order_check_catches_a_backward_written_with_math_functions() -> None:
    assert check_op(MathSigmoid(), reference=Value.sigmoid)  # first derivatives are right
    report = check_op(MathSigmoid(), second_order=True)
    failed_with(report, "create_graph", "math.*", "autograd_engine.functions")
    assert check_op(RightSigmoid(), second_order=True)


class StudentRelu(Op):
    name = "student_relu"
    kinks = (0.0,)
    edge_points = ((0.0,),)

    def forward(self, x: float) -> float:
        return x if x > 0.0 else 0.0


class GreaterOrEqualRelu(StudentRelu):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad if x >= 0.0 else grad * 0.0,)


class RaisingRelu(StudentRelu):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        if not x > 0.0 and not x < 0.0:
            raise ValueError("no derivative at 0")
        return (grad if x > 0.0 else grad * 0.0,)


class StudentSqrt(Op):
    name = "student_sqrt"
    domain = ((0.1, 4.0),)
    edge_points = ((0.0,),)

    def forward(self, x: float) -> float:
        return math.sqrt(x)


class ZeroAtEdgeSqrt(StudentSqrt):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * 0.5 / out if out > 0.0 else grad * 0.0,)


class RaisingSqrt(StudentSqrt):
    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * 0.5 / out,)  # ZeroDivisionError at 0, where the slope is infinite


def test_edge_points_accept_any_slope_between_the_one_sided_ones_without_a_reference() -> None:
    assert check_op(GreaterOrEqualRelu())  # 1 at x = 0 lies between 0 (left) and 1 (right)
    failed_with(check_op(RaisingRelu()), "at x = 0", "should return a number")


def test_edge_points_follow_the_reference_ops_convention() -> None:
    report = check_op(GreaterOrEqualRelu(), reference=ops.RELU)
    failed_with(report, "at x = 0", "kink", "x > 0 or x >= 0")
    assert report.got == 1.0 and report.expected == 0.0


def test_an_infinite_derivative_at_an_edge_must_raise() -> None:
    assert check_op(RaisingSqrt())
    assert check_op(RaisingSqrt(), reference=ops.SQRT)
    failed_with(check_op(ZeroAtEdgeSqrt()), "should raise", "infinite")
    failed_with(check_op(ZeroAtEdgeSqrt(), reference=ops.SQRT), "should raise")


def test_check_op_accepts_a_function_of_values() -> None:
    assert check_op(lambda x, y: x * y.tanh() + x.exp())
    assert check_op(lambda x: x.tanh(), reference=math.tanh, second_order=True)
    failed_with(check_op(lambda x: -x.tanh(), reference=math.tanh), "wrong sign")


def test_check_op_finds_a_wrong_op_inside_a_function() -> None:
    report = check_op(lambda x: ForgotGradSigmoid()(x * 3.0))
    failed_with(report, "multiply by `grad`")


def test_a_function_defined_inside_another_is_named_by_its_own_name() -> None:
    def doubled(x: Value) -> Value:
        return x * 2.0

    text = failed_with(check_op(doubled, reference=lambda x: x * 3.0), "doubled gives a wrong")
    assert "<locals>" not in text


def test_the_same_seed_gives_the_same_points_and_another_seed_others() -> None:
    first = check_op(SignErrorSigmoid(), seed=3)
    again = check_op(SignErrorSigmoid(), seed=3)
    other = check_op(SignErrorSigmoid(), seed=4)
    assert str(first) == str(again)
    assert first.point != other.point


def test_sample_points_keep_away_from_kinks() -> None:
    report = check_op(StudentRelu, kinks=(0.0,), domain=[(-0.06, 0.06)], edge_points=())
    assert report.status == "not done"  # reached the backward: points were found
    with pytest.raises(ValueError, match="no points"):
        check_op(RightSigmoid(), domain=[(-0.01, 0.01)], kinks=(0.0,))


class Scaled(Op):
    name = "scaled"

    def __init__(self, factor: float) -> None:
        self.factor = factor


def test_author_mistakes_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="expects an Op"):
        check_op(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs arguments"):
        check_op(Scaled)
    with pytest.raises(TypeError, match="how many inputs"):
        check_op(lambda *xs: xs[0])
    with pytest.raises(ValueError, match="one interval"):
        check_op(RightMul(), domain=[(1.0, 0.0), (0.0, 1.0)])
    with pytest.raises(TypeError, match="reference"):
        check_op(RightSigmoid(), reference=3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [0, -1, 2.5, True])
def test_a_number_of_points_or_steps_that_is_not_a_positive_whole_number_is_refused(
    count: Any,
) -> None:
    with pytest.raises((TypeError, ValueError), match="n_points"):
        check_op(RightSigmoid(), n_points=count)
    with pytest.raises((TypeError, ValueError), match="n_points"):
        check_module(make(RightNeuron), n_points=count)
    with pytest.raises((TypeError, ValueError), match="n_points"):
        check_backward(right_backward, tiny_graph, n_points=count)
    with pytest.raises((TypeError, ValueError), match="steps"):
        check_training_step(right_step, steps=count)


def test_report_renders_as_html_with_the_message_escaped() -> None:
    report = check_op(SwappedMul())
    page = report._repr_html_()
    assert "Not quite" in page and "&lt;- differs" in page and "Hint:" in page


# ------------------------------------------------------------------------------------------------
# check_module
# ------------------------------------------------------------------------------------------------


def weighted_sum(neuron: Neuron, x: Any) -> Value:
    return Value.sum([neuron.b, *[wi * xi for wi, xi in zip(neuron.w, x)]])


class RightNeuron(Neuron):
    def __call__(self, x: Any) -> Value:
        return weighted_sum(self, x).tanh()


class BlankNeuron(Neuron):
    def __call__(self, x: Any) -> Value:
        raise NotImplementedError("your code here")


class NoActivationNeuron(Neuron):
    def __call__(self, x: Any) -> Value:
        return weighted_sum(self, x)


class NoBiasNeuron(Neuron):
    def __call__(self, x: Any) -> Value:
        return Value.sum([wi * xi for wi, xi in zip(self.w, x)]).tanh()


class CutGraphNeuron(Neuron):
    def __call__(self, x: Any) -> Value:
        return Value(math.tanh(weighted_sum(self, x).data))


class FloatNeuron(Neuron):
    def __call__(self, x: Any) -> Any:
        return math.tanh(weighted_sum(self, x).data)


def make(cls: type[Neuron]) -> Neuron:
    return cls(3, activation="tanh", seed=1)


def test_check_module_passes_a_right_neuron_subclass() -> None:
    report = check_module(make(RightNeuron))
    assert report and "same outputs and gradients" in str(report)


def test_check_module_reports_a_blank_neuron_as_not_done() -> None:
    report = check_module(make(BlankNeuron))
    assert report.status == "not done" and "BlankNeuron.__call__" in str(report)


@pytest.mark.parametrize(
    ("cls", "phrase"),
    [
        (NoActivationNeuron, "before the activation"),
        (NoBiasNeuron, "without its bias"),
        (CutGraphNeuron, "the graph is cut"),
        (FloatNeuron, "should return a Value"),
    ],
)
def test_check_module_names_a_neurons_typical_mistakes(cls: type[Neuron], phrase: str) -> None:
    failed_with(check_module(make(cls)), phrase)


def test_check_module_leaves_the_students_parameters_as_they_were() -> None:
    neuron = make(NoBiasNeuron)
    before = [p.data for p in neuron.parameters()]
    check_module(neuron)
    assert [p.data for p in neuron.parameters()] == before


class StandaloneNeuron:
    """A student's neuron written from scratch, as in micrograd's lecture."""

    def __init__(self, nin: int) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)

    def __call__(self, x: Any) -> Value:
        return (sum((wi * xi for wi, xi in zip(self.w, x)), self.b)).tanh()

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


def test_check_module_compares_a_standalone_class_with_a_reference_and_restores_it() -> None:
    reference = Neuron(3, activation="tanh", seed=0)
    saved = [p.data for p in reference.parameters()]
    assert check_module(StandaloneNeuron(3), reference=reference)
    assert [p.data for p in reference.parameters()] == saved
    failed_with(
        check_module(StandaloneNeuron(4), reference=reference), "[4] neuron inputs", "has [3]"
    )


class RightLayer(Layer):
    def __call__(self, x: Any) -> Any:
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs


class OneOutputLayer(Layer):
    def __call__(self, x: Any) -> Any:
        return self.neurons[0](x)


def test_check_module_checks_a_layer_and_its_number_of_outputs() -> None:
    assert check_module(RightLayer(3, 2, activation="tanh", seed=0))
    failed_with(
        check_module(OneOutputLayer(3, 2, activation="tanh", seed=0)),
        "returned 1 output(s)",
        "2 were expected",
    )


def test_check_module_needs_a_reference_for_an_unrelated_class() -> None:
    with pytest.raises(TypeError, match="reference"):
        check_module(StandaloneNeuron(3))


# ------------------------------------------------------------------------------------------------
# check_backward
# ------------------------------------------------------------------------------------------------


def tiny_graph(a: Value, b: Value, c: Value, f: Value) -> Value:
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f  # noqa: N806  (the lecture's name for the loss)
    L.label = "L"
    return L


def right_backward(L: Value, d: Value, e: Value, f: Value, c: Value, a: Value, b: Value) -> None:  # noqa: N803
    L.grad = 1.0
    d.grad = L.grad * f.data
    f.grad = L.grad * d.data
    e.grad = d.grad
    c.grad = d.grad
    a.grad = e.grad * b.data
    b.grad = e.grad * a.data


def test_check_backward_passes_a_right_manual_backward() -> None:
    report = check_backward(right_backward, tiny_graph)
    assert report and "like the engine's backward" in str(report)


def test_check_backward_reports_a_blank_as_not_done() -> None:
    def my_backward(L: Value, a: Value) -> None:  # noqa: N803
        raise NotImplementedError("your code here")

    assert check_backward(my_backward, tiny_graph).status == "not done"


def test_check_backward_asks_for_the_root_grad_first() -> None:
    def forgot_root(L: Value, d: Value, e: Value, f: Value, c: Value, a: Value, b: Value) -> None:  # noqa: N803
        right_backward(L, d, e, f, c, a, b)
        L.grad = 0.0

    failed_with(check_backward(forgot_root, tiny_graph), "L.grad = 1.0")


def test_check_backward_catches_a_local_derivative_without_the_chain_rule() -> None:
    def local_only(L: Value, d: Value, e: Value, f: Value, c: Value, a: Value, b: Value) -> None:  # noqa: N803
        right_backward(L, d, e, f, c, a, b)
        a.grad = b.data

    report = check_backward(local_only, tiny_graph)
    failed_with(report, "a.grad is de/da", "Multiply it by e.grad", "a.grad")


def test_check_backward_catches_a_product_rule_mix_up() -> None:
    def own_value(L: Value, d: Value, e: Value, f: Value, c: Value, a: Value, b: Value) -> None:  # noqa: N803
        right_backward(L, d, e, f, c, a, b)
        a.grad = e.grad * a.data

    failed_with(check_backward(own_value, tiny_graph), "a's own value", "d(u*v)/du = v")


def test_check_backward_catches_a_node_used_twice_whose_contributions_are_not_added() -> None:
    def reused(a: Value, b: Value) -> Value:
        c = a * b
        c.label = "c"
        L = c + a  # noqa: N806
        L.label = "L"
        return L

    def assigned(L: Value, c: Value, a: Value, b: Value) -> None:  # noqa: N803
        L.grad = 1.0
        c.grad = 1.0
        a.grad = c.grad * b.data  # forgets the + 1 from L = c + a
        b.grad = c.grad * a.data

    failed_with(check_backward(assigned, reused), "a is used 2 times", "+=")


def test_check_backward_names_unset_grads_and_unknown_nodes() -> None:
    def partial(L: Value, d: Value, f: Value) -> None:  # noqa: N803
        L.grad = 1.0

    failed_with(check_backward(partial, tiny_graph), "not set f.grad, d.grad")

    def misspelled(L: Value, q: Value) -> None:  # noqa: N803
        L.grad = 1.0

    failed_with(check_backward(misspelled, tiny_graph), "asks for node(s) q")


# ------------------------------------------------------------------------------------------------
# check_training_step
# ------------------------------------------------------------------------------------------------


def mse(model: MLP, xs: Any, ys: Any) -> Value:
    return Value.sum([(model(x) - y) ** 2 for x, y in zip(xs, ys)]) / len(ys)


def right_step(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
    loss = mse(model, xs, ys)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss


def test_check_training_step_passes_a_right_step_and_shows_the_loss_falling() -> None:
    report = check_training_step(right_step)
    assert report, str(report)
    assert "the loss went from" in str(report)


def test_check_training_step_reports_a_blank_as_not_done() -> None:
    def train_step(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
        raise NotImplementedError("your code here")

    assert check_training_step(train_step).status == "not done"


def test_check_training_step_catches_a_missing_zero_grad() -> None:
    def no_zero_grad(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
        loss = mse(model, xs, ys)
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return loss

    failed_with(check_training_step(no_zero_grad), "at step 2", "zero_grad")


def test_check_training_step_catches_a_step_uphill() -> None:
    def uphill(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
        loss = mse(model, xs, ys)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += learning_rate * p.grad
        return loss

    failed_with(check_training_step(uphill), "uphill")


def test_check_training_step_catches_a_sum_instead_of_a_mean() -> None:
    def summed(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
        loss = mse(model, xs, ys) * len(ys)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return loss

    failed_with(check_training_step(summed), "8 times", "mean")


def test_check_training_step_catches_a_missing_update_and_a_missing_return() -> None:
    def no_update(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
        loss = mse(model, xs, ys)
        model.zero_grad()
        loss.backward()
        return loss

    def no_return(model: MLP, xs: Any, ys: Any, learning_rate: float) -> None:
        right_step(model, xs, ys, learning_rate)

    failed_with(check_training_step(no_update), "did not change the parameters")
    failed_with(check_training_step(no_return), "returned None", "return loss")


def test_check_training_step_accepts_a_model_data_and_reference_of_the_authors_choice() -> None:
    def sse_step(model: MLP, xs: Any, ys: Any, learning_rate: float) -> Value:
        loss = Value.sum([(model(x) - y) ** 2 for x, y in zip(xs, ys)])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        return loss

    data = ([[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0])
    model = MLP(1, [1], seed=0)
    assert check_training_step(sse_step, model=model, data=data, reference=sse_step)
    assert not check_training_step(right_step, model=model, data=data, reference=sse_step)
    assert check_training_step(right_step, model=lambda: MLP(1, [2, 1], seed=3), data=data)


def test_a_float_function_that_refuses_values_is_still_a_reference() -> None:
    def strict_tanh(x: Any) -> float:
        if not isinstance(x, float):
            raise TypeError(f"strict_tanh() takes a float, got {type(x).__name__}")
        return math.tanh(x)

    assert check_op(lambda x: x.tanh(), reference=strict_tanh)
    failed_with(check_op(lambda x: -x.tanh(), reference=strict_tanh), "wrong sign")
