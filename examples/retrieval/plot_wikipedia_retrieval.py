"""
Cross-modal retrieval on Wikipedia: CCA, kernel CCA, semantic matching, triplets
================================================================================

The Wikipedia data set of Rasiwasia et al. (2010) pairs 2,866 sections of
featured articles with one image each, in 10 categories. Its standard
features are a 128-word bag of SIFT visual words per image and the 10 LDA
topic proportions of each text; the official split has 2,173 training and
693 test pairs. The protocol: every test image queries all 693 test texts
(and every text all images), a retrieved item is relevant when it has the
query's category, and the mean average precision (MAP) is taken over the
full ranking.

We compare, each trained on the training split only:

- CCA (cross-modal matching, "CM" in the paper) and kernel CCA;
- semantic matching (SM: one logistic regression per modality, items
  compared by their class posteriors) and semantic correlation matching
  (SCM: CCA first, then SM), both as in the paper, and SCM with centred
  posteriors (skmm's default);
- a linear triplet-loss embedding trained on the categories;
- the best skmm configuration in ``benchmarks/results/retrieval.md``:
  semantic matching whose posteriors come from an RBF SVM on the square
  root of the features (Platt-scaled, centred).

Every hyper-parameter is fixed (listed in the table) so that the example
runs in about a minute; where the table says "CV" it was chosen by 3-fold
cross-validation on the training split, by ``benchmarks/bench_retrieval.py``
or, for kernel CCA and the triplet embedding, by a grid search run while
writing this example (the test split was not used to choose them). The
classifier family of the SVM variant was picked during the benchmark's
development after a few variants were tried on this test split, so its
margin over the published methods is slightly optimistic.

The example ends with a table of MAP beside the published figures and a
figure of the 11-point precision-recall curves, saved in
``example_output/`` (or the folder given with ``--output-dir``).

**Data.** The Wikipedia features are not bundled with skmm (their licence
is not stated). Set ``SKMM_DATA_HOME`` to a folder that holds
``wikipedia_xmodal/`` (``raw_features.mat`` and the three ``.list`` files
of the SVCL release, see :func:`skmm.datasets.load_wikipedia_features`).
Without it the example prints what is missing and exits with status 1::

    SKMM_DATA_HOME=/path/to/data python examples/retrieval/plot_wikipedia_retrieval.py
"""

# %%
# The features and the official split. The loader puts the 128 image columns
# first and the 10 text columns after them, training rows first.
import argparse
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the example runs on machines without a display
import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skmm.cross_decomposition import CCA, KernelCCA, TripletEmbedding
from skmm.datasets import load_wikipedia_features
from skmm.metrics import mean_average_precision, precision_recall_curve
from skmm.retrieval import CrossModalRetriever, SemanticMatching, pairwise_scores

parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
parser.add_argument("--output-dir", default="example_output",
                    help="folder for the figure (default: %(default)s)")
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
image_test, text_test = X_test[:, :views["image"]], X_test[:, views["image"]:]
print(f"{len(y_train)} training pairs, {len(y_test)} test pairs, "
      f"{len(data.target_names)} categories; views {views}")


# %%
# The methods, with their fixed hyper-parameters. Each is a multi-view
# embedder: fitted on the training pairs (image and text columns side by
# side, and the categories for the supervised ones), it embeds either
# modality alone with ``transform_view``.
#
# Semantic matching needs calibrated class posteriors of each modality. The
# image features are histograms whose 128 bins sum to 1: on them, unscaled,
# the default ``LogisticRegression`` (C=1) is so strongly regularised that
# its posteriors barely move, and SM falls below the paper. Standardising
# the features first (as most logistic-regression set-ups do) brings SM
# near the paper's figures (above them for image->text); both rows are in
# the table.
def svc_posteriors(C=1.0, gamma="scale"):
    # Square root of histograms / topic proportions (the Hellinger map), then
    # an RBF SVM whose Platt-scaled scores are the class posteriors.
    return make_pipeline(FunctionTransformer(np.sqrt), StandardScaler(),
                         SVC(C=C, gamma=gamma, probability=True, random_state=0))


# scikit-learn 1.9 deprecates SVC(probability=True) in favour of
# CalibratedClassifierCV(SVC(), ensemble=False). The two differ: libsvm
# couples the one-vs-one Platt models, the calibrator calibrates one-vs-rest
# scores, and on this data the replacement gives MAP 0.305 / 0.225 instead of
# 0.324 / 0.266. The example keeps the benchmark's classifier; the warning
# is silenced here only.
warnings.filterwarnings("ignore", message="The `probability` parameter was deprecated",
                        category=FutureWarning)


methods = {
    "CCA (CM)": (
        CCA(n_components=5, reg=0.3, views=views),
        "CV: n_components=5, reg=0.3"),
    "kernel CCA": (
        KernelCCA(n_components=9, kernel="chi2", reg=0.6, approximation="nystroem",
                  n_approx_components=500, views=views, random_state=0),
        "CV: chi2 kernel, reg=0.6; 500 Nystroem features"),
    "SM (logistic, as the paper)": (
        SemanticMatching(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                         views=views, center=False),
        "none; features standardised"),
    "SM, logistic on raw features (skmm's default classifier)": (
        SemanticMatching(views=views, center=False),
        "none"),
    "SCM (CCA(9) + logistic, as the paper)": (
        SemanticMatching(embedder=CCA(n_components=9), views=views, center=False),
        "none"),
    "SCM, centred posteriors": (
        SemanticMatching(embedder=CCA(n_components=9), views=views),
        "none"),
    "triplet embedding": (
        TripletEmbedding(n_components=10, max_iter=30, views=views, random_state=0),
        "CV flat (0.239-0.243): defaults, 30 epochs"),
    "SM, sqrt + RBF-SVM posteriors, centred": (
        SemanticMatching(svc_posteriors(C=1.0, gamma="scale"), views=views),
        "CV: C=1, gamma='scale'"),
}

# %%
# Fit each method, embed the test images and texts, and score every image
# against every text by cosine similarity. The same score matrix, transposed,
# serves the text queries. A random score matrix gives the chance level.
rng = np.random.default_rng(0)
results = {"random scores": {"scores": rng.random((len(y_test), len(y_test))),
                             "tuned": "-", "seconds": 0.0}}
fitted = {}
for name, (estimator, tuned) in methods.items():
    t0 = time.perf_counter()
    estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - t0
    scores = pairwise_scores(estimator.transform_view(image_test, "image"),
                             estimator.transform_view(text_test, "text"), metric="cosine")
    fitted[name] = estimator
    results[name] = {"scores": scores, "tuned": tuned, "seconds": seconds}
    print(f"  {name}: fitted in {seconds:.1f} s")

for res in results.values():
    res["i2t"] = mean_average_precision(y_test, y_test, res["scores"])
    res["t2i"] = mean_average_precision(y_test, y_test, res["scores"].T)

# %%
# MAP beside the published figures. Rasiwasia et al. (2010) used these very
# features and split (their table is quoted from memory in the data set's
# SOURCE.md, still to be checked against the paper). The JFSSL figures (Wang
# et al., TPAMI 2016) are quoted by a later survey whose features may differ
# from these: read them as an order of magnitude.
published = {
    "random scores": ("0.118", "0.118", "Rasiwasia 2010"),
    "CCA (CM)": ("0.249", "0.196", "Rasiwasia 2010"),
    "SM (logistic, as the paper)": ("0.225", "0.223", "Rasiwasia 2010"),
    "SCM (CCA(9) + logistic, as the paper)": ("0.277", "0.226", "Rasiwasia 2010"),
}
header = ("| method | image→text | text→image | average | published i→t | published t→i "
          "| hyper-parameters | fit s |")
print()
print(header)
print("|---|---|---|---|---|---|---|---|")
for name, res in results.items():
    pub = published.get(name, ("-", "-", ""))
    print(f"| {name} | {res['i2t']:.3f} | {res['t2i']:.3f} | "
          f"{(res['i2t'] + res['t2i']) / 2:.3f} | {pub[0]} | {pub[1]} | {res['tuned']} | "
          f"{res['seconds']:.1f} |")
print("| JFSSL (Wang et al. 2016; features may differ) | - | - | - | 0.306 | 0.228 | - | - |")
print()

# %%
# The same numbers through :class:`~skmm.retrieval.CrossModalRetriever`, the
# object a search service would keep: it embeds and indexes a gallery (here
# the test texts) and answers top-k queries of the other modality. Its
# ``score`` is the MAP of the protocol above, and must agree with the table.
# ``FrozenEstimator`` hands it the embedder fitted above, without a refit.
best = "SM, sqrt + RBF-SVM posteriors, centred"
retriever = CrossModalRetriever(FrozenEstimator(fitted[best]), query_view="image",
                                item_view="text")
retriever.fit(X_train, y_train)
retriever.index(text_test)
top, _ = retriever.query(image_test[:3], k=5)
names = np.asarray(data.target_names)
for q, row in enumerate(top):
    print(f"test image {q} ({names[y_test[q]]}): top-5 texts {names[y_test[row]].tolist()}")
map_retriever = retriever.score(X_test, y_test)
if not np.isclose(map_retriever, results[best]["i2t"]):
    raise SystemExit(f"FAIL: CrossModalRetriever.score gives {map_retriever:.4f}, "
                     f"the table {results[best]['i2t']:.4f}")
print(f"CrossModalRetriever.score (image->text MAP): {map_retriever:.3f}, as in the table")

# %%
# Precision-recall curves: precision interpolated at 11 recall levels,
# averaged over the queries of each direction.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, direction in zip(axes, ("image→text", "text→image")):
    for name, res in results.items():
        scores = res["scores"] if direction == "image→text" else res["scores"].T
        precision, recall = precision_recall_curve(y_test, y_test, scores)
        style = {"color": "grey", "linestyle": ":"} if name == "random scores" else {}
        ax.plot(recall, precision, marker=".", label=name, **style)
    ax.set_title(f"{direction} (693 queries)")
    ax.set_xlabel("recall")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("interpolated precision")
axes[1].legend(fontsize=8, loc="upper right")
fig.suptitle("Wikipedia cross-modal retrieval: 11-point precision-recall curves")
fig.tight_layout()
figure_path = output_dir / "wikipedia_retrieval_pr.png"
fig.savefig(figure_path, dpi=90)
plt.close(fig)
print(f"figure: {figure_path}")
print(f"done in {time.perf_counter() - start:.0f} s")
