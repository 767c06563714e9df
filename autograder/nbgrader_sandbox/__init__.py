"""`nbgrader autograde` graded in the sandbox (see preprocessor.py and service.py)."""
