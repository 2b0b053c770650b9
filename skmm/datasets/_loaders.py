"""Loaders for the real data sets: one DataFrame row per item, paths for media.

Every loader returns a :class:`sklearn.utils.Bunch` with at least ``frame``
(a pandas DataFrame, one row per item), ``target``, ``target_names``,
``DESCR``, ``subset`` (True when the small bundled subset was loaded) and
``data_dir``. Images and audio are given as absolute file paths (str), texts
as str; numeric multi-view sets also give ``data`` (one 2-D array, the views
side by side), ``views`` (``{name: width}``, in column order, ready for the
``views`` parameter of skmm's multi-view estimators) and ``feature_names``.

Metadata are read strictly: a missing file, a row with the wrong number of
fields or an unparsable label raises an error naming the file and the line;
nothing is skipped silently.
"""

import bz2
import hashlib
import os

import numpy as np
from sklearn.utils import Bunch

from . import _descr
from ._base import (
    _check_finite,
    _check_listed_files,
    _choice,
    _dataset_root,
    _duplicate_files,
    _duplicate_rows,
    _int_in,
    _nonempty,
    _pandas,
    _read_float_matrix,
    _read_table,
    _read_text,
    _require_file,
)
from ._base import (
    _descr as _with_note,
)

__all__ = [
    "load_bbc_news",
    "load_fsdd",
    "load_mfeat",
    "load_nutrimouse",
    "load_scene15",
    "load_skimage_images",
    "load_ucm_captions",
    "load_wikipedia_features",
]

_DIGIT_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
_UCM_CLASSES = (
    "agricultural", "airplane", "baseballdiamond", "beach", "buildings", "chaparral",
    "denseresidential", "forest", "freeway", "golfcourse", "harbor", "intersection",
    "mediumresidential", "mobilehomepark", "overpass", "parkinglot", "river", "runway",
    "sparseresidential", "storagetanks", "tenniscourt",
)  # fmt: skip
_SCENE15_CLASSES = (
    "Bedroom", "Coast", "Forest", "Highway", "Industrial", "InsideCity", "Kitchen",
    "LivingRoom", "Mountain", "Office", "OpenCountry", "Store", "Street", "Suburb",
    "TallBuilding",
)  # fmt: skip
_BBC_CLASSES = ("business", "entertainment", "politics", "sport", "tech")
MFEAT_VIEWS = {"fou": 76, "fac": 216, "kar": 64, "pix": 240, "zer": 47, "mor": 6}
# name -> licence, from scikit-image 0.26.0 `skimage/data/_fetchers.py` docstrings.
_SKIMAGE_IMAGES = {
    "astronaut.png": "public domain (NASA)",
    "brick.png": "CC0",
    "camera.png": "CC0",
    "cell.png": "CC0",
    "chelsea.png": "CC0",
    "clock_motion.png": "public domain",
    "coffee.png": "CC0",
    "coins.png": "no known copyright restrictions (Brooklyn Museum)",
    "grass.png": "CC0",
    "gravel.png": "CC0",
    "horse.png": "CC0",
    "hubble_deep_field.jpg": "public domain (NASA)",
    "microaneurysms.png": "CC0",
    "motorcycle_left.png": "Middlebury 2014 stereo (cite Scharstein et al. 2014)",
    "motorcycle_right.png": "Middlebury 2014 stereo (cite Scharstein et al. 2014)",
    "retina.jpg": "CC0 1.0",
    "rocket.jpg": "public domain (SpaceX)",
    "text.png": "public domain",
}
SKIMAGE_BUNDLED = ("camera.png", "clock_motion.png", "horse.png", "microaneurysms.png")


def _check_consistent(path, what, bad_rows):
    """Raise if any metadata row contradicts itself (``bad_rows``: row indices)."""
    if bad_rows:
        i = bad_rows[0]
        raise ValueError(
            f"{path}, line {i + 2}: {what} ({len(bad_rows)} inconsistent row(s))."
        )


def load_fsdd(data_home=None, *, subset=None):
    """Load the Free Spoken Digit Dataset: audio clips, transcripts, digits.

    Needs pandas (``pip install "skmm[examples]"``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``fsdd/``; defaults to ``SKMM_DATA_HOME``
        (see :func:`get_data_home`).
    subset : {None, "bundled", "full"}, default=None
        ``"bundled"``: the 300 clips of the official test split shipped with
        skmm. ``"full"``: all 3,000 clips under ``data_home``. None: full when
        a data home is set, else bundled.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``frame``: DataFrame with columns ``audio`` (absolute WAV path,
          8 kHz mono), ``transcript`` (the spoken word), ``target`` (digit),
          ``speaker``, ``index`` (take number 0-49) and ``split``.
        - ``target`` (int array), ``target_names`` (``"zero"`` ... ``"nine"``).
        - ``speaker``: speaker name per clip, for grouped CV.
        - ``split``: official split, ``"test"`` for index 0-4, else
          ``"train"``.
        - ``modalities``: ``{"audio": "audio", "transcript": "text"}``.
        - ``duplicate``: bool per clip, True for a byte-for-byte copy of an
          earlier clip (none in FSDD v1.0.10).
        - ``DESCR``, ``subset``, ``data_dir``.

    Notes
    -----
    The transcript is the target: ``transcript`` equals
    ``target_names[target]`` for every clip (and each file name starts with
    the digit). Any model that sees the transcript, or the path, is given
    the label: an audio+text result on FSDD is leaked (audio+text clustering
    reaches NMI 1.000). Report audio-only results; a text-to-audio retrieval
    score on FSDD measures label matching, not cross-modal understanding.
    The official split is speaker-dependent: for speaker-independent scores
    use ``speaker`` as the groups of a ``GroupKFold``.

    Examples
    --------
    >>> from skmm.datasets import load_fsdd
    >>> fsdd = load_fsdd(subset="bundled")
    >>> fsdd.frame.shape, fsdd.frame["split"].unique().tolist()
    ((300, 6), ['test'])
    """
    root, is_subset = _dataset_root("fsdd", data_home, subset, bundled=True)
    meta_path = os.path.join(root, "metadata.csv")
    m = _read_table(
        meta_path,
        {
            "path": _nonempty,
            "digit": _int_in(0, 9),
            "transcript": _choice(_DIGIT_WORDS),
            "speaker": _nonempty,
            "index": _int_in(0, 10**6),
            "split": _choice(("train", "test")),
        },
    )
    _check_consistent(
        meta_path,
        "transcript does not match digit",
        [
            i
            for i, (d, t) in enumerate(zip(m["digit"], m["transcript"]))
            if _DIGIT_WORDS[d] != t
        ],
    )
    _check_consistent(
        meta_path,
        "split does not match the official rule (index 0-4 -> test)",
        [
            i
            for i, (k, s) in enumerate(zip(m["index"], m["split"]))
            if (s == "test") != (k < 5)
        ],
    )
    paths = _check_listed_files(root, m["path"], meta_path)
    pd = _pandas()
    target = np.asarray(m["digit"], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "audio": paths,
            "transcript": m["transcript"],
            "target": target,
            "speaker": m["speaker"],
            "index": m["index"],
            "split": m["split"],
        }
    )
    return Bunch(
        frame=frame,
        target=target,
        target_names=np.asarray(_DIGIT_WORDS),
        speaker=np.asarray(m["speaker"]),
        split=np.asarray(m["split"]),
        modalities={"audio": "audio", "transcript": "text"},
        duplicate=_duplicate_files(paths),
        DESCR=_with_note(
            _descr.FSDD,
            root,
            is_subset,
            "The official test split only (index 0-4): 300 clips, 30 per digit, "
            "50 per speaker.",
        ),
        subset=is_subset,
        data_dir=root,
    )


def load_ucm_captions(data_home=None, *, subset=None):
    """Load UC Merced Land Use images paired with UCM-captions sentences.

    Needs pandas (``pip install "skmm[examples]"``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``ucm_captions/``; defaults to ``SKMM_DATA_HOME``.
    subset : {None, "bundled", "full"}, default=None
        ``"bundled"``: 10 images per class (``<class>00``...``<class>09``,
        210 in all) shipped with skmm. ``"full"``: all 2,100 images. None:
        full when a data home is set, else bundled.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``frame``: DataFrame with columns ``image`` (absolute JPEG path,
          RGB), ``text`` (the five captions joined with a space),
          ``caption_1``...``caption_5``, ``target``, ``label`` (class name)
          and ``split`` (caption-file split: train / val / test).
        - ``target`` (int array, class index 0-20), ``target_names``.
        - ``split``.
        - ``modalities``: ``{"image": "image", "text": "text"}``.
        - ``duplicate``: bool per image, True for a byte-for-byte copy of an
          earlier image (``airplane02.jpg`` repeats ``airplane01.jpg``).
        - ``DESCR``, ``subset``, ``data_dir``.

    Notes
    -----
    The captions nearly state the label: they are templated (1,735 of the
    2,100 images share their five captions verbatim with another image) and
    92 % of the joined texts contain the class name, so TF-IDF alone
    classifies the test split perfectly. Use category-level relevance and
    read text-only scores with that in mind.

    Examples
    --------
    >>> from skmm.datasets import load_ucm_captions
    >>> ucm = load_ucm_captions(subset="bundled")
    >>> ucm.frame.shape, len(ucm.target_names)
    ((210, 10), 21)
    """
    root, is_subset = _dataset_root("ucm_captions", data_home, subset, bundled=True)
    meta_path = os.path.join(root, "metadata.csv")
    caps = [f"caption_{k}" for k in range(1, 6)]
    m = _read_table(
        meta_path,
        {
            "path": _nonempty,
            "label": _choice(_UCM_CLASSES),
            "label_id": _int_in(0, len(_UCM_CLASSES) - 1),
            "split": _choice(("train", "val", "test")),
            **{c: _nonempty for c in caps},
        },
    )
    _check_consistent(
        meta_path,
        "label_id does not match label",
        [
            i
            for i, (l, k) in enumerate(zip(m["label"], m["label_id"]))
            if _UCM_CLASSES[k] != l
        ],
    )
    paths = _check_listed_files(root, m["path"], meta_path)
    pd = _pandas()
    target = np.asarray(m["label_id"], dtype=np.int64)
    cols = {
        "image": paths,
        "text": [" ".join(t) for t in zip(*(m[c] for c in caps))],
        **{c: m[c] for c in caps},
        "target": target,
        "label": m["label"],
        "split": m["split"],
    }
    return Bunch(
        frame=pd.DataFrame(cols),
        target=target,
        target_names=np.asarray(_UCM_CLASSES),
        split=np.asarray(m["split"]),
        modalities={"image": "image", "text": "text"},
        duplicate=_duplicate_files(paths),
        DESCR=_with_note(
            _descr.UCM_CAPTIONS,
            root,
            is_subset,
            "10 images per class (<class>00 to <class>09 by file name), 210 in "
            "all, with their captions; all of them are in the caption-file train "
            "split.",
        ),
        subset=is_subset,
        data_dir=root,
    )


def load_scene15(data_home=None):
    """Load the 15-Scene categories (grayscale images, fixed train/test split).

    Research use only: never bundled with skmm, so a data home is required.
    Needs pandas (``pip install "skmm[examples]"``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``scene15/``; defaults to ``SKMM_DATA_HOME``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``frame``: DataFrame with columns ``image`` (absolute JPEG path,
          8-bit grayscale), ``target``, ``label`` and ``split``
          (1,500 ``"train"``, 100 per class / 2,985 ``"test"``).
        - ``target``, ``target_names`` (15 folder names), ``split``.
        - ``duplicate``: bool per image, True for a byte-for-byte copy of an
          earlier image (18 files: 11 test images repeat a training image,
          one of them under another label).
        - ``modalities``: ``{"image": "image"}``; ``DESCR``, ``subset``
          (always False), ``data_dir``.

    Raises
    ------
    ValueError
        If neither ``data_home`` nor ``SKMM_DATA_HOME`` is set.
    """
    root, is_subset = _dataset_root("scene15", data_home, None, bundled=False)
    meta_path = os.path.join(root, "metadata.csv")
    m = _read_table(
        meta_path,
        {
            "path": _nonempty,
            "label": _choice(_SCENE15_CLASSES),
            "label_id": _int_in(0, len(_SCENE15_CLASSES) - 1),
            "split": _choice(("train", "test")),
        },
    )
    _check_consistent(
        meta_path,
        "label_id does not match label",
        [
            i
            for i, (l, k) in enumerate(zip(m["label"], m["label_id"]))
            if _SCENE15_CLASSES[k] != l
        ],
    )
    paths = _check_listed_files(root, m["path"], meta_path)
    pd = _pandas()
    target = np.asarray(m["label_id"], dtype=np.int64)
    frame = pd.DataFrame(
        {"image": paths, "target": target, "label": m["label"], "split": m["split"]}
    )
    return Bunch(
        frame=frame,
        target=target,
        target_names=np.asarray(_SCENE15_CLASSES),
        split=np.asarray(m["split"]),
        modalities={"image": "image"},
        duplicate=_duplicate_files(paths),
        DESCR=_descr.SCENE15,
        subset=is_subset,
        data_dir=root,
    )


def _numeric_bunch(blocks, target, extra_cols, *, descr, root, is_subset, **extra):
    """Bunch for numeric multi-view data; ``blocks``: list of (view, names, array)."""
    pd = _pandas()
    data = np.hstack([b for _, _, b in blocks])
    feature_names = [n for _, names, _ in blocks for n in names]
    frame = pd.DataFrame(data, columns=feature_names)
    for c, v in extra_cols.items():
        frame[c] = v
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        views={v: b.shape[1] for v, _, b in blocks},
        DESCR=descr,
        subset=is_subset,
        data_dir=root,
        **extra,
    )


def load_wikipedia_features(data_home=None):
    """Load the Wikipedia cross-modal data set (precomputed image/text features).

    Needs SciPy (to read the ``.mat`` file) and pandas. Not bundled with
    skmm, so a data home is required.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``wikipedia_xmodal/``; defaults to ``SKMM_DATA_HOME``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: (2866, 138) float64, the 128-d image view (SIFT bag of
          visual words) then the 10-d text view (LDA topic proportions);
          the 2,173 training rows first, then the 693 test rows, each in
          the order of its ``.list`` file.
        - ``views``: ``{"image": 128, "text": 10}``; ``feature_names``
          (``image_0``... ``text_9``).
        - ``target`` (category 0-9), ``target_names`` (from
          ``categories.list``), ``split`` (``"train"`` / ``"test"``).
        - ``frame``: the feature columns plus ``text_id``, ``image_id``,
          ``target`` and ``split``.
        - ``duplicate``: bool per row, True when the image features equal
          those of an earlier row (10 rows: 3 test rows repeat a training
          image, 2 pairs carry different categories); the published
          protocol keeps them.
        - ``DESCR``, ``subset`` (always False), ``data_dir``.
    """
    from scipy.io import loadmat

    root, is_subset = _dataset_root("wikipedia_xmodal", data_home, None, bundled=False)
    cat_path = os.path.join(root, "categories.list")
    names = [line.strip() for line in _read_text(cat_path).splitlines() if line.strip()]
    if len(names) != 10:
        raise ValueError(f"{cat_path}: expected 10 category names, got {len(names)}.")
    mat_path = _require_file(os.path.join(root, "raw_features.mat"))
    mat = loadmat(mat_path)
    cols = {"text_id": _nonempty, "image_id": _nonempty, "category": _int_in(1, 10)}
    parts = []
    for split, tag in (("train", "tr"), ("test", "te")):
        list_path = os.path.join(root, f"{split}set_txt_img_cat.list")
        m = _read_table(list_path, cols, delimiter="\t", header=False)
        img, txt = (mat.get(f"{v}_{tag}") for v in ("I", "T"))
        for key, arr, width in ((f"I_{tag}", img, 128), (f"T_{tag}", txt, 10)):
            if arr is None or arr.shape != (len(m["category"]), width):
                got = None if arr is None else arr.shape
                raise ValueError(
                    f"{mat_path}: {key} should be ({len(m['category'])}, {width}) to "
                    f"match {list_path}; got {got}."
                )
            _check_finite(
                arr,
                lambda i, j, key=key, m=m: (
                    f"{mat_path}: {key}, row {i} (text_id {m['text_id'][i]!r}), "
                    f"column {j}"
                ),
            )
        parts.append((split, m, img, txt))
    image = np.vstack([p[2] for p in parts]).astype(np.float64)
    text = np.vstack([p[3] for p in parts]).astype(np.float64)
    target = np.asarray(
        [c - 1 for p in parts for c in p[1]["category"]], dtype=np.int64
    )
    split = np.asarray([p[0] for p in parts for _ in p[1]["category"]])
    return _numeric_bunch(
        [
            ("image", [f"image_{i}" for i in range(128)], image),
            ("text", [f"text_{i}" for i in range(10)], text),
        ],
        target,
        {
            "text_id": [t for p in parts for t in p[1]["text_id"]],
            "image_id": [t for p in parts for t in p[1]["image_id"]],
            "target": target,
            "split": split,
        },
        descr=_descr.WIKIPEDIA,
        root=root,
        is_subset=is_subset,
        target_names=np.asarray(names),
        split=split,
        duplicate=_duplicate_rows(image),
    )


def _read_mfeat_view(path, view, width):
    """One mfeat CSV (optionally .bz2): header ``0..width-1,0``, label last."""
    opener = bz2.open if path.endswith(".bz2") else open
    names = [f"{view}_{i}" for i in range(width)] + ["label"]

    def check_header(header):
        # upstream header: the feature indices, then "0" for the label column
        if header != [str(i) for i in range(width)] + ["0"]:
            got = ",".join(header)[:60]
            raise ValueError(
                f"{path}: view {view!r} should have a header of {width} feature "
                f"indices (0..{width - 1}) then '0' (label); got {got!r}..."
            )

    _, a = _read_float_matrix(
        path, names, opener=opener, encoding="ascii", check_header=check_header
    )
    y = a[:, -1]
    bad = np.flatnonzero((y != np.round(y)) | (y < 0) | (y > 9))
    if bad.size:
        raise ValueError(
            f"{path}, line {bad[0] + 2}: label {float(y[bad[0]])!r} is not a digit 0-9."
        )
    return a[:, :-1], y.astype(np.int64)


def load_mfeat(data_home=None, *, views=None, subset=None):
    """Load the UCI Multiple Features digits: six numeric views.

    Needs pandas (``pip install "skmm[examples]"``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``uci_mfeat/``; defaults to ``SKMM_DATA_HOME``.
    views : sequence of str, default=None
        Which views, in which order, among ``"fou"`` (76), ``"fac"`` (216),
        ``"kar"`` (64), ``"pix"`` (240), ``"zer"`` (47), ``"mor"`` (6).
        None: all six in that order (649 columns).
    subset : {None, "bundled", "full"}, default=None
        The bundled copy holds all 2,000 rows (bz2-compressed CSVs that
        decompress to the upstream files byte for byte), so both give the
        same values. None: full when a data home is set, else bundled.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: (2000, sum of widths) float64, views side by side.
        - ``views``: ``{name: width}`` in column order, for the ``views``
          parameter of skmm's multi-view estimators; ``feature_names``
          (``fou_0``...).
        - ``target`` (digit 0-9; rows 200k..200k+199 are digit k),
          ``target_names``.
        - ``frame``: the feature columns and ``target``.
        - ``duplicate``: bool per row, True when the selected views equal
          those of an earlier row (with all six views: 6 rows, each a copy
          of a row of the same digit: 774, 1172, 1271, 1272, 1521, 1999).
        - ``DESCR``, ``subset``, ``data_dir``.

    Examples
    --------
    >>> from skmm.datasets import load_mfeat
    >>> mf = load_mfeat(views=["fou", "mor"], subset="bundled")
    >>> mf.data.shape, mf.views
    ((2000, 82), {'fou': 76, 'mor': 6})
    """
    if views is None:
        views = list(MFEAT_VIEWS)
    elif isinstance(views, str) or not all(isinstance(v, str) for v in views):
        raise TypeError(f"views must be a sequence of view names, got {views!r}.")
    views = list(views)
    unknown = [v for v in views if v not in MFEAT_VIEWS]
    if unknown or not views or len(set(views)) != len(views):
        raise ValueError(
            f"views must be distinct names among {list(MFEAT_VIEWS)}; got {views!r}."
        )
    root, is_subset = _dataset_root("uci_mfeat", data_home, subset, bundled=True)
    suffix = ".csv.bz2" if is_subset else ".csv"
    blocks, target = [], None
    for v in views:
        path = os.path.join(root, f"mfeat-{v}{suffix}")
        X, y = _read_mfeat_view(path, v, MFEAT_VIEWS[v])
        if target is not None and not np.array_equal(y, target):
            raise ValueError(
                f"{path}: labels or row count differ from view {views[0]!r}."
            )
        target = y
        blocks.append((v, [f"{v}_{i}" for i in range(X.shape[1])], X))
    return _numeric_bunch(
        blocks,
        target,
        {"target": target},
        descr=_with_note(
            _descr.MFEAT,
            root,
            is_subset,
            "All 2,000 rows, stored as bz2-compressed copies of the upstream CSVs "
            "(identical values).",
        ),
        root=root,
        is_subset=is_subset,
        target_names=np.arange(10),
        duplicate=_duplicate_rows(np.hstack([b for _, _, b in blocks])),
    )


def load_nutrimouse(data_home=None):
    """Load Nutrimouse: 40 mice, gene (120) and lipid (21) views.

    GPL provenance (R package ``CCA``): not bundled with skmm, so a data home
    is required. Needs pandas (``pip install "skmm[examples]"``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``nutrimouse/``; defaults to ``SKMM_DATA_HOME``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: (40, 141) float64, genes then lipids; ``views``:
          ``{"gene": 120, "lipid": 21}``; ``feature_names`` (upstream names).
        - ``target``: diet index, ``target_names``: ``coc fish lin ref sun``.
        - ``genotype`` (index into ``genotype_names``: ``ppar``, ``wt``) and
          ``diet`` (same as ``target``).
        - ``frame``: feature columns plus ``genotype``, ``diet`` (str) and
          ``target``. ``DESCR``, ``subset`` (always False), ``data_dir``.
    """
    root, is_subset = _dataset_root("nutrimouse", data_home, None, bundled=False)
    # a header of (quoted) names, then float rows
    gene_names, gene = _read_float_matrix(os.path.join(root, "gene.csv"), None)
    lipid_names, lipid = _read_float_matrix(os.path.join(root, "lipid.csv"), None)
    diets, genotypes = ("coc", "fish", "lin", "ref", "sun"), ("ppar", "wt")
    g = _read_table(
        os.path.join(root, "genotype.csv"), {"genotype": _choice(genotypes)}
    )
    d = _read_table(os.path.join(root, "diet.csv"), {"diet": _choice(diets)})
    n = {"gene.csv": len(gene), "lipid.csv": len(lipid),
         "genotype.csv": len(g["genotype"]), "diet.csv": len(d["diet"])}  # fmt: skip
    if len(set(n.values())) != 1:
        raise ValueError(
            f"{root}: the four files must have the same number of rows; got {n}."
        )
    if len(set(gene_names) | set(lipid_names)) != len(gene_names) + len(lipid_names):
        raise ValueError(f"{root}: gene and lipid column names overlap.")
    diet = np.asarray([diets.index(x) for x in d["diet"]], dtype=np.int64)
    genotype = np.asarray([genotypes.index(x) for x in g["genotype"]], dtype=np.int64)
    return _numeric_bunch(
        [("gene", gene_names, gene), ("lipid", lipid_names, lipid)],
        diet,
        {"genotype": g["genotype"], "diet": d["diet"], "target": diet},
        descr=_descr.NUTRIMOUSE,
        root=root,
        is_subset=is_subset,
        target_names=np.asarray(diets),
        genotype=genotype,
        genotype_names=np.asarray(genotypes),
        diet=diet,
    )


def load_bbc_news(data_home=None):
    """Load the BBC News corpus: 2,225 articles in 5 topics.

    Research use only (content (c) BBC): never bundled, a data home is
    required. Files are decoded as UTF-8 with a Latin-1 fallback (one file,
    ``bbc/sport/199.txt``, is Latin-1). Needs pandas.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``bbc_news/``; defaults to ``SKMM_DATA_HOME``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``frame``: DataFrame with columns ``text`` (the whole file:
          headline, blank line, body), ``title`` (first line), ``target``,
          ``label``, ``doc_id``, ``path`` (absolute), ``encoding``
          (``"utf-8"`` or ``"latin-1"``) and ``duplicate`` (True when the
          file is a byte-for-byte copy of an earlier row: 98 rows).
        - ``target``, ``target_names`` (``business entertainment politics
          sport tech``), ``duplicate`` (bool array).
        - ``modalities``: ``{"text": "text"}``; ``DESCR``, ``subset`` (always
          False), ``data_dir``.
    """
    root, is_subset = _dataset_root("bbc_news", data_home, None, bundled=False)
    meta_path = os.path.join(root, "metadata.csv")
    m = _read_table(
        meta_path,
        {
            "path": _nonempty,
            "label": _choice(_BBC_CLASSES),
            "label_id": _int_in(0, len(_BBC_CLASSES) - 1),
            "doc_id": _nonempty,
        },
    )
    _check_consistent(
        meta_path,
        "label_id does not match label",
        [
            i
            for i, (l, k) in enumerate(zip(m["label"], m["label_id"]))
            if _BBC_CLASSES[k] != l
        ],
    )
    paths = _check_listed_files(root, m["path"], meta_path)
    texts, encodings, duplicate, seen = [], [], [], set()
    for p in paths:
        with open(p, "rb") as f:
            raw = f.read()
        try:
            texts.append(raw.decode("utf-8"))
            encodings.append("utf-8")
        except UnicodeDecodeError:
            texts.append(raw.decode("latin-1"))  # never fails: every byte maps
            encodings.append("latin-1")
        digest = hashlib.sha256(raw).digest()
        duplicate.append(digest in seen)
        seen.add(digest)
    pd = _pandas()
    target = np.asarray(m["label_id"], dtype=np.int64)
    duplicate = np.asarray(duplicate)
    frame = pd.DataFrame(
        {
            "text": texts,
            "title": [t.split("\n", 1)[0].strip() for t in texts],
            "target": target,
            "label": m["label"],
            "doc_id": m["doc_id"],
            "path": paths,
            "encoding": encodings,
            "duplicate": duplicate,
        }
    )
    return Bunch(
        frame=frame,
        target=target,
        target_names=np.asarray(_BBC_CLASSES),
        duplicate=duplicate,
        modalities={"text": "text"},
        DESCR=_descr.BBC_NEWS,
        subset=is_subset,
        data_dir=root,
    )


def load_skimage_images(data_home=None, *, subset=None):
    """Paths of real sample photographs from scikit-image (no labels).

    Needs pandas (``pip install "skmm[examples]"``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``skimage_images/``; defaults to ``SKMM_DATA_HOME``.
    subset : {None, "bundled", "full"}, default=None
        ``"bundled"``: 4 small CC0 / public-domain images shipped with skmm
        (``camera.png``, ``clock_motion.png`` (2 SIFT keypoints),
        ``horse.png`` (RGBA), ``microaneurysms.png`` (4 keypoints)).
        ``"full"``: the 18 images. None: full when a data home is set.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``frame``: DataFrame with columns ``image`` (absolute path),
          ``name`` (file name) and ``licence``, sorted by name.
        - ``filenames``: the paths as an array.
        - ``modalities``: ``{"image": "image"}``; ``DESCR``, ``subset``,
          ``data_dir``.

    Examples
    --------
    >>> from skmm.datasets import load_skimage_images
    >>> list(load_skimage_images(subset="bundled").frame["name"])
    ['camera.png', 'clock_motion.png', 'horse.png', 'microaneurysms.png']
    """
    root, is_subset = _dataset_root("skimage_images", data_home, subset, bundled=True)
    names = sorted(SKIMAGE_BUNDLED if is_subset else _SKIMAGE_IMAGES)
    paths = _check_listed_files(root, names, "the skmm list of scikit-image images")
    pd = _pandas()
    frame = pd.DataFrame(
        {"image": paths, "name": names, "licence": [_SKIMAGE_IMAGES[n] for n in names]}
    )
    return Bunch(
        frame=frame,
        filenames=np.asarray(paths),
        modalities={"image": "image"},
        DESCR=_with_note(
            _descr.SKIMAGE,
            root,
            is_subset,
            "Four small CC0 / public-domain images: "
            + ", ".join(SKIMAGE_BUNDLED)
            + ".",
        ),
        subset=is_subset,
        data_dir=root,
    )
