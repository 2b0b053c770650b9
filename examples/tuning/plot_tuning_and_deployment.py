"""
Tuning a multimodal pipeline for retrieval and accuracy, then deploying it
==========================================================================

A multimodal pipeline has three kinds of knobs: the feature extractors (the
size of the SIFT codebook), the multi-view embedder (the dimension and
regularisation of CCA) and the learner on the shared space (the SVM's ``C``).
Because the whole chain is one scikit-learn estimator, one ``GridSearchCV``
tunes all three at once. Here it scores every candidate twice, by cross-modal
retrieval MAP (images query captions and captions query images, through
:func:`skmm.retrieval.make_retrieval_scorer`) and by classification accuracy,
and refits the candidate with the best MAP (ties broken by accuracy).

Extracting SIFT features and fitting a codebook costs far more than fitting
CCA and an SVM. When only the embedder and the learner are tuned, the fast
route extracts the blocks once (``MultiModalTransformer(embedder=None)``) and
tunes a plain ``Pipeline(CCA(views=mm.views_), SVC())`` on them; the table
compares the wall time of the two routes. (The fast route fits the
extractors on every training row, validation folds included: the codebook
and the vocabulary see those images and captions, not their labels. Its
cross-validated scores are therefore a little optimistic; the held-out test
split is untouched by both routes.)

Finally the tuned model is saved with ``joblib`` and with ``skops`` (whose
loader builds only the types the caller trusts, read with
``skops.io.get_untrusted_types``), and each file is loaded in a fresh Python
process and checked to predict exactly what the original predicts.

It runs on the small subset of UC Merced captions shipped with skmm (210
images of 21 classes, 5 captions each) in a few minutes on two cores::

    python examples/tuning/plot_tuning_and_deployment.py --output-dir example_output

Captions of UCM are templated and name the class, so accuracy measures image
and text together, not image understanding.
"""

# %%
# The records and a held-out test split.
import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import matplotlib

matplotlib.use("Agg")  # files only: the example runs on machines without a display
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer
from skmm.cross_decomposition import CCA
from skmm.datasets import load_ucm_captions
from skmm.feature_extraction import SIFTBoVW
from skmm.retrieval import make_retrieval_scorer

parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
parser.add_argument("--output-dir", default="example_output",
                    help="folder for the saved models and the figure (default: %(default)s)")
# parse_known_args: sphinx-gallery and IPython pass their own arguments.
args, _ = parser.parse_known_args()
output_dir = Path(args.output_dir)
output_dir.mkdir(parents=True, exist_ok=True)

start = time.perf_counter()
data = load_ucm_captions()
records = data.frame[["image", "text"]]
y = np.asarray(data.target)
train, test = train_test_split(np.arange(len(y)), test_size=1 / 3, stratify=y, random_state=0)
records_train, records_test = records.iloc[train], records.iloc[test]
y_train, y_test = y[train], y[test]
print(f"{len(records)} images of {len(data.target_names)} classes; "
      f"{len(train)} to tune on, {len(test)} held out")

# %%
# Two scores for every candidate. The retrieval scorer embeds the held-out
# rows' images and captions separately through the pipeline's first step
# (the part with ``transform_view``) and averages the MAP of both directions;
# accuracy is the whole pipeline's. MAP depends on the embedding alone, so
# candidates that differ only in the SVM's ``C`` tie on it: the refit keeps
# the best MAP and, among ties, the best accuracy.
retrieval_map = make_retrieval_scorer("map", direction="both")


def pipeline_map(pipeline, X, y):
    """Retrieval MAP of the pipeline's embedding step on held-out rows."""
    return retrieval_map(pipeline[0], X, y)


def best_map_then_accuracy(cv_results):
    """``refit`` callable: the candidate of best MAP, ties broken by accuracy."""
    order = np.lexsort((cv_results["mean_test_accuracy"], cv_results["mean_test_map"]))
    return int(order[-1])


scoring = {"map": pipeline_map, "accuracy": "accuracy"}
cv = StratifiedKFold(3, shuffle=True, random_state=0)


def image_extractor(n_clusters, memory=None):
    # A 16-px SIFT window on an 8-px grid, images capped at 256 px a side.
    return SIFTBoVW(n_clusters=n_clusters, step=8, patch_size=16, max_side=256,
                    normalize="hellinger", codebook_sample=20_000, memory=memory,
                    random_state=0)


def search(estimator, grid, X):
    """Fit a GridSearchCV on the training rows; return it and its wall time."""
    gs = GridSearchCV(estimator, grid, scoring=scoring, refit=best_map_then_accuracy, cv=cv)
    tic = time.perf_counter()
    # ~90 rows per fold against hundreds of TF-IDF columns: every CCA fit warns
    # that its *training* correlations are inflated. Candidates are judged on
    # held-out folds, so the warning is expected here and silenced for the search.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*inflated towards 1", category=UserWarning)
        gs.fit(X, y_train)
    return gs, time.perf_counter() - tic


# %%
# Full route: one pipeline from raw records, every stage in the grid. Each
# fold and candidate refits the codebook, encodes every image, refits the
# vocabulary, CCA and the SVM; ``memory`` at least caches each image's SIFT
# descriptors, so those are computed once, not once per fold and candidate.
cache = tempfile.TemporaryDirectory()
modalities = [("image", image_extractor(32, memory=cache.name), "image"),
              ("text", TfidfVectorizer(sublinear_tf=True), "text")]
full = Pipeline([
    ("embedding", MultiModalTransformer(modalities, embedder=CCA(n_components=8, reg=0.1))),
    ("svc", SVC(C=10)),
])
full_grid = {
    "embedding__image__n_clusters": [32, 64],          # extractor
    "embedding__embedder__n_components": [8, 16],      # embedder
    "svc__C": [1, 10],                                 # classifier
}
full_search, full_time = search(full, full_grid, records_train)
# The cache folder is a parameter and would be saved with the model.
full_search.best_estimator_.set_params(embedding__image__memory=None)
cache.cleanup()
print(f"full route: {len(full_search.cv_results_['params'])} candidates in {full_time:.1f} s;"
      f" best {full_search.best_params_}")

# %%
# Fast route: extract the blocks once with ``embedder=None``, then tune CCA
# and the SVM on them. ``views=mm.views_`` tells CCA which columns are the
# image block and which the text block. The codebook size is the one the full
# route chose; the descriptors are computed afresh (no cache) to time a
# complete extraction.
best_k = full_search.best_params_["embedding__image__n_clusters"]
tic = time.perf_counter()
mm = MultiModalTransformer([("image", image_extractor(best_k), "image"),
                            ("text", TfidfVectorizer(sublinear_tf=True), "text")])
blocks_train = mm.fit_transform(records_train)
extract_time = time.perf_counter() - tic
print(f"blocks: {blocks_train.shape[1]} columns, views {mm.views_}; extracted in "
      f"{extract_time:.1f} s")
fast = Pipeline([("cca", CCA(n_components=8, reg=0.1, views=mm.views_)), ("svc", SVC(C=10))])
fast_grid = {
    "cca__n_components": [8, 16],
    "cca__reg": [0.01, 0.1],
    "svc__C": [1, 10],
}
fast_search, fast_tune_time = search(fast, fast_grid, blocks_train)
fast_time = extract_time + fast_tune_time
print(f"fast route: {len(fast_search.cv_results_['params'])} candidates in {fast_time:.1f} s;"
      f" best {fast_search.best_params_}")

# %%
# Both tuned models on the held-out test split. The fast route's model takes
# blocks, so the test records go through the fitted extractors first.
blocks_test = mm.transform(records_test)
routes = {
    "full (records)": (full_search, full_time,
                       full_search.best_estimator_, records_test),
    "fast (blocks once)": (fast_search, fast_time,
                           fast_search.best_estimator_, blocks_test),
}
rows = []
for name, (gs, seconds, model, X_test) in routes.items():
    i = gs.best_index_
    n = len(gs.cv_results_["params"])
    rows.append({
        "route": name,
        "candidates": n,
        "wall s": seconds,
        "s/candidate": seconds / n,
        "CV MAP": gs.cv_results_["mean_test_map"][i],
        "CV acc": gs.cv_results_["mean_test_accuracy"][i],
        "test MAP": pipeline_map(model, X_test, y_test),
        "test acc": model.score(X_test, y_test),
    })
prior = np.mean([np.mean(y_test == c) for c in y_test])
print(f"(random ranking MAP {prior:.3f}, chance accuracy {1 / len(data.target_names):.3f})")

# %%
# Deployment: the full route's model takes raw records, so it is the one to
# ship. ``joblib`` (pickle) runs arbitrary code when loading: load only files
# you trust. ``skops`` builds only its default allow-list (NumPy, SciPy and
# scikit-learn types) plus what the caller trusts: skmm's classes are printed
# and trusted explicitly. Each file is loaded in a fresh Python process.
model = full_search.best_estimator_
saved = {"joblib": output_dir / "tuned_model.joblib"}
joblib.dump(model, saved["joblib"])
trusted = []
try:
    import skops.io as sio
except ImportError:
    print("skops is not installed (pip install skops): saving with joblib only")
else:
    saved["skops"] = output_dir / "tuned_model.skops"
    sio.dump(model, saved["skops"])
    trusted = sio.get_untrusted_types(file=saved["skops"])
    print("skops: types to trust when loading:", ", ".join(trusted))

expected_pred = model.predict(records_test)
expected_dec = model.decision_function(records_test)
reload_script = (
    "import sys, numpy as np, pandas as pd\n"
    "fmt, path, records, out = sys.argv[1:5]\n"
    "if fmt == 'skops':\n"
    "    import skops.io as sio\n"
    "    model = sio.load(path, trusted=sys.argv[5:])\n"
    "else:\n"
    "    import joblib\n"
    "    model = joblib.load(path)\n"
    "X = pd.read_pickle(records)\n"
    "np.savez(out, pred=model.predict(X), dec=model.decision_function(X))\n"
)
with tempfile.TemporaryDirectory() as tmp:
    records_file = Path(tmp) / "records.pkl"
    records_test.to_pickle(records_file)
    for fmt, path in saved.items():
        out = Path(tmp) / f"{fmt}.npz"
        extra = trusted if fmt == "skops" else []
        tic = time.perf_counter()
        subprocess.run([sys.executable, "-c", reload_script, fmt, str(path),
                        str(records_file), str(out), *extra], check=True)
        seconds = time.perf_counter() - tic
        with np.load(out) as reloaded:
            same = (np.array_equal(reloaded["pred"], expected_pred)
                    and np.array_equal(reloaded["dec"], expected_dec))
        if not same:
            raise SystemExit(f"FAIL: the model reloaded from {path} predicts differently")
        rows.append({"route": f"reload {fmt}", "wall s": seconds,
                     "note": f"fresh process: identical predictions ({expected_pred.size} rows)"
                             f", {path.stat().st_size / 1e6:.2f} MB"})

# %%
# The candidates of both searches: retrieval MAP against accuracy on the
# validation folds, and where the time went.
fig, (ax_scores, ax_time) = plt.subplots(1, 2, figsize=(11, 4.2))
for (name, (gs, *_)), marker in zip(routes.items(), ["o", "s"]):
    res = gs.cv_results_
    ax_scores.scatter(res["mean_test_map"], res["mean_test_accuracy"], marker=marker,
                      alpha=0.7, label=name)
    i = gs.best_index_
    ax_scores.scatter(res["mean_test_map"][i], res["mean_test_accuracy"][i], marker=marker,
                      s=160, facecolors="none", edgecolors="black")
ax_scores.set_xlabel("cross-validated retrieval MAP (both directions)")
ax_scores.set_ylabel("cross-validated accuracy")
ax_scores.set_title("Every candidate (circled: the refit, best MAP)", fontsize=10)
ax_scores.legend(fontsize=8)
labels = ["full route", "fast route"]
ax_time.barh(labels, [full_time, extract_time], color="tab:gray",
             label="extraction (full route: repeated inside the search)")
ax_time.barh(labels, [0, fast_tune_time], left=[full_time, extract_time], color="tab:blue",
             label="search on the blocks")
for label, n, seconds in zip(labels, [rows[0]["candidates"], rows[1]["candidates"]],
                             [full_time, fast_time]):
    ax_time.text(seconds, label, f" {seconds:.0f} s, {n} candidates", va="center", fontsize=8)
ax_time.set_xlabel("wall time (s), 3-fold grid search")
ax_time.set_xlim(0, 1.35 * max(full_time, fast_time))
ax_time.legend(fontsize=8, loc="lower right")
ax_time.set_title("Extract once, tune the embedder on the blocks", fontsize=10)
fig.tight_layout()
figure_path = output_dir / "tuning_and_deployment.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)

# %%
# The table.
columns = ["route", "candidates", "wall s", "s/candidate", "CV MAP", "CV acc",
           "test MAP", "test acc"]
formats = {"route": "", "candidates": "d", "wall s": ".1f", "s/candidate": ".2f"}
lines = ["| " + " | ".join(columns) + " | note |", "|" + " --- |" * (len(columns) + 1)]
for row in rows:
    cells = [format(row[col], formats.get(col, ".3f")) if col in row else ""
             for col in columns]
    lines.append("| " + " | ".join(cells) + f" | {row.get('note', '')} |")
print("\n".join(lines))
print("(wall times on this machine as it was loaded during the run; the ratio of the two "
      "routes is the point)")
print(f"figure: {figure_path}")
print(f"done in {time.perf_counter() - start:.0f} s")
