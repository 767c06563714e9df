"""Notebooks as they really arrive: old formats, other editors, odd bytes, wrong code, huge files.
Each is graded as far as it can be, with a clear message, never a crash."""

import base64
import json

import nbformat
import pytest

from autograder import catalog

ASSIGNMENT = "01-foundations"
SOURCE = catalog.notebook_path("assignments", ASSIGNMENT)
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def source_json() -> dict:
    return json.loads(SOURCE.read_text())


def write(tmp_path, content) -> object:
    path = tmp_path / NOTEBOOK
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def replace_in_cell(notebook: dict, grade_id: str, old: str, new: str) -> dict:
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = "".join(cell["source"]).replace(old, new)
    return notebook


def colab_style(notebook: dict) -> dict:
    """As Colab saves it: its own metadata, cell ids of its own, nbgrader metadata and tags dropped."""
    notebook["metadata"] = {"colab": {"provenance": [], "gpuType": "T4"}, "accelerator": "GPU",
                            "kernelspec": {"name": "python3", "display_name": "Python 3"}, "language_info": {"name": "python"}}
    for index, cell in enumerate(notebook["cells"]):
        cell["metadata"] = {"id": f"cell{index:04x}", "colab": {"base_uri": "https://localhost:8080/"}}
    return notebook


def jupyterlab4_style(notebook: dict) -> dict:
    notebook["nbformat_minor"] = 5
    for cell in notebook["cells"]:
        cell["metadata"].update(execution={"iopub.execute_input": "2026-01-01T00:00:00Z"}, scrolled=True, trusted=True)
    return notebook


def windows_line_endings(notebook: dict) -> str:
    for cell in notebook["cells"]:
        cell["source"] = "".join(cell["source"]).replace("\n", "\r\n")
    return json.dumps(notebook, indent=1).replace("\n", "\r\n")


def with_huge_output(notebook: dict, megabytes: int = 100) -> dict:
    image = base64.b64encode(b"\x89PNG" + b"\x00" * (megabytes * 3 * 2**20 // 4)).decode()
    notebook["cells"][1]["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": image}}]
    return notebook


def old_nbformat() -> str:
    return nbformat.writes(nbformat.convert(nbformat.read(SOURCE, as_version=4), 3))


def with_magics(notebook: dict) -> dict:
    """Line magics, shell lines and a %%time cell around a solution, as students write them."""
    notebook["cells"][1]["source"] = "%matplotlib inline\n!pip install --quiet torch\nfiles = !ls\n" + "".join(notebook["cells"][1]["source"])
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell["source"] = "%%time\n" + "".join(cell["source"])
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                              "source": "%%bash\nrm -rf /"})
    return notebook


FULL_MARKS = {
    "IPython magics and shell lines": lambda: with_magics(source_json()),
    "nbformat 3": old_nbformat,
    "saved by Colab": lambda: colab_style(source_json()),
    "saved by JupyterLab 4": lambda: jupyterlab4_style(source_json()),
    "Windows line endings": lambda: windows_line_endings(source_json()),
    "non-UTF-8 bytes in a comment": lambda: json.dumps(source_json()).encode().replace(b"import torch", b"import torch  # \xe9t\xe9", 1),
    "100 MB of outputs": lambda: with_huge_output(source_json()),
}


@pytest.mark.parametrize("kind", FULL_MARKS)
def test_correct_notebooks_in_other_shapes_still_score_full_marks(grade_notebook, tmp_path, kind):
    report = grade_notebook(write(tmp_path, FULL_MARKS[kind]()))
    assert report.score == report.max_score, [result.message for result in report.results if not result.passed]


NOTHING_TO_GRADE = {
    "empty file": (b"", "could not be read"),
    "JSON but not a notebook": ("[1, 2, 3]", "not a notebook"),
    "a notebook without cells": ({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, "is not defined"),
    "truncated download": (SOURCE.read_bytes()[:5000], "could not be read"),
}


@pytest.mark.parametrize("kind", NOTHING_TO_GRADE)
def test_notebooks_with_nothing_to_grade_score_zero_with_a_message(grade_notebook, tmp_path, kind):
    content, message = NOTHING_TO_GRADE[kind]
    report = grade_notebook(write(tmp_path, content))
    assert report.score == 0 and report.max_score > 0
    assert all(message in result.message for result in report.results), report.results[0].message


WRONG_CODE = {
    "misnamed function": ("sigmoid", "def sigmoid(x)", "def sigmoide(x)", "`sigmoid` is not defined"),
    "wrong signature": ("gradient_descent", "def gradient_descent(grad, theta0, step_size, n_steps, decay=1.0)",
                        "def gradient_descent(grad, theta0, step_size)", "TypeError"),
    "syntax error": ("relu", "def relu(x):", "def relu(x)", "`relu` is not defined"),
    "returns nothing": ("h_prime", "return ", "result = ", "should be a tensor"),
}


@pytest.mark.parametrize("kind", WRONG_CODE)
def test_wrong_code_loses_only_its_exercise_with_a_message(grade_notebook, tmp_path, kind):
    exercise, old, new, message = WRONG_CODE[kind]
    report = grade_notebook(write(tmp_path, replace_in_cell(source_json(), exercise, old, new)))
    failed = [result for result in report.results if not result.passed]
    assert failed and {result.exercise for result in failed} == {exercise}
    assert all(message in result.message for result in failed), [result.message for result in failed]
