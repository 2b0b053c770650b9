"""What every cross-modal hasher shares: n_bits, packed codes, one hash function per view.

A hasher learns, for each view, a real-valued projection to ``n_bits``
coordinates whose signs are the bits. Codes are packed eight bits to a byte
(``np.packbits``, most significant bit first) into ``uint8``, so a 64-bit code
is 8 bytes and Hamming distances are XOR + popcount
(:func:`skmm.retrieval.hamming_distances`).
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..base import MultiViewMixin
from ..utils._sklearn_compat import Interval, check_is_fitted

__all__ = ["itq_rotation", "pack_bits"]


def pack_bits(P):
    """Sign bits of real projections, packed: bit ``j`` is ``P[:, j] > 0``.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_bits)
        ``n_bits`` a multiple of 8.

    Returns
    -------
    codes : ndarray of uint8, shape (n_samples, n_bits // 8)

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.hashing import pack_bits
    >>> pack_bits(np.array([[1.0, -1, -1, -1, -1, -1, -1, 0.5]]))
    array([[129]], dtype=uint8)
    """
    P = np.asarray(P)
    if P.ndim != 2 or P.shape[1] % 8:
        raise ValueError(f"pack_bits takes (n_samples, n_bits) with n_bits a multiple of 8, "
                         f"got shape {P.shape}.")
    return np.packbits(P > 0, axis=1)


def itq_rotation(V, *, n_iter=50, random_state=None):
    """Iterative quantisation (Gong & Lazebnik 2011): the rotation R minimising ||B - V R||.

    Alternates ``B = sign(V R)`` and the orthogonal Procrustes solution
    ``R = U W^T`` of ``V^T B = U S W^T``, from a random orthogonal start.

    Parameters
    ----------
    V : ndarray of shape (n_samples, n_bits)
        Zero-centred projections.
    n_iter : int, default=50
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    R : ndarray of shape (n_bits, n_bits)
        Orthogonal.
    quantization_loss : float
        ``||sign(V R) - V R||_F^2 / n_samples`` at the end.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.hashing import itq_rotation
    >>> V = np.random.default_rng(0).standard_normal((100, 8))
    >>> R, loss = itq_rotation(V, random_state=0)
    >>> bool(np.allclose(R @ R.T, np.eye(8)))
    True
    """
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    c = V.shape[1]
    R, _ = np.linalg.qr(rng.standard_normal((c, c)))
    for _ in range(n_iter):
        B = np.where(V @ R >= 0, 1.0, -1.0)
        U, _, Wt = np.linalg.svd(V.T @ B)
        R = U @ Wt
    VR = V @ R
    B = np.where(VR >= 0, 1.0, -1.0)
    return R, float(((B - VR) ** 2).sum() / max(len(V), 1))


def check_n_bits(n_bits, name):
    if not (isinstance(n_bits, Integral) and not isinstance(n_bits, bool)) or n_bits < 8 \
            or n_bits % 8:
        raise ValueError(
            f"{name}: n_bits must be a positive multiple of 8 (codes are packed into "
            f"bytes: 16, 32, 64, 128, ...), got {n_bits!r}."
        )


class _BaseHasher(MultiViewMixin, TransformerMixin, BaseEstimator):
    """Per-view linear hash functions ``bits = (X_v - means_[v]) @ projections_[v] > 0``.

    Subclasses set ``means_`` and ``projections_`` (one ``(d_v, n_bits)``
    matrix per view) in ``fit``.
    """

    _parameter_constraints: dict = {
        **MultiViewMixin._parameter_constraints,
        "n_bits": [Interval(Integral, 8, None, closed="left")],
    }

    def _start_fit(self, X):
        check_n_bits(self.n_bits, type(self).__name__)
        return self._validate_multiview(X, reset=True, ensure_min_samples=2)

    def _project_one(self, Xv, i):
        P = Xv @ self.projections_[i]
        return np.asarray(P - self.means_[i] @ self.projections_[i])

    def transform_view(self, X, view):
        """Binary codes of one view alone.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features_of_view)
            The columns of that view.
        view : str or int
            The view's name (see ``views_``) or position.

        Returns
        -------
        codes : ndarray of uint8, shape (n_samples, n_bits // 8)
            Packed bits.
        """
        check_is_fitted(self)
        i = self._view_index(view)
        return pack_bits(self._project_one(self._validate_view(X, i), i))

    def transform(self, X):
        """Binary codes of every view, side by side.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All views side by side.

        Returns
        -------
        codes : ndarray of uint8, shape (n_samples, n_views_ * n_bits // 8)
            The packed codes of view 0, then view 1, ...
        """
        check_is_fitted(self)
        X = self._validate_multiview(X, reset=False)
        return np.hstack([pack_bits(self._project_one(Xv, i))
                          for i, Xv in enumerate(self._view_blocks(X))])

    def get_feature_names_out(self, input_features=None):
        """Names of the code bytes: ``<class>_<view>_byte<j>``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}_{name}_byte{j}" for name, _ in self.views_
                           for j in range(self.n_bits // 8)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # codes are uint8
        return tags
