"""Dask building blocks: row blocks, tree reduction, block-wise outputs.

A learner whose fit needs only statistics that merge over row blocks (the
moments of the CCA family, the Lloyd sums of k-means) fits a ``dask.array``
without the client ever holding it: each row block is reduced to its small
statistics on the workers, the statistics are merged pairwise in a tree, and
only the merged result comes back. Outputs of ``transform`` stay lazy: the
NumPy ``transform`` runs on every row block with ``map_blocks``.

Dask is optional: this module imports it inside its functions (through
:func:`skmm.utils.import_optional`, which names the ``dask`` extra), and
:func:`is_dask_array` only looks at modules already imported, so
``import skmm`` never imports dask.
"""

import numpy as np
from array_api_compat import is_dask_array
from sklearn import config_context
from sklearn.utils._set_output import _get_output_config

from ._optional import import_optional

__all__ = ["is_dask_array", "row_blocks", "tree_reduce", "check_dask_2d", "map_row_blocks",
           "check_dask_output", "transform_block", "transform_view_block",
           "map_row_blocks_pair"]


def check_dask_2d(X, name, *, n_features=None):
    """Checks of ``validate_data`` that do not read the data; returns X (float, whole rows).

    2-D, known number of columns, real floating dtype (integers and booleans
    become float64, as scikit-learn does), the column count of ``fit`` when
    ``n_features`` is given, and the columns in one chunk so that every block
    holds whole rows. NaN and inf are found later, for free, by the caller's
    statistics (a whole pass over a distributed array just to check would
    double the reads).
    """
    if X.ndim != 2:
        raise ValueError(
            f"{name} takes a 2-D dask array with the views side by side (columns), got a "
            f"{X.ndim}-D array of shape {X.shape}."
        )
    if np.isnan(X.shape[1]):
        raise ValueError(
            f"{name}: the dask array has an unknown number of columns; call "
            "X.compute_chunk_sizes() first."
        )
    if X.dtype.kind in "biu":
        X = X.astype(np.float64)
    elif X.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{name} takes a float32 or float64 dask array (or integers, cast to float64), "
            f"got dtype {X.dtype}."
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} is expecting {n_features} features "
            "as input."
        )
    if len(X.chunks[1]) > 1:
        # Statistics and projections need every column of a row in one block.
        X = X.rechunk({1: -1})
    return X


def row_blocks(X):
    """One delayed NumPy block per chunk of rows of a 2-D dask array (columns whole)."""
    blocks = X.to_delayed()
    if blocks.shape[1] != 1:
        raise ValueError("The columns must be in one chunk; rechunk with X.rechunk({1: -1}).")
    return list(blocks[:, 0])


def tree_reduce(parts, combine, *args):
    """Merge delayed ``parts`` pairwise, in a balanced tree of ``combine(a, b, *args)``.

    A tree keeps every merge small and the depth ``log2(len(parts))``, so no
    single worker (nor the client) receives all the block statistics at once.
    """
    dask = import_optional("dask", "dask")
    merge = dask.delayed(combine, pure=True)
    parts = list(parts)
    if not parts:
        raise ValueError("Found a dask array with 0 row blocks.")
    while len(parts) > 1:
        paired = [merge(a, b, *args) for a, b in zip(parts[::2], parts[1::2])]
        if len(parts) % 2:
            paired.append(parts[-1])
        parts = paired
    return parts[0]


def map_row_blocks(func, X, n_out, *args):
    """``func(block, *args)`` on every row block of ``X``: a lazy dask array.

    ``func`` returns ``n_out`` columns per block, in the dtype of ``X``.
    """
    return X.map_blocks(func, *args, dtype=X.dtype, chunks=(X.chunks[0], (n_out,)),
                        meta=np.empty((0, 0), dtype=X.dtype))


def transform_block(block, est):
    """``est.transform`` of one row block, on a worker (a NumPy array, not a DataFrame)."""
    with config_context(transform_output="default"):
        return est.transform(block)


def transform_view_block(block, est, view):
    """``est.transform_view`` of one row block of one view, on a worker."""
    with config_context(transform_output="default"):
        return est.transform_view(block, view)


def check_dask_output(est):
    """Refuse a pandas/polars ``set_output`` for dask input: it would gather the result."""
    if _get_output_config("transform", est)["dense"] != "default":
        raise ValueError(
            f"{type(est).__name__}.set_output(transform=...) is not supported on dask "
            "input (the output is a lazy dask array); call set_output(transform='default') "
            "or convert the result with dask.dataframe.from_dask_array."
        )


def map_row_blocks_pair(func, X, probe, *args):
    """``func(block, *args) -> (a, b)`` on every row block of ``X``: two lazy dask arrays.

    ``probe`` is the pair ``func`` returns for a row or two (computed by the
    caller without reading ``X``): it gives each output's width and dtype.
    Each of ``args`` is one node of the graph, so a large argument (a NumPy
    gallery, a fitted estimator) reaches each worker once, whatever the number
    of blocks.
    """
    dask = import_optional("dask", "dask")
    da = import_optional("dask.array", "dask")
    args = [dask.delayed(a, pure=True, traverse=False) for a in args]
    run = dask.delayed(func, pure=True, nout=2)
    outs = ([], [])
    for block, rows in zip(row_blocks(X), X.chunks[0]):
        for out, part, ref in zip(outs, run(block, *args), probe):
            out.append(da.from_delayed(part, (rows,) + ref.shape[1:], dtype=ref.dtype,
                                       meta=ref[:0]))
    return tuple(da.concatenate(out, axis=0) for out in outs)
