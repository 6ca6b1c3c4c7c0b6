"""Run a notebook in a fresh kernel with nbclient, without its lost-reply stall, and name the cell that hangs.

Used by :mod:`course_tools.run_all` and ``tests/test_colab_simulated.py``.

The stall (issue 15). nbclient waits for a cell's ``execute_reply`` with one ``poll`` of the
shell socket that lasts the whole cell timeout, and it mimics ipywidgets' ``Output`` widget:
when a cell clears an ``Output`` (every ``helpers.widgets.Panel`` redraw does), nbclient sends a
``comm_msg`` back to the kernel *on that same shell socket*, while the poll is pending.
jupyter_client's ``Session.send`` writes through a plain (synchronous) shadow of the asyncio
socket. A zmq send first processes the socket's pending commands, and so swallows the
notification ("a message arrived") that the asyncio poll was waiting for, when the kernel's
reply came in just before. zmq's notification fd is edge-triggered: it does not fire again for
a message that is already there. The poll then sleeps until its timeout, finds the reply, and
the cell "passes" late: the notebook sat idle for the whole cell timeout (300 s in the simulated-Colab
test then).
The more the client is delayed between the reply's arrival and its send (a busy 2-core
machine), the more often it happens. Known upstream, unfixed in nbclient 0.11 / jupyter_client
8.10: jupyter/nbclient#312, jupyter/jupyter_client#1059.

The fix (:class:`_ShellChannel`): after each send on the shell channel, read ``zmq.EVENTS``
through the asyncio socket. pyzmq's asyncio socket re-checks its waiting polls whenever EVENTS
is read through it (that is how it copes with anything that consumes the edge), so a reply the
send swallowed wakes the poll at once.

On top of the fix, a cell that does not finish within the timeout, or a kernel that dies, raises
:class:`NotebookHangError` naming the notebook and the cell, and saying whether the kernel had
finished the cell (a lost reply) or was still running it.
"""

from __future__ import annotations

import time
from pathlib import Path

import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Type

__all__ = ["CourseNotebookClient", "NotebookHangError", "execute"]


class _ShellChannel(AsyncZMQSocketChannel):
    """The shell channel, with sends that cannot swallow the wake-up of a pending poll."""

    def send(self, msg):
        super().send(msg)  # Session.send: a synchronous send through a shadow socket
        # Reading EVENTS through the asyncio socket makes pyzmq schedule any poll that a message
        # already waiting on the socket should wake (zmq.asyncio.Socket.get -> _schedule_remaining_events).
        self.socket.get(zmq.EVENTS)


class _KernelClient(AsyncKernelClient):
    shell_channel_class = Type(_ShellChannel)


class NotebookHangError(RuntimeError):
    """A cell did not finish within the timeout, or the kernel died: names the notebook and the cell."""


class CourseNotebookClient(NotebookClient):
    """``nbclient.NotebookClient`` with the shell-channel fix and hang errors that name the cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook (executed in place).
    name : str
        How to name the notebook in errors (its file name).
    **kw
        Passed to ``NotebookClient`` (``timeout``, ``kernel_name``, ``resources``...).
    """

    def __init__(self, nb, name="notebook", **kw):
        super().__init__(nb, **kw)
        self.notebook_name = name

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.client_factory = _KernelClient
        return km

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        start = time.monotonic()
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except (CellTimeoutError, DeadKernelError) as error:
            raise NotebookHangError(self._hang_message(error, cell, cell_index, time.monotonic() - start)) from error

    def _hang_message(self, error, cell, cell_index, seconds):
        code_cells = [c for c in self.nb.cells[:cell_index + 1] if c.cell_type == "code"]
        lines = [line for line in cell.source.splitlines() if line.strip()]
        first = lines[0].strip()[:80] if lines else ""
        timing = cell.get("metadata", {}).get("execution", {})
        if isinstance(error, DeadKernelError):
            what = "the kernel died"
        elif "iopub.status.idle" in timing:
            what = (f"no execute_reply after {seconds:.0f} s although the kernel reported the cell "
                    f"finished (idle at {timing['iopub.status.idle']}): the reply was lost")
        elif "iopub.status.busy" in timing:
            what = f"still running after {seconds:.0f} s (the kernel never reported it finished)"
        else:
            what = f"not started after {seconds:.0f} s (the kernel never reported it busy)"
        return (f"{self.notebook_name}: cell {cell_index} (code cell {len(code_cells)}, "
                f"`{first}`): {what}")


def execute(nb, name, cwd, timeout, kernel_name="python3"):
    """Run ``nb`` top to bottom in a fresh kernel with working directory ``cwd``; return the seconds taken.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails and
    :class:`NotebookHangError` when a cell exceeds ``timeout`` seconds or the kernel dies.
    """
    client = CourseNotebookClient(nb, name=name, timeout=timeout, kernel_name=kernel_name,
                                  resources={"metadata": {"path": str(Path(cwd))}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start
