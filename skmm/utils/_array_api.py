"""One numeric path for NumPy, CuPy and any array-API library.

Numeric cores call :func:`get_namespace` and then use only ``xp.*``. The few
operations the array API standard lacks (triangular solve, Cholesky that
raises on a non-positive-definite matrix) live here with one NumPy/SciPy branch
and one CuPy branch. Tests run the same code on ``array_api_strict``'s
simulated ``device1`` so a silent fall-back to NumPy shows up as a failure.
"""

import contextlib
import functools

import array_api_compat
import numpy as np
import scipy.linalg
import scipy.sparse as sp
from array_api_compat import is_array_api_strict_namespace, is_cupy_array, is_cupy_namespace

__all__ = [
    "cholesky",
    "device",
    "resolve_device",
    "to_device",
    "eigh_top",
    "get_namespace",
    "group_sums",
    "is_numpy_namespace",
    "kth_smallest",
    "small_solve_context",
    "solve_triangular",
    "sparse_to_device",
    "to_numpy",
]


def get_namespace(*arrays):
    """Return the array-API namespace shared by ``arrays``.

    NumPy arrays (and SciPy sparse matrices) give ``array_api_compat.numpy``;
    CuPy arrays give the CuPy wrapper; ``array_api_strict`` arrays give
    ``array_api_strict`` itself.

    Parameters
    ----------
    *arrays : array-like
        Arrays that must share one namespace. ``None`` and SciPy sparse
        matrices are ignored.

    Returns
    -------
    xp : module
        The namespace.
    """
    arrays = [a for a in arrays if a is not None and not sp.issparse(a)]
    arrays = [a if hasattr(a, "__array_namespace__") or is_cupy_array(a) else np.asarray(a)
              for a in arrays]
    if not arrays:
        return array_api_compat.array_namespace(np.empty(0))
    return array_api_compat.array_namespace(*arrays)


def is_numpy_namespace(xp):
    """True when ``xp`` is NumPy or its array-API wrapper."""
    return array_api_compat.is_numpy_namespace(xp)


def device(x):
    """The device ``x`` lives on (``"cpu"`` for NumPy arrays)."""
    return array_api_compat.device(x)


def to_numpy(x):
    """Copy an array from any namespace or device to a NumPy array.

    Fitted state is kept as NumPy so that models pickle and load without a GPU.
    """
    if x is None or isinstance(x, np.ndarray) or sp.issparse(x):
        return x
    if is_cupy_array(x):
        return x.get()
    xp = get_namespace(x)
    if is_array_api_strict_namespace(xp):
        x = x.to_device(xp.Device("CPU_DEVICE"))
    return np.asarray(x)


def solve_triangular(xp, a, b, *, lower):
    """Solve ``a @ x = b`` for triangular ``a`` in the namespace ``xp``."""
    if is_numpy_namespace(xp):
        return scipy.linalg.solve_triangular(a, b, lower=lower, check_finite=False)
    if is_cupy_namespace(xp):
        import cupyx.scipy.linalg

        return cupyx.scipy.linalg.solve_triangular(a, b, lower=lower)
    # Generic fallback (array_api_strict in tests): a triangular inverse via
    # the standard's general solve, exact up to rounding for small blocks.
    return xp.linalg.solve(a, b)


def cholesky(xp, a):
    """Lower Cholesky factor of ``a``; raise ``numpy.linalg.LinAlgError`` if not PD.

    CuPy returns garbage for a non positive definite matrix unless asked to
    raise, so its branch runs under ``cupyx.errstate(linalg="raise")``.
    """
    if is_numpy_namespace(xp):
        return np.linalg.cholesky(a)
    if is_cupy_namespace(xp):
        import cupyx

        with cupyx.errstate(linalg="raise"):
            return xp.linalg.cholesky(a)
    return xp.linalg.cholesky(a)


def group_sums(xp, labels, values, n_groups):
    """Per-group row sums and counts: ``sums[g] = values[labels == g].sum(0)``.

    The standard has no scatter-add. NumPy gets a sparse one-hot product
    (linear in the rows, where a dense one-hot GEMM costs as much as the
    distance GEMM of a k-means step); other namespaces (CuPy) use the dense
    one-hot GEMM, which is deterministic, unlike atomic scatter-adds.

    Parameters
    ----------
    xp : namespace
    labels : integer array of shape (n,)
        Group of each row, in ``[0, n_groups)``.
    values : array of shape (n, d)
    n_groups : int

    Returns
    -------
    sums : array of shape (n_groups, d)
    counts : array of shape (n_groups,), dtype of ``values``
    """
    if is_numpy_namespace(xp):
        labels = np.asarray(labels)
        n = labels.shape[0]
        onehot = sp.csr_matrix(
            (np.ones(n, dtype=values.dtype), (labels, np.arange(n))), shape=(n_groups, n)
        )
        counts = np.bincount(labels, minlength=n_groups).astype(values.dtype)
        return np.asarray(onehot @ values), counts
    from ._pairwise import one_hot  # _pairwise imports this module

    onehot = one_hot(xp, labels, n_groups, values.dtype)
    return onehot.T @ values, xp.sum(onehot, axis=0)


@functools.lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def small_solve_context(xp):
    """Context for the small dense solves (d x d) that follow a big product.

    On NumPy it limits BLAS/LAPACK to one thread: on 2 cores, OpenBLAS's
    threads made a 200 x 200 ``eigh`` and the triangular solves of a CCA fit
    2-3x slower than one thread (15 ms vs 6.5 ms). Other namespaces (CuPy) are
    left alone.
    """
    if not is_numpy_namespace(xp):
        return contextlib.nullcontext()
    return _blas_controller().limit(limits=1, user_api="blas")


def eigh_top(xp, A, k):
    """The ``k`` largest eigenvalues (ascending) and eigenvectors of symmetric ``A``.

    NumPy asks LAPACK for those ``k`` only (``scipy.linalg.eigh`` with
    ``subset_by_index``: half the time of a full ``eigh`` at 200 x 200);
    other namespaces take the standard's full ``eigh`` and slice.
    """
    q = A.shape[0]
    if is_numpy_namespace(xp):
        return scipy.linalg.eigh(A, subset_by_index=[q - k, q - 1], check_finite=False)
    evals, evecs = xp.linalg.eigh(A)
    return evals[q - k:], evecs[:, q - k:]


def kth_smallest(xp, A, k):
    """The ``k``-th smallest value of each row of ``A``, shape (n, 1).

    The standard has no top-k: NumPy uses ``np.partition`` (linear per row;
    a full sort was 60 % of soft-assignment time), other namespaces a sort.
    """
    if is_numpy_namespace(xp):
        return np.partition(A, k - 1, axis=1)[:, k - 1:k]
    return xp.sort(A, axis=1)[:, k - 1:k]


def _gpu_namespace(device):
    """CuPy's array-API namespace, or an ImportError that says what to install."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device is visible")
    except Exception as exc:  # ImportError, CUDA driver errors
        raise ImportError(
            f"device={device!r} needs CuPy and a visible CUDA GPU ({type(exc).__name__}: "
            f"{exc}). Install 'skmm[gpu]' (CUDA 12) or 'skmm[gpu-cuda13]' (CUDA 13), or "
            "use device='auto' to fall back to the CPU."
        ) from exc
    return array_api_compat.array_namespace(cupy.empty(0))


def resolve_device(device):
    """Where an estimator's ``device`` parameter asks the work to run.

    Parameters
    ----------
    device : None, "cpu", "gpu", "auto" or a device object
        - ``None``: wherever the input already lives (no move).
        - ``"cpu"``: NumPy.
        - ``"gpu"``: CuPy on the current GPU; an ImportError naming the extra
          when CuPy or a GPU is missing.
        - ``"auto"``: the GPU when CuPy finds one, else the CPU, silently.
        - a device object of an array library (``cupy.cuda.Device(1)``,
          ``array_api_strict.Device("device1")`` in tests): that device.

    Returns
    -------
    target : None or (namespace, device)
        ``None`` to leave the input where it is.

    Examples
    --------
    >>> from skmm.utils import resolve_device
    >>> resolve_device(None) is None
    True
    >>> xp, dev = resolve_device("cpu")
    >>> dev
    'cpu'
    """
    if device is None:
        return None
    if isinstance(device, str):
        if device == "cpu":
            return array_api_compat.array_namespace(np.empty(0)), "cpu"
        if device == "gpu":
            xp = _gpu_namespace(device)
            return xp, xp.empty(0).device
        if device == "auto":
            try:
                xp = _gpu_namespace(device)
            except ImportError:
                return None
            return xp, xp.empty(0).device
        raise ValueError(f"device must be None, 'cpu', 'gpu', 'auto' or a device object, "
                         f"got {device!r}.")
    module = type(device).__module__.split(".", 1)[0]
    if module == "cupy":
        return _gpu_namespace(device), device
    if module == "array_api_strict":
        import array_api_strict

        return array_api_strict, device
    raise TypeError(f"Unknown device object {device!r} of type {type(device).__name__}; "
                    "pass None, 'cpu', 'gpu', 'auto', a CuPy or an array_api_strict device.")


def to_device(X, target):
    """Move a dense array to ``target`` (from :func:`resolve_device`), once.

    ``None`` leaves ``X`` alone; an array already there is returned as is.
    """
    if target is None:
        return X
    xp, dev = target
    if sp.issparse(X):
        raise TypeError("Sparse input cannot be moved to another device; pass a dense "
                        "array, or device=None to compute where the input is.")
    if get_namespace(X) is xp and device(X) == dev:
        return X
    if is_numpy_namespace(xp):
        return to_numpy(X)
    if is_cupy_namespace(xp):
        import cupy

        with dev:  # a cupy.cuda.Device is its own context
            return cupy.asarray(to_numpy(X))
    return xp.asarray(to_numpy(X), device=dev)


def sparse_to_device(X, target):
    """Move a SciPy sparse matrix to ``target`` (from :func:`resolve_device`) once, as CSR.

    The one sparse backend switch: SciPy CSR stays on the CPU (``None`` or a
    NumPy target), a CuPy target gets a ``cupyx.scipy.sparse.csr_matrix`` on
    that GPU. Both answer ``X @ M``, ``X.T @ M``, ``tocoo()`` and expose
    ``data``, ``indices`` and ``indptr``, so the sparse products that follow
    are written once. Other namespaces have no sparse matrices: TypeError.
    """
    if target is None:
        return X
    xp, dev = target
    if is_numpy_namespace(xp):
        return X
    if is_cupy_namespace(xp):
        import cupyx.scipy.sparse

        with dev:  # a cupy.cuda.Device is its own context
            return cupyx.scipy.sparse.csr_matrix(sp.csr_matrix(X))
    raise TypeError(f"Sparse input cannot be moved to {dev!r}: {xp.__name__} has no sparse "
                    "matrices. Pass a dense array, a CuPy device, or device=None / 'cpu'.")


# --------------------------------------------------------------------------
# Retrieval on a device: top-k selection with the tie rule, popcount
# --------------------------------------------------------------------------
def kth_largest(xp, S, k):
    """The ``k``-th largest value of each row of ``S``, shape (n,).

    NumPy and CuPy select by partition (``np.partition``/``cupy.partition``,
    linear per row); other namespaces sort.
    """
    b = S.shape[1]
    if is_numpy_namespace(xp):
        return np.partition(S, b - k, axis=1)[:, b - k]
    if is_cupy_namespace(xp):
        import cupy

        return cupy.partition(S, b - k, axis=1)[:, b - k]
    return xp.sort(S, axis=1)[:, b - k]


def top_k_rows(xp, S, k):
    """The best ``k`` columns of each row of ``S``: largest first, ties by column.

    Exact for ties: the columns above the row's ``k``-th largest value ``t``
    are kept, then the first columns equal to ``t`` (by index) until there
    are ``k``; only those ``k`` are sorted (stable, descending), so equal
    scores rank by increasing column, as a stable sort of ``-S`` does.

    Parameters
    ----------
    xp : namespace
    S : array of shape (n, b)
        Scores, higher is better; no NaN.
    k : int
        ``1 <= k <= b``.

    Returns
    -------
    values : array of shape (n, k)
    columns : int64 array of shape (n, k)
    """
    n, b = S.shape
    dev = device(S)
    if k < b:
        t = kth_largest(xp, S, k)[:, None]
        above = S > t
        n_above = xp.sum(xp.astype(above, xp.int64), axis=1, keepdims=True)
        tied_rank = xp.cumulative_sum(xp.astype(S == t, xp.int64), axis=1)
        keep = above | ((S == t) & (tied_rank <= k - n_above))
        # Exactly k per row; nonzero lists them row by row, columns ascending.
        cols = xp.reshape(xp.nonzero(keep)[1], (n, k))
    else:
        cols = xp.broadcast_to(xp.arange(b, dtype=xp.int64, device=dev)[None, :], (n, b))
    cols = xp.astype(cols, xp.int64)
    vals = xp.take_along_axis(S, cols, axis=1)
    order = xp.argsort(vals, axis=1, descending=True, stable=True)
    return xp.take_along_axis(vals, order, axis=1), xp.take_along_axis(cols, order, axis=1)


_SWAR = ((1, 0x55), (2, 0x33), (4, 0x0F))


@functools.lru_cache(maxsize=1)
def _cupy_popcount_kernel():
    import cupy

    return cupy.ElementwiseKernel(
        "T x", "uint8 y",
        "y = sizeof(T) == 8 ? __popcll((unsigned long long)x) : __popc((unsigned int)x)",
        "skmm_popcount")


def _swar_uint8(a):
    # Bits of each byte summed in pairs, nibbles, then the byte: 3 steps.
    for shift, mask in _SWAR[:2]:
        a = (a & mask) + ((a >> shift) & mask)
    return (a + (a >> 4)) & 0x0F


def bitwise_count(xp, a):
    """Set bits of each element of an unsigned integer array, as ``uint8``.

    NumPy: ``np.bitwise_count`` (NumPy >= 2, else bit sums over the bytes);
    CuPy: ``cupy.bitwise_count`` when present, else an elementwise kernel
    with CUDA's ``__popc``/``__popcll``; other namespaces (``uint8`` only):
    bit sums with the standard's integer operators.
    """
    if is_numpy_namespace(xp):
        if hasattr(np, "bitwise_count"):
            return np.bitwise_count(a)
        b = np.ascontiguousarray(a).view(np.uint8).reshape(a.shape + (a.dtype.itemsize,))
        return _swar_uint8(b).sum(axis=-1, dtype=np.uint8)
    if is_cupy_namespace(xp):
        import cupy

        if hasattr(cupy, "bitwise_count"):
            return cupy.bitwise_count(a).astype(cupy.uint8, copy=False)
        return _cupy_popcount_kernel()(a)
    if a.dtype != xp.uint8:
        raise TypeError(f"bitwise_count on {xp.__name__} takes uint8, got {a.dtype}.")
    return _swar_uint8(a)


def as_code_words(xp, codes):
    """Packed ``uint8`` codes ``(n, n_bytes)`` as the widest unsigned words dividing them.

    NumPy and CuPy view the bytes (no copy when contiguous); other namespaces
    have no views and keep the bytes.
    """
    if is_numpy_namespace(xp):
        lib = np
    elif is_cupy_namespace(xp):
        import cupy as lib
    else:
        return codes
    for dtype in (lib.uint64, lib.uint32, lib.uint16):
        if codes.shape[1] % np.dtype(dtype).itemsize == 0:
            return lib.ascontiguousarray(codes).view(dtype)
    return codes
