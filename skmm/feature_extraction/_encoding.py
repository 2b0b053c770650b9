"""Encoders for sets of local descriptors against a codebook, in the array API.

The public encoders (:func:`hard_assignments`, :func:`soft_assignments`,
:func:`vlad`, :func:`fisher_vector`) take arrays and work in their
namespace. The private cores and the pyramid helpers take the namespace
``xp`` first and use only ``xp.*``, so the same code runs on NumPy, CuPy or
``array_api_strict``.
Distances and one-hot codes come from :mod:`skmm.utils._pairwise`; the
codebook itself is learnt by :func:`skmm.cluster.kmeans`.
"""

from ..utils._array_api import device as _device
from ..utils._array_api import get_namespace, kth_smallest
from ..utils._pairwise import one_hot, squared_distances

__all__ = [
    "encode_image",
    "fisher_vector",
    "gmm_posteriors",
    "hard_assignments",
    "n_pyramid_cells",
    "normalize_rows",
    "pyramid_cells",
    "pyramid_level_weights",
    "soft_assignments",
    "vlad",
]


def _check_codebook_input(descriptors, *others):
    """Namespace, and the arrays as 2-D floats of one dtype with matching widths."""
    xp = get_namespace(descriptors, *others)
    arrays = [xp.asarray(a) for a in (descriptors, *others)]
    arrays = [a if xp.isdtype(a.dtype, "real floating") else xp.astype(a, xp.float64)
              for a in arrays]
    dtype = xp.result_type(*arrays)
    arrays = [xp.astype(a, dtype) for a in arrays]
    D = arrays[0]
    if D.ndim != 2:
        raise ValueError(f"descriptors must be 2-D (n_descriptors, n_dims), got shape {D.shape}")
    return xp, arrays


def _check_width(D, C, what):
    if C.ndim != 2 or C.shape[1] != D.shape[1]:
        raise ValueError(f"{what} must have shape (k, {D.shape[1]}) to match the "
                         f"descriptors, got {C.shape}")


def hard_assignments(descriptors, codebook):
    """One-hot assignment of each descriptor to its nearest codeword.

    Summing the rows gives the bag-of-words histogram (Sivic & Zisserman 2003;
    Csurka et al. 2004).

    Parameters
    ----------
    descriptors : array of shape (n, d)
    codebook : array of shape (k, d)
        Codewords, e.g. from :func:`skmm.cluster.kmeans`.

    Returns
    -------
    assignments : array of shape (n, k)
        In the namespace of the input; ties go to the lowest index.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import hard_assignments
    >>> codebook = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> D = np.array([[1.0, 0.0], [9.0, 9.0], [0.0, 2.0]])
    >>> hard_assignments(D, codebook).sum(axis=0)  # the histogram
    array([2., 1.])
    """
    xp, (D, C) = _check_codebook_input(descriptors, codebook)
    _check_width(D, C, "codebook")
    return _hard_assignments(xp, D, C)


def soft_assignments(descriptors, codebook, *, beta=1.0, k_nearest=5):
    """Kernel-codebook weights (van Gemert et al. 2008) of each descriptor.

    Each descriptor spreads weights ``exp(-beta ||d - c||^2)`` over its
    ``k_nearest`` codewords, normalised to sum 1.

    Parameters
    ----------
    descriptors : array of shape (n, d)
    codebook : array of shape (k, d)
    beta : float, default=1.0
        Sharpness, in inverse squared distance units.
    k_nearest : int, default=5
        Codewords that receive weight (ties at the last distance included).

    Returns
    -------
    weights : array of shape (n, k)
        Rows sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import soft_assignments
    >>> codebook = np.array([[0.0], [1.0], [5.0]])
    >>> W = soft_assignments(np.array([[0.5]]), codebook, beta=1.0, k_nearest=2)
    >>> W.round(3).tolist()                    # halfway: equal weights, 5.0 left out
    [[0.5, 0.5, 0.0]]
    """
    if not beta > 0:
        raise ValueError(f"beta must be > 0, got {beta!r}")
    if int(k_nearest) < 1:
        raise ValueError(f"k_nearest must be >= 1, got {k_nearest!r}")
    xp, (D, C) = _check_codebook_input(descriptors, codebook)
    _check_width(D, C, "codebook")
    return _soft_assignments(xp, D, C, beta=beta, k_nearest=k_nearest)


def vlad(descriptors, codebook, *, assignments=None, intra_norm=True):
    """VLAD (Jegou et al. 2010): per codeword, the sum of residuals ``d - c``.

    Parameters
    ----------
    descriptors : array of shape (n, d)
    codebook : array of shape (k, d)
    assignments : array of shape (n, k) or None
        One-hot (or soft) assignments; None means :func:`hard_assignments`.
        A row of zeros leaves its descriptor out.
    intra_norm : bool, default=True
        L2-normalise each codeword's block (Arandjelovic & Zisserman 2013).

    Returns
    -------
    v : array of shape (k * d,)
        Without global normalisation (apply a signed square root and L2, as
        ``SIFTBoVW(encoding="vlad")`` does, for retrieval).

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import vlad
    >>> codebook = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> D = np.array([[1.0, 0.0], [0.0, 3.0], [11.0, 10.0]])
    >>> vlad(D, codebook, intra_norm=False)
    array([1., 3., 1., 0.])
    """
    xp, (D, C) = _check_codebook_input(descriptors, codebook)
    _check_width(D, C, "codebook")
    if assignments is not None:
        assignments = xp.astype(xp.asarray(assignments), D.dtype)
        if assignments.shape != (D.shape[0], C.shape[0]):
            raise ValueError(f"assignments must have shape {(D.shape[0], C.shape[0])}, got "
                             f"{assignments.shape}")
    return _vlad(xp, D, C, assignments, intra_norm=intra_norm)


def fisher_vector(descriptors, weights, means, variances, *, posteriors=None):
    """Fisher vector of ``descriptors`` w.r.t. a diagonal Gaussian mixture.

    The gradients w.r.t. the means and variances (Perronnin, Sanchez &
    Mensink 2010), with posteriors ``gamma``, ``N`` descriptors and
    ``sigma = sqrt(variance)``::

        G_mu_k    = sum_i gamma_ik (x_i - mu_k) / sigma_k       / (N sqrt(w_k))
        G_sigma_k = sum_i gamma_ik [(x_i - mu_k)^2 / var_k - 1] / (N sqrt(2 w_k))

    Parameters
    ----------
    descriptors : array of shape (n, d)
    weights : array of shape (k,)
    means, variances : arrays of shape (k, d)
        E.g. ``GaussianMixture(covariance_type="diag")``'s ``weights_``,
        ``means_`` and ``covariances_``.
    posteriors : array of shape (n, k) or None
        None computes them from the mixture; rows of zeros leave descriptors
        out (``N`` counts the rest).

    Returns
    -------
    fv : array of shape (2 * k * d,)
        ``[G_mu, G_sigma]`` without the power and L2 normalisation.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import fisher_vector
    >>> D = np.array([[1.0], [3.0]])           # one N(0, 1) component
    >>> fisher_vector(D, np.ones(1), np.zeros((1, 1)), np.ones((1, 1)))
    array([2.        , 2.82842712])
    """
    xp, (D, w, mu, var) = _check_codebook_input(descriptors, weights, means, variances)
    _check_width(D, mu, "means")
    if var.shape != mu.shape or w.shape != (mu.shape[0],):
        raise ValueError(f"weights, means and variances must have shapes (k,), (k, d), "
                         f"(k, d); got {w.shape}, {mu.shape}, {var.shape}")
    if not bool(xp.all(var > 0)) or not bool(xp.all(w > 0)):
        raise ValueError("the mixture's weights and variances must be positive")
    if posteriors is not None:
        posteriors = xp.astype(xp.asarray(posteriors), D.dtype)
        if posteriors.shape != (D.shape[0], mu.shape[0]):
            raise ValueError(f"posteriors must have shape {(D.shape[0], mu.shape[0])}, got "
                             f"{posteriors.shape}")
    return _fisher_vector(xp, D, w, mu, var, posteriors)


def _hard_assignments(xp, D, C):
    """One-hot matrix (n, k) of each descriptor's nearest codeword (ties: lowest index)."""
    labels = xp.argmin(squared_distances(xp, D, C), axis=1)
    return one_hot(xp, labels, C.shape[0], D.dtype)


def _soft_assignments(xp, D, C, *, beta, k_nearest):
    """Core of :func:`soft_assignments`.

    The smallest distance is subtracted before ``exp`` for stability; it
    cancels in the row normalisation.
    """
    d2 = squared_distances(xp, D, C)
    k = C.shape[0]
    kk = min(int(k_nearest), k)
    dmin = xp.min(d2, axis=1)[:, None]
    w = xp.exp(-beta * (d2 - dmin))
    if kk < k:
        # Keep the kk nearest (ties at the kk-th distance are all kept): the
        # kk-th smallest distance is the threshold.
        kth = kth_smallest(xp, d2, kk)
        w = xp.where(d2 <= kth, w, xp.zeros_like(w))
    return w / xp.sum(w, axis=1)[:, None]


def _vlad(xp, D, C, assign=None, *, intra_norm=True):
    """Core of :func:`vlad`; rows of zeros in ``assign`` leave descriptors out (pyramid cells)."""
    if assign is None:
        assign = _hard_assignments(xp, D, C)
    counts = xp.sum(assign, axis=0)
    V = assign.T @ D - counts[:, None] * C
    if intra_norm:
        norms = xp.sqrt(xp.sum(V * V, axis=1))[:, None]
        V = V / xp.where(norms > 0, norms, xp.ones_like(norms))
    return xp.reshape(V, (-1,))


def gmm_posteriors(xp, D, weights, means, variances):
    """Posteriors (n, k) of a diagonal GMM, with GEMMs for the quadratic form."""
    inv = 1.0 / variances
    quad = ((D * D) @ inv.T - 2.0 * (D @ (means * inv).T)
            + xp.sum(means * means * inv, axis=1)[None, :])
    logp = (xp.log(weights)[None, :] - 0.5 * xp.sum(xp.log(variances), axis=1)[None, :]
            - 0.5 * quad)
    logp = logp - xp.max(logp, axis=1)[:, None]
    p = xp.exp(logp)
    return p / xp.sum(p, axis=1)[:, None]


def _fisher_vector(xp, D, weights, means, variances, gamma=None):
    """Core of :func:`fisher_vector`; all-zero ``gamma`` rows are left out (pyramid cells)."""
    if gamma is None:
        gamma = gmm_posteriors(xp, D, weights, means, variances)
    n = float(xp.sum(gamma))
    if n <= 0:
        return xp.zeros((2 * means.shape[0] * means.shape[1],), dtype=D.dtype,
                        device=_device(D))
    s0 = xp.sum(gamma, axis=0)[:, None]
    s1 = gamma.T @ D
    s2 = gamma.T @ (D * D)
    sigma = xp.sqrt(variances)
    g_mu = (s1 - means * s0) / (sigma * (n * xp.sqrt(weights))[:, None])
    g_var = ((s2 - 2.0 * means * s1 + means * means * s0) / variances - s0) / (
        (n * xp.sqrt(2.0 * weights))[:, None])
    return xp.concat([xp.reshape(g_mu, (-1,)), xp.reshape(g_var, (-1,))])


def pyramid_level_weights(levels):
    """Lazebnik's weights: level 0 gets ``1/2^L``, level ``l >= 1`` gets ``1/2^(L-l+1)``."""
    if levels == 0:
        return [1.0]
    return [1.0 / 2**levels] + [1.0 / 2 ** (levels - l + 1) for l in range(1, levels + 1)]


def n_pyramid_cells(levels):
    """Number of cells of a pyramid with levels 0..L: ``sum_l 4^l``."""
    return sum(4**l for l in range(levels + 1))


def pyramid_cells(xp, positions, levels, dtype=None):
    """Cell membership (n, n_cells) and cell weights (n_cells,) for levels 0..L.

    ``positions`` are ``(x / W, y / H)`` in [0, 1). Cells are ordered level by
    level, row-major (top row first) within a level.
    """
    n = positions.shape[0]
    dtype = positions.dtype if dtype is None else dtype
    blocks, weights = [], []
    for level, w in enumerate(pyramid_level_weights(levels)):
        g = 2**level
        cx = xp.clip(xp.astype(xp.floor(positions[:, 0] * g), xp.int64), 0, g - 1)
        cy = xp.clip(xp.astype(xp.floor(positions[:, 1] * g), xp.int64), 0, g - 1)
        blocks.append(one_hot(xp, cy * g + cx, g * g, dtype))
        weights.extend([w] * (g * g))
    member = xp.concat(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    assert member.shape == (n, len(weights))
    return member, xp.asarray(weights, dtype=dtype, device=_device(positions))


def encode_image(xp, D, positions, *, encoding, centers, levels=0, soft_beta=1.0,
                 soft_k=5, vlad_intra_norm=True, gmm=None):
    """Encode one image's descriptors (before global normalisation).

    Returns the concatenation over pyramid cells of the weighted cell codes:
    counts (``"hist"``), summed soft weights (``"soft"``), VLAD or Fisher
    vectors of the descriptors in each cell.
    """
    D = xp.astype(D, centers.dtype)
    member, cell_w = pyramid_cells(xp, positions, levels, dtype=centers.dtype)
    if encoding in ("hist", "soft"):
        if encoding == "hist":
            A = _hard_assignments(xp, D, centers)
        else:
            A = _soft_assignments(xp, D, centers, beta=soft_beta, k_nearest=soft_k)
        H = (member.T @ A) * cell_w[:, None]          # (n_cells, k)
        return xp.reshape(H, (-1,))
    parts = []
    if encoding == "vlad":
        A = _hard_assignments(xp, D, centers)
        for j in range(member.shape[1]):
            parts.append(cell_w[j] * _vlad(xp, D, centers, A * member[:, j:j + 1],
                                          intra_norm=vlad_intra_norm))
    elif encoding == "fisher":
        weights, means, variances = (xp.astype(a, xp.float64) for a in gmm)
        D64 = xp.astype(D, xp.float64)
        gamma = gmm_posteriors(xp, D64, weights, means, variances)
        member64 = xp.astype(member, xp.float64)
        for j in range(member.shape[1]):
            fv = _fisher_vector(xp, D64, weights, means, variances, gamma * member64[:, j:j + 1])
            parts.append(xp.astype(cell_w[j], xp.float64) * fv)
    else:
        raise ValueError(f"unknown encoding {encoding!r}")
    parts = [xp.astype(p, xp.float64) for p in parts]
    return xp.concat(parts) if len(parts) > 1 else parts[0]


def normalize_rows(xp, V, method):
    """Normalise each row: ``"l1"``, ``"l2"``, ``"power"`` (signed sqrt then L2),
    ``"hellinger"`` (signed sqrt of the L1-normalised row) or None. Zero rows stay zero."""
    if method is None:
        return V

    def _safe(norm):
        return xp.where(norm > 0, norm, xp.ones_like(norm))

    if method == "l1":
        return V / _safe(xp.sum(xp.abs(V), axis=1))[:, None]
    if method == "l2":
        return V / _safe(xp.sqrt(xp.sum(V * V, axis=1)))[:, None]
    if method == "power":
        P = xp.sign(V) * xp.sqrt(xp.abs(V))
        return P / _safe(xp.sqrt(xp.sum(P * P, axis=1)))[:, None]
    if method == "hellinger":
        L1 = V / _safe(xp.sum(xp.abs(V), axis=1))[:, None]
        return xp.sign(L1) * xp.sqrt(xp.abs(L1))
    raise ValueError(f"unknown normalisation {method!r}")

