"""Save/load: bit-exact round trips, atomic saves, and every kind of bad file refused."""

import json
import os
import struct
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, data, files, modelfile


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same_net(a: MLP, b: MLP) -> bool:
    pa, pb = a.parameters(), b.parameters()
    return (
        a.sizes == b.sizes
        and a.activations == b.activations
        and len(pa) == len(pb)
        and all(type(x.data) is type(y.data) for x, y in zip(pa, pb))
        and all(
            bits(x.data) == bits(y.data) if type(x.data) is float else x.data == y.data
            for x, y in zip(pa, pb)
        )
    )


def test_round_trip_keeps_sizes_activations_and_every_bit(tmp_path):
    net = MLP([3, 5, 4, 2], activation=["tanh", "relu", "sigmoid"], seed=7, init="xavier")
    path = tmp_path / "net.json"
    net.save(path)
    back = MLP.load(path)
    assert same_net(net, back)
    assert (back.init, back.seed) == ("xavier", 7)


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(finite, min_size=9, max_size=9))
def test_round_trip_is_bit_exact_for_any_finite_floats(values):
    net = MLP([2, 2, 1], seed=0)
    net.set_flat(values)
    back = modelfile.from_json(modelfile.to_json(net), MLP)
    assert [bits(p.data) for p in back.parameters()] == [bits(v) for v in values]


def test_round_trip_keeps_fractions_and_ints_exact(tmp_path):
    net = MLP.from_weights(
        {2: [[Fraction(1, 3), -2]], 3: [[Fraction(-7, 5)]]},
        {2: [Fraction(1, 2)], 3: [0]},
        "relu",
    )
    path = tmp_path / "exact.json"
    net.save(path)
    assert '"1/3"' in path.read_text()
    assert same_net(net, MLP.load(path))


def test_the_file_is_plain_json_with_the_documented_fields(tmp_path):
    path = tmp_path / "seed.json"
    data.tutorial_example().net().save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "microbp.mlp" and doc["version"] == 1
    assert doc["sizes"] == [3, 3, 2] and doc["activations"] == ["sigmoid", "sigmoid"]
    assert doc["W"]["2"][0] == [0.1, 0.2, -0.1] and doc["b"]["3"] == [0.05, -0.05]


def test_saving_a_non_finite_weight_fails_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "net.json"
    MLP([2, 2, 1], seed=0).save(path)
    old = path.read_bytes()
    net = MLP([2, 2, 1], seed=1)
    net.w(2, 1, 1).data = float("nan")
    with pytest.raises(ValueError, match="finite"):
        net.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["net.json"]


@pytest.mark.parametrize("broken", ["os.replace", "os.fsync"])
def test_a_failed_save_leaves_the_old_file_intact_and_no_temp_file(tmp_path, monkeypatch, broken):
    path = tmp_path / "net.json"
    MLP([2, 2, 1], seed=0).save(path)
    old = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, broken.split(".")[1], fail)  # the writer modelfile.save uses
    with pytest.raises(OSError, match="disk full"):
        MLP([2, 2, 1], seed=1).save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["net.json"]


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "net.json"
    MLP([2, 2, 1], seed=0).save(path)
    new = MLP([2, 3, 1], seed=1)
    new.save(path)
    assert same_net(MLP.load(path), new)
    assert os.listdir(tmp_path) == ["net.json"]


def good_doc() -> dict:
    return json.loads(modelfile.to_json(data.tutorial_example().net()))


def mutate(change):
    doc = good_doc()
    change(doc)
    return json.dumps(doc)


BAD_TEXTS = {
    "empty": ("", "empty"),
    "blank": ("  \n", "empty"),
    "not json": ("hello", "not valid JSON"),
    "truncated": (modelfile.to_json(data.tutorial_example().net())[:150], "not valid JSON"),
    "a list": ("[1, 2, 3]", "not a microbp model"),
    "other json": ('{"name": "x"}', "not a microbp model"),
    "wrong format": (mutate(lambda d: d.update(format="keras")), "not a microbp model"),
    "missing W": (mutate(lambda d: d.pop("W")), "lacks the field"),
    "extra field": (mutate(lambda d: d.update(extra=1)), "unknown field"),
    "version 2": (mutate(lambda d: d.update(version=2)), "version"),
    "sizes text": (mutate(lambda d: d.update(sizes="3,3,2")), "sizes"),
    "sizes zero": (mutate(lambda d: d.update(sizes=[3, 0, 2])), "sizes"),
    "sizes bool": (mutate(lambda d: d.update(sizes=[3, True, 2])), "sizes"),
    "unknown activation": (
        mutate(lambda d: d.update(activations=["sigmoid", "swish"])),
        "unknown activation 'swish'",
    ),
    "activation count": (mutate(lambda d: d.update(activations=["sigmoid"])), "activations"),
    "W missing layer": (mutate(lambda d: d["W"].pop("3")), "W must be an object"),
    "W short row": (mutate(lambda d: d["W"]["2"][1].pop()), r"W\[2\] must be n_2 × n_1"),
    "W extra row": (mutate(lambda d: d["W"]["3"].append([0, 0, 0])), r"W\[3\] must be"),
    "b wrong length": (mutate(lambda d: d["b"]["2"].append(0.0)), r"b\[2\] must have"),
    "weight text": (
        mutate(lambda d: d["W"]["2"][0].__setitem__(1, "abc")),
        r"W\[2\] row 1, column 2 \(w₁₂⁽²⁾\) must be a number",  # where, and which weight
    ),
    "weight null": (mutate(lambda d: d["b"]["3"].__setitem__(0, None)), "must be a number"),
    "weight bool": (mutate(lambda d: d["b"]["3"].__setitem__(0, True)), "must be a number"),
    "weight list": (mutate(lambda d: d["b"]["3"].__setitem__(0, [1])), "must be a number"),
    "weight NaN": (
        modelfile.to_json(data.tutorial_example().net()).replace("0.05", "NaN"),
        "non-finite",
    ),
    "weight Infinity": (
        modelfile.to_json(data.tutorial_example().net()).replace("0.05", "-Infinity"),
        "non-finite",
    ),
    "weight 1e999": (
        modelfile.to_json(data.tutorial_example().net()).replace("0.05", "1e999"),
        "finite",
    ),
    "zero denominator": (
        mutate(lambda d: d["b"]["3"].__setitem__(0, "1/0")),
        "zero denominator",
    ),
    "seed text": (mutate(lambda d: d.update(seed="0")), "seed"),
}


@pytest.mark.parametrize("case", list(BAD_TEXTS))
def test_loading_a_bad_file_raises_value_error_saying_what_is_wrong(tmp_path, case):
    text, match = BAD_TEXTS[case]
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        MLP.load(path)


def test_loading_non_utf8_bytes_raises_value_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="UTF-8"):
        MLP.load(path)


def test_load_error_names_the_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("")
    with pytest.raises(ValueError, match="model.json"):
        MLP.load(path)


def test_loading_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP.load(tmp_path / "nope.json")


def test_save_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing/m.json") as info:
        MLP([2, 2, 1]).save(tmp_path / "missing" / "m.json")
    assert ".tmp" not in str(info.value)
    (tmp_path / "adir.json").mkdir()
    with pytest.raises(IsADirectoryError, match="adir.json") as info:
        MLP([2, 2, 1]).save(tmp_path / "adir.json")
    assert ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == ["adir.json"]


def test_a_softmax_output_of_one_neuron_in_a_model_file_is_refused(tmp_path):
    net = MLP([2, 2], activation="softmax")
    path = tmp_path / "m.json"
    net.save(path)
    doc = json.loads(path.read_text())
    doc["sizes"] = [2, 1]
    doc["W"]["2"] = doc["W"]["2"][:1]
    doc["b"]["2"] = doc["b"]["2"][:1]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="softmax output layer needs n_L ≥ 2"):
        MLP.load(path)
    assert json.loads(path.read_text()) == doc  # refused, not rewritten
