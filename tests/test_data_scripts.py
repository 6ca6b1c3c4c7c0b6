"""scripts/data/: the scripts that regenerate data/ record their files one way, and a training
script never resumes from the state of a run with other settings."""

import ast
import runpy

import numpy as np
import pytest

from helpers import config, data

SCRIPTS = sorted((config.repo_root() / "scripts" / "data").glob("*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_data_script_records_its_files_with_update_checksums(path):
    source = path.read_text()
    calls = [node for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "update_checksums"]
    assert calls, f"{path.name} writes data/ without helpers.data.update_checksums"
    assert "SHA256SUMS\"" not in source and "sys.path" not in source, path.name


def test_update_checksums_replaces_in_place_and_appends(tmp_path, capsys):
    (tmp_path / "SHA256SUMS").write_text("0" * 64 + "  a.bin\n" + "1" * 64 + "  b.bin\n")
    for name, content in (("a.bin", b"new a"), ("c.bin", b"c")):
        (tmp_path / name).write_bytes(content)
    lines = data.update_checksums(["a.bin", "c.bin"], tmp_path)
    assert lines == [f"{data.sha256_of(tmp_path / n)}  {n}" for n in ("a.bin", "c.bin")]
    assert (tmp_path / "SHA256SUMS").read_text().splitlines() == [lines[0], "1" * 64 + "  b.bin", lines[1]]
    assert lines[0] in capsys.readouterr().out
    assert data.embedded_path("a.bin", tmp_path).name == "a.bin"     # the listing verifies


@pytest.fixture()
def train_gan(tmp_path, monkeypatch):
    pytest.importorskip("keras")
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    return runpy.run_path(str(config.repo_root() / "scripts" / "data" / "train_gan.py"), run_name="train_gan")


def test_train_gan_keys_its_checkpoint_folder_by_the_settings(train_gan):
    folder = train_gan["checkpoint_folder"]
    full = folder("dcgan", epochs=60, batch_size=64, train_size=4000)
    assert folder("dcgan", epochs=60, batch_size=64, train_size=4000) == full
    for other in (folder("dcgan", 5, 64, 4000), folder("dcgan", 60, 32, 4000), folder("dcgan", 60, 64, 128),
                  folder("conditional_dcgan", 60, 64, 4000), folder("dcgan", 60, 64, 4000, seed=1)):
        assert other != full


def test_a_short_run_after_a_longer_one_trains_its_own_model(train_gan, tmp_path):
    """The trap of issue 14: a 1-epoch trial after a 2-epoch run must not reload the 2-epoch state."""
    import keras

    from helpers.training import load_model

    out = tmp_path / "out"
    out.mkdir()
    args = ["--only", "dcgan", "--train-size", "128", "--batch", "64", "--data-dir", str(out)]
    train_gan["main"](args + ["--epochs", "2"])
    two = [keras.ops.convert_to_numpy(w) for w in load_model(out / "gan_generator.keras", compile=False).weights]
    train_gan["main"](args + ["--epochs", "1"])
    one = [keras.ops.convert_to_numpy(w) for w in load_model(out / "gan_generator.keras", compile=False).weights]
    assert not all(np.array_equal(a, b) for a, b in zip(one, two))
    from helpers.models import SHIPPED

    options = SHIPPED["dcgan"].settings.get("options", {})          # the recipe keys the folder too
    assert (train_gan["checkpoint_folder"]("dcgan", 1, 64, 128, **options) / "checkpoint.npz").is_file()
    listed = data.embedded_checksums(out)
    assert listed["gan_generator.keras"] == data.sha256_of(out / "gan_generator.keras")
