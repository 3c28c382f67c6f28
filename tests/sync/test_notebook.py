"""The blocking client in a real notebook: a Jupyter kernel runs its cells inside a running event loop."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from xrt_prods_async.emulator import DEMO_USER_ID, RunningEmulator

CELL = """
import asyncio
asyncio.get_running_loop()  # the kernel's loop runs this cell: asyncio.run() would refuse

from xrt_prods_async import JobRequest, LightCurve
from xrt_prods_async.sync import XRTClient

request = JobRequest(
    name="GRB 200416A", targ="00966554", ra=335.6985, dec=-7.5179, centroid=True, pos_err=1,
    light_curve=LightCurve(bin_meth="snapshot"),
)
with XRTClient({user}, base_url={base_url}, poll_interval=0.01) as client:
    job = client.submit(request)
    status = job.wait()
    print(status.finished, job.light_curve().binning)
status
"""


def test_a_notebook_cell_uses_the_blocking_client(emu: RunningEmulator, tmp_path: Path) -> None:
    emu.state.clock.set_time_scale(1e6)  # the kernel cannot move the clock: let jobs finish on their own
    notebook = nbformat.v4.new_notebook()
    code = CELL.format(user=json.dumps(DEMO_USER_ID), base_url=json.dumps(emu.base_url))
    notebook.cells = [nbformat.v4.new_code_cell(code.strip())]
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = notebook.cells[0].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
    printed = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")
    assert printed == "True Snapshot\n"
    (shown,) = [o for o in outputs if o.output_type == "execute_result"]
    assert shown.data["text/html"].startswith('<div class="xrt-prods-view"')
