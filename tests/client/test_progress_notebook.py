"""Progress in a real notebook: a Jupyter kernel waits for a job (async and blocking clients) and runs a small
campaign against the emulator, and each cell shows a live view (rich, through an ipywidgets Output) that
ends on the final state. Without being asked: in a notebook progress is shown by default.

nbclient plays the front end: it keeps what each Output widget shows in the notebook's widget state, which
is where these assertions read it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, RunningEmulator, emulator_in_thread

SETUP = """
from xrt_prods_async import Campaign, CampaignItem, CampaignOptions, JobRequest, XRTClient
from xrt_prods_async.sync import XRTClient as BlockingClient

USER, BASE = {user}, {base_url}

def request(name):
    return JobRequest(
        name=name, targ="00966554", RA=335.6985, Dec=-7.5179, centroid=True, posErr=1,
        LightCurve={{"binMeth": "snapshot"}}, StandardPos={{}},
    )
"""

CELLS = {
    "async wait": """
async with XRTClient(USER, base_url=BASE, poll_interval=0.05) as client:
    job = await client.submit(request("GRB 200416A"))
    status = await job.wait()
print(status.finished)
""",
    "campaign": """
async with XRTClient(USER, base_url=BASE, poll_interval=0.05) as client:
    campaign = Campaign(client, "nb.sqlite", "nb-output", CampaignOptions(max_active=2, poll_interval=0.05))
    await campaign.add([CampaignItem(name, request(name)) for name in ("GRB 1", "GRB 2", "GRB 3")])
    summary = await campaign.run()
print(summary.counts["done"])
""",
    "blocking client": "blocking = BlockingClient(USER, base_url=BASE, poll_interval=0.05)",
    "blocking wait": """
status = blocking.submit(request("GK Per")).wait()
blocking.close()
print(status.finished)
""",
    "no progress when not wanted": """
async with XRTClient(USER, base_url=BASE, poll_interval=0.05) as client:
    job = await client.submit(request("Crab"))
    status = await job.wait(progress=False)
print(status.finished)
""",
}


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with emulator_in_thread(EmulatorConfig(time_scale=3000.0, seed=3)) as running:
        yield running


def shown(notebook: Any, cell: Any) -> list[str]:
    """The plain text of what each live view of ``cell`` shows at its end (its Output widget's last frame)."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {})
    texts = []
    for output in cell.outputs:
        view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
        if view is not None:
            frames = models[view["model_id"]]["state"]["outputs"]
            text = "".join(frame["data"]["text/plain"] for frame in frames)
            texts.append(re.sub(r"\x1b\[[0-9;]*m", "", text))  # rich's plain text keeps its colours
    return texts


def printed(cell: Any) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_a_notebook_shows_the_progress_of_a_wait_and_of_a_campaign(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    notebook = nbformat.v4.new_notebook()
    setup = SETUP.format(user=json.dumps(DEMO_USER_ID), base_url=json.dumps(emu.base_url))
    notebook.cells = [nbformat.v4.new_code_cell(code.strip()) for code in (setup, *CELLS.values())]
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    nbformat.write(notebook, tmp_path / "progress.ipynb")  # kept for a look when the test fails
    cells = dict(zip(CELLS, notebook.cells[1:], strict=True))
    for name, cell in cells.items():
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"

    (wait,) = shown(notebook, cells["async wait"])
    assert wait.startswith("Job 1001 (GRB 200416A)  finished after 0:00:0")
    assert re.search(r"^light curve +complete", wait, re.M)
    assert re.search(r"^standard position +complete", wait, re.M)
    assert printed(cells["async wait"]) == "True\n"

    (campaign,) = shown(notebook, cells["campaign"])
    assert campaign.startswith("nb.sqlite  3 sources  elapsed 0:00:")
    assert "nothing left" in campaign.splitlines()[0]
    assert "queued 0  active 0/2  collecting 0  done 3  failed 0" in campaign
    assert "GRB 3 (job 1004): done, every result saved" in campaign
    table_row = r"^│ GRB 3 +│ 1004 │ complete .*│ 335\.\d+ -7\.\d+ ±[\d.]+″ psf"
    assert re.search(table_row, campaign, re.M)  # the final table
    assert printed(cells["campaign"]) == "3\n"

    # The blocking client waits on its own event-loop thread, started in an earlier cell: the view still
    # appears under the cell that waits.
    assert shown(notebook, cells["blocking client"]) == []
    (blocking,) = shown(notebook, cells["blocking wait"])
    assert blocking.startswith("Job 1005 (GK Per)  finished after")
    assert printed(cells["blocking wait"]) == "True\n"

    assert shown(notebook, cells["no progress when not wanted"]) == []
