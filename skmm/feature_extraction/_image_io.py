"""Reading images (paths or arrays) as 8-bit grayscale, and checking batches of them.

OpenCV is imported inside the functions and no OpenCV object is kept, so
everything here pickles and ``import skmm`` stays light. Every error starts
with :func:`~skmm.utils._validation.describe_item` (``image <index>
('<path>')``), so the user knows which row and which file to look at.

Three things OpenCV does quietly are made loud here:

- a JPEG whose entropy-coded data is corrupt decodes to a damaged image and
  libjpeg only prints ``Corrupt JPEG data`` on the C ``stderr``. JPEG files
  are decoded with file descriptor 2 captured, under a lock (the descriptor
  is process-wide, and joblib threads decode in parallel); libjpeg's lines
  become a ``UserWarning`` naming the file and any other output is written
  back to ``stderr``.
- a file declaring more pixels than OpenCV decodes (``CV_IO_MAX_IMAGE_PIXELS``,
  2^30 by default) raised a bare ``cv2.error``; the size is now read from the
  PNG/JPEG header first and reported with the path.
- a very large image (more than :data:`LARGE_IMAGE_PIXELS`) without
  ``max_side`` is described at full size (an 8000 x 8000 image took 37 s and
  2 GB of dense SIFT): a warning suggests ``max_side``.
"""

import contextlib
import os
import struct
import tempfile
import threading
import warnings

import numpy as np

from ..utils._validation import describe_item

__all__ = ["LARGE_IMAGE_PIXELS", "as_image_list", "read_image"]

_CV2_WHEEL = "opencv-contrib-python-headless"

#: Images with more pixels than this (25 megapixels) and no ``max_side`` warn.
LARGE_IMAGE_PIXELS = 25_000_000

# OpenCV refuses to decode more pixels than this (its CV_IO_MAX_IMAGE_PIXELS
# environment variable, default 2^30).
_CV_DEFAULT_MAX_PIXELS = 1 << 30

# libjpeg's warnings (jerror.h) that mean the decoded pixels are not the
# encoded image.
_JPEG_WARNINGS = ("Corrupt JPEG data", "Premature end of JPEG file", "Invalid SOS parameters",
                  "Warning:", "Inconsistent progression sequence")

_STDERR_LOCK = threading.Lock()


def _cv2():
    # OpenCV is a core dependency (no extra): a broken or missing install gets
    # a message that names the wheel.
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(f"OpenCV (cv2) could not be imported ({exc}); skmm needs the wheel "
                          f"{_CV2_WHEEL!r}: pip install {_CV2_WHEEL}") from exc
    return cv2


def _cv_max_pixels():
    try:
        return int(os.environ.get("OPENCV_IO_MAX_IMAGE_PIXELS", _CV_DEFAULT_MAX_PIXELS))
    except ValueError:
        return _CV_DEFAULT_MAX_PIXELS


def _header_size(buf):
    """``(width, height)`` from a PNG or JPEG header, or None (other formats)."""
    data = buf[:65536].tobytes() if len(buf) > 65536 else buf.tobytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        # Walk the marker segments to the first start-of-frame (SOF0..SOF15
        # except DHT/JPG/DAC): height and width follow the precision byte.
        pos = 2
        while pos + 9 < len(data):
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            if marker == 0xFF:
                pos += 1
                continue
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
                return width, height
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                pos += 2
                continue
            pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return None


@contextlib.contextmanager
def _captured_stderr(sink):
    """Capture file descriptor 2 (C ``stderr``) into ``sink`` (a list of lines).

    The descriptor is process-wide, so capture is serialised by a lock, and
    anything that is not a libjpeg warning is written back to ``stderr``.
    Where descriptor 2 cannot be duplicated, nothing is captured.
    """
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:
            yield
            return
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                text = tmp.read().decode("utf-8", errors="replace")
        others = []
        for line in text.splitlines():
            (sink if line.startswith(_JPEG_WARNINGS) else others).append(line)
        if others:
            os.write(2, ("\n".join(others) + "\n").encode())


def _decode_file(cv2, path, where):
    if os.path.isdir(path):
        raise ValueError(f"{where}: is a directory, not an image file")
    if not os.path.exists(path):
        raise ValueError(f"{where}: no such file")
    # Read bytes ourselves: cv2.imread fails silently on missing files and
    # on non-ASCII paths on some platforms.
    try:
        with open(path, "rb") as fh:
            buf = np.frombuffer(fh.read(), dtype=np.uint8)
    except OSError as exc:
        raise ValueError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    if buf.size == 0:
        raise ValueError(f"{where}: OpenCV could not decode the file as an image "
                         "(the file is empty)")
    size = _header_size(buf)
    if size is not None and size[0] * size[1] > _cv_max_pixels():
        raise ValueError(
            f"{where}: the file declares a {size[0]}x{size[1]} image "
            f"({size[0] * size[1] / 1e6:.0f} megapixels), above OpenCV's decoding limit "
            f"of {_cv_max_pixels()} pixels (OPENCV_IO_MAX_IMAGE_PIXELS); the header is "
            "probably corrupt, or downscale the file first")
    jpeg_warnings = []
    capture = (_captured_stderr(jpeg_warnings) if buf[:2].tobytes() == b"\xff\xd8"
               else contextlib.nullcontext())
    try:
        with capture:
            gray = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    except cv2.error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{where}: OpenCV could not decode the file as an image "
                         f"({reason})") from exc
    if gray is None:
        raise ValueError(f"{where}: OpenCV could not decode the file as an image")
    if jpeg_warnings:
        warnings.warn(f"{where}: the JPEG data is corrupt, the decoded image is damaged "
                      f"(libjpeg: {'; '.join(dict.fromkeys(jpeg_warnings))})", UserWarning,
                      stacklevel=4)
    return gray


def read_image(image, *, max_side=None, index=0):
    """Read one image as a 2-D ``uint8`` grayscale array.

    Parameters
    ----------
    image : str, path-like or ndarray
        A file path (any format OpenCV decodes), or an array of shape
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` (RGB) or ``(H, W, 4)`` (RGBA).
        Accepted dtypes: ``uint8``; ``uint16`` (scaled by 1/257 to 8 bits);
        ``float32``/``float64`` with values in [0, 1] (scaled by 255). Other
        dtypes raise ``TypeError`` (convert with ``.astype(np.uint8)``).
    max_side : int or None
        Shrink (never enlarge) so that the longest side is at most
        ``max_side`` pixels, with area interpolation. Without it, an image
        above :data:`LARGE_IMAGE_PIXELS` (25 megapixels) warns: dense SIFT on
        an 8000 x 8000 image takes tens of seconds and gigabytes.
    index : int
        Position of the image in its batch, used in error messages.

    Returns
    -------
    gray : ndarray of shape (H, W), dtype uint8

    Raises
    ------
    ValueError
        Missing file, a directory, an unreadable or undecodable file, a file
        declaring more pixels than OpenCV decodes, an empty array, wrong
        number of dimensions or channels, NaN/inf or float values outside
        [0, 1]. The message starts with ``image <index>`` and the path.
    TypeError
        An item that is neither a path nor a numeric array.

    Warns
    -----
    UserWarning
        A JPEG with corrupt data (decoded, but damaged), or an image above
        :data:`LARGE_IMAGE_PIXELS` read without ``max_side``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import read_image
    >>> rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    >>> rgb[..., 0] = 255                      # pure red
    >>> gray = read_image(rgb)
    >>> gray.shape, gray.dtype, int(gray[0, 0])  # ITU-R 601 luma of red
    ((40, 60), dtype('uint8'), 76)
    >>> read_image(rgb, max_side=30).shape
    (20, 30)
    """
    cv2 = _cv2()
    where = describe_item(index, image, kind="image")
    if isinstance(image, (str, os.PathLike)):
        gray = _decode_file(cv2, os.fspath(image), where)
    elif isinstance(image, np.ndarray) or hasattr(image, "__array__"):
        gray = _array_to_gray(cv2, np.asarray(image), where)
    else:
        raise TypeError(f"{where}: expected a file path or an image array, "
                        f"got {type(image).__name__}")
    if gray.size == 0:
        raise ValueError(f"{where}: empty image of shape {gray.shape}")
    if max_side is not None and max(gray.shape) > max_side:
        scale = max_side / max(gray.shape)
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    elif max_side is None and gray.size > LARGE_IMAGE_PIXELS:
        warnings.warn(
            f"{where}: {gray.shape[1]}x{gray.shape[0]} pixels "
            f"({gray.size / 1e6:.0f} megapixels) read at full size; describing it takes "
            "a long time and much memory: set max_side (e.g. max_side=1024) to shrink "
            "images first", UserWarning, stacklevel=2)
    return np.ascontiguousarray(gray)


def _array_to_gray(cv2, arr, where):
    if arr.dtype.kind in "OUSVb" or arr.dtype.kind == "c":
        raise TypeError(f"{where}: image arrays must be uint8, uint16 or float in [0, 1], "
                        f"got dtype {arr.dtype}")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{where}: expected an array of shape (H, W) or (H, W, C), "
                         f"got {arr.ndim}-D shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{where}: empty image of shape {arr.shape}")
    if arr.dtype == np.uint8:
        img = arr
    elif arr.dtype == np.uint16:
        img = np.rint(arr / 257.0).astype(np.uint8)
    elif arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{where}: image contains NaN or inf")
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0 or hi > 1:
            raise ValueError(f"{where}: float images must have values in [0, 1], "
                             f"got [{lo:g}, {hi:g}]")
        img = np.rint(arr * 255.0).astype(np.uint8)
    else:
        raise TypeError(f"{where}: image arrays must be uint8, uint16 or float in [0, 1], "
                        f"got dtype {arr.dtype} (convert with .astype(np.uint8))")
    if img.ndim == 3:
        channels = img.shape[2]
        if channels == 1:
            img = img[:, :, 0]
        elif channels == 3:
            img = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2GRAY)
        elif channels == 4:
            img = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGBA2GRAY)
        else:
            raise ValueError(f"{where}: expected 1, 3 or 4 channels, got {channels}")
    return img


def as_image_list(X):
    """The images of a batch ``X`` as a list, refusing one image passed alone.

    A batch is a sequence (list, tuple, pandas Series, 1-D object array) of
    paths or arrays, or a stacked array: 4-D ``(N, H, W, C)``, or 3-D
    ``(N, H, W)`` grayscale. A 3-D array whose last axis has 1, 3 or 4
    entries has the shape of one colour image ``(H, W, C)`` and raises: read
    as a batch it would be ``H`` images of ``W x C`` pixels. Wrap one image
    in a list; pass a 3-D stack of grayscale images with 1, 3 or 4 columns as
    ``list(X)``.

    Raises
    ------
    TypeError
        A single path, a 2-D array (one grayscale image), a DataFrame, or a
        non-iterable.
    ValueError
        A 3-D array shaped like one colour image, or an empty batch.
    """
    if isinstance(X, (str, bytes, os.PathLike)):
        raise TypeError("X must be a sequence of images (paths or arrays), got a single "
                        f"{type(X).__name__}; wrap it in a list")
    if isinstance(X, np.ndarray) and X.dtype != object and X.dtype.kind not in "US":
        if X.ndim == 3 and X.shape[2] in (1, 3, 4):
            raise ValueError(
                f"X is a 3-D array of shape {X.shape}: this is the shape of one image "
                f"(H, W, C) with {X.shape[2]} channel(s), not a batch of {X.shape[0]} images "
                f"of {X.shape[1]}x{X.shape[2]} pixels. Pass [image] for one image, a "
                "4-D array (N, H, W, C) or a list for a batch")
        if X.ndim in (3, 4):  # a stack of same-size images
            return list(X)
        raise TypeError(f"X must be a sequence of images; got a {X.ndim}-D {X.dtype} array "
                        "(a single image must be wrapped in a list)")
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        raise TypeError("X must be a 1-D sequence of images, got a DataFrame; pass one column")
    try:
        items = list(X)
    except TypeError as exc:
        raise TypeError(f"X must be a sequence of images, got {type(X).__name__}") from exc
    if len(items) == 0:
        raise ValueError("X holds no images (0 items)")
    return items
