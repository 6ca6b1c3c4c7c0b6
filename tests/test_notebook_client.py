"""course_tools.notebook_client: no lost-reply stall when a cell clears an Output widget; hangs name the cell.

The stall of issue 15, made deterministic: nbclient handles the kernel's ``clear_output`` for an
``Output`` widget (as every ``helpers.widgets.Panel`` redraw sends) by sending a ``comm_msg`` on
the shell socket while it polls that socket for the cell's reply. If the reply arrives while
the client is held up just before that send (here a 1 s sleep, standing in for a busy machine
descheduling the client), the send swallows the reply's wake-up; plain nbclient then waits the
whole cell timeout before it sees the reply (20 s here; it was 300 s in the simulated-Colab test).
"""

import time

import nbformat
import pytest

from course_tools import notebook_client

#: Seconds the client is held up while it handles clear_output (the kernel replies meanwhile).
HOLD_UP = 1.0

WIDGET_CELL = """\
import time
import ipywidgets as widgets
from IPython.display import display
out = widgets.Output()
display(out)
with out:
    print("drawing")
out.clear_output()
time.sleep(0.3)  # the reply leaves the kernel while the client still handles clear_output"""


@pytest.fixture
def held_up_client(monkeypatch):
    """nbclient's Output-widget mimic, delayed by HOLD_UP seconds before it handles clear_output."""
    from nbclient import output_widget

    original = output_widget.OutputWidget.clear_output

    def clear_output(self, *args, **kwargs):
        time.sleep(HOLD_UP)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(output_widget.OutputWidget, "clear_output", clear_output)


def test_a_reply_that_arrives_during_an_output_widget_send_is_not_lost(held_up_client, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WIDGET_CELL),
                                         nbformat.v4.new_code_cell("print('after')")])
    timeout = 20
    seconds = notebook_client.execute(nb, "widget.ipynb", tmp_path, timeout=timeout)
    # Kernel start + HOLD_UP + 0.3 s: a few seconds. With the lost reply: at least `timeout`.
    assert seconds < timeout / 2, f"the widget cell waited {seconds:.1f} s: its reply was lost until the timeout"
    assert "after" in "".join(o.get("text", "") for o in nb.cells[1].outputs)


def test_a_hanging_cell_fails_naming_the_notebook_and_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A notebook"),
                                         nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("import time\ntime.sleep(60)")])
    start = time.monotonic()
    with pytest.raises(notebook_client.NotebookHangError) as error:
        notebook_client.execute(nb, "sleepy.ipynb", tmp_path, timeout=2)
    assert time.monotonic() - start < 30
    message = str(error.value)
    assert message.startswith("sleepy.ipynb: cell 2 (code cell 2, `import time`)"), message
    assert "still running after 2 s" in message, message
