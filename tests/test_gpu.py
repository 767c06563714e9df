"""On a CUDA machine (the GPU runner): every reference notebook scores full marks with --device cuda.

With PYTORCH_COURSE_REAL_DATA set to a folder holding the real MNIST and
CIFAR10 downloads, the data tests use them and their real-data thresholds.
"""

import os
from pathlib import Path

import pytest

from autograder import catalog
from autograder.grading import DataSource

pytestmark = pytest.mark.gpu


def real_data() -> DataSource | None:
    folder = os.environ.get("PYTORCH_COURSE_REAL_DATA")
    return DataSource(Path(folder).resolve(), "real") if folder else None


@pytest.mark.parametrize("assignment", catalog.assignment_ids())
def test_reference_scores_full_marks_on_the_gpu(grade_notebook, assignment):
    source = catalog.notebook_path("assignments", assignment)
    on_cpu = grade_notebook(source)
    on_gpu = grade_notebook(source, device="cuda", data=real_data())
    failed = {result.name: result.message for result in on_gpu.results if not result.passed}
    assert not failed, failed
    assert len(on_gpu.results) >= len(on_cpu.results)
