"""Clustering numerics shared by every learner: Lloyd's k-means and k-means++.

Functions, not estimators (scikit-learn's :class:`~sklearn.cluster.KMeans`
is the estimator to use on NumPy data); these run in the namespace of their
input, so codebooks and multi-view clusterers fit on CuPy arrays too.
:func:`lloyd_statistics` returns block statistics that add up, for
out-of-core and incremental drivers.

The estimators cluster one ``X`` with several views
(:class:`MultiViewSpectralClustering`, :class:`MultiViewKMeans`).
"""

from ._kmeans import kmeans, kmeans_plusplus, lloyd_statistics
from ._mvkmeans import MultiViewKMeans
from ._spectral import MultiViewSpectralClustering

__all__ = [
    "MultiViewKMeans",
    "MultiViewSpectralClustering",
    "kmeans",
    "kmeans_plusplus",
    "lloyd_statistics",
]
