"""Codebooks and encoders for sets of local descriptors, in the array API.

Every function takes the namespace ``xp`` first and uses only ``xp.*`` on its
arrays, so the same code runs on NumPy, CuPy or ``array_api_strict``.
Distances and one-hot codes come from :mod:`skmm.utils._pairwise`; the
codebook itself is learnt by :func:`skmm.cluster.kmeans`.
"""

from ..utils._array_api import device as _device
from ..utils._array_api import kth_smallest
from ..utils._pairwise import one_hot, squared_distances

__all__ = [
    "encode_image",
    "fisher_vector",
    "n_pyramid_cells",
    "normalize_rows",
    "pyramid_cells",
    "pyramid_level_weights",
    "soft_assignments",
    "hard_assignments",
    "vlad",
]


def hard_assignments(xp, D, C):
    """One-hot matrix (n, k) of each descriptor's nearest codeword (ties: lowest index)."""
    labels = xp.argmin(squared_distances(xp, D, C), axis=1)
    return one_hot(xp, labels, C.shape[0], D.dtype)


def soft_assignments(xp, D, C, *, beta, k_nearest):
    """Kernel-codebook weights (n, k): ``exp(-beta d^2)`` over the ``k_nearest`` codewords.

    Each row sums to 1 (van Gemert et al. 2008, "kernel codebook"); the
    smallest distance is subtracted before ``exp`` for stability, which
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


def vlad(xp, D, C, assign=None, *, intra_norm=True):
    """VLAD (Jegou et al. 2010): per codeword, the sum of residuals ``d - c_k``.

    Parameters
    ----------
    D : array (n, d)
    C : array (k, d)
    assign : array (n, k) or None
        One-hot assignments (computed from ``C`` when None); rows of zeros
        leave a descriptor out (pyramid cells).
    intra_norm : bool
        L2-normalise each codeword's block (zero blocks stay zero).

    Returns
    -------
    v : array of shape (k * d,)
    """
    if assign is None:
        assign = hard_assignments(xp, D, C)
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


def fisher_vector(xp, D, weights, means, variances, gamma=None):
    """Fisher vector of ``D`` w.r.t. means and variances of a diagonal GMM.

    With posteriors ``gamma`` (n, k), ``N`` descriptors and ``sigma = sqrt(var)``
    (Perronnin, Sanchez & Mensink 2010)::

        G_mu_k    = sum_i gamma_ik (x_i - mu_k) / sigma_k       / (N sqrt(w_k))
        G_sigma_k = sum_i gamma_ik [(x_i - mu_k)^2 / var_k - 1] / (N sqrt(2 w_k))

    Returns ``[G_mu (k*d), G_sigma (k*d)]`` without power/L2 normalisation.
    Descriptors with an all-zero ``gamma`` row are left out (pyramid cells);
    ``N`` counts the rest.
    """
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
            A = hard_assignments(xp, D, centers)
        else:
            A = soft_assignments(xp, D, centers, beta=soft_beta, k_nearest=soft_k)
        H = (member.T @ A) * cell_w[:, None]          # (n_cells, k)
        return xp.reshape(H, (-1,))
    parts = []
    if encoding == "vlad":
        A = hard_assignments(xp, D, centers)
        for j in range(member.shape[1]):
            parts.append(cell_w[j] * vlad(xp, D, centers, A * member[:, j:j + 1],
                                          intra_norm=vlad_intra_norm))
    elif encoding == "fisher":
        weights, means, variances = (xp.astype(a, xp.float64) for a in gmm)
        D64 = xp.astype(D, xp.float64)
        gamma = gmm_posteriors(xp, D64, weights, means, variances)
        member64 = xp.astype(member, xp.float64)
        for j in range(member.shape[1]):
            fv = fisher_vector(xp, D64, weights, means, variances, gamma * member64[:, j:j + 1])
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

