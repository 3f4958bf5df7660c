"""microbp.names: the tutorial's names as data, one formatter, one parser of the typed forms."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microbp import MLP, names
from microbp.names import BadName, Name, format_name, parse


def name_of(kind: str, l: int, i: int, j: int, with_indices: bool) -> Name:
    """A valid Name of ``kind`` built from drawn numbers (indices dropped where the kind can)."""
    spec = names.KINDS[kind]
    layer = None if spec.first_layer is None else max(l, spec.first_layer)
    count = max(spec.indices) if with_indices else min(spec.indices)
    return Name(kind, layer, *[i, j][:count])


small = st.integers(min_value=1, max_value=12)
large = st.integers(min_value=1, max_value=10**6)
any_name = st.builds(
    name_of, st.sampled_from(list(names.KINDS)), small | large, small | large, small, st.booleans()
)


@given(any_name)
def test_plain_and_unicode_forms_parse_back_to_the_same_name(name):
    assert parse(name.plain) == name
    assert parse(name.unicode) == name
    assert parse(format_name(name, "ascii")) == name


@given(any_name)
def test_the_plain_form_is_ascii_and_delta_may_be_written_as_the_greek_letter(name):
    assert name.plain.isascii()
    assert parse(name.plain.replace("delta", "δ")) == name


@given(st.integers(1, 99), st.integers(1, 99), st.integers(2, 99))
def test_a_comma_separates_the_weight_indices_exactly_when_one_has_two_digits(i, j, l):
    text = names.w(l, i, j).plain
    assert ("," in text) == (i >= 10 or j >= 10)
    assert parse(f"w_{i},{j}^({l})") == names.w(l, i, j)  # the comma is always accepted


def test_the_three_forms_of_each_kind():
    cases = [
        (names.w(3, 1, 2), "w_12^(3)", "w₁₂⁽³⁾", "w_{12}^{(3)}"),
        (names.w(2, 12, 3), "w_12,3^(2)", "w₁₂,₃⁽²⁾", "w_{12,3}^{(2)}"),
        (names.b(2, 4), "b_4^(2)", "b₄⁽²⁾", "b_{4}^{(2)}"),
        (names.z(2, 1), "z_1^(2)", "z₁⁽²⁾", "z_{1}^{(2)}"),
        (names.a(10, 11), "a_11^(10)", "a₁₁⁽¹⁰⁾", "a_{11}^{(10)}"),
        (names.delta(2, 1), "delta_1^(2)", "δ₁⁽²⁾", "\\delta_{1}^{(2)}"),
        (names.delta(3), "delta^(3)", "δ⁽³⁾", "\\delta^{(3)}"),
        (names.W(3), "W^(3)", "W⁽³⁾", "W^{(3)}"),
        (names.x(3), "x_3", "x₃", "x_{3}"),
        (names.y(1), "y_1", "y₁", "y_{1}"),
        (names.E(), "E", "E", "E"),
    ]
    for name, plain, uni, latex in cases:
        assert (name.plain, name.unicode, name.latex) == (plain, uni, latex)
        assert (str(name), f"{name}", f"{name:plain}", f"{name:latex}") == (uni, uni, plain, latex)
    assert f"[{names.z(2, 1):<7}]" == "[z₁⁽²⁾  ]"  # a str format spec pads the Unicode form


def test_names_are_values_hashable_and_carry_their_layer():
    assert names.w(3, 1, 2) == Name("w", 3, 1, 2) and len({names.z(2, 1), names.z(2, 1)}) == 1
    assert names.x(2).layer == 1 and names.z(3, 1).layer == 3 and names.y(1).layer is None
    assert names.z(2, 1).as_kind("delta") == names.delta(2, 1)
    with pytest.raises(AttributeError):
        names.z(2, 1).l = 3  # frozen


@pytest.mark.parametrize(
    "text, says",
    [
        ("w_110^(3)", "comma"),  # w₁,₁₀ or w₁₁,₀?
        ("w_1^(3)", "two indices"),
        ("w_12^(1)", "layer 1 is the input"),
        ("z_0^(2)", "below 1"),
        ("z_01^(2)", "starts with 0"),
        ("z_1^(02)", "starts with 0"),
        ("q_1^(2)", "not a kind of name"),
        ("", "not a kind of name"),
        ("z_1^(2", "^(l)"),
        ("z_1^(2))", "^(l)"),
        ("z_1^2", "unexpected"),
        ("z_^(2)", "missing"),
        ("z_1,,2^(2)", "missing"),
        ("z_1,2^(2)", "takes 0 or 1 indices"),
        ("x_1^(2)", "no layer"),
        ("E_1", "takes 0 indices"),
        ("w_1,2,3^(2)", "at most two"),
        ("__import__('os')", "not a kind of name"),
        ("z_1^(2) + 1", "at the end"),
        ("z" * 10_000, "at most"),
    ],
)
def test_a_text_that_is_no_name_is_refused_saying_what_was_expected(text, says):
    with pytest.raises(BadName) as info:
        parse(text)
    message = str(info.value)
    assert says in message
    assert "w_12^(3)" in message or "comma" in message  # the expected form is named


def test_parse_refuses_non_text_and_is_quick_on_long_input():
    with pytest.raises(TypeError, match="str"):
        parse(12)
    start = time.perf_counter()
    for text in ("w_" + "1" * 10**6, "⁽" * 10**6, "δ" * 10**6):
        with pytest.raises(BadName):
            parse(text)
    assert time.perf_counter() - start < 1.0


def test_a_name_with_a_wrong_shape_cannot_be_made():
    for args in [("v", 2, 1), ("w", 2, 1), ("w", 2, 1, 0), ("b", None, 1), ("z", 2, True)]:
        with pytest.raises(BadName):
            Name(*args)
    with pytest.raises(ValueError, match="style"):
        format_name(names.z(2, 1), "html")


def test_shown_as_switches_the_shown_form_inside_the_block_only():
    d = names.delta(2, 1)
    with names.shown_as("ascii"):
        assert (str(d), f"{d}", f"{d:<12}|") == ("delta_1^(2)", "delta_1^(2)", "delta_1^(2) |")
        assert f"{d:latex}" == "\\delta_{1}^{(2)}" and d.unicode == "δ₁⁽²⁾"  # asked for: given
    assert str(d) == "δ₁⁽²⁾"
    with pytest.raises(ValueError, match="style"):
        with names.shown_as("html"):
            pass


@given(st.lists(st.integers(1, 12), min_size=2, max_size=4))
def test_every_parameter_label_of_a_net_is_the_plain_form_of_its_name_and_reads_back(sizes):
    named = MLP(sizes).named_parameters()
    assert len({name for name, _ in named}) == len(named)  # no two parameters share a name
    for name, p in named:
        assert p.label == name.plain and parse(p.label) == name
