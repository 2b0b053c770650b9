"""Issue 8, compose part: every odd record gets an error naming modality and row.

Each case runs through every entry point: fit, transform, transform_view,
fit and predict inside a Pipeline, and with ``n_jobs=2``.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skmm.compose import MultiModalTransformer, ZeroRowWarning
from skmm.cross_decomposition import CCA
from skmm.feature_extraction import MFCC

from test_multimodal import _mm, _records  # tests/compose is on sys.path (no __init__)

pd = pytest.importorskip("pandas")

ENTRY_POINTS = ["fit", "fit_n_jobs", "transform", "transform_n_jobs", "transform_view",
                "pipeline_fit", "pipeline_predict"]


@pytest.fixture(scope="module")
def fitted():
    X, y = _records(30)
    df = pd.DataFrame(X)
    return df, y, Pipeline([("mm", _mm(CCA(n_components=2, reg=0.1))), ("svc", SVC())]).fit(df, y)


def _call(entry, records, fitted):
    df, y, pipe = fitted
    mm = pipe.named_steps["mm"]
    if entry == "fit":
        return _mm(CCA(n_components=2, reg=0.1)).fit(records)
    if entry == "fit_n_jobs":
        return _mm(CCA(n_components=2, reg=0.1)).set_params(n_jobs=2).fit(records)
    if entry == "transform":
        return mm.transform(records)
    if entry == "transform_n_jobs":
        return mm.set_params(n_jobs=2).transform(records)
    if entry == "transform_view":
        return mm.transform_view(records, "text")
    if entry == "pipeline_fit":
        return Pipeline([("mm", _mm(CCA(n_components=2, reg=0.1))), ("svc", SVC())]).fit(
            records, y[:len(records)])
    return pipe.predict(records)


def _with_text(df, row, value):
    cells = df["text"].tolist()
    cells[row] = value
    out = df.copy()
    out["text"] = pd.Series(cells, dtype=object)
    return out


@pytest.fixture(autouse=True)
def _reset_n_jobs(fitted):
    yield
    fitted[2].named_steps["mm"].set_params(n_jobs=None)


# ------------------------------------------------------------------ text cells

@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("value, shown", [(None, "NoneType None"), (np.nan, "float nan"),
                                          (7, "int 7")],
                         ids=["None", "NaN", "int"])
def test_text_cell_that_is_not_text(fitted, entry, value, shown):
    df = _with_text(fitted[0], 2, value)
    with pytest.raises(ValueError, match=re.escape(
            f"Modality 'text' expects text (str) in every row; not text: row 2 ({shown})")):
        _call(entry, df, fitted)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_text_bytes_that_are_not_utf8(fitted, entry):
    df = _with_text(fitted[0], 4, "café au lait".encode("latin-1"))
    with pytest.raises(ValueError, match=re.escape(
            "Modality 'text': row 4 holds bytes that are not valid utf-8 "
            "(invalid continuation byte at byte 3)")):
        _call(entry, df, fitted)


def test_utf8_bytes_are_read_as_the_vectorizer_would(fitted):
    df, _, pipe = fitted
    mm = pipe.named_steps["mm"]
    as_bytes = df.assign(text=[t.encode("utf-8") for t in df["text"]])
    np.testing.assert_allclose(mm.transform(as_bytes), mm.transform(df))
    # The vectorizer alone decodes bytes the same way.
    tfidf = mm.named_transformers_.text
    np.testing.assert_allclose(tfidf.transform(as_bytes["text"]).toarray(),
                               tfidf.transform(df["text"]).toarray())


def test_rows_are_named_by_position_and_index_label(fitted):
    df = _with_text(fitted[0], 2, None)
    df.index = df.index + 100
    with pytest.raises(ValueError, match=re.escape("row 2 (index 102) (NoneType None)")):
        fitted[2].predict(df)


def test_a_query_series_is_named_by_position(fitted):
    # transform_view on a modality's own input: positions, whatever the index
    # (pandas stores this None as NaN).
    query = pd.Series(["red apple", None], index=[5, 9])
    with pytest.raises(ValueError, match=r"not text: row 1 \(float nan\)\."):
        fitted[2].named_steps["mm"].transform_view(query, "text")


def test_a_single_query_string_is_refused(fitted):
    # Not read as a sequence of one-character texts.
    with pytest.raises(TypeError, match=re.escape(
            "Modality 'text': transform_view takes one item per row, got a single str; "
            "pass a list, e.g. ['red apple']")):
        fitted[2].named_steps["mm"].transform_view("red apple", "text")


def test_many_bad_rows_are_counted(fitted):
    df = fitted[0].copy()
    df["text"] = pd.Series([None] * len(df), dtype=object)
    with pytest.raises(ValueError, match=r"row 4 \(NoneType None\) and 25 more\."):
        fitted[2].predict(df)


def test_missing_path_in_an_audio_modality():
    # Raw-item transformers (image/audio paths) may not hold missing values
    # either; checked before any file is read.
    mm = MultiModalTransformer([("audio", MFCC(sr=8000), "wav")])
    with pytest.raises(ValueError, match=re.escape(
            "Modality 'audio' has missing values (None or NaN) at row 1")):
        mm.fit({"wav": ["a.wav", None, "b.wav"]})


# ------------------------------------------------------------------ record shapes

@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_list_of_record_dicts_is_accepted(fitted, entry):
    # Decision: a list of dicts (JSON records) is a record table, read as
    # the DataFrame of those records; scikit-learn slices it by rows.
    df, _, pipe = fitted
    as_rows = df.to_dict("records")
    out = _call(entry, as_rows, fitted)
    if entry in ("transform", "transform_n_jobs"):
        np.testing.assert_allclose(out, pipe.named_steps["mm"].transform(df), atol=1e-12)
    elif entry == "transform_view":
        np.testing.assert_allclose(out, pipe.named_steps["mm"].transform_view(df, "text"),
                                   atol=1e-12)
    elif entry == "pipeline_predict":
        np.testing.assert_array_equal(out, pipe.predict(df))


# transform_view reads a plain list as the modality's own input, by design.
@pytest.mark.parametrize("entry", [e for e in ENTRY_POINTS if e != "transform_view"])
def test_other_record_types_are_refused(fitted, entry):
    texts = fitted[0]["text"].tolist()
    with pytest.raises(TypeError, match=re.escape(
            "takes records as a pandas/polars DataFrame or a dict of equal-length columns "
            "or a list of dicts (one record per row); got a list of str")):
        _call(entry, texts, fitted)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_record_dicts_that_lack_a_key_or_are_not_dicts(fitted, entry):
    rows = fitted[0].to_dict("records")
    del rows[3]["text"]
    with pytest.raises(ValueError, match=re.escape(
            "Modality 'text' reads key 'text', which is missing from row 3 of the records")):
        _call(entry, rows, fitted)
    rows = fitted[0].to_dict("records")
    rows[5] = "red apple"
    with pytest.raises(TypeError, match="row 5 is a str; every row must be a dict"):
        _call(entry, rows, fitted)


def test_a_single_record_as_a_dict_is_refused(fitted):
    with pytest.raises(TypeError, match="Column 'text' of the records holds one str"):
        fitted[2].predict({"text": "red apple", "a": 1.0, "b": 0.0, "c": 0.0, "d": 0.0})


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_duplicate_column_names(fitted, entry):
    df = fitted[0]
    dup = pd.concat([df, df[["text"]]], axis=1)
    with pytest.raises(ValueError, match=re.escape(
            "The records have duplicate column names: 'text' (2 times)")):
        _call(entry, dup, fitted)


# ------------------------------------------------------------------ empty / OOV text

QUERIES = ["red apple cherry", "", "green moss", "unknown words only"]


def _queries(df):
    q = df.iloc[:4].copy()
    q["text"] = QUERIES
    return q


@pytest.mark.parametrize("entry", ["transform", "transform_n_jobs", "transform_view",
                                   "pipeline_predict"])
def test_text_with_no_known_token_warns(fitted, entry):
    q = _queries(fitted[0])
    with pytest.warns(ZeroRowWarning, match=re.escape(
            "Modality 'text': 2 of 4 rows have an all-zero block (row 1, row 3), which no "
            "training row had")):
        _call(entry, q, fitted)


def test_the_warning_points_at_the_call(fitted):
    mm = fitted[2].named_steps["mm"]
    for call in (lambda: mm.transform(_queries(fitted[0])),
                 lambda: mm.transform_view(QUERIES, "text")):
        with pytest.warns(ZeroRowWarning) as record:
            call()
        assert record[0].filename == __file__


def test_no_known_token_rows_all_embed_to_one_point(fitted):
    mm = fitted[2].named_steps["mm"]
    with pytest.warns(ZeroRowWarning):
        Z = mm.transform_view(QUERIES, "text")
    # What the warning says: both rows land on the projection of a zero block.
    np.testing.assert_allclose(Z[1], Z[3], atol=1e-12)
    zero = mm.embedder_.transform_view(np.zeros((1, mm.views_[0][1].stop)), "text")
    np.testing.assert_allclose(Z[1], zero[0], atol=1e-12)


def test_no_warning_when_training_had_empty_rows(fitted):
    df, y, _ = fitted
    train = _with_text(df, 0, "")  # an empty training text: all-zero rows are expected
    mm = _mm(CCA(n_components=2, reg=0.1)).fit(train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mm.transform(_queries(df))
        mm.transform_view(QUERIES, "text")


def test_zero_rows_of_any_modality_warn(fitted):
    # The rule is general: a numeric block at exactly zero warns the same way.
    df = fitted[0]
    mm = MultiModalTransformer([("num", "passthrough", ["a", "b"])]).fit(df)
    q = df.iloc[:3].copy()
    q.loc[q.index[2], ["a", "b"]] = 0.0
    with pytest.warns(ZeroRowWarning, match=r"Modality 'num': 1 of 3 rows .*\(row 2\)"):
        mm.transform(q)
