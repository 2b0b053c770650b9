"""Raw input to matrices: SIFT bag of visual words for images, audio features."""

from ._audio import MFCC, mfcc
from ._audio_io import load_wav
from ._image import SIFTBoVW

__all__ = [
    "MFCC",
    "load_wav",
    "mfcc",
    "SIFTBoVW",
]
