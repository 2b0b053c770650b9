"""SIFTBoVW: image reading, SIFT descriptors against plain OpenCV, contract, bad input."""

import os
import subprocess
import sys

import numpy as np
import pytest

from skmm.feature_extraction import SIFTBoVW, dense_grid, read_image, sift_descriptors
from skmm.utils.estimator_checks import check_raw_input_estimator

cv2 = pytest.importorskip("cv2")



def textures(n_per_class=4, size=64, seed=0):
    """Two seeded texture classes: horizontal vs vertical stripes plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images, labels = [], []
    for label in (0, 1):
        for _ in range(n_per_class):
            freq = rng.uniform(0.3, 0.6)
            coord = yy if label == 0 else xx
            img = 128 + 80 * np.sin(freq * coord + rng.uniform(0, 6)) + rng.normal(0, 20, coord.shape)
            images.append(np.clip(img, 0, 255).astype(np.uint8))
            labels.append(label)
    return images, np.array(labels)


def plain_dense_sift(gray, step=8, patch=16):
    h, w = gray.shape
    kps = [cv2.KeyPoint(float(x), float(y), patch / 6)
           for y in np.arange(patch / 2, h - patch / 2 + 1, step)
           for x in np.arange(patch / 2, w - patch / 2 + 1, step)]
    kps, desc = cv2.SIFT_create().compute(gray, kps)
    return desc, np.array([k.pt for k in kps])


# -- descriptors ------------------------------------------------------------
@pytest.mark.parametrize("shape, step, patch", [((64, 64), 8, 16), ((50, 77), 8, 16),
                                                ((40, 33), 5, 12), ((15, 60), 8, 16)])
def test_dense_count_equals_grid(shape, step, patch):
    gray = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    desc, pos = sift_descriptors(gray, step=step, patch_size=patch)
    ny = (shape[0] - patch) // step + 1 if shape[0] >= patch else 0
    nx = (shape[1] - patch) // step + 1 if shape[1] >= patch else 0
    assert desc.shape == (ny * nx, 128) and desc.dtype == np.float32
    np.testing.assert_allclose(pos * [shape[1], shape[0]], dense_grid(*shape, step, patch))


def test_dense_parity_with_plain_cv2_synthetic():
    gray = textures(1, size=96)[0][0]
    desc, pos = sift_descriptors(gray)
    ref, ref_pos = plain_dense_sift(gray)
    np.testing.assert_array_equal(desc, ref)
    np.testing.assert_allclose(pos * 96, ref_pos)


@pytest.mark.data_home
def test_dense_and_keypoint_parity_with_plain_cv2_real_image(full_dataset):
    path = full_dataset("skimage_images") / "camera.png"
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    desc, _ = sift_descriptors(read_image(path))
    np.testing.assert_array_equal(desc, plain_dense_sift(gray)[0])
    kps, ref = cv2.SIFT_create().detectAndCompute(gray, None)
    desc, pos = sift_descriptors(read_image(path), detector="keypoints")
    np.testing.assert_array_equal(desc, ref)
    np.testing.assert_allclose(pos * gray.shape[::-1], [k.pt for k in kps])


def test_rootsift_is_sqrt_of_l1_normalised_sift():
    gray = textures(1)[0][0]
    plain, _ = sift_descriptors(gray)
    root, _ = sift_descriptors(gray, rootsift=True)
    np.testing.assert_allclose(root, np.sqrt(plain / plain.sum(axis=1, keepdims=True)),
                               rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(root, axis=1), 1.0, rtol=1e-5)


def test_max_descriptors_is_a_seeded_subset():
    gray = textures(1)[0][0]
    full, _ = sift_descriptors(gray)
    sub, _ = sift_descriptors(gray, max_descriptors=10, seed=3)
    again, _ = sift_descriptors(gray, max_descriptors=10, seed=3)
    assert sub.shape == (10, 128)
    np.testing.assert_array_equal(sub, again)
    keep = np.sort(np.random.default_rng(3).choice(len(full), 10, replace=False))
    np.testing.assert_array_equal(sub, full[keep])


# -- reading ----------------------------------------------------------------
def test_read_image_conversions(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    np.testing.assert_array_equal(read_image(rgb), gray)
    rgba = np.dstack([rgb, np.full((20, 30), 255, np.uint8)])
    np.testing.assert_array_equal(read_image(rgba), gray)
    np.testing.assert_array_equal(read_image(gray[:, :, None]), gray)
    np.testing.assert_array_equal(read_image(gray.astype(np.uint16) * 257), gray)
    np.testing.assert_array_equal(read_image(gray / 255.0), gray)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    np.testing.assert_array_equal(read_image(tmp_path / "g.png"), gray)
    np.testing.assert_array_equal(read_image(str(tmp_path / "g.png")), gray)
    small = read_image(rng.integers(0, 256, (100, 40), dtype=np.uint8), max_side=50)
    assert small.shape == (50, 20)
    assert read_image(gray, max_side=100).shape == gray.shape  # never enlarged


def test_paths_and_arrays_and_stack_give_same_codes(tmp_path):
    images, _ = textures(2)
    paths = []
    for i, img in enumerate(images):
        cv2.imwrite(str(tmp_path / f"{i}.png"), img)
        paths.append(str(tmp_path / f"{i}.png"))
    est = SIFTBoVW(n_clusters=8, random_state=0).fit(images)
    ref = est.transform(images)
    np.testing.assert_array_equal(est.transform(paths), ref)
    np.testing.assert_array_equal(est.transform(np.stack(images)), ref)
    np.testing.assert_array_equal(est.fit_transform(images), ref)
    np.testing.assert_array_equal(est.set_params(n_jobs=2).transform(images), ref)


# -- images without descriptors ---------------------------------------------
@pytest.mark.parametrize("encoding", ["hist", "soft", "vlad", "fisher"])
def test_image_without_descriptors_gives_zero_row(encoding):
    images, _ = textures(2)
    flat = np.full((64, 64), 128, np.uint8)
    tiny = np.zeros((8, 8), np.uint8)   # smaller than the 16-px patch: no grid point
    est = SIFTBoVW(n_clusters=4, encoding=encoding, pyramid_levels=1, random_state=0)
    est.fit(images)
    out = est.transform([images[0], flat, tiny, images[1]])
    assert out.shape[0] == 4 and np.all(np.isfinite(out))
    # a constant image has an all-zero SIFT descriptor on the dense grid, a tiny one none
    assert np.all(out[2] == 0)
    assert np.any(out[0] != 0) and np.any(out[3] != 0)
    kp = SIFTBoVW(n_clusters=4, detector="keypoints", encoding=encoding, random_state=0)
    kp.fit([np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)])
    np.testing.assert_array_equal(kp.transform([flat]), 0)


@pytest.mark.data_home
def test_clock_motion_two_keypoints(full_dataset):
    path = full_dataset("skimage_images") / "clock_motion.png"
    desc, _ = sift_descriptors(read_image(path), detector="keypoints")
    assert desc.shape == (2, 128)
    est = SIFTBoVW(n_clusters=2, detector="keypoints", random_state=0).fit([path])
    out = est.transform([path, np.full((32, 32), 7, np.uint8)])
    np.testing.assert_allclose(out[0].sum(), 1.0)
    np.testing.assert_array_equal(out[1], 0)


def test_too_few_descriptors_to_fit():
    with pytest.raises(ValueError, match=r"gave 0 descriptors, fewer than n_clusters=64"):
        SIFTBoVW().fit([np.zeros((8, 8), np.uint8)])


# -- bad input ----------------------------------------------------------------
def test_bad_files_are_named(tmp_path):
    good = textures(1)[0][0]
    missing = tmp_path / "missing.png"
    with pytest.raises(ValueError, match=r"image 1 \(.*missing\.png'\): no such file"):
        SIFTBoVW(n_clusters=2).fit([good, missing])
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(np.random.default_rng(0).bytes(200))
    with pytest.raises(ValueError, match=r"image 0 \(.*garbage\.jpg'\): OpenCV could not decode"):
        SIFTBoVW(n_clusters=2).fit([garbage])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.png'\): OpenCV could not decode"):
        SIFTBoVW(n_clusters=2, n_jobs=2).fit([good, good, empty])


@pytest.mark.parametrize("item, exc, match", [
    (np.zeros((0, 5), np.uint8), ValueError, r"image 1: empty image of shape \(0, 5\)"),
    (np.zeros(10, np.uint8), ValueError, r"image 1: expected an array of shape .* got 1-D"),
    (np.zeros((2, 8, 8, 3), np.uint8), ValueError, r"image 1: .* got 4-D"),
    (np.zeros((8, 8, 2), np.uint8), ValueError, r"image 1: expected 1, 3 or 4 channels, got 2"),
    (np.full((8, 8), np.nan), ValueError, r"image 1: image contains NaN or inf"),
    (np.full((8, 8), 2.0), ValueError, r"image 1: float images must have values in \[0, 1\]"),
    (np.zeros((8, 8), np.int64), TypeError, r"image 1: .*got dtype int64"),
    (np.zeros((8, 8), object), TypeError, r"image 1: .*got dtype object"),
    (np.array([["a"]]), TypeError, r"image 1: .*got dtype <U1"),
    (12, TypeError, r"image 1: expected a file path or an image array, got int"),
])
def test_bad_arrays_are_named(item, exc, match):
    good = textures(1)[0][0]
    with pytest.raises(exc, match=match):
        SIFTBoVW(n_clusters=2).fit([good, item])


def test_bad_containers():
    img = textures(1)[0][0]
    with pytest.raises(TypeError, match="wrap it in a list"):
        SIFTBoVW().fit("image.png")
    with pytest.raises(TypeError, match="got a 2-D uint8 array"):
        SIFTBoVW().fit(img)
    with pytest.raises(ValueError, match="0 items"):
        SIFTBoVW().fit([])
    est = SIFTBoVW(n_clusters=4, random_state=0).fit([img])
    with pytest.raises(ValueError, match="needs a GMM"):
        est.set_params(encoding="fisher").transform([img])


# -- estimator contract ---------------------------------------------------------
def test_raw_input_contract():
    images, y = textures(4)
    check_raw_input_estimator(SIFTBoVW(random_state=0, n_clusters=8), images, y,
                              param_grid={"n_clusters": [8, 16]})


@pytest.mark.parametrize("params", [
    {"encoding": "soft", "pyramid_levels": 1},
    {"encoding": "vlad", "rootsift": True},
    {"encoding": "fisher", "pca_components": 8, "max_descriptors": 30},
    {"codebook_algorithm": "minibatch", "normalize": "hellinger", "max_side": 48},
    {"detector": "keypoints", "n_clusters": 4, "normalize": "l2"},
])
def test_raw_input_contract_variants(params):
    images, y = textures(4)
    params = {"n_clusters": 8, **params}
    check_raw_input_estimator(SIFTBoVW(random_state=0, **params), images, y)


def test_output_shapes_and_feature_names():
    images, _ = textures(2)
    for params, dims in [({"encoding": "hist", "pyramid_levels": 2}, 8 * 21),
                         ({"encoding": "vlad"}, 8 * 128),
                         ({"encoding": "fisher", "pca_components": 16}, 2 * 8 * 16)]:
        est = SIFTBoVW(n_clusters=8, random_state=0, **params).fit(images)
        assert est.transform(images).shape == (4, dims) == (4, est.n_features_out_)
        assert est.get_feature_names_out()[-1] == f"siftbovw{dims - 1}"


def test_pyramid_set_params_after_fit_reuses_codebook():
    images, _ = textures(2)
    est = SIFTBoVW(n_clusters=8, normalize=None, random_state=0).fit(images)
    flat = est.transform(images)
    pyr = est.set_params(pyramid_levels=2).transform(images)
    np.testing.assert_allclose(pyr[:, :8], flat / 4)  # level 0 weight 1/2^L
    # level l (weight 1/2^(L-l+1)) holds the same counts split over its cells
    np.testing.assert_allclose(pyr[:, 8:40].reshape(4, 4, 8).sum(1) * 4, flat)
    np.testing.assert_allclose(pyr[:, 40:].reshape(4, 16, 8).sum(1) * 2, flat)


def test_textures_are_separable():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    images, y = textures(10, seed=1)
    pipe = make_pipeline(SIFTBoVW(n_clusters=16, random_state=0), LogisticRegression(C=100))
    assert cross_val_score(pipe, images, y, cv=2).mean() == 1.0


def test_tags_and_light_import():
    tags = SIFTBoVW().__sklearn_tags__()
    assert tags.input_tags.two_d_array is False and tags.input_tags.one_d_array is True
    code = ("import sys, skmm.feature_extraction; "
            "assert 'cv2' not in sys.modules, 'cv2 imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_memory_caches_descriptors_across_fits(tmp_path):
    # Descriptors come from the cache on the second fit, even with the rows
    # reordered, and the output is unchanged.
    import joblib

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(6)]
    paths = []
    for i, img in enumerate(images):
        path = tmp_path / f"img{i}.png"
        cv2 = pytest.importorskip("cv2")
        cv2.imwrite(str(path), img)
        paths.append(str(path))
    memory = joblib.Memory(tmp_path / "cache", verbose=0)
    ref = SIFTBoVW(n_clusters=4, random_state=0).fit(paths).transform(paths)
    cached = SIFTBoVW(n_clusters=4, random_state=0, memory=memory)
    np.testing.assert_array_equal(cached.fit(paths).transform(paths), ref)
    n_entries = len(list((tmp_path / "cache").rglob("output.pkl")))
    assert n_entries == len(paths)
    ref_reversed = SIFTBoVW(n_clusters=4, random_state=0).fit(paths[::-1]).transform(paths)
    np.testing.assert_array_equal(cached.fit(paths[::-1]).transform(paths), ref_reversed)
    assert len(list((tmp_path / "cache").rglob("output.pkl"))) == n_entries


def test_codebook_sample_smaller_than_codebook():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(3)]
    with pytest.raises(ValueError, match="codebook_sample=4 is smaller than n_clusters=8"):
        SIFTBoVW(n_clusters=8, codebook_sample=4).fit(images)


def test_verbose_reports_progress_with_one_job(capfd):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(4)]
    SIFTBoVW(n_clusters=4, verbose=5).fit(images)
    out, err = capfd.readouterr()
    assert "Done   4 out of   4" in out + err


def test_multi_scale_dense_sift_is_the_union_of_scales():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (80, 96), dtype=np.uint8)
    singles = [SIFTBoVW(patch_size=p).extract_descriptors([img])[0] for p in (12, 24)]
    multi_desc, multi_pos = SIFTBoVW(patch_size=(12, 24)).extract_descriptors([img])[0]
    np.testing.assert_array_equal(multi_desc, np.vstack([d for d, _ in singles]))
    np.testing.assert_array_equal(multi_pos, np.vstack([p for _, p in singles]))
    with pytest.raises(ValueError, match="patch_size must be a positive integer"):
        SIFTBoVW(patch_size=(12, 0)).fit([img])


def test_verbose_reports_codebook_kmeans(capfd):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(4)]
    SIFTBoVW(n_clusters=4, verbose=1, random_state=0).fit(images)
    out, _ = capfd.readouterr()
    assert "k-means: 4 codewords from 100 descriptors" in out
    assert "Iteration 0, inertia" in out and "Converged at iteration" in out


def test_codebook_is_skmm_cluster_kmeans():
    from skmm.cluster import kmeans

    images, _ = textures(2)
    est = SIFTBoVW(n_clusters=8, random_state=3).fit(images)
    sample = np.concatenate([d for d, _ in est.extract_descriptors(images)])
    ref, _, _, _ = kmeans(sample, 8, random_state=3)
    np.testing.assert_array_equal(est.cluster_centers_, ref)


# -- issue 8: odd inputs get a clear error or a warning ---------------------------
def _corrupt_jpeg(path, seed=0):
    """A JPEG whose entropy-coded data is overwritten mid-stream (its end marker intact)."""
    img = textures(1, size=128)[0][0]
    data = bytearray(cv2.imencode(".jpg", img)[1].tobytes())
    mid = len(data) // 2
    data[mid:mid + 20] = np.random.default_rng(seed).integers(0, 256, 20, np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def _png_declaring(path, width, height):
    """A small valid PNG whose IHDR is patched to declare ``width x height``."""
    data = bytearray(cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes())
    data[16:24] = int(width).to_bytes(4, "big") + int(height).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("shape", [(64, 64, 3), (64, 64, 4), (64, 64, 1)])
def test_one_colour_image_without_list_is_refused(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    match = (rf"X is a 3-D array of shape \({shape[0]}, {shape[1]}, {shape[2]}\): this is the "
             rf"shape of one image \(H, W, C\).*not a batch of {shape[0]} images")
    fitted = SIFTBoVW(n_clusters=4, random_state=0).fit(textures(1)[0])
    for call in (SIFTBoVW(n_clusters=4).fit, SIFTBoVW(n_clusters=4).fit_transform,
                 SIFTBoVW().extract_descriptors, fitted.transform):
        with pytest.raises(ValueError, match=match):
            call(img)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    with pytest.raises(ValueError, match=match):
        make_pipeline(SIFTBoVW(n_clusters=4), LogisticRegression()).fit(img, [0] * 64)
    # the same image in a list, or a 4-D stack of colour images, is fine
    assert fitted.transform([img]).shape == (1, 4)
    stack = np.stack([img, img[::-1]])
    np.testing.assert_array_equal(fitted.transform(stack), fitted.transform(list(stack)))


def test_stack_of_grayscale_images_is_a_batch():
    images = textures(2)[0]
    est = SIFTBoVW(n_clusters=4, random_state=0).fit(images)
    np.testing.assert_array_equal(est.transform(np.stack(images)), est.transform(images))


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_corrupt_jpeg_warns_with_its_path(tmp_path, n_jobs):
    good = tmp_path / "good.jpg"
    cv2.imwrite(str(good), textures(1, size=128)[0][0])
    bad = _corrupt_jpeg(tmp_path / "bad.jpg")
    est = SIFTBoVW(n_clusters=4, random_state=0, n_jobs=n_jobs).fit([good])  # no warning
    with pytest.warns(UserWarning, match=r"image 1 \('.*bad\.jpg'\): the JPEG data is corrupt, "
                                         r"the decoded image is damaged \(libjpeg: Corrupt JPEG"):
        est.transform([good, bad, good])


def test_stderr_capture_keeps_other_output(capfd):
    from skmm.feature_extraction._image_io import _captured_stderr

    sink = []
    with _captured_stderr(sink):
        os.write(2, b"unrelated line\nCorrupt JPEG data: 3 extraneous bytes\n")
    assert sink == ["Corrupt JPEG data: 3 extraneous bytes"]
    assert "unrelated line" in capfd.readouterr().err


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_huge_declared_png_and_directory_are_named(tmp_path, n_jobs):
    good = textures(1)[0][0]
    huge = _png_declaring(tmp_path / "huge.png", 50_000, 50_000)
    with pytest.raises(ValueError, match=r"image 2 \('.*huge\.png'\): the file declares a "
                                         r"50000x50000 image \(2500 megapixels\), above OpenCV's "
                                         r"decoding limit"):
        SIFTBoVW(n_clusters=2, n_jobs=n_jobs).fit([good, good, huge])
    folder = tmp_path / "a_folder"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"image 1 \('.*a_folder'\): is a directory, not an "
                                         r"image file"):
        SIFTBoVW(n_clusters=2, n_jobs=n_jobs).fit([good, folder])
    with pytest.raises(ValueError, match=r"image 0 \('.*missing\.png'\): no such file"):
        SIFTBoVW(n_clusters=2, n_jobs=n_jobs).fit([tmp_path / "missing.png", good])


def test_header_size_of_png_and_jpeg(tmp_path):
    from skmm.feature_extraction._image_io import _header_size

    img = np.zeros((30, 50), np.uint8)
    for ext in (".png", ".jpg"):
        buf = cv2.imencode(ext, img)[1].ravel()
        assert _header_size(buf) == (50, 30)
    assert _header_size(cv2.imencode(".bmp", img)[1].ravel()) is None


def test_large_image_warns_and_suggests_max_side(tmp_path, monkeypatch):
    big = np.zeros((5001, 5000), np.uint8)  # 25.005 megapixels
    with pytest.warns(UserWarning, match=r"image 0: 5000x5001 pixels \(25 megapixels\) read at "
                                         r"full size.*set max_side"):
        read_image(big)
    assert read_image(big, max_side=500).shape == (500, 500)  # no warning
    # through the estimator, with the path and with threads
    from skmm.feature_extraction import _image_io

    monkeypatch.setattr(_image_io, "LARGE_IMAGE_PIXELS", 48 * 48 - 1)
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), textures(1, size=48)[0][0])
    for n_jobs in (None, 2):
        with pytest.warns(UserWarning, match=r"image 1 \('.*big\.png'\): 48x48 pixels"):
            SIFTBoVW(n_clusters=2, n_jobs=n_jobs).fit([np.zeros((40, 40), np.uint8), path])
    SIFTBoVW(n_clusters=2, max_side=47).fit([path])  # shrunk: no warning


def test_pickled_memory_on_a_machine_without_the_folder(tmp_path):
    import pickle
    import shutil

    images = textures(2)[0]
    cache = tmp_path / "blocker" / "cache"
    est = SIFTBoVW(n_clusters=4, random_state=0, memory=str(cache)).fit(images)
    ref = est.transform(images)
    assert any(cache.rglob("output.pkl"))
    blob = pickle.dumps(est)
    # "another machine": the cache's parent is now a file, the folder cannot exist
    shutil.rmtree(tmp_path / "blocker")
    (tmp_path / "blocker").write_text("not a folder")
    loaded = pickle.loads(blob)
    match = (r"memory='.*blocker/cache': the descriptor cache folder cannot be used "
             r".*extracting descriptors without caching")
    with pytest.warns(UserWarning, match=match):
        out = loaded.transform(images)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(loaded.set_params(memory=None).transform(images), ref)


def test_opencv_failure_while_describing_is_named(monkeypatch):
    from skmm.feature_extraction import _bovw

    def broken(gray, **params):
        raise cv2.error("simulated SIFT failure")

    monkeypatch.setattr(_bovw, "sift_descriptors", broken)
    with pytest.raises(ValueError, match=r"image 0: OpenCV failed to describe the 64x64 image "
                                         r"\(simulated SIFT failure\)"):
        SIFTBoVW(n_clusters=2, n_jobs=2).fit(textures(1)[0][:1])


def test_public_rootsift_equals_the_option():
    from skmm.feature_extraction import rootsift

    gray = textures(1)[0][0]
    plain, _ = sift_descriptors(gray)
    np.testing.assert_array_equal(rootsift(plain), sift_descriptors(gray, rootsift=True)[0])
    with pytest.raises(ValueError, match="non-negative descriptors"):
        rootsift(-plain)
    with pytest.raises(ValueError, match="needs a 2-D uint8 grayscale image"):
        sift_descriptors(gray.astype(np.float64))


# --------------------------------------------------------------- device path
@pytest.mark.parametrize("params", [
    dict(encoding="hist"),
    dict(encoding="soft", pyramid_levels=1),
    dict(encoding="vlad", pca_components=16),
    dict(encoding="fisher", n_clusters=4),
])
def test_device1_codebook_and_encoding_equal_numpy(monkeypatch, params):
    # device=... runs the k-means codebook and the encoding on array_api_strict's
    # simulated device1 (a silent fall-back to NumPy would not reach it) and
    # returns NumPy codes equal to the CPU path's; fitted state stays NumPy.
    xps = pytest.importorskip("array_api_strict")
    import skmm.feature_extraction._bovw as bovw_module
    from skmm.utils import device, get_namespace

    dev = xps.Device("device1")
    seen = []

    def spy(fn, what, pos):  # records where the array argument ``pos`` lives
        def wrapper(*args, **kwargs):
            seen.append((what, get_namespace(args[pos]), device(args[pos])))
            return fn(*args, **kwargs)
        return wrapper

    X, _ = textures(n_per_class=2, size=48)
    kw = {"n_clusters": 8, "random_state": 0, **params}
    ref = SIFTBoVW(**kw).fit(X)
    codes_ref = ref.transform(X)
    monkeypatch.setattr(bovw_module, "kmeans", spy(bovw_module.kmeans, "kmeans", 0))
    monkeypatch.setattr(bovw_module.enc, "encode_image",
                        spy(bovw_module.enc.encode_image, "encode", 1))
    est = SIFTBoVW(device=dev, **kw).fit(X)
    codes = est.transform(X)
    assert isinstance(codes, np.ndarray) and codes.dtype == np.float64
    for name in ["cluster_centers_", "gmm_means_", "pca_components_"]:
        value = getattr(est, name)
        assert value is None or isinstance(value, np.ndarray), name
    kinds = {what for what, _, _ in seen}
    assert kinds == ({"encode"} if params["encoding"] == "fisher" else {"kmeans", "encode"})
    assert all(ns is xps and d == dev for _, ns, d in seen), seen
    # The codebook equals the CPU one up to float32 rounding (the device sums
    # clusters by a one-hot GEMM, NumPy by a sparse product) ...
    np.testing.assert_allclose(est.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-6)
    assert est.distance_scale_ == pytest.approx(ref.distance_scale_, rel=1e-5)
    # ... and with one codebook the device codes equal the CPU codes; a model
    # fitted on the device encodes on the CPU after a pickle round trip.
    import pickle

    loaded = pickle.loads(pickle.dumps(est)).set_params(device=None)
    np.testing.assert_allclose(codes, loaded.transform(X), rtol=1e-6, atol=1e-9)
    if params["encoding"] != "vlad":  # VLAD flips near-tied descriptors between codewords
        np.testing.assert_allclose(codes, codes_ref, rtol=1e-4, atol=1e-6)


def test_device_gpu_without_cupy_names_the_extra():
    pytest.importorskip("array_api_strict")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    X, _ = textures(n_per_class=2, size=48)
    with pytest.raises(ImportError, match=r"skmm\[gpu\]"):
        SIFTBoVW(n_clusters=8, device="gpu", random_state=0).fit(X)


def test_encoding_in_small_device_batches_gives_the_same_codes(monkeypatch):
    # transform moves descriptors to the device in batches of images; the
    # batch size must not change any code (an empty image included).
    import skmm.feature_extraction._bovw as bovw_module

    X, _ = textures(n_per_class=2, size=48)
    X = X[:2] + [np.zeros((8, 8), np.uint8)] + X[2:]  # no grid point: no descriptor
    est = SIFTBoVW(n_clusters=8, encoding="soft", pyramid_levels=1, random_state=0).fit(X)
    whole = est.transform(X)
    monkeypatch.setattr(bovw_module, "_ENCODE_BATCH_ROWS", 30)  # < one image's descriptors
    np.testing.assert_array_equal(est.transform(X), whole)
    assert not whole[2].any() and whole[[0, 1, 3, 4]].any(axis=1).all()
