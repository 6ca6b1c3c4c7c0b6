import pytest

from helpers import config


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("on", True),
                                             ("0", False), ("", False), ("false", False), ("off", False)])
def test_quick_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(config.QUICK_ENV, value)
    assert config.quick_mode() is expected
    assert config.pick(full=100, quick=3) == (3 if expected else 100)


def test_quick_mode_off_when_unset(monkeypatch):
    monkeypatch.delenv(config.QUICK_ENV, raising=False)
    assert config.quick_mode() is False


def test_unclear_quick_value_is_an_error(monkeypatch):
    monkeypatch.setenv(config.QUICK_ENV, "maybe")
    with pytest.raises(ValueError, match="COURSE_QUICK='maybe'"):
        config.quick_mode()


def test_paths(monkeypatch, tmp_path):
    assert (config.repo_root() / "notebooks").is_dir()
    assert config.data_dir() == config.repo_root() / "data"
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(config.CACHE_DIR_ENV, str(tmp_path / "c"))
    assert config.data_dir() == tmp_path and config.cache_dir() == tmp_path / "c"
