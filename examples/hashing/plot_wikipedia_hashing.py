"""
Cross-modal hashing on Wikipedia: MAP against code length, and search speed
===========================================================================

Hashing gives each image and each text a short binary code, the same kind of
code for both modalities, so that a query of one modality is answered by
ranking the other modality's codes by Hamming distance: a gallery of a
million items fits in a few megabytes and is scanned with XOR and popcount
instead of floating-point products.

We train the three hashers of :mod:`skmm.hashing` on the 2,173 training
pairs of the Wikipedia data set (Rasiwasia et al. 2010: 128-word SIFT bag of
visual words per image, 10 LDA topic proportions per text) at 16, 32, 64 and
128 bits:

- :class:`~skmm.hashing.CCAITQ`: CCA, then an iterative-quantisation
  rotation (unsupervised);
- :class:`~skmm.hashing.CMFH`: collective matrix factorisation to one code
  per pair (unsupervised);
- :class:`~skmm.hashing.SemanticCorrelationHashing`: SCM-Seq, supervised by
  the 10 categories.

Each test image ranks all 693 test texts by Hamming distance (and each text
all images); a text is relevant when it has the image's category; we report
the mean average precision (MAP) over the full ranking, tied distances
averaged, beside real-valued CCA ranked by cosine. The hyper-parameters are
fixed to those chosen by 3-fold cross-validation on the training split in
``benchmarks/bench_hashing.py`` (at 64 bits; CMFH keeps its paper's
values), so the example stays fast.

Then the point of hashing: query time. On a synthetic gallery of one million
64-bit codes we time exact top-10 Hamming ranking
(:func:`skmm.retrieval.top_k` with ``metric="hamming"``) against brute-force
cosine ranking of one million 64-d float32 vectors, medians of a few runs.

The example saves a figure of MAP against code length in
``example_output/`` (or the folder given with ``--output-dir``) and prints
a MAP table and a timing table.

**Data.** The Wikipedia features are not bundled with skmm (their licence
is not stated). Set ``SKMM_DATA_HOME`` to a folder that holds
``wikipedia_xmodal/`` (see :func:`skmm.datasets.load_wikipedia_features`).
Without it the example prints what is missing and exits with status 1::

    SKMM_DATA_HOME=/path/to/data python examples/hashing/plot_wikipedia_hashing.py
"""

# %%
# The features and the official split: 128 image columns, then 10 text
# columns; training rows first.
import argparse
import importlib.util
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the example runs on machines without a display
import matplotlib.pyplot as plt
import numpy as np

from skmm.cross_decomposition import CCA
from skmm.datasets import load_wikipedia_features
from skmm.hashing import CCAITQ, CMFH, SemanticCorrelationHashing
from skmm.metrics import mean_average_precision
from skmm.retrieval import retrieval_score, top_k

parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
parser.add_argument("--output-dir", default="example_output",
                    help="folder for the figure (default: %(default)s)")
parser.add_argument("--gallery-size", type=int, default=1_000_000,
                    help="items of the synthetic gallery timed (default: %(default)s)")
# parse_known_args: sphinx-gallery and IPython pass their own arguments.
args, _ = parser.parse_known_args()
output_dir = Path(args.output_dir)

start = time.perf_counter()
try:
    data = load_wikipedia_features()
except (ValueError, FileNotFoundError) as exc:
    # The loader's message names what is missing (no data home, or no
    # wikipedia_xmodal/ folder or file inside it).
    sys.exit(f"This example needs the Wikipedia features, which skmm does not bundle.\n"
             f"{exc}")
output_dir.mkdir(parents=True, exist_ok=True)

views = data.views  # {"image": 128, "text": 10}
train = np.asarray(data.split) == "train"
X_train, y_train = data.data[train], data.target[train]
X_test, y_test = data.data[~train], data.target[~train]
print(f"{len(y_train)} training pairs, {len(y_test)} test pairs; views {views}")


def both_directions(estimator):
    """MAP of image->text and text->image on the test pairs.

    For a hasher, ``transform_view`` gives packed ``uint8`` codes and the
    ranking is by Hamming distance; for CCA, by cosine.
    """
    return (retrieval_score(estimator, X_test, y_test, direction=("image", "text")),
            retrieval_score(estimator, X_test, y_test, direction=("text", "image")))


# %%
# The reference: real-valued CCA (the paper's "CM"), ranked by cosine, with
# 9 components: the 10 topic proportions sum to 1, so the text view has rank
# 9 and a 10th component would be noise (CCA warns about it).
cca = CCA(n_components=9, views=views).fit(X_train)
reference = both_directions(cca)
print(f"real-valued CCA(9), cosine: {reference[0]:.3f} / {reference[1]:.3f}")
# Chance level: the MAP of random scores (image->text, and transposed).
random_scores = np.random.default_rng(0).random((len(y_test), len(y_test)))
chance = (mean_average_precision(y_test, y_test, random_scores),
          mean_average_precision(y_test, y_test, random_scores.T))

# %%
# Each hasher at four code lengths. The fixed hyper-parameters are those the
# benchmark's cross-validation chose at 64 bits.
BITS = (16, 32, 64, 128)
hashers = {
    "CCA-ITQ": (CCAITQ(reg=0.3, power=1.0, views=views, random_state=0),
                "reg=0.3, power=1 (CV)"),
    "CMFH": (CMFH(views=views, random_state=0), "paper's mu=100, gamma=0.01"),
    "SCM-Seq (supervised)": (SemanticCorrelationHashing(reg=1.0, views=views),
                             "reg=1 (CV)"),
}
maps = {}
for name, (hasher, _) in hashers.items():
    t0 = time.perf_counter()
    for n_bits in BITS:
        hasher.set_params(n_bits=n_bits).fit(X_train, y_train)
        maps[name, n_bits] = both_directions(hasher)
    print(f"  {name}: 4 code lengths fitted and scored in {time.perf_counter() - t0:.1f} s")

print()
print("| method | bits | image→text | text→image | hyper-parameters |")
print("|---|---|---|---|---|")
print(f"| random scores | - | {chance[0]:.3f} | {chance[1]:.3f} | - |")
print(f"| real-valued CCA(9), cosine | - | {reference[0]:.3f} | {reference[1]:.3f} | "
      f"reg=1e-3 |")
for name, (_, tuned) in hashers.items():
    for n_bits in BITS:
        i2t, t2i = maps[name, n_bits]
        print(f"| {name} | {n_bits} | {i2t:.3f} | {t2i:.3f} | {tuned} |")
print()

# %%
# MAP against code length, one panel per direction; the dashed line is the
# real-valued CCA reference and the dotted one the random ranking.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for k, (ax, direction) in enumerate(zip(axes, ("image→text", "text→image"))):
    for name in hashers:
        ax.plot(BITS, [maps[name, b][k] for b in BITS], marker="o", label=name)
    ax.axhline(reference[k], color="black", linestyle="--", label="real-valued CCA(9)")
    ax.axhline(chance[k], color="grey", linestyle=":", label="random ranking")
    ax.set_xscale("log", base=2)
    ax.set_xticks(BITS, [str(b) for b in BITS])
    ax.set_xlabel("code length (bits)")
    ax.set_title(direction)
    ax.grid(alpha=0.3)
axes[0].set_ylabel("MAP (693 test queries)")
axes[1].legend(fontsize=8)
fig.suptitle("Wikipedia cross-modal hashing: MAP against code length")
fig.tight_layout()
figure_path = output_dir / "wikipedia_hashing_map.png"
fig.savefig(figure_path, dpi=90)
plt.close(fig)
print(f"figure: {figure_path}")


# %%
# Query time. A synthetic gallery (random codes and random unit vectors:
# exact search costs the same whatever the content) of 64-bit codes, 8 bytes
# an item, against 64-d float32 vectors, 256 bytes an item. 100 queries,
# top 10 each; Hamming ranking uses the compiled kernel when Numba is
# installed (``pip install "skmm[fast]"``; the first call compiles it,
# outside the timing), NumPy blocks otherwise.
def median_seconds(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


n_items, n_queries, n_bits, k = args.gallery_size, 100, 64, 10
rng = np.random.default_rng(0)
codes = rng.integers(0, 256, (n_items, n_bits // 8), dtype=np.uint8)
query_codes = rng.integers(0, 256, (n_queries, n_bits // 8), dtype=np.uint8)
vectors = rng.standard_normal((n_items, n_bits), dtype=np.float32)
query_vectors = rng.standard_normal((n_queries, n_bits), dtype=np.float32)
top_k(query_codes[:2], codes, k, metric="hamming")  # warm-up (compilation)

timings = {
    "Hamming top-k, 64-bit codes": (
        median_seconds(lambda: top_k(query_codes, codes, k, metric="hamming")),
        codes.nbytes),
    "cosine top-k, 64-d float32": (
        median_seconds(lambda: top_k(query_vectors, vectors, k, metric="cosine")),
        vectors.nbytes),
}
hamming_s = timings["Hamming top-k, 64-bit codes"][0]
engine = ("compiled (Numba)" if importlib.util.find_spec("numba") is not None
          else 'NumPy blocks (pip install "skmm[fast]" for the compiled scan)')
print()
print(f"Hamming search engine: {engine}")
print(f"| search ({n_queries} queries, top {k} of {n_items:,} items) | gallery MiB | "
      f"median s | ms per query | time / Hamming time |")
print("|---|---|---|---|---|")
for name, (seconds, nbytes) in timings.items():
    print(f"| {name} | {nbytes / 2**20:.0f} | {seconds:.3f} | "
          f"{1000 * seconds / n_queries:.2f} | {seconds / hamming_s:.1f} |")
print()
print("Timings are wall-clock medians of 3 runs on whatever machine runs this; "
      "on a shared machine they vary with its load, the ratio less.")
print(f"done in {time.perf_counter() - start:.0f} s")
