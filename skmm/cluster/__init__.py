"""Clustering numerics shared by every learner: Lloyd's k-means and k-means++.

Functions, not estimators (scikit-learn's :class:`~sklearn.cluster.KMeans`
is the estimator to use on NumPy data); these run in the namespace of their
input, so codebooks and multi-view clusterers fit on CuPy arrays too.
:func:`lloyd_statistics` returns block statistics that add up, for
out-of-core and incremental drivers; :func:`kmeans_dask` is the driver for
``dask.array`` input.
"""

from ._kmeans import kmeans, kmeans_plusplus, lloyd_statistics
from ._kmeans_dask import kmeans_dask

__all__ = ["kmeans", "kmeans_dask", "kmeans_plusplus", "lloyd_statistics"]
