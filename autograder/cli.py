"""The commands: `autograder grade` for TAs and CI, `autograder check` for students."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import catalog, launcher
from .sandbox.process import Limits, missing_guards
from .submission import SubmissionNotFound, load

EXIT_GRADED = 0
EXIT_CHECK_FAILED = 1
EXIT_CANNOT_RUN = 2
REQUIRE_GUARDS_HELP = ("refuse to grade on a machine where a guard the threat model relies on is missing "
                       "(also AUTOGRADER_REQUIRE_GUARDS=1; see docs/threat-model.md)")
CELL_SECONDS_HELP = (f"seconds one cell of the notebook may run while it is loaded (default {Limits.cell_seconds:g}); "
                     "a cell past it is cut off and noted, and loading goes on without it")
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (SubmissionNotFound, catalog.UnknownAssignment, ClusterUnavailable) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Grade Introduction to PyTorch notebooks.")
    verbs = parser.add_subparsers(required=True, metavar="COMMAND")

    grade = verbs.add_parser("grade", help="grade a submission with the hidden tests")
    grade.add_argument("submission", type=Path, help="a notebook, or a folder holding <ID>.ipynb")
    grade.add_argument("--assignment", help="assignment id (inferred from the file name when omitted)")
    grade.add_argument("--format", choices=["text", "json", "classroom"], default="text",
                       help="json: Gradescope's results.json; classroom: GitHub Classroom's command-grader result")
    grade.add_argument("--summary", type=Path, help="also append a Markdown report to this file (e.g. $GITHUB_STEP_SUMMARY)")
    grade.add_argument("--output", type=Path, help="write the report here instead of standard output")
    grade.add_argument("--device", default="cpu", help="device the tests use: cpu (default) or cuda")
    grade.add_argument("--data-dir", type=Path,
                       help="real MNIST / CIFAR10 downloaded under this folder (default: the offline fixtures)")
    grade.add_argument("--cell-seconds", type=float, default=Limits.cell_seconds, help=CELL_SECONDS_HELP)
    grade.add_argument("--require-guards", action="store_true", help=REQUIRE_GUARDS_HELP)
    grade.set_defaults(run=_grade)

    grade_all = verbs.add_parser("grade-all", help="grade a folder of submissions (nbgrader layout, notebooks or zips)")
    grade_all.add_argument("folder", type=Path)
    grade_all.add_argument("--assignment", required=True, help="assignment id")
    grade_all.add_argument("--jobs", type=int, default=1, help="submissions graded at once on this machine (default 1)")
    grade_all.add_argument("--output-dir", type=Path,
                           help="where scores.csv, feedback/, summary.txt and the finished grades (graded/) go "
                                "(default grades-<ID>); a second run grades only what is missing or changed")
    grade_all.add_argument("--device", default="cpu", help="device the tests use: cpu (default) or cuda")
    grade_all.add_argument("--data-dir", type=Path,
                           help="real MNIST / CIFAR10 under this folder, on every worker (default: the offline fixtures)")
    on_cluster = grade_all.add_mutually_exclusive_group()
    on_cluster.add_argument("--scheduler", metavar="ADDRESS", help="grade on a running Dask cluster (tcp://host:8786)")
    on_cluster.add_argument("--cluster-config", type=Path, metavar="FILE",
                            help="start a Dask cluster from this file (local, Slurm, PBS, Kubernetes; see examples/cluster/)")
    grade_all.add_argument("--cell-seconds", type=float, default=Limits.cell_seconds, help=CELL_SECONDS_HELP)
    grade_all.add_argument("--require-guards", action="store_true", help=REQUIRE_GUARDS_HELP)
    grade_all.set_defaults(run=_grade_all)

    template = verbs.add_parser("classroom", help="write a GitHub Classroom template repository for an assignment")
    template.add_argument("assignment")
    template.add_argument("outdir", type=Path)
    template.set_defaults(run=lambda args: _deploy("classroom", args.assignment, args.outdir))

    handover = verbs.add_parser("classroom-result",
                                help="print the Classroom reporter's result line; 0 points with the reason when grading left none")
    handover.add_argument("assignment")
    handover.add_argument("result", type=Path, help="the file `grade --format classroom --output` wrote, if it did")
    handover.add_argument("--notebook", type=Path, required=True, help="the notebook the grading step graded")
    handover.add_argument("--summary", type=Path, help="where a 0-point report is appended (e.g. $GITHUB_STEP_SUMMARY)")
    handover.set_defaults(run=_classroom_result)

    package = verbs.add_parser("gradescope", help="build a Gradescope autograder zip for an assignment")
    package.add_argument("assignment")
    package.add_argument("zip", type=Path)
    package.set_defaults(run=lambda args: _deploy("gradescope", args.assignment, args.zip))

    mutants = verbs.add_parser("mutation-score", help="grade each assignment's wrong solutions (mutants and trivially "
                                                      "wrong bodies) and its alternative correct solutions")
    mutants.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    mutants.set_defaults(run=_mutation_score)

    check = verbs.add_parser("check", help="run the visible checks on your notebook")
    check.add_argument("notebook", type=Path)
    check.add_argument("--assignment", help="assignment id (inferred from the file name when omitted)")
    check.set_defaults(run=_check)
    return parser


def _guards_required(args) -> bool:
    return args.require_guards or os.environ.get("AUTOGRADER_REQUIRE_GUARDS") == "1"


def _refuse_without_guards(args, zygote) -> bool:
    """With --require-guards: True, with a message, when a guard is missing."""
    if not _guards_required(args):
        return False
    missing = missing_guards(zygote)
    if missing:
        print(f"autograder: not grading: this machine lacks guards the threat model relies on: {', '.join(missing)} "
              "(see docs/threat-model.md)", file=sys.stderr)
    return bool(missing)


def _grade(args) -> int:
    submission = load(args.submission, args.assignment)
    with launcher.start_for(submission) as zygote:
        if _refuse_without_guards(args, zygote):
            return EXIT_CANNOT_RUN
        from .grading import DataSource, grade_submission
        from .reports import classroom, gradescope, text

        data = DataSource(args.data_dir.resolve(), "real") if args.data_dir else None
        report = grade_submission(submission, zygote, device=args.device, data=data,
                                  limits=Limits(cell_seconds=args.cell_seconds))
    renderers = {
        "text": text.render,
        "json": lambda report: json.dumps(gradescope.results_json(report), indent=2) + "\n",
        "classroom": lambda report: json.dumps(classroom.result_json(report)) + "\n",
    }
    rendered = renderers[args.format](report)
    if args.summary:
        with open(args.summary, "a") as summary:
            summary.write(classroom.summary_markdown(report))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered)
    else:
        sys.stdout.write(rendered)
    return EXIT_GRADED


def _grade_all(args) -> int:
    from .batch import Settings, grade_all, local_runner, summary, write_outputs

    catalog.hidden_tests_dir(args.assignment)
    if not args.folder.is_dir():
        raise SubmissionNotFound(f"no such folder: {args.folder}")
    output_dir = args.output_dir or Path(f"grades-{args.assignment}")
    if _guards_required(args):
        with launcher.start([]) as zygote:
            if _refuse_without_guards(args, zygote):
                return EXIT_CANNOT_RUN
    settings = Settings(args.assignment, args.device, args.data_dir.resolve() if args.data_dir else None,
                        args.cell_seconds)
    try:
        if args.scheduler or args.cluster_config:
            batch = _grade_on_cluster(args, settings, output_dir)
        else:
            batch = grade_all(args.folder, settings, output_dir, local_runner(args.jobs))
    except KeyboardInterrupt:
        print(f"\nautograder: stopped; the grades finished so far are kept in {output_dir / 'graded'}: "
              "run the same command again to grade the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    write_outputs(batch.outcomes, output_dir)
    kept = f"{len(batch.reused)} kept from an earlier run, " if batch.reused else ""
    sys.stdout.write(summary(batch.outcomes) + f"\n{kept}{len(batch.graded)} graded now. "
                     f"Wrote {output_dir / 'scores.csv'}, {output_dir / 'feedback'}/ and {output_dir / 'summary.txt'}\n")
    return EXIT_GRADED


def _grade_on_cluster(args, settings, output_dir: Path):
    from . import cluster
    from .batch import grade_all

    try:
        return grade_all(args.folder, settings, output_dir, cluster.connected_runner(args.scheduler, args.cluster_config))
    except (OSError, ImportError, cluster.ClusterConfigError, cluster.GraderMismatch) as error:
        raise ClusterUnavailable(f"cannot grade on the cluster: {type(error).__name__}: {error}") from error


class ClusterUnavailable(Exception):
    pass


def _deploy(target: str, assignment: str, destination: Path) -> int:
    from .deploy import classroom, gradescope

    catalog.hidden_tests_dir(assignment)
    written = {"classroom": classroom.write_template, "gradescope": gradescope.build_zip}[target](assignment, destination)
    print(f"wrote {written}")
    return EXIT_GRADED


def _classroom_result(args) -> int:
    from .deploy import classroom

    catalog.hidden_tests_dir(args.assignment)
    sys.stdout.write(classroom.reporter_output(args.assignment, args.result, args.notebook, args.summary))
    return EXIT_GRADED


def _mutation_score(args) -> int:
    import tempfile

    from . import fairness, manifest, mutation

    problems = []
    assignments = args.assignments or catalog.assignment_ids()
    with launcher.start(assignments) as zygote, tempfile.TemporaryDirectory() as scratch:
        for assignment in assignments:
            results = mutation.run_catalog(assignment, zygote, Path(scratch) / assignment)
            print(mutation.table(assignment, results) + "\n")
            exercises = manifest.load(assignment).exercises
            problems += [f"{assignment}: {problem}" for problem in mutation.gate(results, exercises)]
            tables, fairness_problems = fairness.gates(assignment, zygote, Path(scratch) / assignment)
            print("\n\n".join(tables) + "\n")
            problems += fairness_problems
    for problem in problems:
        print(f"gate: {problem}", file=sys.stderr)
    return EXIT_CHECK_FAILED if problems else EXIT_GRADED


def _check(args) -> int:
    submission = load(args.notebook, args.assignment)
    with launcher.start_for(submission) as zygote:
        from .grading import grade_submission
        from .reports import text

        report = grade_submission(submission, zygote, visible_only=True)
    sys.stdout.write(text.render(report))
    return EXIT_GRADED if report.fully_passed else EXIT_CHECK_FAILED
