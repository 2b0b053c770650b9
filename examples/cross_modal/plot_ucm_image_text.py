"""
Images and captions in one space: SIFT + TF-IDF + CCA on UC Merced land use
===========================================================================

Aerial photographs and the sentences people wrote about them describe the same
scenes. We turn each modality into rows with its classic transformer (dense
SIFT bag of visual words for the images, TF-IDF for the captions), learn a
shared space with regularised CCA, and use that one space twice: to classify
scenes with an SVM, and to retrieve captions from images (and images from
captions) by cosine similarity, scored with the field's mean average precision
over class-level relevance.

The whole chain is one scikit-learn ``Pipeline`` tuned by ``GridSearchCV``. It
is saved to a named folder (``demo_output/`` in the current directory, or the
folder given with ``--output-dir``) with ``joblib`` and, when installed, with
``skops``; each file is reloaded in a fresh Python process and checked to give
identical decision values. A figure of free-text queries and the images they
retrieve is written beside the model.

It runs on the small subset of the data shipped with skmm (10 images per
class, 21 classes: 210 images, 5 captions each); set ``SKMM_DATA_HOME`` to run
it on all 2,100 images. Run it with ``make demo`` or::

    python examples/cross_modal/plot_ucm_image_text.py --output-dir demo_output

Captions of UCM are templated ("There is a piece of farmland ."): text alone
often names the class, so the classification accuracy below is that of image
and text together, not a measure of image understanding.
"""

# %%
# The records: one row per image, with its path, its captions and its class.
import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import matplotlib

matplotlib.use("Agg")  # files only: the demo runs on machines without a display
import cv2
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, classification_report
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import CCA
from skmm.datasets import load_ucm_captions
from skmm.feature_extraction import SIFTBoVW
from skmm.metrics import mean_average_precision

parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
parser.add_argument("--output-dir", default="demo_output",
                    help="folder for the saved model and the figure (default: %(default)s)")
# parse_known_args: sphinx-gallery and IPython pass their own arguments.
args, _ = parser.parse_known_args()
output_dir = Path(args.output_dir)
output_dir.mkdir(parents=True, exist_ok=True)

start = time.perf_counter()
data = load_ucm_captions()
records = data.frame[["image", "text"]]
y = np.asarray(data.target)
names = np.asarray(data.target_names)
print(f"{len(records)} images of {len(names)} classes"
      f" ({'bundled subset' if data.get('subset', False) else 'full data'})")

train, test = train_test_split(np.arange(len(y)), test_size=1 / 3, stratify=y, random_state=0)

# %%
# One transformer per modality; CCA receives the block widths by itself.
# A 16-px SIFT window on an 8-px grid, capped at 256 px per side, and a small
# codebook suit the tiny bundled subset; the grid tunes the codebook size,
# the text vocabulary cut-off and the dimension of the shared space.
# ``memory`` caches each image's descriptors, so the grid search extracts
# them once rather than once per fold and candidate.
cache = tempfile.TemporaryDirectory()
embedding = MultiModalTransformer(
    [
        ("image", SIFTBoVW(n_clusters=64, step=8, patch_size=16, max_side=256,
                           normalize="hellinger", codebook_sample=20_000,
                           memory=cache.name, random_state=0), "image"),
        ("text", TfidfVectorizer(sublinear_tf=True), "text"),
    ],
    embedder=CCA(n_components=10, reg=0.1),
)
model = Pipeline([("embedding", embedding), ("svc", SVC(C=10))])
grid = {
    "embedding__image__n_clusters": [32, 64],
    "embedding__text__min_df": [1, 2],
    "embedding__embedder__n_components": [8, 16],
}
search = GridSearchCV(model, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))
# About 90 rows per fold against a few hundred TF-IDF columns: every CCA fit
# warns that its *training* correlations are inflated. The search judges each
# candidate on held-out folds, so the warning is expected here; it is silenced
# for the search only.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*inflated towards 1", category=UserWarning)
    search.fit(records.iloc[train], y[train])
best = search.best_estimator_
# The cache folder is a parameter and would be pickled with the model; the
# saved model must not point at a temporary folder.
best.set_params(embedding__image__memory=None)
cache.cleanup()
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")

# %%
# Classification on held-out images and captions.
pred = best.predict(records.iloc[test])
accuracy = accuracy_score(y[test], pred)
print(f"test accuracy (image + text -> class): {accuracy:.3f}"
      f" (chance {1 / len(names):.3f})")
print(classification_report(y[test], pred, labels=np.arange(len(names)),
                            target_names=[str(n) for n in names], zero_division=0))

# %%
# Cross-modal retrieval: each modality is embedded alone, then every image
# query ranks every caption (and vice versa). An item is relevant when it
# shows the query's class; a random ranking scores the class prior.
fitted = best.named_steps["embedding"]
z_image = fitted.transform_view(records.iloc[test], "image")
z_text = fitted.transform_view(records.iloc[test], "text")
similarity = cosine_similarity(z_image, z_text)
map_i2t = mean_average_precision(y[test], y[test], similarity)
map_t2i = mean_average_precision(y[test], y[test], similarity.T)
prior = np.mean([np.mean(y[test] == c) for c in y[test]])
print(f"retrieval MAP image->text: {map_i2t:.3f}, text->image: {map_t2i:.3f}"
      f" (random ranking {prior:.3f})")

# %%
# Save the model, then reload it in a fresh Python process and check that it
# gives identical decision values. ``joblib`` (pickle) runs arbitrary code
# when loading: load only files you trust. ``skops`` stores the model without
# pickle and, at load time, refuses every type outside its default allow-list
# unless the caller names it: we print those types and trust them explicitly.
saved = {"joblib": output_dir / "ucm_model.joblib"}
joblib.dump(best, saved["joblib"])
try:
    import skops.io as sio
except ImportError:
    sio = None
    print("skops is not installed (pip install skops): saving with joblib only")
if sio is not None:
    saved["skops"] = output_dir / "ucm_model.skops"
    sio.dump(best, saved["skops"])
    trusted = sio.get_untrusted_types(file=saved["skops"])
    print("skops: types to trust when loading (not in its default allow-list):")
    for name in trusted:
        print(f"  {name}")

expected = best.decision_function(records.iloc[test])
reload_script = (
    "import sys, numpy as np, pandas as pd\n"
    "fmt, path, records, out = sys.argv[1:5]\n"
    "trusted = sys.argv[5:]\n"
    "if fmt == 'skops':\n"
    "    import skops.io as sio\n"
    "    model = sio.load(path, trusted=trusted)\n"
    "else:\n"
    "    import joblib\n"
    "    model = joblib.load(path)\n"
    "np.save(out, model.decision_function(pd.read_pickle(records)))\n"
)
with tempfile.TemporaryDirectory() as tmp:
    records_file = Path(tmp) / "records.pkl"
    records.iloc[test].to_pickle(records_file)
    for fmt, path in saved.items():
        out = Path(tmp) / f"{fmt}.npy"
        extra = trusted if fmt == "skops" else []
        subprocess.run([sys.executable, "-c", reload_script, fmt, str(path),
                        str(records_file), str(out), *extra], check=True)
        reloaded = np.load(out)
        if not np.array_equal(reloaded, expected):
            raise SystemExit(f"FAIL: the model reloaded from {path} predicts differently")
        print(f"saved with {fmt} to {path}, reloaded in a fresh process: identical "
              f"decision values ({reloaded.size} compared)")

# %%
# Text queries typed by hand, embedded alone into the shared space, rank the
# held-out images. Each row shows a query and its five nearest images; a
# green title marks an image of the class the query describes.
queries = [
    ("many boats are docked at the harbor", "harbor"),
    ("two airplanes are parked at the airport", "airplane"),
    ("a beach with blue sea and white sands", "beach"),
    ("a river with dense forest on both banks", "river"),
    ("lots of cars parked in the parking lot", "parkinglot"),
]
top_k = 5
z_query = fitted.transform_view([q for q, _ in queries], "text")
ranks = np.argsort(-cosine_similarity(z_query, z_image), axis=1, kind="stable")[:, :top_k]
paths = np.asarray(records["image"])[test]
fig, axes = plt.subplots(len(queries), top_k, figsize=(2.2 * top_k, 2.5 * len(queries)))
for row, ((query, intended), order) in enumerate(zip(queries, ranks)):
    for col, index in enumerate(order):
        ax = axes[row, col]
        # OpenCV decodes the images for SIFT already; it reads BGR.
        ax.imshow(cv2.cvtColor(cv2.imread(os.fspath(paths[index])), cv2.COLOR_BGR2RGB))
        label = str(names[y[test][index]])
        ax.set_title(label, fontsize=8, color="green" if label == intended else "red")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[row, 0].set_ylabel(f'"{query}"', fontsize=7, rotation=0, ha="right", va="center",
                            wrap=True)
fig.suptitle(f"Text -> image retrieval in the CCA space (held-out images; "
             f"MAP text->image {map_t2i:.2f})", fontsize=10)
fig.tight_layout()
figure_path = output_dir / "ucm_text_to_image.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
hits = [int(np.sum(names[y[test][order]] == intended)) for (_, intended), order
        in zip(queries, ranks)]
print(f"figure: {figure_path} (relevant images in the top {top_k} of each query: {hits})")
print(f"model and figure are in {output_dir.resolve()}")
print(f"done in {time.perf_counter() - start:.0f} s")
