"""course_tools.run_all (whole-course run with times) and course_tools.export_html (static HTML site)."""

import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers import config

from course_tools import course_notebooks, export_html, run_all


def write_notebook(path, cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_course_notebooks_are_the_numbered_ones():
    names = [p.name for p in course_notebooks()]
    assert names and names == sorted(names)
    assert all(name[:2].isdigit() and name[2] == "_" for name in names)
    assert names == sorted(p.name for p in (config.repo_root() / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("seconds, text", [(0.04, "0.0 s"), (12.34, "12.3 s"), (59.9, "59.9 s"),
                                           (65, "1 min 05 s"), (3600, "60 min 00 s")])
def test_format_time(seconds, text):
    assert run_all.format_time(seconds) == text


def test_run_all_times_each_notebook_runs_past_a_failure_and_fails(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "0")
    bad = write_notebook(tmp_path / "01_bad.ipynb", [new_code_cell("raise ValueError('broken on purpose')")])
    good = write_notebook(tmp_path / "02_good.ipynb", [new_code_cell(
        "import os\nassert os.environ['COURSE_QUICK'] == '1', 'quick mode is the default'")])
    before = bad.read_bytes()
    assert run_all.main([str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert "quick mode (COURSE_QUICK=1)" in out
    assert "01_bad.ipynb" in out and "FAILED: ValueError: broken on purpose" in out
    assert any(line.split()[0] == "02_good.ipynb" and line.rstrip().endswith("ok") for line in out.splitlines())
    assert "total" in out and "1 ok, 1 failed" in out
    assert bad.read_bytes() == before  # the notebooks are not changed


def test_run_all_full_flag_sets_full_mode(tmp_path, capsys):
    nb = write_notebook(tmp_path / "00_mode.ipynb", [new_code_cell(
        "import os\nassert os.environ['COURSE_QUICK'] == '0'")])
    assert run_all.main(["--full", "--save", str(tmp_path / "out"), str(nb)]) == 0
    executed = nbformat.read(tmp_path / "out" / "00_mode.ipynb", as_version=4)
    assert executed.cells[0].execution_count == 1
    assert "0 failed" in capsys.readouterr().out


def test_run_all_rejects_a_missing_notebook(tmp_path):
    with pytest.raises(SystemExit):
        run_all.main([str(tmp_path / "nope.ipynb")])


def test_export_html_writes_each_notebook_and_an_index(tmp_path, capsys):
    cells = [new_markdown_cell("# 07 · A title\n\nWhat it **teaches**.\n\nMore."),
             new_code_cell("print(6 * 7)", execution_count=1,
                           outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")]),
             new_code_cell("x = 1")]  # never run: a warning
    nb = write_notebook(tmp_path / "07_topic.ipynb", cells)
    written = export_html.export([nb], tmp_path / "site")
    assert [p.name for p in written] == ["07_topic.html", "index.html"]
    page = (tmp_path / "site" / "07_topic.html").read_text()
    assert "A title" in page and "42" in page
    index = (tmp_path / "site" / "index.html").read_text()
    assert 'href="07_topic.html"' in index and "<strong>teaches</strong>" in index
    assert "colab.research.google.com/github/" in index and "/blob/main/notebooks/07_topic.ipynb" in index
    assert "[2] have not been run" in capsys.readouterr().err


def test_title_and_summary():
    nb = new_notebook(cells=[new_markdown_cell("# 03 · GANs\n\nFirst  paragraph\non two lines.\n\nSecond.")])
    assert export_html.title_and_summary(nb) == ("03 · GANs", "First paragraph on two lines.")
