"""Saving and loading parameters as JSON: bit-exact round trips, and every kind of bad file
rejected with a clear message while the model stays exactly as it was."""

from __future__ import annotations

import errno
import json
import math
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from interrupts import interrupted

import autograd_engine
from autograd_engine import MLP, Module, StateDictError, Value
from autograd_engine.nn import serialization
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


# -- file names: .json only, ~ expanded ---------------------------------------------------------


@pytest.mark.parametrize("name", ["model.pt", "model.pkl", "model", "model.json.bak"])
def test_a_model_file_must_be_called_json_and_nothing_is_written_otherwise(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(
        ValueError, match=r"cannot write a model's parameters to .*use one of \.json"
    ):
        MLP(2, [1], seed=0).save(tmp_path / "new" / name)
    assert list(tmp_path.iterdir()) == []


def test_save_and_load_expand_tilde_to_the_home_folder(home_and_work: tuple[Path, Path]) -> None:
    home, work = home_and_work
    model = MLP(2, [2, 1], seed=0)
    model.save("~/checkpoints/m.JSON")  # the suffix is compared without case
    assert (home / "checkpoints" / "m.JSON").is_file()
    other = MLP(2, [2, 1], seed=1)
    other.load("~/checkpoints/m.JSON")
    assert snapshot(other) == snapshot(model)
    assert list(work.iterdir()) == []  # no folder named "~"


# -- a failed save keeps the good checkpoint ----------------------------------------------------

SAVE_UNDER_A_SIZE_LIMIT = """
import resource, signal, sys
from autograd_engine import MLP

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
try:
    MLP(10, [30, 30, 1], seed=5).save(sys.argv[1])  # about 40 kB of JSON
except OSError as error:
    print(error.errno)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX resource limits")
def test_a_save_that_hits_a_file_size_limit_leaves_the_old_checkpoint_loadable(
    tmp_path: Path,
) -> None:
    # the limit stands in for a full disk: before, this left 8 kB of broken JSON in its place
    path = tmp_path / "checkpoint.json"
    good = MLP(2, [3, 1], seed=0)
    good.save(path)
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(Path(autograd_engine.__file__).parent.parent)}
    child = subprocess.run(
        [sys.executable, "-c", SAVE_UNDER_A_SIZE_LIMIT, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert child.stdout.strip() == str(errno.EFBIG)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]
    restored = MLP(2, [3, 1], seed=1)
    restored.load(path)
    assert snapshot(restored) == snapshot(good)


def test_ctrl_c_during_a_save_leaves_the_old_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "checkpoint.json"
    MLP(2, [3, 1], seed=0).save(path)
    before = path.read_bytes()
    real_write = os.write

    def write_a_little_then_interrupt(fd: int, data: Any) -> int:
        real_write(fd, bytes(data[:100]))
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", write_a_little_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [3, 1], seed=9).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_saving_a_non_finite_weight_names_it_and_writes_nothing(tmp_path: Path, bad: float) -> None:
    path = tmp_path / "checkpoint.json"
    model = MLP(2, [3, 1], seed=0)
    model.save(path)
    before = path.read_bytes()
    model.layers[1].neurons[0].w[2].data = bad
    message = rf"'layers\.1\.neurons\.0\.w\.2' is not a finite number: {bad!r}.*Nothing was written"
    with pytest.raises(StateDictError, match=message):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.json"]


def test_saving_lists_every_non_finite_weight_and_creates_no_file(tmp_path: Path) -> None:
    model = MLP(1, [1], seed=0)
    for p in model.parameters():
        p.data = math.nan
    message = (
        r"'layers\.0\.neurons\.0\.w\.0' is not a finite number: nan; 'layers\.0\.neurons\.0\.b' is"
    )
    with pytest.raises(StateDictError, match=message):
        model.save(tmp_path / "sub" / "new.json")
    assert list(tmp_path.iterdir()) == []


# -- every malformed file: StateDictError, and the model untouched --------------------------------


def rejected(path: Path, message: str, model: Module | None = None) -> None:
    """Assert that loading ``path`` raises StateDictError matching ``message``, changing nothing."""
    model = model if model is not None else MLP(2, [3, 1], seed=1)
    before = snapshot(model)
    with pytest.raises(StateDictError, match=message) as info:
        model.load(path)
    assert "left unchanged" in str(info.value)
    assert len(str(info.value)) < 1000  # a short message, whatever the file holds
    assert snapshot(model) == before


def valid_text(**changes: str) -> str:
    """The JSON text of a saved MLP(2, [3, 1]), with some fields' JSON text replaced as is."""
    document = saved_document(MLP(2, [3, 1], seed=0))
    fields = {key: json.dumps(value) for key, value in document.items()}
    fields.update(changes)
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in fields.items()) + "}"


@pytest.mark.parametrize(
    "bomb",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 100_000,
        valid_text(model="[" * 100_000 + "]" * 100_000),
        valid_text(parameters='{"layers.0.neurons.0.w.0": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    ],
    ids=["open", "closed", "objects", "in the model field", "in a parameter"],
)
def test_a_nesting_bomb_is_a_state_dict_error_not_a_recursion_error(
    tmp_path: Path, bomb: str
) -> None:
    rejected(write(tmp_path, bomb), "nests arrays or objects too deeply|not valid JSON")


def test_nesting_that_json_can_read_is_refused_with_a_short_message(tmp_path: Path) -> None:
    # 500 deep parses, but repr() of it in a message could itself hit the recursion limit
    deep = "[" * 500 + "]" * 500
    document = saved_document(MLP(2, [3, 1], seed=0))
    name = next(iter(document["parameters"]))
    text = json.dumps(document).replace(json.dumps(document["parameters"][name]), deep, 1)
    rejected(write(tmp_path, text), rf"{re.escape(repr(name))} is not a number: list of 1 items")
    rejected(write(tmp_path, valid_text(format=deep)), "expected 'format'.*got list of 1 items")


@pytest.mark.parametrize(
    ("field", "number", "message"),
    [
        ("parameter", "9" * 5000, r"'layers\.0\.neurons\.0\.w\.0' is not a finite number: inf"),
        (
            "parameter",
            "-" + "9" * 5000,
            r"'layers\.0\.neurons\.0\.w\.0' is not a finite number: -inf",
        ),
        ("parameter", "1e99999", r"'layers\.0\.neurons\.0\.w\.0' is not a finite number: inf"),
        ("version", "1" + "0" * 5000, "reads version 1 files, got version float inf"),
        ("num_parameters", "1" * 5000, "'num_parameters' says float inf"),
    ],
    ids=["parameter", "negative parameter", "huge exponent", "version", "num_parameters"],
)
def test_a_5000_digit_number_is_a_state_dict_error_not_a_bare_value_error(
    tmp_path: Path, field: str, number: str, message: str
) -> None:
    # int() refuses more than 4300 digits with a ValueError; json calls int() for integers
    if field == "parameter":
        document = saved_document(MLP(2, [3, 1], seed=0))
        name = next(iter(document["parameters"]))
        old = json.dumps(document["parameters"][name])
        text = json.dumps(document).replace(old, number, 1)
    else:
        text = valid_text(**{field: number})
    rejected(write(tmp_path, text), message)


def test_a_number_with_5000_digits_after_the_point_is_just_a_float(tmp_path: Path) -> None:
    document = saved_document(MLP(1, [1], seed=0))
    text = json.dumps(document).replace(
        json.dumps(document["parameters"]["layers.0.neurons.0.b"]), "0.5" + "0" * 5000 + "1", 1
    )
    model = MLP(1, [1], seed=3)
    model.load(write(tmp_path, text))
    assert model.layers[0].neurons[0].b.data == 0.5


def test_a_parameter_named_twice_is_refused_not_last_one_wins(tmp_path: Path) -> None:
    document = saved_document(MLP(2, [3, 1], seed=0))
    text = json.dumps(document).replace(
        '"layers.0.neurons.0.b": ', '"layers.0.neurons.0.b": 7.0, "layers.0.neurons.0.b": ', 1
    )
    rejected(write(tmp_path, text), r"gives 'layers\.0\.neurons\.0\.b' more than once")


def test_a_field_named_twice_is_refused(tmp_path: Path) -> None:
    text = valid_text(version='2, "version": 1')
    rejected(write(tmp_path, text), "gives 'version' more than once")


FIELDS_OF_THE_WRONG_TYPE = {
    "format": (
        ["1", "null", "true", "[]", "{}", '"autograd_engine"', '"AUTOGRAD_ENGINE.STATE_DICT"'],
        r"expected 'format': 'autograd_engine\.state_dict', got",
    ),
    "version": (
        ["true", "1.0", '"1"', "null", "[1]", "{}", "2", "0", "-1"],
        r"reads version 1 files, got version",
    ),
    "model": (
        ["null", "1", "true", "[]", '{"name": "MLP"}'],
        r"expected 'model' to be text describing the saved architecture, got",
    ),
    "num_parameters": (
        ["true", "13.0", '"13"', "null", "[13]", "12", "-13"],
        r"'num_parameters' says .* but 'parameters' holds 13 entries",
    ),
    "parameters": (
        ["null", "1", '"w"', "true", "[0.5]", "[]"],
        r"expected 'parameters' to be a JSON object of names and numbers, got",
    ),
}


@pytest.mark.parametrize(
    ("field", "value"),
    [(field, value) for field, (values, _) in FIELDS_OF_THE_WRONG_TYPE.items() for value in values],
)
def test_every_field_of_the_wrong_type_is_refused_by_name(
    tmp_path: Path, field: str, value: str
) -> None:
    rejected(write(tmp_path, valid_text(**{field: value})), FIELDS_OF_THE_WRONG_TYPE[field][1])


@pytest.mark.parametrize("field", list(FIELDS_OF_THE_WRONG_TYPE))
def test_every_missing_field_is_refused(tmp_path: Path, field: str) -> None:
    document = saved_document(MLP(2, [3, 1], seed=0))
    del document[field]
    rejected(write(tmp_path, json.dumps(document)), r"expected|got|says")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('"0.5"', "str '0.5'"),
        ("null", "NoneType None"),
        ("false", "bool False"),
        ("[0.5]", r"list \[0\.5\]"),
        ('{"x": 0.5}', r"dict \{'x': 0\.5\}"),
        ("[[0.5]]", "list of 1 items"),
    ],
)
def test_a_parameter_value_of_the_wrong_type_is_refused_by_name(
    tmp_path: Path, value: str, shown: str
) -> None:
    document = saved_document(MLP(2, [3, 1], seed=0))
    text = json.dumps(document).replace(
        '"layers.1.neurons.0.b": ' + json.dumps(document["parameters"]["layers.1.neurons.0.b"]),
        '"layers.1.neurons.0.b": ' + value,
    )
    rejected(write(tmp_path, text), rf"'layers\.1\.neurons\.0\.b' is not a number: {shown}")


@pytest.mark.parametrize(
    "encoded",
    [
        valid_text(model='"MLP é"').encode("latin-1"),
        valid_text().encode("utf-16"),
        b"\xff\xfe\x00\x00",
        valid_text().encode()[:50] + b"\xc3" + valid_text().encode()[50:],
    ],
    ids=["latin-1", "utf-16", "bom-like bytes", "a broken character"],
)
def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path, encoded: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(encoded)
    rejected(path, "not a text file")


def test_every_truncation_of_a_saved_file_is_refused(tmp_path: Path) -> None:
    # a kill mid-save used to leave exactly this: the first part of the file
    source = MLP(2, [3, 1], seed=0)
    source.save(tmp_path / "whole.json")
    whole = (tmp_path / "whole.json").read_bytes()
    model = MLP(2, [3, 1], seed=1)
    for size in range(len(whole.rstrip())):
        path = tmp_path / "cut.json"
        path.write_bytes(whole[:size])
        rejected(path, "not valid JSON", model)
    model.load(tmp_path / "whole.json")
    assert snapshot(model) == snapshot(source)


def test_a_file_far_larger_than_the_model_needs_is_refused_before_it_is_read_whole(
    tmp_path: Path,
) -> None:
    text = valid_text(model=json.dumps("MLP" + " " * (3 * 2**20)))
    rejected(
        write(tmp_path, text),
        r"is larger than 1,0\d\d,\d\d\d bytes, more than a file written by "
        r"model\.save\(path\) for MLP\(nin=2, nouts=\[3, 1\]\) can be",
    )
    with pytest.raises(StateDictError, match="larger than 1,000 bytes, the limit max_bytes sets"):
        read_state(write(tmp_path, text), max_bytes=1000)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_without_running_out_of_memory() -> None:
    rejected(Path("/dev/zero"), "is larger than")


def test_a_file_of_a_somewhat_bigger_model_still_names_both_architectures(tmp_path: Path) -> None:
    MLP(8, [64, 64, 1], seed=0).save(tmp_path / "big.json")  # 4,801 parameters, about 200 kB
    rejected(tmp_path / "big.json", r"holds 4801 parameters \(saved from MLP\(nin=8")


@given(st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=8)), min_size=1, max_size=4))
def test_a_randomly_damaged_file_is_loaded_whole_or_refused_with_nothing_changed(
    damage: list[tuple[int, bytes]],
) -> None:
    import tempfile

    source = MLP(2, [3, 1], seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.json"
        source.save(path)
        data = bytearray(path.read_bytes())
        for position, replacement in damage:  # overwrite, insert or delete a few bytes
            at = position % (len(data) + 1)
            data[at : at + (position % 3)] = replacement
        path.write_bytes(bytes(data))
        model = MLP(2, [3, 1], seed=1)
        before = snapshot(model)
        try:
            model.load(path)
        except StateDictError as error:
            assert "left unchanged" in str(error)
            assert snapshot(model) == before
        else:  # the damage kept the file valid: the model holds exactly the file's numbers
            numbers = json.loads(bytes(data))["parameters"]
            assert snapshot(model) == [bits(float(numbers[n])) for n, _ in model.named_parameters()]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(
    st.sampled_from(["format", "version", "model", "num_parameters", "parameters", "a parameter"]),
    JSON_VALUES,
)
def test_any_json_value_in_any_field_is_loaded_or_refused_with_nothing_changed(
    field: str, value: Any
) -> None:
    import tempfile

    document = saved_document(MLP(2, [3, 1], seed=0))
    if field == "a parameter":
        document["parameters"]["layers.0.neurons.1.w.1"] = value
    else:
        document[field] = value
    model = MLP(2, [3, 1], seed=1)
    before = snapshot(model)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.json"
        path.write_text(json.dumps(document), encoding="utf-8")  # NaN and inf written as such
        try:
            model.load(path)
        except StateDictError:
            assert snapshot(model) == before
        else:
            assert field in ("model", "a parameter")
            assert model.layers[0].neurons[1].w[1].data == float(
                document["parameters"]["layers.0.neurons.1.w.1"]
            )


# an interrupt between open() and the start of its `with` leaves the file to the garbage collector,
# which closes it with a ResourceWarning: Python's own limit, and no harm to the model
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("through", ["load", "load_state_dict"])
def test_ctrl_c_at_any_bytecode_of_a_load_leaves_all_old_or_all_new_values(
    tmp_path: Path, through: str
) -> None:
    source = MLP(2, [3, 1], seed=0)
    source.save(tmp_path / "m.json")
    state = source.state_dict()
    model = MLP(2, [3, 1], seed=1)
    old = snapshot(model)
    call = (
        partial(model.load, tmp_path / "m.json")
        if through == "load"
        else partial(model.load_state_dict, state)
    )
    for n in range(1, 100_000):
        if not interrupted(call, serialization.__file__, n):
            break
        assert snapshot(model) in (old, snapshot(source)), f"a mix after an interrupt at step {n}"
        if snapshot(model) != old:  # the interrupt came after the last assignment: start again
            for p, data in zip(model.parameters(), MLP(2, [3, 1], seed=1).parameters()):
                p.data = data.data
    assert n > 100  # the tracer reached every step of the load
    assert snapshot(model) == snapshot(source)
