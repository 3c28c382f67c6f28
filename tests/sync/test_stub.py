"""The blocking package's stub (``__init__.pyi``): current, true to the runtime classes, typing user code."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from mypy import api as mypy_api

from xrt_prods_async import sync
from xrt_prods_async.sync._stubgen import STUB, render

ROOT = Path(__file__).resolve().parents[2]


class _Normalised(ast.NodeTransformer):
    """Docstrings as ``inspect.cleandoc`` reads them, so a formatter's re-indenting does not count."""

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            node.value.value = inspect.cleandoc(node.value.value)
        return node


def _shape(text: str) -> str:
    return ast.dump(_Normalised().visit(ast.parse(text)))


def test_the_stub_is_what_the_generator_writes() -> None:
    assert _shape(STUB.read_text(encoding="utf-8")) == _shape(render()), (
        "run .venv/bin/python -m xrt_prods_async.sync._stubgen and commit xrt_prods_async/sync/__init__.pyi"
    )


#: Attributes the twins set on each instance (so ``dir`` of the class cannot see them).
INSTANCE_ATTRIBUTES = {"XRTClient": set(), "Job": {"client"}, "RebinJob": {"client"}, "Campaign": {"client"}}


def test_the_stub_names_what_the_classes_have() -> None:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    assert set(classes) == set(INSTANCE_ATTRIBUTES)
    for name, node in classes.items():
        stated = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        stated |= {ast.unparse(item.target) for item in node.body if isinstance(item, ast.AnnAssign)}
        runtime = getattr(sync, name)
        has = {n for n in dir(runtime) if not n.startswith("_")} | INSTANCE_ATTRIBUTES[name]
        has |= {n for n in ("__init__", "__enter__", "__exit__") if n in vars(runtime)}
        assert stated == has, name
    (exported,) = [
        n for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "__all__"
    ]
    assert ast.literal_eval(exported.value) == sync.__all__


USER_CODE = """
from pathlib import Path

from xrt_prods_async import JobRequest, JobStatus, LightCurveData, Product, RebinStatus
from xrt_prods_async.sync import Campaign, Job, RebinJob, XRTClient


def main(request: JobRequest) -> None:
    with XRTClient("you@example.org", poll_interval=60) as client:
        job: Job = client.submit(request)
        final: JobStatus = job.wait(on_progress=print, timeout=600)
        files: dict[Product, Path] = job.download("out")
        rebin: RebinJob = job.rebin_light_curve(bin_meth="snapshot")
        done: RebinStatus = rebin.wait()
        curve: LightCurveData = client.rebinned_light_curve(rebin, incbad="both")
        campaign = Campaign(client, "c.sqlite", "out")
        print(final, files, done, curve, rebin.job_id, campaign.run().counts)
        wrong: str = job.wait()
        client.status("not a job")
"""


@pytest.mark.slow
def test_mypy_strict_reads_the_blocking_methods_from_the_stub(tmp_path: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(USER_CODE, encoding="utf-8")
    out, err, status = mypy_api.run(
        ["--strict", "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache"), str(script)]
    )
    assert status == 1, err
    errors = sorted(line.split(": error: ")[1] for line in out.splitlines() if ": error: " in line)
    assert errors == [
        'Argument 1 to "status" of "XRTClient" has incompatible type "str"; expected "Job | int"  [arg-type]',
        'Incompatible types in assignment (expression has type "JobStatus", variable has type "str")  '
        "[assignment]",
    ], out
