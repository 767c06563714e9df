"""The commands: `autograder grade` for TAs and CI, `autograder check` for students."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import catalog
from .sandbox.process import Zygote
from .submission import SubmissionNotFound, load, preload_modules

EXIT_GRADED = 0
EXIT_CHECK_FAILED = 1
EXIT_CANNOT_RUN = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (SubmissionNotFound, catalog.UnknownAssignment) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Grade Introduction to PyTorch notebooks.")
    verbs = parser.add_subparsers(required=True, metavar="COMMAND")

    grade = verbs.add_parser("grade", help="grade a submission with the hidden tests")
    grade.add_argument("submission", type=Path, help="a notebook, or a folder holding <ID>.ipynb")
    grade.add_argument("--assignment", help="assignment id (inferred from the file name when omitted)")
    grade.add_argument("--format", choices=["text", "json"], default="text", help="json: Gradescope's results.json")
    grade.add_argument("--output", type=Path, help="write the report here instead of standard output")
    grade.add_argument("--device", default="cpu", help="device the tests use: cpu (default) or cuda")
    grade.add_argument("--data-dir", type=Path,
                       help="real MNIST / CIFAR10 downloaded under this folder (default: the offline fixtures)")
    grade.set_defaults(run=_grade)

    check = verbs.add_parser("check", help="run the visible checks on your notebook")
    check.add_argument("notebook", type=Path)
    check.add_argument("--assignment", help="assignment id (inferred from the file name when omitted)")
    check.set_defaults(run=_check)
    return parser


def _grade(args) -> int:
    submission = load(args.submission, args.assignment)
    with Zygote(preload_modules(submission)) as zygote:  # started first: it imports torch while this process does too
        from .grading import DataSource, grade_submission
        from .reports import gradescope, text

        data = DataSource(args.data_dir.resolve(), "real") if args.data_dir else None
        report = grade_submission(submission, zygote, device=args.device, data=data)
    rendered = json.dumps(gradescope.results_json(report), indent=2) + "\n" if args.format == "json" else text.render(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered)
    else:
        sys.stdout.write(rendered)
    return EXIT_GRADED


def _check(args) -> int:
    submission = load(args.notebook, args.assignment)
    with Zygote(preload_modules(submission)) as zygote:
        from .grading import grade_submission
        from .reports import text

        report = grade_submission(submission, zygote, visible_only=True)
    sys.stdout.write(text.render(report))
    return EXIT_GRADED if report.score == report.max_score and not report.problem else EXIT_CHECK_FAILED
