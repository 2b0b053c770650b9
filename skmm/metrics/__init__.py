"""Retrieval metrics: MAP, AP per query, precision@k."""

from ._retrieval import average_precision_per_query, mean_average_precision, precision_at_k

__all__ = ["average_precision_per_query", "mean_average_precision", "precision_at_k"]
