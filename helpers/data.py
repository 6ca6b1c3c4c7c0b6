"""The course's data: embedded real digits, scikit-image samples, on-demand downloads.

Everything here works offline. Files shipped in ``data/`` are listed with their
sha256 in ``data/SHA256SUMS`` and verified when loaded; downloads are verified
against a known sha256, written atomically and cached.

- :func:`load_mnist_sample`: 5,000 real MNIST digits embedded in the repository
  (4,000 train / 1,000 test, 400/100 of each class).
- :func:`load_mnist`: full MNIST (60,000 / 10,000) when the network answers,
  otherwise the embedded sample, saying so in one line.
- :func:`load_image`, :func:`list_images`, :func:`load_faces`: scikit-image's bundled
  pictures as float32 in [0, 1].
- :func:`to_float`: explicit uint8 -> float32 [0, 1] conversion.
- :data:`DIGIT_SHAPE` and :func:`check_digit_images`: what every digit model and metric accepts.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import checks, config

SPLITS = ("train", "test", "all")
SOURCES = ("auto", "embedded", "full")

MNIST_SAMPLE_FILE = "mnist_sample.npz"
#: The file ``keras.datasets.mnist.load_data()`` downloads, and its published sha256.
MNIST_FULL_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_FULL_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
#: Height and width of an MNIST digit: every digit model and metric of the course works on these.
DIGIT_SHAPE = (28, 28)


class DataError(ValueError):
    """A data file is missing, corrupt or not what its checksum says."""


class ChecksumError(DataError):
    """A file's sha256 differs from the expected one."""


class DownloadError(ConnectionError):
    """A download failed (no network, time-out, server error)."""


# --------------------------------------------------------------------------- files


def sha256_of(path) -> str:
    """Hex sha256 of a file, read in chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty"
    >>> _ = p.write_bytes(b"")
    >>> sha256_of(p)[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def embedded_checksums(data_dir=None) -> dict:
    """Map of file name -> sha256 read from ``data/SHA256SUMS``."""
    folder = Path(data_dir) if data_dir is not None else config.data_dir()
    listing = folder / "SHA256SUMS"
    if not listing.is_file():
        raise DataError(f"{listing} is missing: the course's data folder is incomplete "
                        "(run from a full clone of the repository, or set COURSE_DATA_DIR)")
    sums = {}
    for line in listing.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest
    return sums


def embedded_path(name: str, data_dir=None) -> Path:
    """Path of a file shipped in ``data/``, after checking it against ``data/SHA256SUMS``.

    Parameters
    ----------
    name : str
        File name inside ``data/``, e.g. ``"mnist_sample.npz"``.
    data_dir : path, optional
        Folder to look in instead of :func:`helpers.config.data_dir`.

    Raises
    ------
    DataError
        The name is not listed in ``SHA256SUMS`` or the file is missing.
    ChecksumError
        The file's content differs from the listed sha256 (corrupt, truncated, or a
        Git LFS pointer instead of the data).

    Examples
    --------
    >>> embedded_path("mnist_sample.npz").name
    'mnist_sample.npz'
    """
    folder = Path(data_dir) if data_dir is not None else config.data_dir()
    sums = embedded_checksums(folder)
    if name not in sums:
        raise DataError(f"name={name!r} is not an embedded data file; expected one of {sorted(sums)}")
    path = folder / name
    if not path.is_file():
        raise DataError(f"embedded data file {path} is missing; restore it with "
                        f"`git checkout -- data/{name}` (see data/README.md to regenerate it)")
    actual = sha256_of(path)
    if actual != sums[name]:
        raise ChecksumError(f"{path} is corrupt: sha256 {actual} but data/SHA256SUMS expects "
                            f"{sums[name]}; restore it with `git checkout -- data/{name}` "
                            "or regenerate it as data/README.md describes")
    return path


def npz_bytes(arrays) -> bytes:
    """An ``.npz`` archive of ``arrays`` (no pickles) with fixed zip metadata: same arrays, same bytes.

    Examples
    --------
    >>> npz_bytes({"a": np.zeros(3)}) == npz_bytes({"a": np.zeros(3)})
    True
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(info, payload.getvalue(), compresslevel=9)
    return buffer.getvalue()


def write_atomically(path, content: bytes) -> Path:
    """Write ``content`` to ``path`` through a temporary file renamed at the end (never half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return path


def update_checksums(names, data_dir=None, show=True) -> list:
    """Write the sha256 of each file of ``names`` into the data folder's ``SHA256SUMS``; return the lines.

    The one way a script that regenerates files of ``data/`` records them: a listed file's line
    is replaced in place, a new file's line appended, other lines kept. ``data/README.md`` must
    list the same digests (``tests/test_data.py`` checks it): with ``show`` the lines are printed
    with that reminder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_bytes(b"")
    >>> update_checksums(["a.txt"], folder, show=False)
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt']
    """
    folder = Path(data_dir) if data_dir is not None else config.data_dir()
    listing = folder / "SHA256SUMS"
    fresh = [f"{sha256_of(folder / name)}  {name}" for name in names]
    new = dict(zip(names, fresh))
    lines = [line for line in listing.read_text().splitlines() if line.strip()] if listing.is_file() else []
    kept = []
    for line in lines:
        name = line.split(maxsplit=1)[1].strip().lstrip("*")
        kept.append(new.pop(name) if name in new else line)
    kept += list(new.values())
    write_atomically(listing, ("\n".join(kept) + "\n").encode())
    if show:
        print(f"updated {listing}; put these sha256 in data/README.md too (tests/test_data.py checks it):")
        for line in fresh:
            print(f"  {line}")
    return fresh


def load_npz(path, expected_keys) -> dict:
    """Read every array of an ``.npz`` file without pickles, checking its keys.

    Raises
    ------
    DataError
        The file is not a readable ``.npz`` or lacks one of ``expected_keys``.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path} is not a readable .npz file ({error})") from error
    missing = set(expected_keys) - set(arrays)
    if missing:
        raise DataError(f"{path} lacks arrays {sorted(missing)}; expected {sorted(expected_keys)}")
    return arrays


# --------------------------------------------------------------------------- digits


def _select(arrays, split):
    if split == "all":
        images = np.concatenate([arrays["x_train"], arrays["x_test"]])
        labels = np.concatenate([arrays["y_train"], arrays["y_test"]])
    else:
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
    return images.copy(), labels.astype(np.uint8, copy=True)


def _check_digits(arrays, path):
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != DIGIT_SHAPE or len(y) != len(x):
            raise DataError(f"{path}: x_{split} should be uint8 (N, 28, 28) with N labels; "
                            f"got {x.dtype} {x.shape} and {len(y)} labels")
        if y.size and (y.min() < 0 or y.max() > 9):
            raise DataError(f"{path}: y_{split} has labels outside 0..9")


@lru_cache(maxsize=4)
def _mnist_sample_arrays(data_dir: str):
    path = embedded_path(MNIST_SAMPLE_FILE, data_dir)
    arrays = load_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    _check_digits(arrays, path)
    return arrays


def load_mnist_sample(split="train"):
    """The 5,000 real MNIST digits embedded in the course (no network needed).

    Parameters
    ----------
    split : {"train", "test", "all"}
        ``train``: 4,000 digits (400 per class); ``test``: 1,000 (100 per class);
        ``all``: train followed by test. The split is fixed (see ``data/README.md``).

    Returns
    -------
    images : ndarray of uint8, shape (N, 28, 28)
        Pixel values 0-255, white digit on black. Use :func:`to_float` for [0, 1].
    labels : ndarray of uint8, shape (N,)
        Digit classes 0-9.

    Examples
    --------
    >>> images, labels = load_mnist_sample("test")
    >>> images.shape, images.dtype, labels.shape
    ((1000, 28, 28), dtype('uint8'), (1000,))
    """
    checks.choice(split, "split", SPLITS)
    return _select(_mnist_sample_arrays(str(config.data_dir())), split)


def check_digit_images(images, name="images", min_count=1):
    """Validate a batch of digit images and return it as float32 of shape (N, 28, 28).

    The one check of what digit models and metrics accept (:data:`DIGIT_SHAPE`).

    Parameters
    ----------
    images : array_like, shape (N, 28, 28) or (N, 28, 28, 1)
        Float in [0, 1] (a tolerance of 1e-4 absorbs round-off; nothing is clipped), or uint8
        (divided by 255): the one rule of :func:`helpers.checks.float_image`.
    name : str
        Argument name used in error messages.
    min_count : int
        Fewest images accepted.

    Raises
    ------
    TypeError
        A dtype other than float, uint8 or bool.
    ValueError
        Wrong shape, values outside [0, 1], NaN, or fewer than ``min_count`` images.

    Examples
    --------
    >>> check_digit_images(np.zeros((3, 28, 28, 1))).shape
    (3, 28, 28)
    >>> check_digit_images(np.zeros((3, 32, 32)))
    Traceback (most recent call last):
    ...
    ValueError: images must have shape (N, 28, 28) or (N, 28, 28, 1); got (3, 32, 32)
    """
    arr = checks.float_image(images, name, tolerance=1e-4,
                             hint="a generator with tanh output gives [-1, 1]: map it with (x + 1) / 2")
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.shape[1:] != DIGIT_SHAPE:
        h, w = DIGIT_SHAPE
        raise ValueError(f"{name} must have shape (N, {h}, {w}) or (N, {h}, {w}, 1); "
                         f"got {np.shape(images)}")
    checks.integer(min_count, "min_count", minimum=0)
    if len(arr) < min_count:
        raise ValueError(f"{name} has {len(arr)} images; at least {min_count} are needed")
    return arr


def download(url, filename, sha256, timeout=5.0, cache_dir=None) -> Path:
    """Download ``url`` into the course cache, verify its sha256, and return its path.

    A verified file already in the cache is reused without touching the network.
    The file is written to a temporary name and renamed only after its checksum
    matched, so an interrupted download never leaves a partial file behind.

    Parameters
    ----------
    url : str
    filename : str
        Name of the file in the cache folder.
    sha256 : str
        Expected hex digest.
    timeout : float
        Seconds to wait for the server before giving up.
    cache_dir : path, optional
        Defaults to :func:`helpers.config.cache_dir`.

    Raises
    ------
    DownloadError
        No network, time-out or server error.
    ChecksumError
        The downloaded bytes differ from ``sha256`` (nothing is kept).
    """
    timeout = checks.real(timeout, "timeout", low=0, low_open=True)
    folder = Path(cache_dir) if cache_dir is not None else config.cache_dir()
    target = folder / filename
    if target.is_file() and sha256_of(target) == sha256:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=filename + ".", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    for chunk in iter(lambda: response.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
            except (urllib.error.URLError, OSError) as error:  # includes time-outs
                reason = getattr(error, "reason", error)
                raise DownloadError(f"could not download {url}: {reason}") from error
        if digest.hexdigest() != sha256:
            raise ChecksumError(f"download of {url} has sha256 {digest.hexdigest()}, expected "
                                f"{sha256}; the file was discarded")
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
    return target


def load_mnist(source="auto", split="train", timeout=5.0):
    """Full MNIST when it can be had, otherwise the embedded 5,000-digit sample.

    Parameters
    ----------
    source : {"auto", "embedded", "full"}
        ``full`` downloads the 11 MB file that ``keras.datasets.mnist`` uses (same URL
        and sha256, cached, verified, no TensorFlow needed) and raises
        :class:`DownloadError` when offline; ``embedded`` is :func:`load_mnist_sample`;
        ``auto`` tries ``full`` and falls back to ``embedded`` with a one-line message.
    split : {"train", "test", "all"}
        Full MNIST: 60,000 / 10,000 / 70,000 digits. Embedded: 4,000 / 1,000 / 5,000.
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    images : ndarray of uint8, shape (N, 28, 28)
    labels : ndarray of uint8, shape (N,)

    Examples
    --------
    >>> images, labels = load_mnist("embedded", "test")
    >>> len(images)
    1000
    """
    checks.choice(source, "source", SOURCES)
    checks.choice(split, "split", SPLITS)
    if source == "embedded":
        return load_mnist_sample(split)
    try:
        path = download(MNIST_FULL_URL, "mnist.npz", MNIST_FULL_SHA256, timeout=timeout)
    except (DownloadError, ChecksumError) as error:
        if source == "full":
            raise
        print(f"Full MNIST is not reachable ({error}); using the embedded sample "
              "of 5,000 real digits (4,000 train / 1,000 test).")
        return load_mnist_sample(split)
    arrays = load_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    _check_digits(arrays, path)
    return _select(arrays, split)


# --------------------------------------------------------------------------- pictures

#: scikit-image sample pictures that ship inside its wheel (no download).
IMAGES = ("astronaut", "brick", "camera", "checkerboard", "chelsea", "clock", "coffee", "coins",
          "grass", "gravel", "horse", "hubble_deep_field", "moon", "page", "rocket",
          "shepp_logan_phantom", "text")


def list_images():
    """Names accepted by :func:`load_image`.

    Examples
    --------
    >>> "camera" in list_images()
    True
    """
    return list(IMAGES)


def to_float(images):
    """Convert images to float32 in [0, 1], explicitly (:func:`helpers.checks.float_image`).

    uint8 values are divided by 255; bool becomes 0/1; float input must already lie
    in [0, 1] (it is checked, never clipped).

    Raises
    ------
    TypeError
        For any other dtype.
    ValueError
        For NaN or values outside [0, 1].

    Examples
    --------
    >>> to_float(np.array([0, 128, 255], dtype=np.uint8))
    array([0.       , 0.5019608, 1.       ], dtype=float32)
    """
    return checks.float_image(images, "images")


def load_image(name="camera", as_gray=False):
    """A scikit-image sample picture as float32 in [0, 1].

    Parameters
    ----------
    name : str
        One of :func:`list_images` (``camera``, ``astronaut``, ``coins``, ...).
    as_gray : bool
        Convert colour pictures to grey (luminance, :func:`skimage.color.rgb2gray`).

    Returns
    -------
    ndarray of float32, shape (H, W) or (H, W, 3)

    Examples
    --------
    >>> img = load_image("camera")
    >>> img.shape, img.dtype, float(img.min()) >= 0, float(img.max()) <= 1
    ((512, 512), dtype('float32'), True, True)
    """
    checks.choice(name, "name", IMAGES)
    import skimage.data
    from skimage.color import rgb2gray

    image = getattr(skimage.data, name)()
    if image.ndim == 3 and image.shape[-1] == 4:
        image = image[..., :3]
    image = to_float(image)
    if as_gray and image.ndim == 3:
        image = rgb2gray(image).astype(np.float32)
    return image


def load_faces(non_faces=False):
    """Face crops from Labeled Faces in the Wild (scikit-image's ``lfw_subset``).

    Parameters
    ----------
    non_faces : bool
        ``False`` (default): the 100 faces. ``True``: also the 100 non-face patches
        that scikit-image ships after them (for face/non-face classification).

    Returns
    -------
    ndarray of float32, shape (100, 25, 25) or (200, 25, 25), in [0, 1]

    Examples
    --------
    >>> load_faces().shape
    (100, 25, 25)
    """
    if not isinstance(non_faces, bool):
        raise TypeError(f"non_faces must be True or False; got {non_faces!r}")
    import skimage.data

    patches = to_float(skimage.data.lfw_subset())
    return patches if non_faces else patches[:100]
