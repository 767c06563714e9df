"""nbgrader configuration for this course. Run nbgrader from this folder (the course root)."""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "intro-pytorch"
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# `nbgrader validate` reports the check cells' errors too: a student's copy of a test cell holds no test, so
# by default it passes the untouched stub. Students' servers need the same (examples/nbgrader/).
c.Validator.validate_all = True

# `nbgrader autograde` grades in the sandbox: SandboxedGrading takes the place of nbgrader's Execute (the rest
# is nbgrader's default list), so no cell runs in a kernel and the test cells hold the sandboxed points.
# `--SandboxedGrading.in_kernel=True` brings back Execute, for comparison only (see benchmarks/grading_speed.py).
from autograder.nbgrader_sandbox.preprocessor import DropForgedMetadata, SandboxedGrading  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput, OverwriteCells,
    OverwriteKernelspec, SaveAutoGrades)

# Forged nbgrader metadata (an old schema, say) would stop the whole run at one student: it is dropped first.
c.Autograde.sanitize_preprocessors = [
    DropForgedMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata,
]

c.Autograde.autograde_preprocessors = [
    SandboxedGrading, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
