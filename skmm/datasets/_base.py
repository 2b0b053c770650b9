"""Where the data live, and the strict metadata reader shared by the loaders."""

import csv
import hashlib
import io
import os

import numpy as np

from ..utils import import_optional

__all__ = ["get_data_home"]

BUNDLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
_ENV = "SKMM_DATA_HOME"


def get_data_home(data_home=None):
    """Return the folder that holds the full data sets, or None.

    The folder is, in order of precedence: the ``data_home`` argument, the
    environment variable ``SKMM_DATA_HOME``, or None (loaders of
    redistributable sets then use the small subsets bundled with skmm).
    It must contain one sub-folder per data set (``fsdd/``,
    ``ucm_captions/``, ``scene15/``, ...), laid out as distributed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to use. ``~`` is expanded.

    Returns
    -------
    data_home : str or None
        Absolute path, or None when neither the argument nor the environment
        variable is set. Existence is checked by the loaders.

    Examples
    --------
    >>> from skmm.datasets import get_data_home
    >>> get_data_home("/tmp/skmm_data")
    '/tmp/skmm_data'
    """
    if data_home is None:
        data_home = os.environ.get(_ENV) or None
    if data_home is None:
        return None
    return os.path.abspath(os.path.expanduser(os.fspath(data_home)))


def _dataset_root(name, data_home, subset, *, bundled):
    """Resolve the folder of data set ``name``.

    Returns ``(root, is_subset)``. ``subset`` is None (full if a data home is
    known, else bundled), ``"bundled"`` or ``"full"``. ``bundled`` says
    whether skmm ships a subset of this set at all.
    """
    if subset not in (None, "bundled", "full"):
        raise ValueError(f"subset must be None, 'bundled' or 'full'; got {subset!r}.")
    if subset == "bundled" and not bundled:
        raise ValueError(
            f"No subset of {name!r} is bundled with skmm; use subset='full'."
        )
    home = None if subset == "bundled" else get_data_home(data_home)
    if home is None:
        if subset == "full" or not bundled:
            why = (
                f"The {name!r} data set is research-use only and is not bundled with "
                "skmm"
                if not bundled
                else f"subset='full' needs the full {name!r} data set"
            )
            raise ValueError(
                f"{why}: pass data_home=... or set the environment variable {_ENV} "
                f"to a folder that contains {name}/ (see the skmm.datasets docs)."
            )
        return os.path.join(BUNDLE_DIR, name), True
    if not os.path.isdir(home):
        raise FileNotFoundError(f"Data home folder {home!r} does not exist.")
    root = os.path.join(home, name)
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f"Data set folder {root!r} does not exist (expected {name}/ inside the "
            f"data home {home!r})."
        )
    return root, False


def _require_file(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Missing data file {path!r}.")
    return path


def _read_table(path, columns, *, delimiter=",", header=True, encoding="utf-8"):
    """Read a delimited table strictly.

    ``columns`` maps each column name to a converter ``str -> value`` that
    raises ValueError on bad input. With ``header=True`` the file's header
    must contain those names (extra columns are ignored); with
    ``header=False`` each line must have exactly ``len(columns)`` fields, in
    order. Every malformed row raises, naming the file and line: nothing is
    skipped. Returns a dict of column lists.
    """
    rows = list(csv.reader(io.StringIO(_read_text(path, encoding=encoding)),
                           delimiter=delimiter))  # fmt: skip
    if header:
        if not rows:
            raise ValueError(f"{path}: empty file, expected a header row.")
        head, rows, first = rows[0], rows[1:], 2
        missing = [c for c in columns if c not in head]
        if missing:
            raise ValueError(f"{path}: header lacks column(s) {missing}; found {head}.")
        index = [head.index(c) for c in columns]
    else:
        head, first = list(columns), 1
        index = list(range(len(columns)))
    out = {c: [] for c in columns}
    convs = list(columns.values())
    for lineno, row in enumerate(rows, start=first):
        if len(row) != len(head):
            raise ValueError(
                f"{path}, line {lineno}: expected {len(head)} fields, got {len(row)}: {row!r}."
            )
        for c, i, conv in zip(columns, index, convs):
            try:
                out[c].append(conv(row[i]))
            except (ValueError, KeyError) as exc:
                raise ValueError(
                    f"{path}, line {lineno}: bad value {row[i]!r} in column {c!r} ({exc})."
                ) from None
    return out


def _read_text(path, *, opener=open, encoding="utf-8"):
    """The decoded text of ``path``; a bad byte raises naming the file and line."""
    _require_file(path)
    with opener(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"{path}, line {line}: byte {raw[exc.start : exc.start + 1]!r} (offset "
            f"{exc.start}) is not valid {encoding}; the file must be "
            f"{encoding}-encoded."
        ) from None


def _read_float_matrix(
    path, column_names, *, opener=open, encoding="utf-8", check_header=None
):
    """Read a CSV of finite floats after one header line; return ``(header, X)``.

    The one numeric parser of the loaders. ``column_names`` name the columns
    in errors (the file's header may be bare indices); None uses the header. Every row must have
    ``len(column_names)`` cells, each a finite number: an empty or
    non-numeric cell, ``nan`` or ``inf`` (or a number that overflows to it)
    raises a ValueError naming the file, the line, the column number and
    the column name. ``check_header(header)``, if given, runs on the header
    cells before the body is parsed. The header row is returned unparsed.
    """
    text = _read_text(path, opener=opener, encoding=encoding)
    lines = text.splitlines()
    if not lines:
        raise ValueError(f"{path}: empty file, expected a header row.")
    header = next(csv.reader(lines[:1]))
    if check_header is not None:
        check_header(header)
    if column_names is None:
        column_names = header
    width = len(column_names)

    def where(lineno, j):
        return f"{path}, line {lineno}, column {j + 1} ({column_names[j]!r})"

    try:
        X = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, ndmin=2,
                       dtype=np.float64, quotechar='"')  # fmt: skip
    except ValueError:
        X = None  # find and name the bad cell below
    if X is None or X.shape[1] != width:
        for lineno, row in enumerate(csv.reader(lines[1:]), start=2):
            if len(row) != width:
                raise ValueError(
                    f"{path}, line {lineno}: expected {width} fields, got {len(row)}."
                )
            for j, cell in enumerate(row):
                try:
                    float(cell)
                except ValueError:
                    raise ValueError(
                        f"{where(lineno, j)}: {cell!r} is not a number."
                    ) from None
        raise ValueError(f"{path}: could not be read as a {width}-column CSV.")
    # NaN and inf parse as floats: reject them here, where the cell is known
    # (a NaN would otherwise reach the estimators as a legal-looking value).
    _check_finite(X, lambda i, j: where(i + 2, j))
    return header, X


def _check_finite(X, where):
    """Raise on the first NaN/inf of 2-D ``X``; ``where(i, j)`` names the cell."""
    bad = np.argwhere(~np.isfinite(X))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise ValueError(
            f"{where(i, j)}: non-finite value {float(X[i, j])!r} ({len(bad)} "
            "non-finite cell(s) in all); the loaders accept finite numbers only."
        )


def _repeats(keys):
    """Boolean array: True where a key equals an earlier row's key."""
    seen, out = set(), []
    for key in keys:
        out.append(key in seen)
        seen.add(key)
    return np.asarray(out, dtype=bool)


def _duplicate_files(paths):
    """True for each file that is a byte-for-byte copy of an earlier one."""

    def digest(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).digest()

    return _repeats(digest(p) for p in paths)


def _duplicate_rows(X):
    """True for each row of 2-D ``X`` equal to an earlier row."""
    return _repeats(row.tobytes() for row in np.ascontiguousarray(X))


def _check_listed_files(root, rel_paths, listed_in):
    """Absolute paths of ``rel_paths`` under ``root``; raise on the first missing one."""
    out = []
    for i, rel in enumerate(rel_paths):
        full = os.path.join(root, *rel.split("/"))
        if not os.path.isfile(full):
            raise FileNotFoundError(
                f"File {full!r} listed in {listed_in!r} (row {i}) does not exist."
            )
        out.append(full)
    return out


def _choice(allowed):
    """Converter accepting only the strings in ``allowed``."""
    allowed = tuple(allowed)

    def conv(s):
        if s not in allowed:
            raise ValueError(f"expected one of {list(allowed)}")
        return s

    return conv


def _int_in(lo, hi):
    """Converter for an integer in [lo, hi]."""

    def conv(s):
        v = int(s)
        if not lo <= v <= hi:
            raise ValueError(f"expected an integer in [{lo}, {hi}]")
        return v

    return conv


def _nonempty(s):
    if not s.strip():
        raise ValueError("empty string")
    return s


def _pandas():
    return import_optional("pandas", "examples")


def _descr(text, root, is_subset, note=""):
    if is_subset:
        text += (
            "\n\nBundled subset\n--------------\n"
            + note
            + " Set SKMM_DATA_HOME (or pass data_home) to load the full data set.\n"
        )
    return text
