"""Ways to present a results.Report: text for people, Gradescope's results.json, Classroom's result and
job summary, nbgrader test cells. They only render: labels, feedback and totals come from results.py."""
