"""Semi-supervised learning on graphs fused from several views.

:class:`MultiViewLabelSpreading` spreads a few labels over one graph built
from per-view affinity graphs (:mod:`skmm.utils._graph`), with
scikit-learn's conventions (``-1`` marks an unlabelled row).
"""

from ._label_spreading import MultiViewLabelSpreading, spread_labels

__all__ = ["MultiViewLabelSpreading", "spread_labels"]
