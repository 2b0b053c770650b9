"""Several targets predicted from one shared multi-view embedding.

As :mod:`sklearn.multioutput` does for one estimator per output, this module
predicts a 2-D ``y`` (one column per task, e.g. digit and speaker of a clip),
but through one embedding shared by all tasks: a multi-view embedder from
:mod:`skmm.cross_decomposition`, fitted with every task's labels when it takes
them (:class:`~skmm.cross_decomposition.TripletEmbedding`), then one head per
task. A view missing at prediction time is imputed or left out, as asked.
"""

from ._multitask import MultiTaskClassifier

__all__ = ["MultiTaskClassifier"]
