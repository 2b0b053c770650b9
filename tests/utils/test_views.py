import numpy as np
import pytest

from skmm.utils import resolve_views


def test_default_is_two_halves():
    assert resolve_views(None, 5) == [("view0", slice(0, 3)), ("view1", slice(3, 5))]


def test_widths_and_names():
    assert resolve_views([2, 3], 5) == [("view0", slice(0, 2)), ("view1", slice(2, 5))]
    assert resolve_views({"img": 4, "txt": 1}, 5) == [("img", slice(0, 4)), ("txt", slice(4, 5))]
    assert resolve_views([("a", slice(3, 5)), ("b", [0, 1, 2])], 5) == [
        ("a", slice(3, 5)), ("b", slice(0, 3))]


def test_non_contiguous_indices_kept():
    views = resolve_views([[0, 2], [1, 3]], 4)
    np.testing.assert_array_equal(views[0][1], [0, 2])
    np.testing.assert_array_equal(views[1][1], [1, 3])


@pytest.mark.parametrize("views, n, match", [
    (None, 1, r"1 feature\(s\)"),
    ([2, 2], 5, r"sum to 4, but X has 5 features"),
    ([[0, 1], [1, 2]], 3, r"Views overlap: columns \[1\]"),
    ([[0], [2]], 3, r"Columns \[1\] belong to no view"),
    ([[0, 7], [1]], 3, r"must lie in \[0, 2\]"),
    ([3], 3, r"At least two views"),
    ({"a": 0, "b": 3}, 3, r"View 'a': width must be >= 1"),
    ([("a", 1), ("a", 2)], 3, r"unique"),
])
def test_bad_views(views, n, match):
    with pytest.raises(ValueError, match=match):
        resolve_views(views, n)


def test_bad_views_type():
    with pytest.raises(TypeError, match="`views` must be"):
        resolve_views("abc", 3)


def test_column_repeated_within_a_view():
    with pytest.raises(ValueError, match=r"columns \[0\] belong to more than one view"):
        resolve_views([[0, 0, 1], [2, 3]], 4)
