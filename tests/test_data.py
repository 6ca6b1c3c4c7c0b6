"""helpers.data: the embedded digits, pictures, downloads and every way they can go wrong."""

import shutil
import urllib.error
import urllib.request

import numpy as np
import pytest

from helpers import config, data


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ that a test may damage; helpers.data reads it via COURSE_DATA_DIR."""
    folder = tmp_path / "data"
    shutil.copytree(config.data_dir(), folder)
    monkeypatch.setenv(config.DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def offline(monkeypatch):
    """Make every URL open fail the way it does without network."""
    calls = []

    def refuse(url, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return calls


# ------------------------------------------------------------------ the embedded sample

@pytest.mark.parametrize("split, n", [("train", 4000), ("test", 1000), ("all", 5000)])
def test_sample_shapes_dtypes_and_balance(split, n):
    images, labels = data.load_mnist_sample(split)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.uint8
    assert set(np.unique(labels)) == set(range(10))
    assert np.all(np.bincount(labels, minlength=10) == n // 10)


def test_sample_looks_like_mnist():
    images, _ = data.load_mnist_sample("all")
    assert images.min() == 0 and images.max() == 255
    # MNIST digits are white strokes on black: mostly zeros, mean intensity ~33/255 over the set.
    assert 0.75 < np.mean(images == 0) < 0.85
    assert 25 < images.mean() < 40
    # centred by centre of mass: the border rows are almost empty
    assert images[:, 0, :].mean() < 1 and images[:, :, 0].mean() < 1


def test_all_is_train_then_test_and_splits_are_disjoint():
    x_all, y_all = data.load_mnist_sample("all")
    x_train, y_train = data.load_mnist_sample("train")
    x_test, y_test = data.load_mnist_sample("test")
    assert np.array_equal(x_all, np.concatenate([x_train, x_test]))
    assert np.array_equal(y_all, np.concatenate([y_train, y_test]))
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_returned_arrays_are_private_copies():
    images, labels = data.load_mnist_sample("test")
    images[:] = 0
    labels[:] = 0
    again, again_labels = data.load_mnist_sample("test")
    assert again.max() == 255 and again_labels.max() == 9


def test_sample_matches_checksum_listing_and_readme():
    sums = data.embedded_checksums()
    path = data.embedded_path("mnist_sample.npz")
    assert data.sha256_of(path) == sums["mnist_sample.npz"]
    readme = (config.data_dir() / "README.md").read_text()
    for name, digest in sums.items():
        assert digest in readme, f"data/README.md does not list the sha256 of {name}"
    shipped = {p.name for p in config.data_dir().iterdir() if p.name not in {"README.md", "SHA256SUMS"}}
    assert shipped == set(sums), "every file in data/ must be listed in SHA256SUMS and vice versa"


@pytest.mark.parametrize("split", ["training", "", None, 1, "TRAIN"])
def test_bad_split_is_rejected(split):
    with pytest.raises(ValueError, match="split=.*expected one of"):
        data.load_mnist_sample(split)


def test_checksum_mismatch_is_reported(data_copy):
    target = data_copy / "mnist_sample.npz"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(data.ChecksumError, match="corrupt: sha256 .* expects"):
        data.load_mnist_sample()


def test_missing_file_is_reported(data_copy):
    (data_copy / "mnist_sample.npz").unlink()
    with pytest.raises(data.DataError, match="missing"):
        data.load_mnist_sample()


def test_missing_checksum_listing_is_reported(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(data.DataError, match="SHA256SUMS is missing"):
        data.load_mnist_sample()


def test_corrupt_file_with_matching_checksum_is_reported(data_copy):
    """A file that is not an .npz at all (e.g. a Git LFS pointer) whose listed sum was updated."""
    target = data_copy / "mnist_sample.npz"
    target.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    (data_copy / "SHA256SUMS").write_text(f"{data.sha256_of(target)}  mnist_sample.npz\n")
    with pytest.raises(data.DataError, match="not a readable .npz"):
        data.load_mnist_sample()


def test_npz_with_wrong_arrays_is_reported(data_copy):
    target = data_copy / "mnist_sample.npz"
    np.savez(target, x_train=np.zeros((2, 28, 28), np.uint8))
    (data_copy / "SHA256SUMS").write_text(f"{data.sha256_of(target)}  mnist_sample.npz\n")
    with pytest.raises(data.DataError, match="lacks arrays"):
        data.load_mnist_sample()


def test_npz_with_wrong_shapes_is_reported(data_copy):
    target = data_copy / "mnist_sample.npz"
    z = np.zeros((2, 32, 32), np.uint8)
    np.savez(target, x_train=z, y_train=np.zeros(2, np.uint8), x_test=z, y_test=np.zeros(2, np.uint8))
    (data_copy / "SHA256SUMS").write_text(f"{data.sha256_of(target)}  mnist_sample.npz\n")
    with pytest.raises(data.DataError, match=r"uint8 \(N, 28, 28\)"):
        data.load_mnist_sample()


def test_unknown_embedded_name_is_reported():
    with pytest.raises(data.DataError, match="not an embedded data file"):
        data.embedded_path("cifar10.npz")


# ------------------------------------------------------------------ full MNIST and downloads

def test_auto_falls_back_to_the_sample_offline_in_one_line(offline, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(config.CACHE_DIR_ENV, str(tmp_path / "cache"))
    images, labels = data.load_mnist("auto", "test", timeout=1)
    assert offline == [data.MNIST_FULL_URL]
    assert images.shape == (1000, 28, 28) and labels.shape == (1000,)
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 1 and "embedded sample" in lines[0] and "Traceback" not in out.err
    assert not list((tmp_path / "cache").glob("*")), "a failed download must leave no file"


def test_full_raises_a_clear_error_offline(offline, tmp_path, monkeypatch):
    monkeypatch.setenv(config.CACHE_DIR_ENV, str(tmp_path))
    with pytest.raises(data.DownloadError, match="could not download .*name resolution"):
        data.load_mnist("full")


def test_embedded_source_never_touches_the_network(offline):
    data.load_mnist("embedded")
    assert offline == []


@pytest.mark.parametrize("kwargs, match", [
    ({"source": "internet"}, "source="), ({"split": "val"}, "split="),
])
def test_load_mnist_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_mnist(**kwargs)


def _fake_mnist(path, n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
             y_train=np.arange(n_train, dtype=np.uint8) % 10,
             x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
             y_test=np.arange(n_test, dtype=np.uint8) % 10)
    return data.sha256_of(path)


def test_download_verifies_caches_and_reuses(tmp_path):
    source = tmp_path / "served.npz"
    digest = _fake_mnist(source)
    cache = tmp_path / "cache"
    path = data.download(source.as_uri(), "mnist.npz", digest, cache_dir=cache)
    assert path == cache / "mnist.npz" and data.sha256_of(path) == digest
    source.unlink()  # the cached copy is used; the source is not needed any more
    assert data.download(source.as_uri(), "mnist.npz", digest, cache_dir=cache) == path


def test_download_with_wrong_checksum_keeps_nothing(tmp_path):
    source = tmp_path / "served.npz"
    _fake_mnist(source)
    cache = tmp_path / "cache"
    with pytest.raises(data.ChecksumError, match="expected 0{64}"):
        data.download(source.as_uri(), "mnist.npz", "0" * 64, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_corrupt_cached_download_is_fetched_again(tmp_path):
    source = tmp_path / "served.npz"
    digest = _fake_mnist(source)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(b"half a file")
    path = data.download(source.as_uri(), "mnist.npz", digest, cache_dir=cache)
    assert data.sha256_of(path) == digest


@pytest.mark.parametrize("timeout, error", [(0, ValueError), (-1, ValueError), ("5", TypeError), (None, TypeError)])
def test_download_rejects_bad_timeout(timeout, error, tmp_path):
    with pytest.raises(error, match="timeout"):
        data.download("file:///nothing", "x", "0" * 64, timeout=timeout, cache_dir=tmp_path)


def test_full_mnist_loader_reads_a_verified_download(tmp_path, monkeypatch):
    source = tmp_path / "served.npz"
    digest = _fake_mnist(source)
    monkeypatch.setattr(data, "MNIST_FULL_URL", source.as_uri())
    monkeypatch.setattr(data, "MNIST_FULL_SHA256", digest)
    monkeypatch.setenv(config.CACHE_DIR_ENV, str(tmp_path / "cache"))
    images, labels = data.load_mnist("full", "all")
    assert images.shape == (10, 28, 28) and list(labels[:6]) == [0, 1, 2, 3, 4, 5]


@pytest.mark.network
def test_real_full_mnist_when_online(tmp_path, monkeypatch):
    monkeypatch.setenv(config.CACHE_DIR_ENV, str(tmp_path))
    try:
        images, labels = data.load_mnist("full", "test", timeout=5)
    except data.DownloadError as error:
        pytest.skip(f"offline: {error}")
    assert images.shape == (10000, 28, 28) and np.bincount(labels).sum() == 10000


# ------------------------------------------------------------------ pictures and conversion

@pytest.mark.parametrize("name", data.list_images())
def test_every_picture_is_float32_in_unit_range(name):
    image = data.load_image(name)
    assert image.dtype == np.float32 and image.ndim in (2, 3)
    assert image.min() >= 0 and image.max() <= 1 and image.max() > image.min()


def test_grey_conversion_of_a_colour_picture():
    colour = data.load_image("astronaut")
    grey = data.load_image("astronaut", as_gray=True)
    assert colour.shape == (512, 512, 3) and grey.shape == (512, 512) and grey.dtype == np.float32
    assert np.allclose(grey, 0.2125 * colour[..., 0] + 0.7154 * colour[..., 1]
                       + 0.0721 * colour[..., 2], atol=1e-5)


def test_camera_matches_scikit_image_exactly():
    import skimage.data

    assert np.array_equal(data.load_image("camera") * 255, skimage.data.camera().astype(np.float32))


@pytest.mark.parametrize("name", ["lena", "Camera", "", 3])
def test_unknown_picture_is_rejected(name):
    with pytest.raises(ValueError, match="name=.*expected one of"):
        data.load_image(name)


def test_faces():
    faces = data.load_faces()
    both = data.load_faces(non_faces=True)
    assert faces.shape == (100, 25, 25) and both.shape == (200, 25, 25)
    assert faces.dtype == np.float32 and 0 <= faces.min() and faces.max() <= 1
    assert np.array_equal(both[:100], faces)
    with pytest.raises(TypeError, match="non_faces"):
        data.load_faces(non_faces="yes")


def test_to_float_conversions():
    assert data.to_float(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    assert data.to_float(np.array([True, False])).dtype == np.float32
    assert data.to_float(np.array([0.25], np.float64)).dtype == np.float32


@pytest.mark.parametrize("bad, error, match", [
    (np.array([0.5, 1.5]), ValueError, r"\[0, 1\]"),
    (np.array([-0.1, 0.5]), ValueError, r"\[0, 1\]"),
    (np.array([np.nan, 0.5]), ValueError, "NaN"),
    (np.array([0, 300], np.int16), TypeError, "dtype int16"),
])
def test_to_float_rejects_what_it_cannot_convert_exactly(bad, error, match):
    with pytest.raises(error, match=match):
        data.to_float(bad)
