"""The checks a teacher grades notebooks/07_exercises.ipynb with (10 points in all).

Run ``python -m autograd_engine.testing grade submission.ipynb --checks
docs/07_exercises_checks.py``: the student's notebook runs first, in a subprocess; then each check
below runs on the names it defined. The comment above a check names the test.
"""

from autograd_engine import Value
from autograd_engine.testing import check_backward, check_module, check_op, check_training_step


def teachers_graph(a, b, c, f):
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    g = d * f
    g.label = "g"
    L = g + a  # noqa: N806  (the lecture's name)
    L.label = "L"
    return L


# Task 1: the derivative of sigmoid
check_op(MySigmoid(), reference=Value.sigmoid, points=2)  # noqa: F821


# Task 2: a neuron's forward pass
check_module(MyNeuron(3, activation="tanh"), points=2)  # noqa: F821


# Task 3: backward by hand, on the teacher's copy of the graph
check_backward(my_backward, teachers_graph, points=3)  # noqa: F821

# Task 4: a training step
check_training_step(train_step, points=3)  # noqa: F821
