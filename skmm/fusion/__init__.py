"""Fusion of views at the decision level.

Early fusion (views concatenated) and intermediate fusion (a shared space
from :mod:`skmm.cross_decomposition`) are plain pipelines; late fusion, one
classifier per view whose outputs are fused, is :class:`LateFusionClassifier`.
"""

from ._late import LateFusionClassifier

__all__ = ["LateFusionClassifier"]
