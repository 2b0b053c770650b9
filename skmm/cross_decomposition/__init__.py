"""Multi-view embedders: the CCA family, the NMF family, triplet embeddings.

Each takes one 2-D ``X`` with the views side by side (``views`` says which
columns belong to which view) and maps it, or any single view, to a shared
space. Their shared mechanics (the ``views`` contract, ``transform_view``,
``set_output``) live in :mod:`skmm.base`.
"""

from ._cca import CCA
from ._kcca import KernelCCA
from ._mcca import MCCA
from ._pcca import ProbabilisticCCA
from ._nmf import CollectiveNMF
from ._triplet import TripletEmbedding

__all__ = [
    "CCA",
    "KernelCCA",
    "MCCA",
    "CollectiveNMF",
    "ProbabilisticCCA",
    "TripletEmbedding",
]
