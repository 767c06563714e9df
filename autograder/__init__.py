"""Auto-grader for the Introduction to PyTorch exercises.

How a submission flows:
  submission.py  read the notebook, choose the cells to run
  sandbox/       the student's process: limits (guards.py), a pre-initialised
                 launcher (zygote.py), the narrow data-only channel (protocol.py)
  session.py     start the student's process and load the notebook into it
  student.py     the `student` object hidden tests call into
  grading.py     run an assignment's hidden tests (assignments/<id>/) with pytest,
                 decide points on the grader's side
  reports/       text for people, results.json for Gradescope
  cli.py         the commands
See docs/architecture.md for why it is built this way.
"""
