"""
Spoken, written and typed digits: one shared space, two tasks, a missing modality
=================================================================================

Each row pairs three modalities of one digit: a spoken clip from the Free
Spoken Digit Dataset (MFCC features), a handwritten digit from the UCI
Multiple Features set (its 16x15 pixel view ``pix``) and the word typed as
text. One multi-view embedder maps the three into a shared space, and
:class:`~skmm.multioutput.MultiTaskClassifier` fits one head per task on it:
the **digit** and the **speaker**. At prediction time a modality may be
missing; the classifier embeds each row from the views it has.

**The pairing is synthetic.** FSDD has no images: every clip is paired, with
a fixed seed, with a random handwritten image of the same digit, drawn from
images kept apart for training rows or for test rows. The image therefore
says which digit was spoken but nothing about the speaker, and a row's audio
and image share nothing but the label.

**The text is the answer.** FSDD's transcript is the digit's name
(``load_fsdd`` warns of it), so any score that sees the text is leaked. The
text view is used for *training* only (as a caption written by an annotator
would be); every score below is computed with the text missing, from audio
and image, audio alone or image alone.

Two embedders are compared, with one classifier per task on top:

- :class:`~skmm.cross_decomposition.MCCA` (unsupervised, closed form) keeps
  the directions that the three modalities share, the digit. The speaker is
  carried by the audio alone, so it is largely lost in that space.
- :class:`~skmm.cross_decomposition.TripletEmbedding` learns from both tasks'
  labels (``MultiTaskClassifier`` hands it the two label columns), so the
  audio map keeps the speaker as well.

As a reference without a shared space, a logistic regression is trained on
the very views available at prediction (one model per pattern of missing
modalities, which the shared-space models do not need).

It runs on the data shipped with skmm: the 300 FSDD clips of the official
test split (6 speakers, 5 takes of each digit), split here into training and
test rows stratified by digit and speaker, a *speaker-dependent* split as
FSDD's own. With ``SKMM_DATA_HOME`` set it uses all 3,000 clips and FSDD's
official split (takes 0-4 test, 5-49 training). Run it with::

    python examples/multitask/plot_digits_three_modalities.py --output-dir example_output
"""

# %%
# The data: clips with their digit and speaker, and the handwritten images.
import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the example runs on machines without a display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmm.cross_decomposition import MCCA, TripletEmbedding
from skmm.datasets import load_fsdd, load_mfeat
from skmm.feature_extraction import MFCC
from skmm.metrics import classification_scores
from skmm.multioutput import MultiTaskClassifier

parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
parser.add_argument("--output-dir", default="example_output",
                    help="folder for the figure (default: %(default)s)")
# parse_known_args: sphinx-gallery and IPython pass their own arguments.
args, _ = parser.parse_known_args()
output_dir = Path(args.output_dir)
output_dir.mkdir(parents=True, exist_ok=True)

start = time.perf_counter()
fsdd = load_fsdd()
clips = fsdd.frame
digit = np.asarray(fsdd.target)
speaker_names, speaker = np.unique(np.asarray(fsdd.speaker), return_inverse=True)
Y = np.column_stack([digit, speaker])
tasks = ["digit", "speaker"]

mfeat = load_mfeat(views=["pix"])
images, image_digit = mfeat.data, np.asarray(mfeat.target)
print(f"{len(clips)} clips, {len(speaker_names)} speakers "
      f"({'bundled subset' if fsdd.subset else 'full data'}); "
      f"{len(images)} handwritten images")

# %%
# Training and test rows. The bundled clips are all from FSDD's official test
# split, so they are split here, stratified by digit and speaker; the full
# data keeps FSDD's official split.
if fsdd.subset:
    train, test = train_test_split(np.arange(len(clips)), test_size=1 / 3,
                                   stratify=digit * len(speaker_names) + speaker,
                                   random_state=0)
    split_note = "stratified split of the bundled clips (digit x speaker)"
else:
    train = np.flatnonzero(np.asarray(fsdd.split) == "train")
    test = np.flatnonzero(np.asarray(fsdd.split) == "test")
    split_note = "FSDD official split"
print(f"{len(train)} training rows, {len(test)} test rows: {split_note}")

# %%
# The synthetic pairing. The 200 images of each digit are split 150 / 50
# into a training pool and a test pool; each clip draws an image of its digit
# from its own side's pool (with replacement only when the pool is smaller
# than the clips: the full training split has 270 clips per digit).
rng = np.random.default_rng(0)
image_of = np.empty(len(clips), dtype=np.intp)
train_pool = np.zeros(len(images), dtype=bool)
for d in range(10):
    own = rng.permutation(np.flatnonzero(image_digit == d))
    train_pool[own[:150]] = True
    for rows, pool in ((train, own[:150]), (test, own[150:])):
        rows = rows[digit[rows] == d]
        image_of[rows] = rng.choice(pool, size=len(rows), replace=len(rows) > len(pool))

# %%
# One block of columns per modality.
#
# - Audio: 13 MFCCs (25 ms window at 8 kHz), mean and standard deviation over
#   each third of the clip (78 columns).
# - Image: the 240 pixel values, reduced to 40 principal components fitted on
#   the training pool of images only (the 200 bundled training rows cannot
#   support 240 image columns in a CCA).
# - Text: the word, one column per vocabulary word (fitted on training rows).
mfcc = MFCC(sr=8000, n_mfcc=13, n_fft=256, hop_length=80, n_mels=40, n_segments=3)
audio = mfcc.fit_transform(list(clips["audio"]))
pca = PCA(n_components=40, random_state=0).fit(images[train_pool])
image = pca.transform(images[image_of])
words = CountVectorizer(binary=True).fit(clips["transcript"].iloc[train])
text = words.transform(clips["transcript"]).toarray().astype(np.float64)

X = np.hstack([audio, image, text])
views = {"audio": audio.shape[1], "image": image.shape[1], "text": text.shape[1]}
print("views:", views)
columns = dict(zip(views, np.split(np.arange(X.shape[1]), np.cumsum(list(views.values()))[:-1])))

# %%
# Missing modalities are whole blocks of NaN. ``MultiTaskClassifier`` offers
# three policies (``missing_views``): refuse, impute the missing view with a
# ProbabilisticCCA (two views only), or ``"subset"``: embed from the views
# present (for MCCA and TripletEmbedding, whose ``transform`` concatenates
# per-view projections, a missing view's block is the mean of the present
# views' projections). With three views, ``"subset"`` is the one that applies.
# The text is missing in every test row: it would give the answer away.
available = {
    "audio + image": ["audio", "image"],
    "audio only": ["audio"],
    "image only": ["image"],
}


def with_missing(X_rows, present):
    X_rows = X_rows.copy()
    for name, cols in columns.items():
        if name not in present:
            X_rows[:, cols] = np.nan
    return X_rows


def head():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


# %%
# Fit each shared-space model once, on the three views of the training rows,
# then predict with the text missing, and with the image or the audio missing
# too.
models = {
    "MCCA": MCCA(n_components=9, views=views, reg=0.3),
    "TripletEmbedding": TripletEmbedding(n_components=16, views=views, task_weights=[1, 2],
                                         random_state=0),
}
rows = []
for model_name, embedder in models.items():
    clf = MultiTaskClassifier(embedder, head(), missing_views="subset").fit(X[train], Y[train])
    for condition, present in available.items():
        X_test = with_missing(X[test], present)
        scores = classification_scores(Y[test], clf.predict(X_test),
                                       y_score=clf.predict_proba(X_test),
                                       labels=clf.classes_, task_names=tasks)
        for task in tasks:
            rows.append((model_name, condition, task, scores[task]))

# %%
# The reference: one classifier per task and per pattern of available views,
# on those views' columns side by side (no shared space).
for condition, present in available.items():
    cols = np.concatenate([columns[name] for name in present])
    for t, task in enumerate(tasks):
        ref = head().fit(X[train][:, cols], Y[train, t])
        scores = classification_scores(Y[test, t], ref.predict(X[test][:, cols]),
                                       y_score=ref.predict_proba(X[test][:, cols]),
                                       labels=ref.classes_)
        rows.append(("no shared space", condition, task, scores))

table = pd.DataFrame(
    [(model, condition, task, s["accuracy"], s["f1_macro"], s["roc_auc_ovr"])
     for model, condition, task, s in rows],
    columns=["model", "views at prediction", "task", "accuracy", "F1 (macro)", "AUC-ROC"],
)
chance = {"digit": 1 / 10, "speaker": 1 / len(speaker_names)}
print(f"\nTest scores ({len(test)} rows; text missing in every row; chance accuracy: "
      f"digit {chance['digit']:.2f}, speaker {chance['speaker']:.2f})")
print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

# %%
# What the table says, on the bundled data (100 test rows, so one row is one
# point of accuracy):
#
# - MCCA's shared space holds the digit (near the reference with audio and
#   image) but little of the speaker: only the audio carries the speaker,
#   and CCA keeps what the modalities have in common.
# - TripletEmbedding, taught by both tasks' labels, keeps both; one model,
#   fitted once, predicts both tasks for any pattern of missing views.
# - Both shared spaces do worse on the digit from audio alone than a
#   classifier on the 78 audio columns: they keep 9 (MCCA) or 16
#   (TripletEmbedding) directions learned from few rows, and a head fitted
#   on those directions of the audio alone does little better, so the loss
#   is the space's rather than the missing-view policy's. The reference pays
#   for its numbers with one model per pattern of missing views.

# %%
# The figure: accuracy of each task for each model and each set of available
# views. The image never tells the speaker (its pairing is by digit only), so
# "image only" is at chance for the speaker task whatever the model.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
model_names = list(table["model"].unique())
width = 0.8 / len(model_names)
x = np.arange(len(available))
for ax, task in zip(axes, tasks):
    for i, model_name in enumerate(model_names):
        sel = table[(table["task"] == task) & (table["model"] == model_name)]
        values = sel.set_index("views at prediction").loc[list(available), "accuracy"]
        bars = ax.bar(x + (i - (len(model_names) - 1) / 2) * width, values, width,
                      label=model_name)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.axhline(chance[task], color="grey", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(x, list(available))
    ax.set_title(f"task: {task}")
    ax.set_ylim(0, 1.08)
axes[0].set_ylabel("test accuracy")
axes[1].legend(loc="upper right", fontsize=8)
fig.suptitle("FSDD audio + mfeat images (+ text for training only): "
             "one shared space, two tasks", fontsize=10)
fig.tight_layout()
figure_path = output_dir / "digits_three_modalities.png"
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print(f"figure: {figure_path}")
print(f"done in {time.perf_counter() - start:.0f} s")
