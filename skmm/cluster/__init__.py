"""Clustering: multi-view clusterers, and the k-means numerics every learner shares.

The estimators cluster one ``X`` with several views
(:class:`MultiViewSpectralClustering`, :class:`MultiViewKMeans`).

The functions run Lloyd's k-means and k-means++ in the namespace of their
input, so codebooks and multi-view clusterers fit on CuPy arrays too
(scikit-learn's :class:`~sklearn.cluster.KMeans` is the estimator to use on
NumPy data). :func:`lloyd_statistics` returns block statistics that add up,
for out-of-core and incremental drivers; :func:`kmeans_dask` is the driver
for ``dask.array`` input; :func:`minibatch_kmeans_step` is one mini-batch
update (Sculley 2010), for codebooks learnt batch by batch.
"""

from ._kmeans import kmeans, kmeans_plusplus, lloyd_statistics
from ._kmeans_dask import kmeans_dask
from ._minibatch import minibatch_kmeans_step
from ._mvkmeans import MultiViewKMeans
from ._spectral import MultiViewSpectralClustering

__all__ = [
    "MultiViewKMeans",
    "MultiViewSpectralClustering",
    "kmeans",
    "kmeans_dask",
    "kmeans_plusplus",
    "lloyd_statistics",
    "minibatch_kmeans_step",
]
