"""Raw input to matrices: SIFT bag of visual words for images, audio features."""

from ._image import SIFTBoVW

__all__ = [
    "SIFTBoVW",
]
