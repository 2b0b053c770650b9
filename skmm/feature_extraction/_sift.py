"""SIFT local descriptors (OpenCV) on a dense grid or at detected keypoints, and RootSIFT.

Every image becomes a set of 128-d descriptors plus their positions relative
to the image size (for spatial pyramids); :mod:`._encoding` turns the set
into one fixed-length vector. OpenCV's SIFT object is created per call and
never stored (it cannot be pickled).
"""

from numbers import Integral

import numpy as np

from ._image_io import _cv2

__all__ = ["dense_grid", "rootsift", "sift_descriptors"]


def dense_grid(height, width, step, patch_size):
    """Centres of a dense grid of ``patch_size`` patches every ``step`` pixels.

    The first centre is ``patch_size / 2`` from the border and every patch lies
    inside the image, so an axis of length ``n`` holds
    ``(n - patch_size) // step + 1`` centres (none if ``n < patch_size``).

    Parameters
    ----------
    height, width : int
        Image size in pixels.
    step : int
        Distance between neighbouring centres.
    patch_size : int
        Side of the square patch around each centre.

    Returns
    -------
    xy : ndarray of shape (n_points, 2), float64
        ``(x, y)`` in pixels, row by row.

    Examples
    --------
    >>> from skmm.feature_extraction import dense_grid
    >>> dense_grid(32, 40, 8, 16)
    array([[ 8.,  8.],
           [16.,  8.],
           [24.,  8.],
           [32.,  8.],
           [ 8., 16.],
           [16., 16.],
           [24., 16.],
           [32., 16.],
           [ 8., 24.],
           [16., 24.],
           [24., 24.],
           [32., 24.]])
    """
    half = patch_size / 2.0
    xs = half + step * np.arange((width - patch_size) // step + 1 if width >= patch_size else 0)
    ys = half + step * np.arange((height - patch_size) // step + 1 if height >= patch_size else 0)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _patch_sizes(patch_size):
    sizes = [patch_size] if isinstance(patch_size, Integral) else list(patch_size)
    if not sizes or not all(isinstance(s, Integral) and s >= 1 for s in sizes):
        raise ValueError(
            f"patch_size must be a positive integer or a non-empty sequence of them, "
            f"got {patch_size!r}."
        )
    return sizes


def _rootsift_rows(desc):
    l1 = np.abs(desc).sum(axis=1, keepdims=True)
    return np.sqrt(desc / np.where(l1 > 0, l1, 1.0)).astype(np.float32)


def rootsift(descriptors):
    """RootSIFT (Arandjelovic & Zisserman 2012): ``sqrt(d / ||d||_1)`` row by row.

    Comparing RootSIFT descriptors with the Euclidean distance compares the
    original ones with the Hellinger kernel. Zero rows stay zero.

    Parameters
    ----------
    descriptors : array-like of shape (n, d)
        Non-negative descriptors (SIFT histograms).

    Returns
    -------
    root : ndarray of shape (n, d), float32
        Rows of unit L2 norm (or zero).

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import rootsift
    >>> rootsift(np.array([[1.0, 3.0], [0.0, 0.0]]))
    array([[0.5      , 0.8660254],
           [0.       , 0.       ]], dtype=float32)
    """
    desc = np.asarray(descriptors, dtype=np.float32)
    if desc.ndim != 2:
        raise ValueError(f"descriptors must be 2-D (n, d), got shape {desc.shape}")
    if not np.all(np.isfinite(desc)) or np.any(desc < 0):
        raise ValueError("RootSIFT needs finite, non-negative descriptors (SIFT histograms)")
    return _rootsift_rows(desc)


def sift_descriptors(gray, *, detector="dense", step=8, patch_size=16, rootsift=False,
                     max_descriptors=None, seed=0):
    """SIFT descriptors of a grayscale image and their relative positions.

    Parameters
    ----------
    gray : ndarray of shape (H, W), uint8
        A grayscale image, e.g. from :func:`read_image`.
    detector : {"dense", "keypoints"}
        ``"dense"``: a grid every ``step`` px with a ``patch_size`` px
        descriptor window (OpenCV's SIFT window is ~6 x ``KeyPoint.size``, so
        ``KeyPoint.size = patch_size / 6``). ``"keypoints"``: the SIFT
        difference-of-Gaussian detector, with its own scales.
    step : int
    patch_size : int or sequence of int
        Several sizes give multi-scale dense SIFT: one grid per size, the
        descriptors of all scales together.
    rootsift : bool
        Return RootSIFT (see :func:`rootsift`).
    max_descriptors : int or None
        Keep at most this many descriptors, a uniform random subset drawn with
        ``seed`` (the same seed for every image, so the result does not depend
        on the image's position in a batch).
    seed : int

    Returns
    -------
    descriptors : ndarray of shape (n, 128), float32
    positions : ndarray of shape (n, 2), float64
        ``(x / W, y / H)`` of each descriptor centre, in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import sift_descriptors
    >>> gray = np.random.default_rng(0).integers(0, 256, (48, 64), dtype=np.uint8)
    >>> desc, pos = sift_descriptors(gray, step=8, patch_size=16)
    >>> desc.shape, pos.shape                  # a 5 x 7 grid
    ((35, 128), (35, 2))
    >>> pos[0].tolist()
    [0.125, 0.16666666666666666]
    """
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError("sift_descriptors needs a 2-D uint8 grayscale image (see "
                         f"read_image), got {type(gray).__name__} "
                         f"{getattr(gray, 'dtype', '')} of shape {np.shape(gray)}")
    if detector not in ("dense", "keypoints"):
        raise ValueError(f"detector must be 'dense' or 'keypoints', got {detector!r}")
    cv2 = _cv2()
    sift = cv2.SIFT_create()
    h, w = gray.shape
    if detector == "dense":
        kps = [cv2.KeyPoint(float(x), float(y), size / 6.0)
               for size in _patch_sizes(patch_size)
               for x, y in dense_grid(h, w, step, size)]
        if kps:
            kps, desc = sift.compute(gray, kps)
        else:
            desc = None
    else:
        kps, desc = sift.detectAndCompute(gray, None)
    if desc is None or len(kps) == 0:
        return np.zeros((0, 128), np.float32), np.zeros((0, 2))
    desc = np.asarray(desc, dtype=np.float32)
    pos = np.array([kp.pt for kp in kps], dtype=np.float64) / np.array([w, h], dtype=np.float64)
    pos = np.clip(pos, 0.0, np.nextafter(1.0, 0.0))
    if max_descriptors is not None and len(desc) > max_descriptors:
        keep = np.sort(np.random.default_rng(seed).choice(len(desc), max_descriptors,
                                                          replace=False))
        desc, pos = desc[keep], pos[keep]
    if rootsift:
        desc = _rootsift_rows(desc)
    return desc, pos
