"""The generated data sets: shapes, target coding, determinism, argument checks."""

import numpy as np
import pytest

from microbp import data


def test_tutorial_data_is_the_tutorial_examples_pair():
    X, Y = data.tutorial_data()
    ex = data.tutorial_example()
    assert X.tolist() == [list(ex.x)] and Y.tolist() == [list(ex.y)]


@pytest.mark.parametrize(
    "old, new",
    [
        ("seed_example", "tutorial_example"),
        ("seed_data", "tutorial_data"),
        ("SeedExample", "TutorialExample"),
    ],
)
def test_the_old_names_still_work_for_one_release_and_warn(old, new):
    with pytest.warns(DeprecationWarning, match=rf"microbp\.data\.{old} is deprecated.*{new}"):
        thing = getattr(data, old)
    assert thing is getattr(data, new)
    with pytest.warns(DeprecationWarning, match=old):
        exec(f"from microbp.data import {old}", {})


def test_the_new_names_do_not_warn_and_unknown_names_still_fail(recwarn):
    data.tutorial_example(), data.tutorial_data(), data.TutorialExample()
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
    with pytest.raises(AttributeError, match="no attribute 'seed_net'"):
        data.seed_net  # noqa: B018
    assert "seed_example" not in data.__all__ and "tutorial_example" in data.__all__


def test_xor_targets_are_one_exactly_when_the_inputs_differ():
    X, Y = data.xor()
    assert X.dtype == Y.dtype == np.float64
    assert Y.ravel().tolist() == [float(a != b) for a, b in X]


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_parity_lists_every_bit_vector_once_with_target_odd_count(n):
    X, Y = data.parity(n)
    assert X.shape == (2**n, n) and Y.shape == (2**n, 1)
    assert len({tuple(r) for r in X.tolist()}) == 2**n
    assert Y.ravel().tolist() == [float(sum(r) % 2) for r in X.tolist()]


@pytest.mark.parametrize("n, m", [(8, 3), (10, 5)])
def test_encoder_maps_each_one_hot_row_to_itself(n, m):
    X, Y = data.encoder(n, m)
    assert X.shape == Y.shape == (n, n)
    assert np.array_equal(X, np.eye(n)) and np.array_equal(Y, np.eye(n))


def test_two_spirals_default_is_the_classic_97_point_set_scaled():
    X, Y = data.two_spirals()
    assert X.shape == (194, 2) and Y.ravel().tolist() == [0.0] * 97 + [1.0] * 97
    k = np.arange(97)
    r = (104 - k) / 104  # Lang & Witbrock: r = 6.5 (104 − k)/104, φ = kπ/16, here ÷ 6.5
    np.testing.assert_allclose(np.hypot(X[:97, 0], X[:97, 1]), r, rtol=1e-12)
    np.testing.assert_allclose(X[97:], -X[:97])
    assert np.abs(X).max() <= 1.0


def test_two_moons_splits_into_two_labelled_halves_and_noise_follows_the_seed():
    X, Y = data.two_moons(n=101, noise=0.0)
    assert X.shape == (101, 2) and Y.sum() == 51
    a, _ = data.two_moons(n=50, noise=0.2, seed=1)
    b, _ = data.two_moons(n=50, noise=0.2, seed=1)
    c, _ = data.two_moons(n=50, noise=0.2, seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_spiral_noise_follows_the_seed_and_zero_noise_ignores_it():
    a, _ = data.two_spirals(20, seed=1, noise=0.05)
    b, _ = data.two_spirals(20, seed=1, noise=0.05)
    c, _ = data.two_spirals(20, seed=2, noise=0.05)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(data.two_spirals(20, seed=1)[0], data.two_spirals(20, seed=2)[0])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: data.parity(0), "n"),
        (lambda: data.parity(17), "n"),
        (lambda: data.parity(2.0), "n"),
        (lambda: data.encoder(1, 1), "n"),
        (lambda: data.encoder(8, 0), "m"),
        (lambda: data.two_spirals(1), "n_per_class"),
        (lambda: data.two_moons(n=10, noise=-1.0), "noise"),
        (lambda: data.two_moons(n=10, seed=-3), "seed"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_every_named_data_set_fits_its_default_net():
    for name, (make, args, sizes) in data.DATASETS.items():
        X, Y = make(*args)
        s = sizes(*args)
        assert (X.shape[1], Y.shape[1]) == (s[0], s[-1]), name
        assert np.all((Y == 0) | (Y == 1)), name


@pytest.mark.parametrize(
    "name, args",
    [(name, args) for name, (_, args, _) in data.DATASETS.items()]
    + [("encoder", (5, 2)), ("parity", (1,)), ("parity", (6,)), ("spirals", (3,)),
       ("moons", (7,))],
)  # fmt: skip
def test_rows_says_how_many_rows_a_set_has_before_it_is_made(name, args):
    make = data.DATASETS[name][0]
    assert data.ROWS[name](*args) == make(*args)[0].shape[0]
    assert set(data.ROWS) == set(data.DATASETS)


def test_split_holds_out_each_class_in_proportion_and_the_seed_fixes_the_cut():
    X, Y = data.iris()
    X_train, Y_train, X_test, Y_test = data.split(X, Y, 0.2, seed=0)
    assert (len(X_train), len(X_test)) == (120, 30)
    assert Y_test.sum(axis=0).tolist() == [10.0, 10.0, 10.0]  # a fifth of each class
    rows = {tuple(r) for r in X}
    assert {tuple(r) for r in X_train} | {tuple(r) for r in X_test} == rows
    assert not {tuple(r) for r in X_train} & {tuple(r) for r in X_test}
    again = data.split(X, Y, 0.2, seed=0)
    assert np.array_equal(again[2], X_test)  # the same seed, the same cut
    other = data.split(X, Y, 0.2, seed=1)
    assert not np.array_equal(other[2], X_test)


def test_split_of_a_one_column_set_and_of_nothing():
    X, Y = data.two_moons(50)
    _, Y_train, _, Y_test = data.split(X, Y, 0.2, seed=3)
    assert Y_test.ravel().tolist().count(1.0) == 5 and len(Y_test) == 10
    X_train, _, X_test, _ = data.split(X, Y, 0, seed=3)
    assert np.array_equal(X_train, X) and X_test.shape == (0, 2)


@pytest.mark.parametrize("fraction", [1, 1.5, -0.1, True, "0.2", float("nan")])
def test_split_refuses_a_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError, match=r"test_fraction must be a number in \[0, 1\)"):
        data.split(*data.xor(), fraction)


def test_split_that_would_hold_out_nothing_says_so():
    with pytest.raises(ValueError, match="holds out none"):
        data.split(*data.xor(), 0.1)  # 2 rows a class: round(0.2) = 0 of each


def test_the_data_set_once_called_seed_is_tutorial_and_the_old_name_warns():
    assert "tutorial" in data.DATASETS and list(data.DATASETS)[0] == "tutorial"
    assert "seed" not in list(data.DATASETS)  # not offered among the names any more…
    assert "seed" in data.DATASETS  # …but still taken, for one release
    with pytest.warns(FutureWarning, match="'seed' is now called 'tutorial'"):
        make, args, sizes = data.DATASETS["seed"]
    assert make is data.tutorial_data and sizes(*args) == [3, 3, 2]
    with pytest.warns(FutureWarning):
        assert data.DATASETS.canonical("seed") == "tutorial"
    assert data.DATASETS.canonical("xor") == "xor" and "nope" not in data.DATASETS
