"""
The same pipeline on a GPU and on a Dask cluster
================================================

The tuned pipeline of :ref:`sphx_glr_auto_examples_tuning_plot_tuning_and_deployment.py`
(SIFT bag of visual words + TF-IDF, CCA, an SVM) runs unchanged on other
hardware; only where the arithmetic happens changes:

- **GPU**: ``SIFTBoVW(device="gpu")`` fits its codebook and encodes on the GPU
  (OpenCV still computes the descriptors on the CPU), ``CCA(device="gpu")``
  solves on the GPU and returns CuPy arrays, which a
  ``FunctionTransformer(skmm.utils.to_numpy)`` step hands back to the CPU SVM.
  Fitted state is NumPy, so the model saved on the GPU machine loads anywhere.
- **Dask**: ``CCA.fit`` on a ``dask.array`` reduces each row block to its
  moments on the workers and solves on the client (the same model as the
  in-memory fit), and ``GridSearchCV`` sends its fits to the workers under
  ``joblib.parallel_config(backend="dask")``.

Without CuPy or a GPU the script says so and runs the GPU steps with
``device="auto"``, which falls back to the CPU; ``--require-gpu`` makes a
missing GPU an error instead (``--gpu-stand-in`` runs them with
``device="cpu"``, to check the script itself). Without ``dask[distributed]`` the Dask part is skipped likewise.
The script ends with a figure and a table of the timings it could take.

On the 210 images bundled with skmm every step takes well under a second and
the start-up of a cluster or a GPU dominates: the example shows *how*; the
speed at scale is measured in ``benchmarks/results/gpu.md`` and
``benchmarks/results/dask.md``. The documentation shows this example without
running it (its name does not start with ``plot_``). Run it with::

    python examples/scaling/gpu_and_dask.py --output-dir example_output
"""

# %%
# Everything runs under ``if __name__ == "__main__"``: Dask's worker
# processes import this file, and must not start a cluster of their own.
import argparse
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import CCA
from skmm.datasets import load_ucm_captions
from skmm.feature_extraction import SIFTBoVW
from skmm.utils import to_numpy


def gpu_available():
    """``(True, name)`` when CuPy imports and sees a CUDA device, else ``(False, why)``."""
    try:
        import cupy
    except ImportError:
        return False, "CuPy is not installed (pip install 'skmm[gpu]')"
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken: CuPy raises its own types
        return False, f"CuPy finds no usable CUDA device ({exc})"
    if n == 0:
        return False, "CuPy finds no CUDA device"
    return True, cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()


def modalities(device):
    """The extractors of the tuned pipeline, computing on ``device``."""
    return [
        ("image", SIFTBoVW(n_clusters=64, step=8, patch_size=16, max_side=256,
                           normalize="hellinger", codebook_sample=20_000, random_state=0,
                           device=device), "image"),
        ("text", TfidfVectorizer(sublinear_tf=True), "text"),
    ]


def pipeline(device):
    """The tuned pipeline of the tuning example, computing on ``device``."""
    return Pipeline([
        # Dense blocks (sparse_threshold=0): CuPy and Dask take dense arrays.
        ("embedding", MultiModalTransformer(
            modalities(device), embedder=CCA(n_components=16, reg=0.1, device=device),
            sparse_threshold=0)),
        # CCA on a GPU returns CuPy arrays; the SVM takes NumPy.
        ("to_numpy", FunctionTransformer(to_numpy)),
        ("svc", SVC(C=10)),
    ])


def timed(f):
    tic = time.perf_counter()
    out = f()
    return out, time.perf_counter() - tic


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--output-dir", default="example_output",
                        help="folder for the figure (default: %(default)s)")
    parser.add_argument("--require-gpu", action="store_true",
                        help="exit with an error when CuPy or a GPU is missing")
    parser.add_argument("--gpu-stand-in", action="store_true",
                        help="run the GPU steps with device='cpu', to check this script "
                             "on a machine without a GPU")
    parser.add_argument("--n-workers", type=int, default=2,
                        help="Dask worker processes (default: %(default)s)")
    args, _ = parser.parse_known_args()
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore", message=".*inflated towards 1", category=UserWarning)

    data = load_ucm_captions()
    records = data.frame[["image", "text"]]
    y = np.asarray(data.target)
    train, test = train_test_split(np.arange(len(y)), test_size=1 / 3, stratify=y,
                                   random_state=0)
    rows = []  # (step, where, seconds, note)

    # The GPU, or the reason there is none. Without one, the device steps run
    # with device="auto", which falls back to the CPU.
    has_gpu, gpu_info = gpu_available()
    if args.gpu_stand_in:
        device, where = "cpu", "CPU standing in for the GPU"
        print("GPU: none; the CPU stands in (--gpu-stand-in)")
    elif has_gpu:
        device, where = "gpu", "GPU"
        print(f"GPU: {gpu_info}")
    else:
        message = f"No GPU: {gpu_info}."
        if args.require_gpu:
            sys.exit(f"{message} (--require-gpu was given)")
        device, where = "auto", "device='auto' (no GPU: CPU)"
        print(f"{message} The GPU steps run with device='auto', i.e. on the CPU.")

    # The whole pipeline from records, on the CPU and on the device. Both give
    # the same accuracy up to rounding (the codebook's k-means may break a
    # near tie differently).
    step = "pipeline fit (records)"
    cpu_model, seconds = timed(lambda: pipeline("cpu").fit(records.iloc[train], y[train]))
    cpu_acc = cpu_model.score(records.iloc[test], y[test])
    rows.append((step, "CPU", seconds, f"test accuracy {cpu_acc:.3f}"))
    pipeline(device).fit(records.iloc[train[:42]], y[train[:42]])  # CUDA start-up, kernels
    dev_model, seconds = timed(lambda: pipeline(device).fit(records.iloc[train], y[train]))
    dev_acc = dev_model.score(records.iloc[test], y[test])
    rows.append((step, where, seconds, f"test accuracy {dev_acc:.3f}"))

    # The blocks, extracted once (dense: Dask and CuPy take dense arrays).
    mm = MultiModalTransformer(modalities("cpu"), sparse_threshold=0)
    X = np.asarray(mm.fit_transform(records.iloc[train]), dtype=np.float64)
    views = mm.views_
    print(f"blocks: {X.shape[0]} rows x {X.shape[1]} columns, views {views}")

    step = "CCA fit (blocks)"
    reference, seconds = timed(lambda: CCA(n_components=16, reg=0.1, views=views).fit(X))
    rows.append((step, "CPU", seconds, ""))
    CCA(n_components=16, reg=0.1, views=views, device=device).fit(X)  # warm-up
    cca_dev, seconds = timed(
        lambda: CCA(n_components=16, reg=0.1, views=views, device=device).fit(X))
    gap = np.max(np.abs(cca_dev.canonical_correlations_ - reference.canonical_correlations_))
    rows.append((step, where, seconds, f"canonical correlations within {gap:.1e} of the CPU fit"))

    # The fast route of the tuning example: a grid over CCA and the SVM on the
    # blocks, in one process on the CPU, then with CCA on the device.
    fast = Pipeline([("cca", CCA(n_components=8, reg=0.1, views=views, device="cpu")),
                     ("to_numpy", FunctionTransformer(to_numpy)), ("svc", SVC(C=10))])
    grid = {"cca__n_components": [8, 16], "cca__reg": [0.01, 0.1], "svc__C": [1, 10]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    step = "grid search, 8 candidates x 3 folds"
    serial, seconds = timed(lambda: GridSearchCV(fast, grid, cv=cv).fit(X, y[train]))
    rows.append((step, "CPU", seconds, f"best {serial.best_params_}"))
    on_dev, seconds = timed(lambda: GridSearchCV(
        clone(fast).set_params(cca__device=device), grid, cv=cv).fit(X, y[train]))
    same = on_dev.best_params_ == serial.best_params_
    rows.append((step, where, seconds,
                 f"best {on_dev.best_params_} ({'same' if same else 'NOT the same'} "
                 "as on the CPU)"))

    # A Dask LocalCluster: CCA.fit on a dask array, and the grid search's
    # fits sent to the workers through joblib.
    try:
        import dask.array as da
        import distributed
        from joblib import parallel_config
    except ImportError:
        print("Dask is not installed (pip install 'skmm[dask]'): the Dask part is skipped.")
    else:
        with distributed.LocalCluster(n_workers=args.n_workers, threads_per_worker=1,
                                      processes=True, dashboard_address=":0") as cluster, \
                distributed.Client(cluster) as client:
            client.run(lambda: __import__("skmm.cross_decomposition") and None)
            X_dask = da.from_array(X, chunks=(len(X) // (2 * args.n_workers) + 1, -1))
            X_dask = client.persist(X_dask)
            cca_dask, seconds = timed(
                lambda: CCA(n_components=16, reg=0.1, views=views).fit(X_dask))
            gap = np.max(np.abs(cca_dask.canonical_correlations_
                                - reference.canonical_correlations_))
            rows.append(("CCA fit (blocks)", f"Dask, {args.n_workers} workers", seconds,
                         f"canonical correlations within {gap:.1e} of the in-memory fit"))
            with parallel_config(backend="dask"):
                dist, seconds = timed(lambda: GridSearchCV(fast, grid, cv=cv,
                                                           n_jobs=-1).fit(X, y[train]))
            same = dist.best_params_ == serial.best_params_
            rows.append((step, f"Dask, {args.n_workers} workers", seconds,
                         f"best {dist.best_params_} ({'same' if same else 'NOT the same'}"
                         " as in one process)"))

    # The table and the figure.
    lines = ["| step | where | wall s | note |", "| --- | --- | --- | --- |"]
    lines += [f"| {step} | {where} | {seconds:.2f} | {note} |"
              for step, where, seconds, note in rows]
    table = "\n".join(lines)
    print(table)
    steps = list(dict.fromkeys(step for step, *_ in rows))
    places = list(dict.fromkeys(where for _, where, *_ in rows))
    seconds_at = {(step, where): seconds for step, where, seconds, _ in rows}
    fig, ax = plt.subplots(figsize=(10, 3.5))
    height = 0.8 / len(places)
    for j, place in enumerate(places):
        done = [(i, seconds_at[step, place]) for i, step in enumerate(steps)
                if (step, place) in seconds_at]
        positions = [i + j * height for i, _ in done]
        values = [v for _, v in done]
        ax.barh(positions, values, height=height, color=f"C{j}", label=place)
        for pos, v in zip(positions, values):
            ax.text(v, pos, f" {v:.2f} s", va="center", fontsize=8)
    ax.set_yticks(np.arange(len(steps)) + (len(places) - 1) * height / 2, steps, fontsize=8)
    ax.set_xscale("log")  # from a CCA solve (milliseconds) to SIFT extraction (seconds)
    ax.set_xlabel("wall time (s, log scale); bundled UCM subset: start-up costs dominate")
    ax.set_xlim(right=4 * max(seconds_at.values()))  # room for the labels
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    figure_path = output_dir / "gpu_and_dask.png"
    fig.savefig(figure_path, dpi=80)
    plt.close(fig)
    print(f"figure: {figure_path}")


if __name__ == "__main__":
    main()
