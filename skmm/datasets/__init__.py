"""Loaders for real multimodal data sets and a synthetic multimodal generator.

Full data sets are read from a data home (argument ``data_home`` or the
environment variable ``SKMM_DATA_HOME``); small redistributable subsets ship
with skmm and are used when no data home is set (``bunch.subset`` is True).
"""

from ._base import get_data_home
from ._loaders import (
    load_bbc_news,
    load_fsdd,
    load_mfeat,
    load_nutrimouse,
    load_scene15,
    load_skimage_images,
    load_ucm_captions,
    load_wikipedia_features,
)
from ._synthetic import make_multimodal_classification

__all__ = [
    "get_data_home",
    "load_bbc_news",
    "load_fsdd",
    "load_mfeat",
    "load_nutrimouse",
    "load_scene15",
    "load_skimage_images",
    "load_ucm_captions",
    "load_wikipedia_features",
    "make_multimodal_classification",
]
