"""skmm.utils._pairwise against scikit-learn's pairwise metrics and closed forms."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import pairwise_distances, pairwise_kernels

from skmm.utils import get_namespace
from skmm.utils._pairwise import KERNELS, one_hot, pairwise_kernel, squared_distances

xp = get_namespace(np.zeros(1))


@pytest.fixture
def hists():
    rng = np.random.default_rng(0)
    A = rng.random((9, 6))
    A[0, :3] = 0  # zero bins: the 0/0 terms of chi2
    B = rng.random((4, 6))
    B[1, :3] = 0
    return A, B


def test_squared_distances_match_sklearn(hists):
    A, B = hists
    np.testing.assert_allclose(squared_distances(xp, A, B), pairwise_distances(A, B) ** 2,
                               rtol=1e-10, atol=1e-12)
    assert np.all(squared_distances(xp, A, A) >= 0)


def test_one_hot():
    got = one_hot(xp, np.array([1, 0, 3, -1]), 4, np.float32)
    np.testing.assert_array_equal(got, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    assert got.dtype == np.float32


@pytest.mark.parametrize("kernel, params", [
    ("linear", {}),
    ("rbf", {}), ("rbf", {"gamma": 0.3}),
    ("poly", {}), ("poly", {"gamma": 0.5, "degree": 2, "coef0": 0.0}),
    ("chi2", {}), ("chi2", {"gamma": 0.2}),
    ("additive_chi2", {}),
])
def test_kernels_equal_sklearn(hists, kernel, params):
    A, B = hists
    for other in (B, None):
        ref = pairwise_kernels(A, other, metric=kernel, **params)
        np.testing.assert_allclose(pairwise_kernel(xp, A, other, kernel=kernel, **params), ref,
                                   rtol=1e-10, atol=1e-12)


def test_rbf_diagonal_is_exactly_one(hists):
    A = hists[0] * 1e3
    assert np.all(np.diag(pairwise_kernel(xp, A, kernel="rbf", gamma=1.0)) == 1.0)


def test_intersection_closed_form(hists):
    A, B = hists
    ref = np.array([[np.minimum(a, b).sum() for b in B] for a in A])
    np.testing.assert_allclose(pairwise_kernel(xp, A, B, kernel="intersection"), ref,
                               rtol=1e-12)


def test_block_boundaries(monkeypatch, hists):
    # chi2/intersection go through (rows, m, d) blocks: force many small ones
    from skmm.utils import _pairwise

    A, B = hists
    ref = pairwise_kernel(xp, A, B, kernel="chi2")
    monkeypatch.setattr(_pairwise, "_BLOCK_ELEMENTS", 30)
    np.testing.assert_allclose(pairwise_kernel(xp, A, B, kernel="chi2"), ref, rtol=1e-14)


@pytest.mark.parametrize("kernel", ["chi2", "additive_chi2", "intersection"])
def test_negative_input_is_named(hists, kernel):
    A, B = hists
    A = A.copy()
    A[4, 2] = -0.5
    with pytest.raises(ValueError, match=rf"view 'image' has negative values \(first at row 4, "
                                         rf"column 2, 1 in all\): the '{kernel}' kernel"):
        pairwise_kernel(xp, A, B, kernel=kernel, name="view 'image'")


def test_unknown_kernel_and_shapes(hists):
    A, B = hists
    with pytest.raises(ValueError, match="unknown kernel 'sigmoid' for X"):
        pairwise_kernel(xp, A, kernel="sigmoid")
    with pytest.raises(ValueError, match="X: the two inputs have 6 and 5 features"):
        pairwise_kernel(xp, A, B[:, :5])
    assert "precomputed" not in KERNELS


def test_sparse_numpy_input(hists):
    A, B = hists
    for kernel in ("linear", "rbf", "poly"):
        np.testing.assert_allclose(pairwise_kernel(xp, sp.csr_matrix(A), B, kernel=kernel),
                                   pairwise_kernels(A, B, metric=kernel), rtol=1e-10)
    with pytest.raises(TypeError, match="'chi2' kernel needs a dense array"):
        pairwise_kernel(xp, sp.csr_matrix(A), kernel="chi2")


def test_array_api_strict_device1_equals_numpy(hists):
    xps = pytest.importorskip("array_api_strict")
    dev, cpu = xps.Device("device1"), xps.Device("CPU_DEVICE")
    A_np, B_np = hists
    A, B = xps.asarray(A_np, device=dev), xps.asarray(B_np, device=dev)
    ns = get_namespace(A)
    for kernel in KERNELS:
        for other, other_np in ((B, B_np), (None, None)):
            got = pairwise_kernel(ns, A, other, kernel=kernel)
            assert got.device == dev
            np.testing.assert_allclose(np.asarray(got.to_device(cpu)),
                                       pairwise_kernel(xp, A_np, other_np, kernel=kernel),
                                       rtol=1e-12, atol=1e-14)
    oh = one_hot(ns, xps.asarray([0, 2], device=dev), 3, ns.float64)
    assert oh.device == dev
    np.testing.assert_array_equal(np.asarray(oh.to_device(cpu)), [[1, 0, 0], [0, 0, 1]])
