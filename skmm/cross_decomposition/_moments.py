"""Mergeable second-order moments: the sufficient statistics of the CCA family.

Every linear CCA variant needs only the sample count, the mean and the centred
cross-product matrix ``M2 = sum_k (x_k - mean)(x_k - mean)^T`` of all the
columns of ``X``. These statistics are computed per block of rows and merged
with the pairwise update of Chan, Golub and LeVeque (1979), so that the same
code serves ``fit`` (one block), ``partial_fit`` (one block per call) and a
Dask fit (map over row blocks, tree-reduce the small statistics).

Blocks are centred on their own mean before the product and merged in
float64: ``X^T X - n mean mean^T`` in float32 loses about 5e-4 relative
accuracy on offset data, the centred form does not.

For the Ledoit-Wolf shrinkage, each view also carries ``s2 = sum_k ||y_k||^2``,
``s3 = sum_k ||y_k||^2 y_k`` and ``s4 = sum_k ||y_k||^4`` (``y_k`` the centred
row of that view); they shift exactly with the mean, so they merge exactly too.
"""

import numpy as np
import scipy.sparse as sp

from ..utils._array_api import device, get_namespace, is_numpy_namespace, to_numpy
from ..utils._optional import import_optional

__all__ = ["Moments"]


# Rows centred at a time in `Moments.from_array` (about 16 MiB per block).
_BLOCK_BYTES = 16 * 2**20


def _uncentred_m2(X, mean):
    """``X^T X - n mean mean^T`` for float64 NumPy ``X``, or None if that cancels.

    One SYRK straight on ``X`` skips the centring pass. In float64 the
    subtraction loses about ``log10(mean^2 / variance)`` of 16 digits per
    column; when a column would keep fewer than 8, the caller centres first.
    (In float32 this shortcut lost 5e-4 relative accuracy: never used there.)
    """
    n = X.shape[0]
    m2 = X.T @ X
    m2 -= n * np.outer(mean, mean)
    var = np.diag(m2) / n
    if np.any(var < 1e-8 * mean * mean):
        return None
    return m2


def _take(xp, A, cols, axis):
    if isinstance(cols, slice):
        return A[:, cols] if axis == 1 else A[cols, ...]
    return xp.take(A, xp.asarray(cols), axis=axis)


def _block_moments(block, views):
    # Runs on a worker: NaN/inf are reported by the caller from the merged
    # diagonal, so the arithmetic warnings they raise here are silenced.
    if block.shape[0] == 0:
        d = block.shape[1]
        return Moments(0, np.zeros(d), np.zeros((d, d)), None)
    with np.errstate(invalid="ignore", over="ignore"):
        return Moments.from_array(block, views)


def _merge_moments(a, b, views):
    with np.errstate(invalid="ignore", over="ignore"):
        return a.merge(b, views)


class Moments:
    """Count, mean and centred cross-products of a block of rows.

    Parameters
    ----------
    n : int
        Number of rows.
    mean : array of shape (n_features,)
        Column means (float64).
    m2 : array of shape (n_features, n_features)
        Centred cross-product sum (float64).
    quartic : list of (s2, s3, s4) or None
        Per-view statistics for the Ledoit-Wolf shrinkage, or None.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cross_decomposition._moments import Moments
    >>> X = np.arange(12.0).reshape(6, 2) ** 2
    >>> m = Moments.from_array(X[:3]).merge(Moments.from_array(X[3:]))
    >>> np.allclose(m.m2 / (m.n - 1), np.cov(X.T))
    True
    """

    def __init__(self, n, mean, m2, quartic=None):
        self.n = n
        self.mean = mean
        self.m2 = m2
        self.quartic = quartic

    @classmethod
    def from_array(cls, X, views=None):
        """Moments of the rows of ``X`` (dense array of any namespace, or SciPy sparse).

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            The rows. A SciPy sparse matrix is never densified.
        views : list of (name, columns) or None
            When given, also compute the per-view Ledoit-Wolf statistics.

        Returns
        -------
        moments : Moments
        """
        n = X.shape[0]
        if sp.issparse(X):
            X64 = X.astype(np.float64)
            mean = np.asarray(X64.mean(axis=0)).ravel()
            gram = X64.T @ X64
            gram = gram.toarray() if sp.issparse(gram) else np.asarray(gram)
            m2 = gram - n * np.outer(mean, mean)
            m2 = (m2 + m2.T) / 2
            quartic = None
            if views is not None:
                quartic = []
                for _, cols in views:
                    Xv, mu = X64[:, cols], mean[cols]
                    # ||x - mu||^2 = ||x||^2 - 2 x.mu + ||mu||^2, without densifying
                    r = (np.asarray(Xv.multiply(Xv).sum(axis=1)).ravel()
                         - 2 * (Xv @ mu) + mu @ mu)
                    s3 = Xv.T @ r - mu * r.sum()
                    quartic.append((float(r.sum()), np.asarray(s3).ravel(), float(r @ r)))
            return cls(n, mean, m2, quartic)

        xp = get_namespace(X)
        f64 = xp.float64
        d = X.shape[1]
        mean = xp.mean(X, axis=0)
        if views is None and isinstance(X, np.ndarray) and X.dtype == np.float64:
            m2 = _uncentred_m2(X, mean)
            if m2 is not None:
                return cls(n, mean, m2, None)
        m2 = xp.zeros((d, d), dtype=f64, device=device(X))
        quartic = None if views is None else [[0.0, 0.0, 0.0] for _ in views]
        # On CPU, centre and multiply in row blocks: a block stays in cache
        # between the subtraction and the SYRK, and no n x d centred copy is
        # allocated (its page faults cost more than the product on tall X).
        # A GPU wants one large product instead of many small ones.
        on_cpu = is_numpy_namespace(xp)
        rows = n
        if on_cpu:
            rows = max(2048, _BLOCK_BYTES // max(1, d * (xp.finfo(X.dtype).bits // 8)))
        buf = np.empty((min(rows, n), d), dtype=X.dtype) if on_cpu else None
        for start in range(0, n, rows):
            block = X[start:min(start + rows, n), ...]
            if buf is not None:
                Xc = np.subtract(block, mean, out=buf[:block.shape[0]])
            else:
                Xc = block - mean
            # A.T @ A of one buffer runs as SYRK in NumPy: half the GEMM flops.
            m2 = m2 + xp.astype(Xc.T @ Xc, f64)
            for q, (_, cols) in zip(quartic or [], views or []):
                Y = _take(xp, Xc, cols, axis=1)
                r = xp.astype(xp.sum(Y * Y, axis=1), f64)
                q[0] += float(xp.sum(r))
                q[1] = q[1] + xp.astype(Y, f64).T @ r
                q[2] += float(xp.sum(r * r))
        mean = xp.astype(mean, f64)
        if quartic is not None:
            quartic = [tuple(q) for q in quartic]
        return cls(n, mean, m2, quartic)

    @classmethod
    def from_dask(cls, X, views=None):
        """Moments of a 2-D ``dask.array``, computed on the workers.

        Each chunk of rows is reduced to its moments where it lives, the
        moments are merged pairwise in a tree (:func:`skmm.utils._dask.tree_reduce`)
        and only the merged ``d x d`` statistics reach the caller: the array
        itself is never gathered. Equal to :meth:`from_array` on the computed
        array up to rounding.

        Parameters
        ----------
        X : dask array of shape (n_samples, n_features)
            Float rows; its columns must be in one chunk (see
            :func:`skmm.utils._dask.check_dask_2d`). Row chunks of unknown size
            are fine.
        views : list of (name, columns) or None
            As in :meth:`from_array`.

        Returns
        -------
        moments : Moments
            NumPy (or the namespace of the blocks).

        Examples
        --------
        >>> import numpy as np
        >>> import dask.array as da
        >>> from skmm.cross_decomposition._moments import Moments
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> m = Moments.from_dask(da.from_array(X, chunks=(30, 3)))
        >>> m.n, np.allclose(m.m2 / (m.n - 1), np.cov(X.T))
        (100, True)
        """
        from ..utils._dask import row_blocks, tree_reduce

        dask = import_optional("dask", "dask")
        block_moments = dask.delayed(_block_moments, pure=True)
        parts = [block_moments(b, views) for b in row_blocks(X)]
        (merged,) = dask.compute(tree_reduce(parts, _merge_moments, views))
        return merged

    def to_numpy(self):
        """The same moments with NumPy arrays (for storing as fitted state)."""
        quartic = None
        if self.quartic is not None:
            quartic = [(s2, to_numpy(s3), s4) for s2, s3, s4 in self.quartic]
        return Moments(self.n, to_numpy(self.mean), to_numpy(self.m2), quartic)

    def _shifted_quartic(self, delta, views):
        # Statistics of this block re-centred on mean - delta (delta = own mean
        # minus the merged mean), see the module docstring.
        out = []
        xp = get_namespace(self.m2)
        for (s2, s3, s4), (_, cols) in zip(self.quartic, views):
            d = _take(xp, delta[None, :], cols, axis=1)[0]
            m2v = _take(xp, _take(xp, self.m2, cols, axis=0), cols, axis=1)
            c = float(xp.sum(d * d))
            m2d = m2v @ d
            s2n = s2 + self.n * c
            s3n = s3 + s2 * d + 2 * m2d + self.n * c * d
            s4n = s4 + 4 * float(xp.sum(s3 * d)) + 2 * c * s2 + 4 * float(xp.sum(d * m2d)) \
                + self.n * c * c
            out.append((s2n, s3n, s4n))
        return out

    def merge(self, other, views=None):
        """Combine with the moments of other rows (Chan et al. pairwise update).

        Parameters
        ----------
        other : Moments
            Moments of disjoint rows with the same columns.
        views : list of (name, columns) or None
            Needed to merge the Ledoit-Wolf statistics when both sides have them.

        Returns
        -------
        merged : Moments
        """
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        outer = delta[:, None] * delta[None, :]
        m2 = self.m2 + other.m2 + outer * (self.n * other.n / n)
        quartic = None
        if self.quartic is not None and other.quartic is not None and views is not None:
            qa = self._shifted_quartic(self.mean - mean, views)
            qb = other._shifted_quartic(other.mean - mean, views)
            quartic = [(a[0] + b[0], a[1] + b[1], a[2] + b[2]) for a, b in zip(qa, qb)]
        return Moments(n, mean, m2, quartic)

    def block(self, cols_i, cols_j=None):
        """The ``(cols_i, cols_j)`` block of ``M2``."""
        xp = get_namespace(self.m2)
        cols_j = cols_i if cols_j is None else cols_j
        return _take(xp, _take(xp, self.m2, cols_i, axis=0), cols_j, axis=1)

    def ledoit_wolf_shrinkage(self, i, cols):
        """Ledoit-Wolf shrinkage of view ``i`` (same formula as scikit-learn's).

        Returns the ``s`` in ``(1 - s) S + s trace(S)/p I`` with ``S = M2/n``.
        """
        if self.quartic is None:
            raise ValueError("These moments were computed without the Ledoit-Wolf statistics.")
        xp = get_namespace(self.m2)
        s2, _, s4 = self.quartic[i]
        m2v = self.block(cols)
        p, n = m2v.shape[0], self.n
        trace = s2 / n
        mu = trace / p
        delta_ = float(xp.sum(m2v * m2v)) / n**2
        beta = (s4 / n - delta_) / (p * n)
        delta = (delta_ - 2 * mu * trace + p * mu**2) / p
        beta = min(beta, delta)
        return 0.0 if beta <= 0 else float(beta / delta)
