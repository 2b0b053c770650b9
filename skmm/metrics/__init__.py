"""Retrieval metrics: MAP, AP per query, precision@k, recall@k, NDCG@k, PR curve.

All share the signature ``(y_query, y_items, scores, *, k=..., ties="average")``.
"""

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
    "mean_average_precision",
    "ndcg_at_k",
    "precision_at_k",
    "precision_recall_curve",
    "recall_at_k",
]
