"""Metrics of the shared space's uses.

- Retrieval: MAP, AP per query, precision@k, recall@k, NDCG@k, PR curve; all
  share the signature ``(y_query, y_items, scores, *, k=..., ties="average")``.
- Classification: :func:`classification_scores` (accuracy, F1, one-vs-rest
  AUC, confusion matrix, per task), scikit-learn's metrics underneath.
"""

from ._classification import classification_scores
from ._retrieval import (
    average_precision_per_query,
    mean_average_precision,
    ndcg_at_k,
    precision_at_k,
    precision_recall_curve,
    recall_at_k,
)

__all__ = [
    "average_precision_per_query",
    "classification_scores",
    "mean_average_precision",
    "ndcg_at_k",
    "precision_at_k",
    "precision_recall_curve",
    "recall_at_k",
]
