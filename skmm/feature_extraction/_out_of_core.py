"""Run a fitted extractor over more files than memory holds: to a .npy file, or on Dask.

Both drivers cut the list of items (paths or arrays) into consecutive
chunks and call the transformer's own ``transform`` on each, so a row is
exactly the row of the in-memory ``transform`` (every image's and clip's
features are its own). A chunk that fails is transformed again item by item
to name the failing one by its position in the whole list and its path.
"""

import os
import time
from numbers import Integral

import numpy as np

from ..utils._dask import is_dask_array
from ..utils._optional import import_optional
from ..utils._sklearn_compat import check_is_fitted
from ..utils._validation import describe_item

__all__ = ["transform_dask", "transform_to_memmap"]


def _items(X):
    """The items of ``X`` as a list; a single path or a stacked array is refused."""
    if isinstance(X, (str, bytes, os.PathLike)) or not hasattr(X, "__len__"):
        raise TypeError(f"X must be a sequence of items (paths or arrays), got "
                        f"{type(X).__name__}; wrap a single item in a list.")
    if is_dask_array(X):
        raise TypeError("X must be a list of items (paths or arrays), not a dask array.")
    if hasattr(X, "iloc"):  # pandas Series: positional order
        X = X.to_numpy()
    items = list(X)
    if not items:
        raise ValueError("X is empty: expected at least one item.")
    return items


def _check_batch_size(batch_size):
    if not isinstance(batch_size, Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _n_features_out(transformer):
    n_out = getattr(transformer, "n_features_out_", None)
    if n_out is None:
        n_out = len(transformer.get_feature_names_out())
    return int(n_out)


def _transform_chunk(transformer, items, start, dtype=None):
    """``transformer.transform(items)`` as float rows; a failure names the item.

    ``items`` are ``X[start:start + len(items)]``: on a failure the chunk is
    transformed again one item at a time, and the first failing item is
    reported by its position in ``X`` (and its path), the original error
    chained. ``dtype``: of the returned rows (None: the transformer's). Runs in the client or on a Dask worker alike.
    """
    try:
        return np.asarray(transformer.transform(items), dtype=dtype)
    except Exception as exc:
        chunk_exc = exc
    for offset, item in enumerate(items):
        try:
            transformer.transform([item])
        except Exception as exc:
            raise ValueError(f"{type(transformer).__name__}.transform failed on "
                             f"{describe_item(start + offset, item, kind='item')}: "
                             f"{type(exc).__name__}: {exc}") from exc
    # Every item passes alone: the chunk's failure is not one item's.
    raise chunk_exc


def transform_to_memmap(transformer, X, filename, *, batch_size=64, verbose=0):
    """Transform a list of files chunk by chunk into a ``.npy`` file on disk.

    Memory holds one chunk of ``batch_size`` items and its rows at a time;
    the rows are written in order into a NumPy memory map
    (:func:`numpy.lib.format.open_memmap`), so the result is a ``.npy`` file
    that ``np.load(filename, mmap_mode="r")`` opens without reading it.

    Parameters
    ----------
    transformer : fitted transformer
        A fitted extractor whose ``transform`` takes a list of items and
        returns one row per item (:class:`SIFTBoVW`, :class:`MFCC`, or any
        such estimator).
    X : sequence of items
        Paths (or arrays) in the order of the output rows.
    filename : str or path-like
        The ``.npy`` file to create (overwritten if it exists).
    batch_size : int, default=64
        Items per call to ``transform``.
    verbose : int, default=0
        When positive, print the rows written and the elapsed time after each
        chunk.

    Returns
    -------
    rows : numpy.memmap of shape (n_items, n_features_out)
        The written file, opened read-only; row ``i`` is item ``X[i]``'s.

    Raises
    ------
    ValueError
        When an item fails: the message names its position in ``X`` and its
        path, with the transformer's error chained. The incomplete file is
        removed.

    See Also
    --------
    transform_dask : The same rows, computed on a Dask cluster.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skmm.feature_extraction import SIFTBoVW, transform_to_memmap
    >>> rng = np.random.default_rng(0)
    >>> images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(5)]
    >>> bovw = SIFTBoVW(n_clusters=8, random_state=0).fit(images)
    >>> path = os.path.join(tempfile.mkdtemp(), "codes.npy")
    >>> rows = transform_to_memmap(bovw, images, path, batch_size=2)
    >>> rows.shape, bool(np.allclose(rows, bovw.transform(images)))
    ((5, 8), True)
    """
    check_is_fitted(transformer)
    _check_batch_size(batch_size)
    items = _items(X)
    n = len(items)
    filename = os.fspath(filename)
    out = None
    t0 = time.perf_counter()
    try:
        for start in range(0, n, batch_size):
            chunk = items[start:start + batch_size]
            rows = _transform_chunk(transformer, chunk, start)
            if rows.ndim != 2 or rows.shape[0] != len(chunk):
                raise ValueError(f"{type(transformer).__name__}.transform returned shape "
                                 f"{rows.shape} for {len(chunk)} items (X[{start}:"
                                 f"{start + len(chunk)}]); expected one row per item")
            if out is None:  # the first chunk tells the width and dtype
                out = np.lib.format.open_memmap(filename, mode="w+", dtype=rows.dtype,
                                                shape=(n, rows.shape[1]))
            elif rows.shape[1] != out.shape[1]:
                raise ValueError(f"{type(transformer).__name__}.transform returned "
                                 f"{rows.shape[1]} columns for X[{start}:{start + len(chunk)}]"
                                 f", {out.shape[1]} before")
            out[start:start + len(chunk)] = rows
            if verbose:
                done = start + len(chunk)
                print(f"[transform_to_memmap] {done}/{n} rows ({100 * done / n:.0f}%) "
                      f"written to {filename} in {time.perf_counter() - t0:.1f} s")
        out.flush()
    except BaseException:
        del out  # close the map before removing its file
        if os.path.exists(filename):
            os.remove(filename)
        raise
    del out
    return np.load(filename, mmap_mode="r")


def transform_dask(transformer, X, *, batch_size=64):
    """Transform a list of files on a Dask cluster: a lazy dask array of the rows.

    The list is cut into chunks of ``batch_size`` items; each chunk is one
    task that calls the transformer's ``transform`` on a worker (the fitted
    transformer is one shared node of the graph, sent to each worker once),
    so the workers read the files themselves: the paths must be readable
    where the workers run. Nothing runs until the result is computed, with
    the active ``distributed.Client`` (or Dask's local scheduler).

    Parameters
    ----------
    transformer : fitted transformer
        A fitted, picklable extractor whose ``transform`` takes a list of
        items and returns one row per item, with ``n_features_out_`` or
        ``get_feature_names_out`` (:class:`SIFTBoVW`, :class:`MFCC`).
    X : sequence of items
        Paths (or arrays) in the order of the output rows.
    batch_size : int, default=64
        Items per task, and rows per chunk of the result.

    Returns
    -------
    rows : dask.array.Array of shape (n_items, n_features_out), float64
        Lazy; row ``i`` is item ``X[i]``'s, equal to the in-memory
        ``transformer.transform(X)``. ``.compute()`` gives the NumPy array;
        ``rows.to_zarr`` or ``da.store`` write it without gathering it.

    Raises
    ------
    ImportError
        Without dask (the message names the ``skmm[dask]`` extra).
    ValueError
        At compute time, when an item fails: the message names its position
        in ``X`` and its path, with the worker's error chained.

    See Also
    --------
    transform_to_memmap : The same rows, written to a ``.npy`` file locally.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import SIFTBoVW, transform_dask
    >>> rng = np.random.default_rng(0)
    >>> images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(5)]
    >>> bovw = SIFTBoVW(n_clusters=8, random_state=0).fit(images)
    >>> rows = transform_dask(bovw, images, batch_size=2)
    >>> rows.chunks
    ((2, 2, 1), (8,))
    >>> bool(np.allclose(rows.compute(), bovw.transform(images)))
    True
    """
    dask = import_optional("dask", "dask")
    da = import_optional("dask.array", "dask")
    check_is_fitted(transformer)
    _check_batch_size(batch_size)
    items = _items(X)
    n_out = _n_features_out(transformer)
    # One node for the transformer, shared by every task (not one copy per chunk).
    model = dask.delayed(transformer, pure=True, traverse=False)
    run = dask.delayed(_transform_chunk, pure=True)
    chunks = []
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        rows = run(model, chunk, start, np.float64)
        chunks.append(da.from_delayed(rows, shape=(len(chunk), n_out), dtype=np.float64,
                                      meta=np.empty((0, 0), dtype=np.float64)))
    return da.concatenate(chunks, axis=0)
