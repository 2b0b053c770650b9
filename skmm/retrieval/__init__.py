"""Cross-modal retrieval: search the items of one modality with another.

- :class:`CrossModalRetriever`: index one view of a fitted (or fitted-by-it)
  multi-view embedder, hasher or :class:`~skmm.compose.MultiModalTransformer`,
  and answer exact top-k queries of another view.
- :func:`top_k`, :func:`pairwise_scores`, :func:`hamming_distances`,
  :func:`popcount`: the search itself, block-wise and memory-bounded (cosine,
  euclidean, inner product, Hamming on packed codes), with one tie rule:
  equal scores rank by increasing item index.
- :func:`retrieval_score`, :func:`make_retrieval_scorer`: retrieval quality
  (MAP, MAP@k, precision@k, recall@k, NDCG@k; label or pair relevance) as a
  score, so ``GridSearchCV`` tunes embedders and feature extractors by it.
- :class:`SemanticMatching`: class-posterior embeddings of every view,
  semantic matching and semantic correlation matching (Rasiwasia et al. 2010).

Binary codes for Hamming search are learnt by the hashers of
:mod:`skmm.hashing`.
"""

from ._retriever import CrossModalRetriever, make_retrieval_scorer, retrieval_score
from ._search import METRICS, hamming_distances, pairwise_scores, popcount, top_k
from ._semantic import SemanticMatching

__all__ = [
    "METRICS",
    "CrossModalRetriever",
    "SemanticMatching",
    "hamming_distances",
    "make_retrieval_scorer",
    "pairwise_scores",
    "popcount",
    "retrieval_score",
    "top_k",
]
