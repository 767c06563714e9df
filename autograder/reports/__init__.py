"""Ways to present a GradeReport: text for people, results.json for Gradescope."""
