"""The bag-of-visual-words transformer: images -> SIFT descriptors -> one code per image.

Reading lives in :mod:`._image_io`, descriptors in :mod:`._sift`, the
encoders in :mod:`._encoding`, the codebook's k-means in :mod:`skmm.cluster`;
this module holds the estimator, the descriptor cache and the parallel loop.
"""

import os
import tempfile
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_memory

from ..base import _DocLinkMixin
from ..cluster import kmeans, kmeans_plusplus, minibatch_kmeans_step
from ..utils import device, get_namespace, resolve_device, to_device, to_numpy
from ..utils._pairwise import squared_distances
from ..utils._validation import describe_item
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from . import _encoding as enc
from ._image_io import _cv2, as_image_list, read_image
from ._sift import _patch_sizes, sift_descriptors

__all__ = ["SIFTBoVW"]

# Descriptor rows moved to the device per batch of images in ``transform``
# (2**22 rows of 128 float32 = 2 GiB), so a large batch does not need the
# whole corpus on the device at once.
_ENCODE_BATCH_ROWS = 2**22


def _extract_one(item, index, params):
    gray = read_image(item, max_side=params["max_side"], index=index)
    cv2 = _cv2()
    try:
        return sift_descriptors(gray, detector=params["detector"], step=params["step"],
                                patch_size=params["patch_size"], rootsift=params["rootsift"],
                                max_descriptors=params["max_descriptors"],
                                seed=params["seed"])
    except cv2.error as exc:  # name the image, also from a worker thread
        raise ValueError(f"{describe_item(index, item, kind='image')}: OpenCV failed to "
                         f"describe the {gray.shape[1]}x{gray.shape[0]} image ({exc})") from exc


def _extract_keyed(item, file_stamp, index, params):
    """``_extract_one`` with the file's (mtime, size) in the signature, so a
    ``memory`` cache keyed on the arguments notices an edited file."""
    return _extract_one(item, index, params)


def _cached_extractor(memory):
    """``_extract_keyed`` through ``memory``; uncached, with a warning, where the
    cache folder cannot be created or written (a model pickled on another machine)."""
    location = memory if isinstance(memory, (str, os.PathLike)) else getattr(
        memory, "location", None)
    if location is not None:
        try:
            os.makedirs(location, exist_ok=True)
            with tempfile.TemporaryFile(dir=location):
                pass
        except OSError as exc:
            warnings.warn(
                f"memory={os.fspath(location)!r}: the descriptor cache folder cannot be used "
                f"({exc.strerror or exc}); extracting descriptors without caching. Set "
                "memory=None (or a writable folder) with set_params to silence this",
                UserWarning, stacklevel=4)
            return _extract_keyed
    return check_memory(memory).cache(_extract_keyed, ignore=["index"])


def _file_stamp(item):
    if isinstance(item, (str, os.PathLike)) and os.path.exists(item):
        st = os.stat(item)
        return st.st_mtime_ns, st.st_size
    return None


class SIFTBoVW(_DocLinkMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
               BaseEstimator):
    """Bag of visual words over SIFT descriptors: histogram, soft, VLAD or Fisher vectors.

    Each image (a path or an array) gives a set of SIFT descriptors (dense
    grid or detected keypoints); a codebook learnt in ``fit`` (k-means, or a
    diagonal Gaussian mixture for Fisher vectors) turns the set into one
    vector, optionally per cell of a spatial pyramid (Lazebnik et al. 2006).

    Parameters
    ----------
    n_clusters : int, default=64
        Codebook size (k-means centres or GMM components). 64 is small so the
        default fits a handful of tiny images; use 200-1000 on real data. Fit
        raises ``ValueError`` when the training images give fewer descriptors.
    detector : {"dense", "keypoints"}, default="dense"
        Dense grid (every ``step`` px) or the SIFT keypoint detector.
    step : int, default=8
        Grid step in pixels (``detector="dense"``).
    patch_size : int or sequence of int, default=16
        Descriptor window in pixels for the dense grid (OpenCV's SIFT window
        is about 6 x ``KeyPoint.size``, so ``KeyPoint.size = patch_size / 6``).
        A sequence, e.g. ``(16, 24, 32)``, gives multi-scale dense SIFT: one
        grid per size, every scale's descriptors pooled together.
    rootsift : bool, default=False
        Use RootSIFT (square root of the L1-normalised descriptor).
    max_side : int or None, default=None
        Shrink images so their longest side is at most this many pixels
        (area interpolation) before describing them. Dense SIFT cost grows
        with the pixel count (an 8000 x 8000 image took 37 s and 2 GB), so
        without it an image above 25 megapixels warns (see
        :func:`read_image`).
    max_descriptors : int or None, default=None
        Keep at most this many descriptors per image (seeded random subset).
    encoding : {"hist", "soft", "vlad", "fisher"}, default="hist"
        ``"hist"``: counts of nearest codewords. ``"soft"``: kernel codebook
        (van Gemert et al. 2008), each descriptor spreads weights
        ``exp(-soft_beta * d^2 / distance_scale_)`` over its ``soft_k`` nearest
        codewords, normalised to sum 1. ``"vlad"``: sum of residuals to the
        nearest centre (Jegou et al. 2010). ``"fisher"``: improved Fisher
        vector (Perronnin et al. 2010) gradients w.r.t. GMM means and
        variances.
    pyramid_levels : int, default=0
        ``L``: encode the whole image (level 0) and the cells of 2^l x 2^l
        grids for l = 1..L, concatenated with Lazebnik's weights (1/2^L for
        level 0, 1/2^(L-l+1) for level l). 0 means no pyramid.
    normalize : {"auto", "l1", "l2", "power", "hellinger"} or None, default="auto"
        Normalisation of each image's final vector. ``"power"`` is the signed
        square root followed by L2; ``"hellinger"`` is the signed square root of
        the L1-normalised vector. ``"auto"`` is ``"l1"`` for hist/soft and
        ``"power"`` for vlad/fisher. A zero vector stays zero.
    soft_beta : float, default=1.0
        Sharpness of soft assignment, in units of ``distance_scale_`` (the
        mean squared distance of training descriptors to their nearest
        codeword).
    soft_k : int, default=5
        Number of nearest codewords that receive weight in soft assignment.
    vlad_intra_norm : bool, default=True
        L2-normalise each codeword's residual block (Arandjelovic & Zisserman
        2013) before the global normalisation.
    pca_components : int or None, default=None
        Project descriptors on this many principal components (fitted on the
        codebook sample) before the codebook; common for Fisher vectors.
    codebook_sample : int, default=100_000
        Descriptors sampled (uniformly, seeded) from the training images to
        learn the codebook.
    codebook_algorithm : {"kmeans", "minibatch"}, default="kmeans"
        ``"kmeans"``: :func:`skmm.cluster.kmeans` (Lloyd's algorithm with
        k-means++ seeding, scikit-learn's stopping rules and ``max_iter=300``,
        written in the array API: runs on CuPy arrays). ``"minibatch"``: scikit-learn's
        ``MiniBatchKMeans`` (NumPy). Ignored for ``encoding="fisher"``, which
        fits ``GaussianMixture(covariance_type="diag")``. To learn the
        codebook from more images than memory holds, call :meth:`partial_fit`
        batch by batch instead of ``fit``.
    memory : str, joblib.Memory or None, default=None
        Cache each image's descriptors on disk (a folder path or a
        ``joblib.Memory``), keyed on the image (path with its modification
        time and size, or array content) and the extraction parameters. With
        it, a grid search over codebook or encoding parameters extracts each
        image once instead of once per fold and candidate. Like
        ``Pipeline(memory=...)``, the folder is a parameter and is pickled
        with the model: where it cannot be created or written (the model
        loaded on another machine), extraction runs uncached and warns,
        naming the folder. ``set_params(memory=None)`` before saving drops it.
    random_state : int, RandomState instance or None, default=None
        Seeds descriptor subsampling, the codebook sample and the codebook.
    n_jobs : int or None, default=None
        Images described in parallel joblib threads (OpenCV releases the GIL).
        OpenCV's SIFT already spreads one image over ``cv2.getNumThreads()``
        cores, so on few cores this gains little (2 cores, 300 15-Scene
        images: 1.89 s with ``n_jobs=1``, 1.73 s with 2).
    verbose : int, default=0
        When positive, report progress: joblib's verbosity for the extraction
        (for any ``n_jobs``), then the codebook's k-means iterations (inertia
        per iteration and why it stopped, see :func:`skmm.cluster.kmeans`; the
        ``"minibatch"`` and ``"fisher"`` codebooks pass it to scikit-learn).
    device : None, "cpu", "gpu", "auto" or a device object, default=None
        Where the codebook's k-means and the encoding run (see
        :mod:`skmm.base`): ``None`` or ``"cpu"`` in NumPy, ``"gpu"`` with CuPy
        (an ImportError naming the extra to install when it is missing),
        ``"auto"`` on the GPU when CuPy finds one, else the CPU. OpenCV
        extracts the descriptors on the CPU in any case; they are moved to
        the device once per batch of images, encoded there and the codes come
        back once. ``transform`` returns NumPy whatever the device, because
        the codes feed scikit-learn steps (classifiers, ``TfidfTransformer``,
        CCA) that read NumPy; fitted attributes are NumPy too, so a model fitted
        on a GPU pickles and encodes on a CPU-only machine. The PCA projection
        and the ``"fisher"`` (``GaussianMixture``) and ``"minibatch"`` codebooks
        are fitted by scikit-learn on the CPU.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_dims)
        Codewords (the GMM means for ``encoding="fisher"``).
    gmm_weights_, gmm_means_, gmm_covariances_ : ndarray
        The diagonal GMM (``encoding="fisher"`` only).
    pca_mean_, pca_components_ : ndarray or None
        The descriptor projection (``pca_components`` set), else None.
    distance_scale_ : float
        Mean squared distance of the codebook sample to its nearest codeword
        (with :meth:`partial_fit`, the running mean over the batches, each
        batch measured against the codewords it produced).
    descriptor_seed_ : int
        Seed of the per-image ``max_descriptors`` subsample.
    n_descriptors_fit_ : int
        Descriptors extracted from the training images (all batches of
        :meth:`partial_fit`).
    codeword_counts_ : ndarray of shape (n_clusters,)
        Descriptors assigned to each codeword: those of the codebook sample
        after :meth:`fit`, accumulated over the batches of :meth:`partial_fit`
        (whose learning rates they set).
    n_steps_ : int
        Batches seen by :meth:`partial_fit` (0 after :meth:`fit`).
    n_features_out_ : int
        Length of each output vector.

    Notes
    -----
    ``pyramid_levels``, ``normalize``, ``soft_beta``, ``soft_k``,
    ``vlad_intra_norm`` and a switch between ``"hist"``, ``"soft"`` and
    ``"vlad"`` only act in ``transform``: changing them with ``set_params``
    after fitting re-encodes with the same codebook, without refitting.

    Images are converted to 8-bit grayscale (:func:`read_image`). An image that
    yields no descriptors (flat, smaller than ``patch_size``, or no detected
    keypoints) gets a defined all-zero row; normalisation keeps it zero.

    Precision: descriptors and codewords are float32 on every device (SIFT
    descriptors are 8-bit values; float32 distances rank codewords as
    float64 would except for ties); Fisher vectors (posteriors and gradient
    sums) are accumulated in float64; the returned codes are float64.

    ``X`` is a batch: a list (or tuple, pandas Series, 1-D object array) of
    paths and arrays, or a stacked array ``(N, H, W)`` / ``(N, H, W, C)``.
    One image passed alone raises instead of being read as a batch: a path,
    a 2-D array, or a 3-D array whose last axis has 1, 3 or 4 entries (the
    shape of one colour image ``(H, W, C)``); wrap it in a list. Every error
    about an image names its position in ``X`` and its path, also with
    ``n_jobs=2``; a JPEG with corrupt data warns with its path.

    Examples
    --------
    >>> import numpy as np
    >>> from skmm.feature_extraction import SIFTBoVW
    >>> rng = np.random.default_rng(0)
    >>> images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(4)]
    >>> bovw = SIFTBoVW(n_clusters=8, random_state=0).fit(images)
    >>> bovw.transform(images).shape
    (4, 8)
    >>> SIFTBoVW(n_clusters=8, pyramid_levels=1, random_state=0).fit_transform(images).shape
    (4, 40)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "detector": [StrOptions({"dense", "keypoints"})],
        "step": [Interval(Integral, 1, None, closed="left")],
        "patch_size": [Interval(Integral, 1, None, closed="left"), list, tuple],
        "rootsift": ["boolean"],
        "max_side": [Interval(Integral, 1, None, closed="left"), None],
        "max_descriptors": [Interval(Integral, 1, None, closed="left"), None],
        "encoding": [StrOptions({"hist", "soft", "vlad", "fisher"})],
        "pyramid_levels": [Interval(Integral, 0, None, closed="left")],
        "normalize": [StrOptions({"auto", "l1", "l2", "power", "hellinger"}), None],
        "soft_beta": [Interval(Real, 0, None, closed="neither")],
        "soft_k": [Interval(Integral, 1, None, closed="left")],
        "vlad_intra_norm": ["boolean"],
        "pca_components": [Interval(Integral, 1, None, closed="left"), None],
        "codebook_sample": [Interval(Integral, 1, None, closed="left")],
        "codebook_algorithm": [StrOptions({"kmeans", "minibatch"})],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "device": "no_validation",  # resolved (and checked) by skmm.utils.resolve_device
    }

    def __init__(self, n_clusters=64, *, detector="dense", step=8, patch_size=16,
                 rootsift=False, max_side=None, max_descriptors=None, encoding="hist",
                 pyramid_levels=0, normalize="auto", soft_beta=1.0, soft_k=5,
                 vlad_intra_norm=True, pca_components=None, codebook_sample=100_000,
                 codebook_algorithm="kmeans", memory=None, random_state=None, n_jobs=None,
                 verbose=0, device=None):
        self.n_clusters = n_clusters
        self.detector = detector
        self.step = step
        self.patch_size = patch_size
        self.rootsift = rootsift
        self.max_side = max_side
        self.max_descriptors = max_descriptors
        self.encoding = encoding
        self.pyramid_levels = pyramid_levels
        self.normalize = normalize
        self.soft_beta = soft_beta
        self.soft_k = soft_k
        self.vlad_intra_norm = vlad_intra_norm
        self.pca_components = pca_components
        self.codebook_sample = codebook_sample
        self.codebook_algorithm = codebook_algorithm
        self.memory = memory
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.device = device

    # -- descriptors ---------------------------------------------------------
    def _extraction_params(self, seed):
        return {"detector": self.detector, "step": self.step, "patch_size": self.patch_size,
                "rootsift": self.rootsift, "max_side": self.max_side,
                "max_descriptors": self.max_descriptors, "seed": seed}

    def _extract(self, X, seed):
        from joblib import Parallel, delayed

        items = as_image_list(X)
        params = self._extraction_params(seed)
        _patch_sizes(self.patch_size)  # a clear error before any image is read
        # The row index only labels errors: leave it out of the cache key so
        # cross-validation folds reuse each image's descriptors.
        extract = _cached_extractor(self.memory)
        jobs = ((item, _file_stamp(item), i, params) for i, item in enumerate(items))
        if self.n_jobs in (None, 1) and not self.verbose:
            return [extract(*job) for job in jobs]
        # joblib reports progress with verbose, even for one job. Threads:
        # OpenCV releases the GIL, and descriptors need no pickling back.
        return Parallel(n_jobs=self.n_jobs, verbose=self.verbose, prefer="threads")(
            delayed(extract)(*job) for job in jobs)

    def extract_descriptors(self, X):
        """SIFT descriptors and relative positions of each image (no fitting needed).

        Parameters
        ----------
        X : sequence of images
            Paths or arrays (see :func:`read_image`).

        Returns
        -------
        descriptors : list of (ndarray (n_i, 128) float32, ndarray (n_i, 2))
            Per image, the descriptors and their ``(x / W, y / H)`` positions.
            Feed this list to :meth:`fit_descriptors` / :meth:`transform_descriptors`
            to try several encodings without extracting again.
        """
        seed = getattr(self, "descriptor_seed_", None)
        if seed is None:
            seed = _seed_from(self.random_state)
        return self._extract(X, seed)

    # -- fitting -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Extract descriptors of ``X`` and learn the codebook.

        Parameters
        ----------
        X : sequence of images
            Paths or arrays (see :func:`read_image`).
        y : None
            Ignored.

        Returns
        -------
        self : SIFTBoVW
        """
        seed = _seed_from(self.random_state)
        self._fit_codebook(self._extract(X, seed), seed)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and encode ``X``, extracting its descriptors once."""
        seed = _seed_from(self.random_state)
        descs = self._extract(X, seed)
        self._fit_codebook(descs, seed)
        return self._encode_all(descs)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_descriptors(self, descriptors, y=None):
        """Learn the codebook from precomputed ``(descriptors, positions)`` pairs.

        Parameters
        ----------
        descriptors : list of (ndarray (n_i, d), ndarray (n_i, 2))
            As returned by :meth:`extract_descriptors` (any ``d``).
        y : None
            Ignored.

        Returns
        -------
        self : SIFTBoVW
        """
        self._fit_codebook(_check_descriptor_list(descriptors), _seed_from(self.random_state))
        return self

    def _sample_descriptors(self, descs, rng):
        """At most ``codebook_sample`` descriptors of ``descs`` (float32, uniform,
        seeded), their total count and their dimension."""
        counts = np.array([len(d) for d, _ in descs])
        total = int(counts.sum())
        n_dims = descs[int(np.argmax(counts))][0].shape[1]
        if total > self.codebook_sample:
            pick = np.sort(rng.choice(total, self.codebook_sample, replace=False))
        else:
            pick = np.arange(total)
        # Gather the picked rows image by image (no copy of every descriptor).
        offsets = np.concatenate([[0], np.cumsum(counts)])
        bounds = np.searchsorted(pick, offsets)
        parts = [np.asarray(descs[j][0], dtype=np.float32)[pick[bounds[j]:bounds[j + 1]]
                                                           - offsets[j]]
                 for j in range(len(descs)) if bounds[j + 1] > bounds[j]]
        sample = (np.concatenate(parts, axis=0) if parts
                  else np.zeros((0, n_dims), dtype=np.float32))
        if not np.all(np.isfinite(sample)):
            raise ValueError("descriptors contain NaN or inf")
        return sample, total, n_dims

    def _fit_codebook(self, descs, seed):
        target = resolve_device(self.device)  # an unusable device fails before any work
        rng = np.random.default_rng(seed)
        total = sum(len(d) for d, _ in descs)
        if total < self.n_clusters:
            raise ValueError(f"the training images gave {total} descriptors, fewer than "
                             f"n_clusters={self.n_clusters}; lower n_clusters, step or "
                             "patch_size, or use larger images")
        if self.codebook_sample < self.n_clusters:
            raise ValueError(f"codebook_sample={self.codebook_sample} is smaller than "
                             f"n_clusters={self.n_clusters}: the codebook needs at least "
                             "one sampled descriptor per codeword")
        sample, total, n_dims = self._sample_descriptors(descs, rng)

        self.descriptor_seed_ = seed
        self.n_descriptors_fit_ = total
        self.pca_mean_ = self.pca_components_ = None
        if self.pca_components is not None:
            from sklearn.decomposition import PCA

            if self.pca_components > min(n_dims, len(sample)):
                raise ValueError(f"pca_components={self.pca_components} exceeds "
                                 f"min(n_descriptor_dims={n_dims}, n_samples={len(sample)})")
            pca = PCA(self.pca_components, svd_solver="full").fit(sample.astype(np.float64))
            self.pca_mean_ = pca.mean_.astype(np.float32)
            self.pca_components_ = pca.components_.astype(np.float32)
            sample = self._project(sample)

        self.gmm_weights_ = self.gmm_means_ = self.gmm_covariances_ = None
        if self.encoding == "fisher":
            from sklearn.mixture import GaussianMixture

            gmm = GaussianMixture(self.n_clusters, covariance_type="diag", reg_covar=1e-4,
                                  random_state=seed, max_iter=100, verbose=self.verbose)
            gmm.fit(sample.astype(np.float64))
            self.gmm_weights_ = gmm.weights_.astype(np.float64)
            self.gmm_means_ = gmm.means_.astype(np.float64)
            self.gmm_covariances_ = gmm.covariances_.astype(np.float64)
            centers = self.gmm_means_.astype(np.float32)
        elif self.codebook_algorithm == "minibatch":  # scikit-learn: NumPy on the CPU
            from sklearn.cluster import MiniBatchKMeans

            km = MiniBatchKMeans(self.n_clusters, random_state=seed, n_init=3,
                                 batch_size=2048, verbose=self.verbose).fit(sample)
            centers = km.cluster_centers_.astype(np.float32)
        sample = to_device(sample, target)  # the codebook sample, moved once
        if self.encoding != "fisher" and self.codebook_algorithm == "kmeans":
            if self.verbose:
                print(f"[SIFTBoVW] k-means: {self.n_clusters} codewords from "
                      f"{sample.shape[0]} descriptors")
            centers, _, _, _ = kmeans(sample, self.n_clusters, random_state=seed,
                                      verbose=self.verbose)
            centers = to_numpy(centers).astype(np.float32)
        self.cluster_centers_ = centers
        xp = get_namespace(sample)
        d2 = squared_distances(xp, sample, xp.asarray(centers, device=device(sample)))
        scale = float(xp.mean(xp.min(d2, axis=1)))
        self.distance_scale_ = scale if scale > 0 else 1.0
        # Where a later partial_fit resumes: the sample's share of each codeword.
        self.codeword_counts_ = np.bincount(np.asarray(to_numpy(xp.argmin(d2, axis=1))),
                                            minlength=self.n_clusters).astype(np.float64)
        self._n_scale = sample.shape[0]
        self.n_steps_ = 0
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the codebook with one batch of images (mini-batch k-means).

        The first call (on an unfitted model) seeds the codewords by k-means++
        on the batch's descriptors; every call then moves them towards the
        batch with :func:`skmm.cluster.minibatch_kmeans_step` (each codeword's
        learning rate is 1 / the number of descriptors it has received), so a
        corpus larger than memory is learnt batch by batch. After :meth:`fit`
        it refines the fitted codebook (and its PCA projection, kept fixed).
        Each batch contributes at most ``codebook_sample`` descriptors
        (a seeded sample).

        Parameters
        ----------
        X : sequence of images
            One batch: paths or arrays (see :func:`read_image`). The first
            batch must give at least ``n_clusters`` descriptors.
        y : None
            Ignored.

        Returns
        -------
        self : SIFTBoVW

        Raises
        ------
        ValueError
            With ``encoding="fisher"`` (its Gaussian mixture is not learnt by
            mini-batch k-means; use :meth:`fit`), or ``pca_components`` set on
            an unfitted model (the projection needs all the data; fit it once
            with :meth:`fit` on a sample).

        Examples
        --------
        >>> import numpy as np
        >>> from skmm.feature_extraction import SIFTBoVW
        >>> rng = np.random.default_rng(0)
        >>> images = [rng.integers(0, 256, (48, 48), dtype=np.uint8) for _ in range(6)]
        >>> bovw = SIFTBoVW(n_clusters=8, random_state=0)
        >>> for batch in (images[:3], images[3:]):
        ...     bovw = bovw.partial_fit(batch)
        >>> bovw.n_steps_, bovw.transform(images).shape
        (2, (6, 8))
        """
        if self.encoding == "fisher":
            raise ValueError("partial_fit learns k-means codewords by mini-batch updates; "
                             "encoding='fisher' needs a Gaussian mixture, which it does not "
                             "learn: use fit, or encoding='hist', 'soft' or 'vlad'")
        first = not hasattr(self, "codeword_counts_")
        if first and self.pca_components is not None:
            raise ValueError(f"partial_fit cannot learn pca_components={self.pca_components}"
                             ": the projection needs all the data. fit once on a sample "
                             "(then partial_fit refines the codebook), or set "
                             "pca_components=None")
        if not first and self.cluster_centers_.shape[0] != self.n_clusters:
            raise ValueError(f"n_clusters={self.n_clusters}, but the codebook being "
                             f"learnt has {self.cluster_centers_.shape[0]} codewords; "
                             "fit again (or start from a fresh model) to change it")
        target = resolve_device(self.device)
        seed = _seed_from(self.random_state) if first else self.descriptor_seed_
        descs = self._extract(X, seed)
        step = 0 if first else self.n_steps_
        sample, total, _ = self._sample_descriptors(descs, np.random.default_rng([seed, step]))
        if first:
            if total < self.n_clusters:
                raise ValueError(f"the first batch gave {total} descriptors, fewer than "
                                 f"n_clusters={self.n_clusters}: pass a larger first batch")
            self.descriptor_seed_ = seed
            self.n_descriptors_fit_ = 0
            self.pca_mean_ = self.pca_components_ = None
            self.gmm_weights_ = self.gmm_means_ = self.gmm_covariances_ = None
            self._n_scale, self.distance_scale_ = 0, 1.0
        self.n_descriptors_fit_ += total
        self.n_steps_ = step + 1
        if len(sample) == 0:  # a batch of flat images: nothing to learn from
            return self
        sample = to_device(self._project(sample), target)
        xp = get_namespace(sample)
        if first:
            centers, _ = kmeans_plusplus(sample, self.n_clusters, random_state=seed)
            counts = xp.zeros((self.n_clusters,), dtype=sample.dtype, device=device(sample))
        else:
            centers, counts = self.cluster_centers_, self.codeword_counts_
        centers, counts, inertia = minibatch_kmeans_step(sample, centers, counts)
        if self.verbose:
            print(f"[SIFTBoVW] partial_fit step {self.n_steps_}: {sample.shape[0]} "
                  f"descriptors, batch inertia {inertia:.6g}")
        self.cluster_centers_ = np.asarray(to_numpy(centers), dtype=np.float32)
        self.codeword_counts_ = np.asarray(to_numpy(counts), dtype=np.float64)
        # distance_scale_: the running mean squared distance to the nearest codeword.
        d2 = squared_distances(xp, sample, xp.asarray(self.cluster_centers_,
                                                      device=device(sample)))
        n_old = self._n_scale
        self._n_scale = n_old + sample.shape[0]
        scale = (self.distance_scale_ * n_old + float(xp.sum(xp.min(d2, axis=1)))) \
            / self._n_scale
        self.distance_scale_ = scale if scale > 0 else 1.0
        return self

    def _code_length(self, n_dims):
        if self.encoding in ("hist", "soft"):
            return self.n_clusters
        if self.encoding == "vlad":
            return self.n_clusters * n_dims
        return 2 * self.n_clusters * n_dims

    def _project(self, desc):
        if self.pca_components_ is None:
            return desc
        return (desc - self.pca_mean_) @ self.pca_components_.T

    @property
    def n_features_out_(self):
        """Length of each output vector (follows the current encode-time parameters)."""
        check_is_fitted(self)
        return (self._code_length(self.cluster_centers_.shape[1])
                * enc.n_pyramid_cells(self.pyramid_levels))

    @property
    def _n_features_out(self):
        return self.n_features_out_

    # -- encoding ------------------------------------------------------------
    def transform(self, X):
        """Encode each image of ``X`` as one vector.

        Parameters
        ----------
        X : sequence of images
            Paths or arrays (see :func:`read_image`).

        Returns
        -------
        codes : ndarray of shape (n_images, n_features_out_), float64
        """
        check_is_fitted(self)
        return self._encode_all(self._extract(X, self.descriptor_seed_))

    def transform_descriptors(self, descriptors):
        """Encode precomputed ``(descriptors, positions)`` pairs (see :meth:`extract_descriptors`).

        Returns
        -------
        codes : ndarray of shape (n_images, n_features_out_), float64
        """
        check_is_fitted(self)
        return self._encode_all(_check_descriptor_list(descriptors))

    def _normalize_method(self):
        if self.normalize == "auto":
            return "l1" if self.encoding in ("hist", "soft") else "power"
        return self.normalize

    def _encode_all(self, descs):
        if self.encoding == "fisher" and self.gmm_means_ is None:
            raise ValueError("encoding='fisher' needs a GMM: refit after switching to it")
        n_dims = self.cluster_centers_.shape[1]
        n_in = self.pca_mean_.shape[0] if self.pca_mean_ is not None else n_dims
        for i, (desc, _) in enumerate(descs):  # checked on the host, before any move
            if len(desc) == 0:
                continue
            if desc.shape[1] != n_in:
                raise ValueError(f"image {i}: descriptors have {desc.shape[1]} dims, the "
                                 "codebook was fitted on a different size")
            if not np.all(np.isfinite(desc)):
                raise ValueError(f"image {i}: descriptors contain NaN or inf")
        target = resolve_device(self.device)
        if target is None:
            target = resolve_device("cpu")
        xp, dev = target

        def put(a, dtype):  # one host-to-device copy
            return to_device(np.ascontiguousarray(a, dtype=dtype), target)

        # The codebook and the projection, moved once per call.
        centers = put(self.cluster_centers_, np.float32)
        pca = None if self.pca_mean_ is None else (put(self.pca_mean_, np.float32),
                                                   put(self.pca_components_, np.float32))
        gmm = None if self.gmm_means_ is None else tuple(
            put(a, np.float64) for a in (self.gmm_weights_, self.gmm_means_,
                                         self.gmm_covariances_))
        kw = dict(encoding=self.encoding, centers=centers, levels=self.pyramid_levels,
                  soft_beta=self.soft_beta / self.distance_scale_, soft_k=self.soft_k,
                  vlad_intra_norm=self.vlad_intra_norm, gmm=gmm)
        out = np.zeros((len(descs), self.n_features_out_), dtype=np.float64)
        rows = [i for i, (desc, _) in enumerate(descs) if len(desc)]  # empty: zero rows
        for batch in _batches(rows, [len(descs[i][0]) for i in rows], _ENCODE_BATCH_ROWS):
            # All descriptors of a batch of images go to the device in one copy,
            # are encoded there image by image, and the codes come back in one.
            D = put(np.concatenate([descs[i][0] for i in batch]), np.float32)
            P = put(np.concatenate([descs[i][1] for i in batch]), np.float64)
            if pca is not None:
                D = (D - pca[0]) @ pca[1].T
            ends = np.cumsum([len(descs[i][0]) for i in batch]).tolist()
            codes = [enc.encode_image(xp, D[a:b, :], P[a:b, :], **kw)
                     for a, b in zip([0] + ends[:-1], ends)]
            codes = xp.astype(xp.stack(codes), xp.float64)  # normalised in float64
            codes = enc.normalize_rows(xp, codes, self._normalize_method())
            out[np.asarray(batch)] = to_numpy(codes)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


def _seed_from(random_state):
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _check_descriptor_list(descriptors):
    out = []
    for i, pair in enumerate(descriptors):
        try:
            desc, pos = pair
        except (TypeError, ValueError) as exc:
            raise TypeError(f"descriptors[{i}] must be a (descriptors, positions) pair") from exc
        desc = np.asarray(desc, dtype=np.float32)
        pos = np.asarray(pos, dtype=np.float64)
        if desc.ndim != 2 or pos.shape != (desc.shape[0], 2):
            raise ValueError(f"descriptors[{i}]: expected (n, d) descriptors and (n, 2) "
                             f"positions, got {desc.shape} and {pos.shape}")
        out.append((desc, pos))
    if not out:
        raise ValueError("no images (0 descriptor sets)")
    return out


def _batches(items, sizes, max_rows):
    """Split ``items`` in order into runs whose ``sizes`` add up to at most
    ``max_rows`` (a single larger item forms its own run)."""
    batch, total = [], 0
    for item, size in zip(items, sizes):
        if batch and total + size > max_rows:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += size
    if batch:
        yield batch
