"""helpers.procedural: seeded bit-identity, the seam property, shapes, PNG variations."""

import json

import numpy as np
import pytest

from helpers import noise, procedural


@pytest.mark.parametrize("seed", range(5))
def test_made_seamless_has_no_seam(seed):
    texture = noise.value_noise((64, 96), scale=16, octaves=4, rng=seed)
    assert procedural.seam_report(texture)["seam"] > procedural.seam_report(texture)["interior_max"]  # it had one
    report = procedural.seam_report(procedural.make_seamless(texture))
    assert report["seam"] <= report["interior_max"]
    assert report["seam"] <= 1.5 * report["interior"]


def test_seamless_keeps_the_texture_contrast():
    texture = noise.value_noise((64, 64), scale=16, octaves=4, rng=0)
    out = procedural.make_seamless(texture)
    assert out.dtype == np.float32 and out.shape == texture.shape
    assert 0.7 < out.std() / texture.std() < 1.3


def test_seam_report_sees_a_periodic_texture_as_seamless():
    report = procedural.seam_report(noise.colored_noise((64, 64), beta=2.0, rng=1))
    assert report["seam"] <= report["interior_max"]


def test_same_seed_same_bits_other_seed_other_picture():
    a = procedural.landscape((40, 60), seed=5, octaves=6)
    assert np.array_equal(a, procedural.landscape((40, 60), seed=5, octaves=6))
    assert not np.array_equal(a, procedural.landscape((40, 60), seed=6, octaves=6))
    c1, img1 = procedural.tile_map(6, 8, seed=2, tile_size=8)
    c2, img2 = procedural.tile_map(6, 8, seed=2, tile_size=8)
    assert np.array_equal(c1, c2) and np.array_equal(img1, img2)
    assert np.array_equal(procedural.sprite_sheet(8, seed=4), procedural.sprite_sheet(8, seed=4))


def test_tile_map_is_drawn_with_the_sprite_of_each_cell():
    classes, image = procedural.tile_map(5, 7, seed=1, tile_size=8)
    sheet = procedural.sprite_sheet(8, seed=1)
    assert image.shape == (40, 56, 3) and classes.shape == (5, 7)
    assert set(np.unique(classes)) <= set(range(len(procedural.TERRAINS)))
    for r, c in [(0, 0), (4, 6), (2, 3)]:
        assert np.array_equal(image[8 * r:8 * r + 8, 8 * c:8 * c + 8], sheet[classes[r, c]])


def test_landscape_spans_zero_to_one_and_octaves_add_detail():
    smooth = procedural.landscape((64, 64), seed=0, octaves=1)
    rough = procedural.landscape((64, 64), seed=0, octaves=8)
    assert smooth.min() == 0 and smooth.max() == 1
    assert np.abs(np.diff(rough, axis=1)).mean() > np.abs(np.diff(smooth, axis=1)).mean()


def test_palette_and_colorize():
    colours = procedural.palette("terrain", 256)
    assert colours.shape == (256, 3) and colours.min() >= 0 and colours.max() <= 1
    out = procedural.colorize(np.tile([0.0, 0.0, 1.0, 1.0], (4, 1)), "terrain")
    assert np.allclose(out[0, 0], colours[0]) and np.allclose(out[0, -1], colours[-1])


def test_tile_repeats():
    t = np.random.default_rng(0).random((4, 5)).astype(np.float32)
    tiled = procedural.tile(t, (2, 3))
    assert np.array_equal(tiled[4:8, 10:15], t)


def test_save_variations_round_trip(tmp_path):
    from PIL import Image

    images = np.random.default_rng(0).random((3, 8, 8)).astype(np.float32)
    paths = procedural.save_variations(images, [5, 9, 11], tmp_path, prefix="x")
    assert [p.name for p in paths] == ["x_seed5.png", "x_seed9.png", "x_seed11.png"]
    assert np.array_equal(np.asarray(Image.open(paths[1])), np.round(images[1] * 255).astype(np.uint8))
    assert json.loads((tmp_path / "x_manifest.json").read_text())["files"]["x_seed11.png"] == 11


@pytest.mark.parametrize("call, message", [
    (lambda: procedural.palette("plaid"), "palette name"),
    (lambda: procedural.palette([(0, (0, 0, 0))]), "at least 2"),
    (lambda: procedural.palette([(0, (0, 0, 0)), (1, (2, 0, 0))]), r"\[0, 1\]"),
    (lambda: procedural.make_seamless(np.zeros((8, 8, 3))), "texture"),
    (lambda: procedural.make_seamless(np.zeros((2, 8))), "at least 4"),
    (lambda: procedural.tile(np.zeros((4, 4)), (0, 2)), "reps"),
    (lambda: procedural.tile(np.zeros((4, 4)), 2), "reps"),
    (lambda: procedural.landscape((8, 8), seed=-1), "seed"),
    (lambda: procedural.landscape((8, 8), octaves=0), "octaves"),
    (lambda: procedural.tile_map(1, 5), "rows"),
    (lambda: procedural.sprite_sheet(4), "tile_size"),
    (lambda: procedural.save_variations(np.zeros((2, 4, 4)), [1, 1], "/tmp/x"), "seeds"),
    (lambda: procedural.save_variations(np.zeros((2, 4, 4)), [1], "/tmp/x"), "seeds"),
    (lambda: procedural.save_variations(np.zeros((1, 4, 4)), [1], "/tmp/x", prefix="../a"), "prefix"),
])
def test_bad_settings_are_refused(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
