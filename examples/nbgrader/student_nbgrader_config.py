"""nbgrader configuration for the students' Jupyter servers: their Assignments tab and Validate button.

Put it where the students' JupyterLab finds it (`/etc/jupyter/nbgrader_config.py` on a JupyterHub, or
`~/.jupyter/nbgrader_config.py`), with the exchange folder the TAs release to. tests/test_browser.py
starts its student server with this file.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "intro-pytorch"
c.Exchange.root = "/srv/nbgrader/exchange"

# Validate reports the check cells' errors. nbgrader's default looks only at the test cells, and a student's
# copy of a test cell holds no test (the hidden tests run when the notebook is graded): Validate then says
# "Success! Your notebook passes all the tests." for the untouched stub.
c.Validator.validate_all = True
