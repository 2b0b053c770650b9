"""Distances, one-hot codes and kernels, written once for every learner.

Every function takes the array namespace ``xp`` first and uses only ``xp.*``,
so the same code runs on NumPy, CuPy or ``array_api_strict`` (get ``xp``
with :func:`skmm.utils.get_namespace`). Squared distances are one GEMM
(``||a||^2 - 2 a.b + ||b||^2``); the chi2 and intersection kernels need the
full ``(n, m, d)`` difference and go through it in row blocks.

Kernels by name (:data:`KERNELS`) give the same values as
:func:`sklearn.metrics.pairwise.pairwise_kernels` for ``"linear"``,
``"rbf"``, ``"poly"``, ``"chi2"`` and ``"additive_chi2"``;
``"intersection"`` is the histogram intersection kernel (Swain & Ballard
1991, the pyramid match kernel of Lazebnik et al. 2006). ``"precomputed"``
is the callers' business: they take their input as the Gram matrix.
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp

from ._array_api import device, is_numpy_namespace, to_numpy

__all__ = [
    "KERNELS",
    "one_hot",
    "pairwise_kernel",
    "squared_distances",
]

KERNELS = ("linear", "rbf", "poly", "chi2", "additive_chi2", "intersection")

# Elements of the (rows, m, d) block that chi2/intersection build at a time.
_BLOCK_ELEMENTS = 2**22


def squared_distances(xp, A, B):
    """Squared Euclidean distances between the rows of ``A`` and of ``B``.

    Parameters
    ----------
    xp : namespace
        The array namespace of ``A`` and ``B``.
    A : array of shape (n, d)
    B : array of shape (m, d)

    Returns
    -------
    d2 : array of shape (n, m)
        ``||a_i - b_j||^2``, clipped at 0 (the GEMM expansion can round a
        zero distance to a tiny negative number).

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils import get_namespace
    >>> from skmm.utils._pairwise import squared_distances
    >>> A = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> squared_distances(get_namespace(A), A, A[:1])
    array([[ 0.],
           [25.]])
    """
    d2 = (xp.sum(A * A, axis=1)[:, None] - 2.0 * (A @ B.T)
          + xp.sum(B * B, axis=1)[None, :])
    return xp.maximum(d2, xp.zeros_like(d2))


def one_hot(xp, labels, k, dtype):
    """One-hot matrix of integer ``labels``: ``out[i, j] = labels[i] == j``.

    Parameters
    ----------
    xp : namespace
    labels : integer array of shape (n,)
        Values in ``[0, k)``; any other value (e.g. ``-1``) gives a zero row.
    k : int
        Number of columns.
    dtype : dtype of ``xp``
        Dtype of the result (e.g. ``xp.float64``).

    Returns
    -------
    onehot : array of shape (n, k)

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils import get_namespace
    >>> from skmm.utils._pairwise import one_hot
    >>> xp = get_namespace(np.zeros(1))
    >>> one_hot(xp, np.array([2, 0, -1]), 3, xp.float64)
    array([[0., 0., 1.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    codes = xp.arange(k, dtype=labels.dtype, device=device(labels))
    return xp.astype(labels[:, None] == codes[None, :], dtype)


def _as_float(xp, X):
    if xp.isdtype(X.dtype, "real floating"):
        return X
    return xp.astype(X, xp.float64)


def _check_non_negative(xp, X, kernel, name):
    neg = X < 0
    if bool(xp.any(neg)):
        rows, cols = np.nonzero(np.asarray(to_numpy(neg)))
        raise ValueError(
            f"{name} has negative values (first at row {int(rows[0])}, column "
            f"{int(cols[0])}, {int(rows.size)} in all): the {kernel!r} kernel is "
            "defined for non-negative features such as histograms")


def _blockwise(xp, A, B, pair_sum):
    """``out[i, j] = sum_d pair_sum(A[i, d], B[j, d])`` in row blocks of ``A``."""
    n, m, d = A.shape[0], B.shape[0], A.shape[1]
    rows = max(1, _BLOCK_ELEMENTS // max(1, m * d))
    parts = []
    for start in range(0, n, rows):
        block = A[start:min(start + rows, n), :]
        parts.append(xp.sum(pair_sum(block[:, None, :], B[None, :, :]), axis=2))
    if not parts:
        return xp.zeros((0, m), dtype=A.dtype, device=device(A))
    return xp.concat(parts, axis=0) if len(parts) > 1 else parts[0]


def _chi2_terms(xp):
    def terms(a, b):
        # (a - b)^2 / (a + b), with 0/0 := 0 as in scikit-learn.
        s = a + b
        safe = xp.where(s > 0, s, xp.ones_like(s))
        return xp.where(s > 0, (a - b) ** 2 / safe, xp.zeros_like(s))
    return terms


def pairwise_kernel(xp, A, B=None, *, kernel="linear", gamma=None, degree=3, coef0=1.0,
                    name="X"):
    """Kernel matrix between the rows of ``A`` and ``B`` for a kernel given by name.

    Parameters
    ----------
    xp : namespace
        The array namespace of ``A`` and ``B``.
    A : array of shape (n, d)
        Integer input is computed in float64. On NumPy a SciPy sparse matrix
        is accepted for ``"linear"``, ``"rbf"`` and ``"poly"``.
    B : array of shape (m, d) or None
        None means ``A`` (the diagonal of ``"rbf"`` is then exactly 1).
    kernel : {"linear", "rbf", "poly", "chi2", "additive_chi2", "intersection"}
        - ``"linear"``: ``a . b``
        - ``"rbf"``: ``exp(-gamma ||a - b||^2)``
        - ``"poly"``: ``(gamma a . b + coef0) ** degree``
        - ``"chi2"``: ``exp(-gamma sum_k (a_k - b_k)^2 / (a_k + b_k))``
        - ``"additive_chi2"``: ``-sum_k (a_k - b_k)^2 / (a_k + b_k)``
        - ``"intersection"``: ``sum_k min(a_k, b_k)``

        The last three need non-negative input (histograms); a term with
        ``a_k + b_k = 0`` counts 0.
    gamma : float or None
        None means ``1 / d`` for ``"rbf"`` and ``"poly"`` and ``1.0`` for
        ``"chi2"`` (scikit-learn's defaults).
    degree : int
        Degree of ``"poly"``.
    coef0 : float
        Constant of ``"poly"``.
    name : str
        How errors name the input (a view, a modality), e.g. ``"view 'image'"``.

    Returns
    -------
    K : array of shape (n, m)

    Raises
    ------
    ValueError
        Unknown kernel, ``A`` and ``B`` of different widths, or negative
        values for a histogram kernel (the message names ``name``, the row
        and the column).

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.utils import get_namespace
    >>> from skmm.utils._pairwise import pairwise_kernel
    >>> H = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    >>> pairwise_kernel(get_namespace(H), H, kernel="intersection")
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r} for {name}; expected one of "
                         f"{', '.join(map(repr, KERNELS))} (or 'precomputed', handled by "
                         "the estimator)")
    if gamma is not None and not (isinstance(gamma, Real) and gamma >= 0):
        raise ValueError(f"gamma must be a non-negative number or None, got {gamma!r}")
    same = B is None
    if sp.issparse(A) or (B is not None and sp.issparse(B)):
        return _sparse_kernel(A, B, kernel, gamma, degree, coef0, name)
    A = _as_float(xp, A)
    B = A if same else _as_float(xp, B)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"{name}: the two inputs have {A.shape[1]} and {B.shape[1]} "
                         "features")
    d = A.shape[1]
    if kernel == "linear":
        return A @ B.T
    if kernel == "poly":
        g = 1.0 / d if gamma is None else float(gamma)
        return (g * (A @ B.T) + coef0) ** degree
    if kernel == "rbf":
        g = 1.0 / d if gamma is None else float(gamma)
        d2 = squared_distances(xp, A, B)
        if same:  # the expansion leaves rounding noise on the diagonal
            n = A.shape[0]
            eye = xp.eye(n, dtype=xp.bool, device=device(A))
            d2 = xp.where(eye, xp.zeros_like(d2), d2)
        return xp.exp(-g * d2)
    _check_non_negative(xp, A, kernel, name)
    if not same:
        _check_non_negative(xp, B, kernel, name)
    if kernel == "intersection":
        return _blockwise(xp, A, B, xp.minimum)
    if is_numpy_namespace(xp):
        # scikit-learn's compiled loop: 4-10x faster than the broadcast blocks.
        from sklearn.metrics.pairwise import additive_chi2_kernel

        chi2 = -additive_chi2_kernel(A, B)
    else:
        chi2 = _blockwise(xp, A, B, _chi2_terms(xp))
    if kernel == "additive_chi2":
        return -chi2
    g = 1.0 if gamma is None else float(gamma)
    return xp.exp(-g * chi2)


def _sparse_kernel(A, B, kernel, gamma, degree, coef0, name):
    # SciPy sparse input (NumPy only): scikit-learn computes these without
    # densifying; the histogram kernels need dense rows anyway.
    from sklearn.metrics.pairwise import pairwise_kernels

    if kernel not in ("linear", "rbf", "poly"):
        raise TypeError(f"{name}: the {kernel!r} kernel needs a dense array, got a sparse "
                        "matrix (convert with .toarray())")
    params = {}
    if kernel in ("rbf", "poly"):
        params["gamma"] = gamma
    if kernel == "poly":
        params.update(degree=degree, coef0=coef0)
    return pairwise_kernels(A, B, metric=kernel, **params)

