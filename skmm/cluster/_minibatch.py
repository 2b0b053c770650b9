"""One mini-batch k-means update (Sculley 2010), in the array API.

The update of scikit-learn's :class:`~sklearn.cluster.MiniBatchKMeans`
without its random re-seeding of rarely chosen centres: each centre keeps
the total weight of the rows ever assigned to it, and moves towards every
new row with learning rate ``weight / total``. Over a batch this is a
weighted mean of the old centre (weight: its old total) and the batch rows
assigned to it, computed from the sums of :func:`lloyd_statistics`, so the
heavy step is the same distance GEMM as Lloyd's, in the input's namespace.
"""

from ..utils._array_api import device, to_numpy
from ._kmeans import _check_weights, _check_X, _lloyd_pass

__all__ = ["minibatch_kmeans_step"]


def minibatch_kmeans_step(X, centers, counts, *, sample_weight=None):
    """Move the centres towards one batch of rows (mini-batch k-means).

    Every row is assigned to its nearest centre; centre ``c`` with total
    weight ``n_c`` so far and batch rows ``x_1, ..., x_m`` (weights ``w_i``)
    becomes ``(n_c c + sum_i w_i x_i) / (n_c + sum_i w_i)``, which is
    Sculley's per-row update with learning rate ``w_i / n_c`` applied to the
    batch at once, as scikit-learn's ``MiniBatchKMeans`` does. A centre that
    receives no row stays where it is.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        The batch (NumPy, CuPy or any array-API array). Integer input is
        used in float64.
    centers : array of shape (n_clusters, n_features)
        Current centres, in the namespace of ``X``.
    counts : array of shape (n_clusters,)
        Total weight assigned to each centre by the previous batches (zeros
        before the first batch: the first batch then sets each centre it
        reaches to the mean of its rows).
    sample_weight : array of shape (n_samples,) or None
        Weight of each row (None: 1).

    Returns
    -------
    centers : array of shape (n_clusters, n_features)
        The updated centres (a new array).
    counts : array of shape (n_clusters,)
        The updated totals (a new array).
    inertia : float
        Weighted sum of squared distances of the batch rows to their nearest
        centre *before* the update (scikit-learn's batch inertia).

    See Also
    --------
    kmeans : Lloyd's algorithm on data held at once.
    lloyd_statistics : The batch statistics this update is made of.

    Notes
    -----
    scikit-learn's estimator also re-seeds, every few batches, the centres
    chosen far less often than the others (``reassignment_ratio``); this
    function does not, so a sequence of calls equals ``MiniBatchKMeans`` with
    ``reassignment_ratio=0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.cluster import minibatch_kmeans_step
    >>> centers, counts = np.array([[0.0], [10.0]]), np.array([3.0, 0.0])
    >>> X = np.array([[1.0], [2.0], [11.0]])
    >>> centers, counts, inertia = minibatch_kmeans_step(X, centers, counts)
    >>> centers.ravel().tolist(), counts.tolist(), inertia
    ([0.6, 11.0], [5.0, 1.0], 6.0)
    """
    xp, X = _check_X(X)
    dev = device(X)
    centers = xp.astype(xp.asarray(centers, device=dev), X.dtype)
    if centers.ndim != 2 or centers.shape[1] != X.shape[1]:
        raise ValueError(f"centers must have shape (n_clusters, {X.shape[1]}), got "
                         f"{centers.shape}")
    counts = xp.asarray(counts, dtype=X.dtype, device=dev) if hasattr(
        counts, "__array_namespace__") else xp.asarray(to_numpy(counts), dtype=X.dtype,
                                                       device=dev)
    if counts.shape != (centers.shape[0],):
        raise ValueError(f"counts must have shape ({centers.shape[0]},), one total per "
                         f"centre, got {counts.shape}")
    if not bool(xp.all(counts >= 0)):
        raise ValueError("counts must be non-negative (total weight per centre)")
    w = _check_weights(xp, X, sample_weight)
    sums, batch_counts, inertia = _lloyd_pass(xp, X, centers, w, with_labels=False)
    new_counts = counts + batch_counts
    moved = batch_counts > 0
    safe = xp.where(moved, new_counts, xp.ones_like(new_counts))
    new = (centers * counts[:, None] + sums) / safe[:, None]
    return xp.where(moved[:, None], new, centers), new_counts, inertia
