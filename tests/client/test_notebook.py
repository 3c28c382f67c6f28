"""A real notebook: a Jupyter kernel builds result objects from the documented bodies and displays them."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests.support.examples import EXAMPLES_DIR

#: One cell per result type: (what the cell shows, its code). ``load`` reads a documented example body.
CELLS = {
    "JobStatus": """
from datetime import UTC, datetime
status = job_status_from_reply(
    StatusReply.model_validate(load("status_response_all_products.json")),
    tuple(Product.parse(p) for p in ("lc", "spec", "enh", "psf", "xastrom", "image")),
    job_id=1, checked_at=datetime(2024, 5, 6, tzinfo=UTC),
)
status""",
    "ProductStatus": "status['spec']",
    "CancelResult": """
cancel_result_from_reply(
    CancelReply.model_validate(load("cancel_partial.json")), (Product.LIGHT_CURVE, Product.SPECTRUM), job_id=1
)""",
    "Position": """
reply = PositionReply.model_validate(load("position_psf_gotpos_wire.json"))
Position.from_reply(Product.STANDARD_POS, reply)""",
    "SourceList": 'SourceList.model_validate(load("sourcelist_ok_truncated.json"))',
    "SpectralFits": 'SpectralFits.model_validate(load("specdata_grb130925A_current_format.json"))',
    "LightCurveData": 'LightCurveData.model_validate(load("lcdata_response_reconstructed.json"))',
    "OldJob": 'OldJob.from_entry(OldJobsReply.model_validate(load("listoldjobs_ok.json")).jobs[0])',
}

SETUP = f"""
import json
from pathlib import Path
from xrt_prods_async import Product
from xrt_prods_async.client import LightCurveData, OldJob, Position, SourceList, SpectralFits
from xrt_prods_async.client._cancel import cancel_result_from_reply
from xrt_prods_async.client._status import job_status_from_reply
from xrt_prods_async.wire import CancelReply, PositionReply, StatusReply
from xrt_prods_async.wire._replies import OldJobsReply

EXAMPLES = Path({json.dumps(str(EXAMPLES_DIR))})

def load(name):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
"""


def test_a_notebook_shows_every_result_type_as_html(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)]
    notebook.cells += [nbformat.v4.new_code_cell(code.strip()) for code in CELLS.values()]
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    nbformat.write(notebook, tmp_path / "views.ipynb")  # kept for a look when the test fails
    for name, cell in zip(CELLS, notebook.cells[1:], strict=True):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, name
        data = results[0].data
        assert data["text/html"].startswith('<div class="xrt-prods-view"'), name
        assert data["text/plain"].startswith(f"{name}("), name
    light_curve = notebook.cells[list(CELLS).index("LightCurveData") + 1].outputs[0].data["text/html"]
    assert '<img src="data:image/png;base64,' in light_curve
    job_status = notebook.cells[1 + list(CELLS).index("JobStatus")].outputs[0].data["text/html"]
    assert "Build spectra. (active: Working on spectrum" in job_status
