"""Saving and loading parameters as JSON: bit-exact round trips, and every kind of bad file
rejected with a clear message while the model stays exactly as it was."""

from __future__ import annotations

import json
import math
import pickle
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_engine import MLP, Module, StateDictError, Value
from autograd_engine.nn.serialization import read_state


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def snapshot(model: Module) -> list[bytes]:
    return [bits(p.data) for p in model.parameters()]


# -- round trips -------------------------------------------------------------------------------


def test_save_then_load_into_a_fresh_model_is_bit_exact(tmp_path: Path) -> None:
    model = MLP(3, [4, 4, 1], seed=0)
    model.save(tmp_path / "model.json")
    other = MLP(3, [4, 4, 1], seed=99)
    assert snapshot(other) != snapshot(model)
    other.load(tmp_path / "model.json")
    assert snapshot(other) == snapshot(model)
    assert other([1.0, 2.0, 3.0]).data == model([1.0, 2.0, 3.0]).data  # type: ignore[union-attr]


ODD_FLOATS = [0.0, -0.0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 1 / 3]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=9, max_size=9))
def test_any_finite_floats_survive_a_round_trip_bit_for_bit(values: list[float]) -> None:
    import tempfile

    model = MLP(2, [2, 1], seed=0)
    for p, v in zip(model.parameters(), values):
        p.data = v
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.json"
        model.save(path)
        other = MLP(2, [2, 1], seed=1)
        other.load(path)
    assert snapshot(other) == [bits(v) for v in values]


def test_extreme_floats_including_negative_zero_and_subnormals_round_trip(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    for p, v in zip(model.parameters(), [*ODD_FLOATS, 2.5, -7.0]):
        p.data = v
    model.save(tmp_path / "m.json")
    other = MLP(2, [2, 1], seed=1)
    other.load(tmp_path / "m.json")
    assert snapshot(other) == snapshot(model)


def test_state_dict_round_trip_in_memory_is_exact() -> None:
    model = MLP(2, [3, 2], seed=0)
    other = MLP(2, [3, 2], seed=1)
    other.load_state_dict(model.state_dict())
    assert snapshot(other) == snapshot(model)


def test_state_dict_maps_dotted_names_to_floats() -> None:
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(type(v) is float for v in state.values())


def test_the_file_is_plain_json_with_format_model_and_count(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    model.save(tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert document["format"] == "autograd_engine.state_dict"
    assert document["version"] == 1
    assert document["model"] == "MLP(nin=2, nouts=[3, 1])"
    assert document["num_parameters"] == 13
    assert document["parameters"] == model.state_dict()


def test_loading_a_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"layers.0.neurons.0.w.0": 1.0}))
    model = MLP(2, [1], seed=0)
    before = snapshot(model)
    with pytest.raises(StateDictError, match="not"):
        model.load(path)
    assert snapshot(model) == before


# -- malformed files: a clear error and an untouched model --------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "state.json"
    path.write_text(text, encoding="utf-8")
    return path


def saved_document(model: Module) -> dict[str, Any]:
    return {
        "format": "autograd_engine.state_dict",
        "version": 1,
        "model": "MLP(nin=2, nouts=[3, 1])",
        "num_parameters": model.num_parameters(),
        "parameters": model.state_dict(),
    }


def edit(document: dict[str, Any], change: str) -> str:
    """Return the JSON text of ``document`` with one kind of damage."""
    params = document["parameters"]
    names = list(params)
    if change == "missing":
        del params[names[0]]
        document["num_parameters"] -= 1
    elif change == "extra":
        params["layers.9.neurons.0.w.0"] = 0.5
        document["num_parameters"] += 1
    elif change == "renamed":
        params["layers.0.neurons.0.weight.0"] = params.pop(names[0])
    elif change == "string":
        params[names[2]] = "0.5"
    elif change == "null":
        params[names[2]] = None
    elif change == "bool":
        params[names[2]] = True
    elif change == "list":
        params[names[2]] = [0.5]
    elif change == "count":
        document["num_parameters"] = 99
    elif change == "format":
        document["format"] = "something.else"
    elif change == "version":
        document["version"] = 2
    elif change == "no parameters":
        del document["parameters"]
    elif change == "parameters list":
        document["parameters"] = list(params.values())
    text = json.dumps(document)
    if change == "nan":
        text = text.replace(json.dumps(params[names[1]]), "NaN", 1)
    elif change == "infinity":
        text = text.replace(json.dumps(params[names[1]]), "-Infinity", 1)
    elif change == "huge":
        text = text.replace(json.dumps(params[names[1]]), "1e999", 1)
    return text


MALFORMED = {
    "missing": r"missing names: 'layers\.0\.neurons\.0\.w\.0'.*same architecture",
    "extra": r"extra names: 'layers\.9\.neurons\.0\.w\.0'",
    "renamed": r"missing names: 'layers\.0\.neurons\.0\.w\.0'.*extra names: "
    r"'layers\.0\.neurons\.0\.weight\.0'",
    "string": r"'layers\.0\.neurons\.0\.b' is not a number: str '0\.5'",
    "null": r"is not a number: NoneType None",
    "bool": r"is not a number: bool True",
    "list": r"is not a number: list \[0\.5\]",
    "nan": r"NaN, which is not a finite number",
    "infinity": r"-Infinity, which is not a finite number",
    "huge": r"'layers\.0\.neurons\.0\.w\.1' is not a finite number: inf",
    "count": r"'num_parameters' says int 99 but 'parameters' holds 13",
    "format": r"expected 'format': 'autograd_engine\.state_dict', got str 'something\.else'",
    "version": r"reads version 1 files, got version int 2",
    "no parameters": r"expected 'parameters' to be a JSON object.*got NoneType None",
    "parameters list": r"expected 'parameters' to be a JSON object.*got list",
}


@pytest.mark.parametrize("change", list(MALFORMED))
def test_a_damaged_file_is_rejected_by_name_and_leaves_the_model_untouched(
    tmp_path: Path, change: str
) -> None:
    source = MLP(2, [3, 1], seed=0)
    path = write(tmp_path, edit(saved_document(source), change))
    model = MLP(2, [3, 1], seed=1)
    before = snapshot(model)
    with pytest.raises(StateDictError, match=MALFORMED[change]) as info:
        model.load(path)
    assert "left unchanged" in str(info.value)
    assert snapshot(model) == before


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    document = saved_document(MLP(2, [3, 1], seed=0))
    names = list(document["parameters"])
    document["parameters"][names[0]] = "x"
    document["parameters"][names[1]] = None
    with pytest.raises(StateDictError, match=r"w\.0' is not a number.*w\.1' is not a number"):
        MLP(2, [3, 1]).load(write(tmp_path, json.dumps(document)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"is not valid JSON \(Expecting property name .* at line 1, column 2\)"),
        ("", "is not valid JSON"),
        ("[1.0, 2.0]", "expected a JSON object .* got a JSON list"),
        ("3.5", "got a JSON float"),
        ('"weights"', "got a JSON str"),
    ],
)
def test_text_that_is_not_a_state_file_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    model = MLP(2, [3, 1], seed=1)
    before = snapshot(model)
    with pytest.raises(StateDictError, match=message):
        model.load(write(tmp_path, text))
    assert snapshot(model) == before


def test_a_binary_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(StateDictError, match="not a text file"):
        MLP(2, [1]).load(path)


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        MLP(2, [1]).load(tmp_path / "nowhere.json")


def test_loading_into_a_different_architecture_names_both_and_changes_nothing(
    tmp_path: Path,
) -> None:
    MLP(2, [3, 1], seed=0).save(tmp_path / "small.json")
    bigger = MLP(2, [4, 1], seed=1)
    before = snapshot(bigger)
    with pytest.raises(StateDictError) as info:
        bigger.load(tmp_path / "small.json")
    message = str(info.value)
    assert "holds 13 parameters (saved from MLP(nin=2, nouts=[3, 1]))" in message
    assert "the model MLP(nin=2, nouts=[4, 1]) has 17" in message
    assert "missing names: 'layers.0.neurons.3.w.0'" in message
    assert snapshot(bigger) == before


def test_same_count_but_other_shape_is_caught_by_names(tmp_path: Path) -> None:
    # MLP(1, [2, 2]) and MLP(3, [1, 3]) both have 10 parameters
    assert MLP(1, [2, 2]).num_parameters() == MLP(3, [1, 3]).num_parameters() == 10
    MLP(1, [2, 2], seed=0).save(tmp_path / "a.json")
    other = MLP(3, [1, 3], seed=1)
    before = snapshot(other)
    with pytest.raises(StateDictError, match=r"missing names.*extra names"):
        other.load(tmp_path / "a.json")
    assert snapshot(other) == before


def test_load_state_dict_rejects_a_non_mapping_and_bad_keys() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(StateDictError, match="expected a mapping"):
        model.load_state_dict([1.0, 2.0, 3.0])
    state: dict[Any, Any] = dict(model.state_dict())
    state[3] = 1.0
    with pytest.raises(StateDictError, match="names must be strings, got int 3"):
        model.load_state_dict(state)


def test_load_state_dict_accepts_ints_and_stores_floats() -> None:
    model = MLP(1, [1], seed=0)
    model.load_state_dict({"layers.0.neurons.0.w.0": 2, "layers.0.neurons.0.b": -1})
    assert [(p.data, type(p.data)) for p in model.parameters()] == [(2.0, float), (-1.0, float)]


def test_non_finite_values_in_a_state_dict_are_rejected() -> None:
    model = MLP(1, [1], seed=0)
    before = snapshot(model)
    with pytest.raises(StateDictError, match="not a finite number: nan"):
        model.load_state_dict({"layers.0.neurons.0.w.0": math.nan, "layers.0.neurons.0.b": 0.0})
    assert snapshot(model) == before


def test_read_state_returns_the_parameters_mapping(tmp_path: Path) -> None:
    model = MLP(2, [2], seed=0)
    model.save(tmp_path / "m.json")
    assert read_state(tmp_path / "m.json") == model.state_dict()


def test_a_user_module_saves_and_loads_too(tmp_path: Path) -> None:
    class Line(Module):
        def __init__(self, slope: float) -> None:
            self.slope = Value(slope)
            self.intercept = Value(0.5)

    Line(3.0).save(tmp_path / "line.json")
    line = Line(1.0)
    line.load(tmp_path / "line.json")
    assert line.slope.data == 3.0


def test_an_integer_too_large_for_a_float_is_a_listed_problem_not_an_overflow(
    tmp_path: Path,
) -> None:
    # JSON has no size limit on integers, and Python reads 1 followed by 400 zeros as an int
    model = MLP(1, [1], seed=0)
    weight, bias = "layers.0.neurons.0.w.0", "layers.0.neurons.0.b"
    before = snapshot(model)
    with pytest.raises(StateDictError, match=re.escape(f"{weight!r} is not a finite number: inf")):
        model.load_state_dict({weight: 10**400, bias: 0.0})
    path = tmp_path / "m.json"
    model.save(path)
    document = json.loads(path.read_text())
    document["parameters"][bias] = -(10**400)
    path.write_text(json.dumps(document))
    with pytest.raises(StateDictError, match=re.escape(f"{bias!r} is not a finite number: -inf")):
        model.load(path)
    assert snapshot(model) == before
