"""Dask: transform_dask of images and clips and the retriever's query and score on
dask arrays, equal to the in-memory results, on a LocalCluster of one worker
process with two threads (the items and the fitted models are pickled to it)."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from skmm.cross_decomposition import CCA  # noqa: E402
from skmm.datasets import load_fsdd, load_ucm_captions  # noqa: E402
from skmm.feature_extraction import MFCC, SIFTBoVW, transform_dask  # noqa: E402
from skmm.retrieval import CrossModalRetriever  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=2,
                                  scheduler_port=0, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        c.run(lambda: __import__("skmm.feature_extraction") and None)
        yield c


@pytest.fixture(scope="module")
def images():
    return list(load_ucm_captions(subset="bundled").frame["image"][:14])


@pytest.fixture(scope="module")
def clips():
    return list(load_fsdd(subset="bundled").frame["audio"][:10])


def test_transform_dask_images_equal_local(client, images):
    est = SIFTBoVW(n_clusters=8, step=16, max_side=128, random_state=0).fit(images[:6])
    rows = transform_dask(est, images, batch_size=4)
    assert isinstance(rows, da.Array) and rows.chunks == ((4, 4, 4, 2), (8,))
    np.testing.assert_array_equal(client.compute(rows).result(), est.transform(images))


def test_transform_dask_clips_equal_local(client, clips):
    est = MFCC(n_mfcc=13).fit(clips)
    rows = transform_dask(est, clips, batch_size=3)
    assert rows.shape == (10, est.n_features_out_)
    # Equal up to rounding: MFCC batches its FFTs and products.
    np.testing.assert_allclose(rows.compute(), est.transform(clips), rtol=1e-12, atol=1e-12)


def test_transform_dask_names_a_broken_file(client, images, tmp_path):
    est = SIFTBoVW(n_clusters=8, step=16, max_side=128, random_state=0).fit(images[:6])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    rows = transform_dask(est, images[:5] + [str(broken)], batch_size=4)  # lazy: no error yet
    with pytest.raises(ValueError, match=r"item 5 \('.*broken\.png'\)"):
        rows.compute()


def _retriever():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 40)
    X = np.hstack([y[:, None] + rng.standard_normal((120, 5)),
                   y[:, None] + rng.standard_normal((120, 4))])
    return CrossModalRetriever(CCA(n_components=2, views=[5, 4]), n_neighbors=7).fit(X), X, y


def test_retriever_query_on_dask_is_lazy_and_equal(client):
    ret, X, _ = _retriever()
    Q = da.from_array(X[:, :5], chunks=(50, 5))
    idx, scores = ret.query(Q)
    assert isinstance(idx, da.Array) and idx.chunks == ((50, 50, 20), (7,))
    ref_idx, ref_scores = ret.query(X[:, :5])
    got_idx, got_scores = client.compute([idx, scores], sync=True)
    assert got_idx.dtype == ref_idx.dtype and got_scores.dtype == ref_scores.dtype
    np.testing.assert_array_equal(got_idx, ref_idx)
    np.testing.assert_allclose(got_scores, ref_scores, rtol=1e-12)


def test_retriever_score_on_dask_equals_numpy(client):
    ret, X, y = _retriever()
    Xd = da.from_array(X, chunks=(35, 9))
    assert ret.score(Xd, y) == pytest.approx(ret.score(X, y), rel=1e-12)
    assert ret.score(Xd) == pytest.approx(ret.score(X), rel=1e-12)
    with pytest.raises(ValueError, match="expecting 9 features"):
        ret.score(Xd[:, :8], y)
