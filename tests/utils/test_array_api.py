import numpy as np
import pytest

from skmm.utils import get_namespace, to_numpy
from skmm.utils._array_api import cholesky, is_numpy_namespace, solve_triangular


def test_numpy_namespace():
    xp = get_namespace(np.ones(3))
    assert is_numpy_namespace(xp)
    assert is_numpy_namespace(get_namespace([1.0, 2.0]))


def test_strict_on_device1_round_trip():
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    a = xps.asarray([[4.0, 2.0], [2.0, 3.0]], device=dev)
    xp = get_namespace(a)
    assert xp is xps
    L = cholesky(xp, a)
    assert L.device == dev
    b = xps.asarray([[1.0], [2.0]], device=dev)
    x = solve_triangular(xp, L, b, lower=True)
    assert x.device == dev
    np.testing.assert_allclose(to_numpy(L) @ to_numpy(x), [[1.0], [2.0]])
    np.testing.assert_allclose(to_numpy(L), np.linalg.cholesky([[4.0, 2.0], [2.0, 3.0]]))


def test_numpy_solve_triangular_matches_scipy():
    rng = np.random.default_rng(0)
    L = np.tril(rng.normal(size=(5, 5))) + 5 * np.eye(5)
    b = rng.normal(size=(5, 2))
    x = solve_triangular(get_namespace(L), L, b, lower=True)
    np.testing.assert_allclose(L @ x, b, atol=1e-12)


def test_cholesky_raises_on_non_pd():
    with pytest.raises(np.linalg.LinAlgError):
        cholesky(get_namespace(np.eye(2)), -np.eye(2))


def test_group_sums_numpy_and_strict_agree_with_a_loop():
    from skmm.utils._array_api import group_sums

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 200)
    labels[labels == 3] = 4  # an empty group keeps a zero row
    values = rng.normal(size=(200, 3))
    expected = np.stack([values[labels == g].sum(axis=0) for g in range(5)])
    sums, counts = group_sums(get_namespace(values), labels, values, 5)
    np.testing.assert_allclose(sums, expected, atol=1e-12)
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=5))

    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    s2, c2 = group_sums(xps, xps.asarray(labels, device=dev), xps.asarray(values, device=dev), 5)
    assert s2.device == dev
    np.testing.assert_allclose(to_numpy(s2), expected, atol=1e-12)
    np.testing.assert_array_equal(to_numpy(c2), counts)


def test_kth_smallest_matches_a_sort():
    from skmm.utils._array_api import kth_smallest

    A = np.random.default_rng(0).normal(size=(20, 9))
    expected = np.sort(A, axis=1)[:, 2:3]
    np.testing.assert_array_equal(kth_smallest(get_namespace(A), A, 3), expected)
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("device1")
    out = kth_smallest(xps, xps.asarray(A, device=dev), 3)
    assert out.device == dev
    np.testing.assert_array_equal(to_numpy(out), expected)
