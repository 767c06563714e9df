"""release/ and solutions/ are exactly what nbgrader generates from assignments/."""

import json

import pytest

from autograder import catalog, manifest, publish


def code_and_text(path):
    """A notebook without its outputs, which differ from run to run."""
    notebook = json.loads(path.read_text())
    return [
        {key: value for key, value in cell.items() if key not in ("outputs", "execution_count")}
        for cell in notebook["cells"]
    ]


@pytest.mark.parametrize("assignment", catalog.assignment_ids())
def test_release_and_solutions_match_a_fresh_generation(tmp_path, assignment):
    publish.generate(assignment, tmp_path, run_solutions=False)  # outputs are checked in test_notebooks_in_kernel.py
    fresh_release = tmp_path / "release" / assignment / f"{assignment}.ipynb"
    assert fresh_release.read_text() == catalog.notebook_path("release", assignment).read_text(), (
        f"release/{assignment} drifted from assignments/{assignment}: run `make publish`"
    )
    fresh_solution = tmp_path / "solutions" / assignment / f"{assignment}.ipynb"
    assert code_and_text(fresh_solution) == code_and_text(catalog.notebook_path("solutions", assignment)), (
        f"solutions/{assignment} drifted from assignments/{assignment}: run `make publish`"
    )


@pytest.mark.parametrize("assignment", catalog.assignment_ids())
def test_release_holds_no_solution(assignment):
    release = catalog.notebook_path("release", assignment).read_text()
    assert "BEGIN SOLUTION" not in release and "BEGIN HIDDEN TESTS" not in release
    assert "raise NotImplementedError()" in release
    assert not list(catalog.notebook_path("release", assignment).parent.glob("*.pt")), "trained weights in the release"


@pytest.mark.parametrize("assignment", catalog.assignment_ids())
def test_manifest_matches_a_fresh_build(assignment):
    assert manifest.build(assignment).to_json() == manifest.path(assignment).read_text(), (
        f"autograder/assignments/{assignment}/manifest.json drifted: run `make publish` "
        "(or `python -m autograder.publish --manifests` after changing only hidden tests)"
    )
