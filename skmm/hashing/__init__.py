"""Cross-modal hashing: binary codes of every modality, compared by Hamming distance.

Each hasher takes one 2-D ``X`` with the views side by side (the ``views``
contract of :mod:`skmm.base`) and learns one linear hash function per view;
``transform_view(X, view)`` gives a view's codes, packed eight bits per
``uint8`` byte (``n_bits`` a multiple of 8). Search them with
:class:`skmm.retrieval.CrossModalRetriever` (``metric="hamming"``) or
:func:`skmm.retrieval.top_k`.

- :class:`CCAITQ`: CCA, then an iterative-quantisation rotation
  (Gong & Lazebnik 2011), unsupervised.
- :class:`CMFH`: collective matrix factorisation to unified codes
  (Ding, Guo & Zhou 2014), unsupervised.
- :class:`SemanticCorrelationHashing`: semantic correlation maximisation
  (SCM-Seq, Zhang & Li 2014), supervised by class or multi-label labels.

A subpackage of its own (not part of :mod:`skmm.retrieval`): hashers are
estimators that learn codes, usable without any search (as features, or in
another index), while :mod:`skmm.retrieval` searches whatever space it is
given, real-valued or binary.
"""

from ._base import itq_rotation, pack_bits
from ._cmfh import CMFH
from ._itq import CCAITQ
from ._scm import SemanticCorrelationHashing

__all__ = [
    "CCAITQ",
    "CMFH",
    "SemanticCorrelationHashing",
    "itq_rotation",
    "pack_bits",
]
