"""Raw input to matrices: SIFT bag of visual words for images, MFCC for audio.

Estimators (:class:`SIFTBoVW`, :class:`MFCC`) turn a batch of raw items into
one row each. Their building blocks are public too, the way
``skimage.feature`` exports its descriptors: read an image
(:func:`read_image`), describe it (:func:`sift_descriptors`,
:func:`dense_grid`, :func:`rootsift`), and encode a set of descriptors
against a codebook (:func:`hard_assignments`, :func:`soft_assignments`,
:func:`vlad`, :func:`fisher_vector`); the codebook itself comes from
:func:`skmm.cluster.kmeans`. The encoders run in the namespace of their
input (NumPy, CuPy, any array-API library). A fitted extractor runs over
more files than memory holds with :func:`transform_to_memmap` (rows written
to a ``.npy`` file chunk by chunk) or on a Dask cluster with
:func:`transform_dask`.
"""

from ._audio import MFCC, mfcc
from ._audio_io import load_wav
from ._bovw import SIFTBoVW
from ._encoding import fisher_vector, hard_assignments, soft_assignments, vlad
from ._image_io import read_image
from ._out_of_core import transform_dask, transform_to_memmap
from ._sift import dense_grid, rootsift, sift_descriptors

__all__ = [
    "MFCC",
    "SIFTBoVW",
    "dense_grid",
    "fisher_vector",
    "hard_assignments",
    "load_wav",
    "mfcc",
    "read_image",
    "rootsift",
    "sift_descriptors",
    "soft_assignments",
    "transform_dask",
    "transform_to_memmap",
    "vlad",
]
