"""What grading on a Dask cluster costs next to grading on one machine, and what a class of 2000 would take.

    python benchmarks/cluster_overhead.py [--class-size N] [--project N]

On the same class of 03-training submissions (benchmarks/grading_speed.py's mix:
correct, partly wrong, stubs, broken), one run each:
  (l) autograder grade-all --jobs 2
  (c) autograder grade-all --cluster-config <a 2-worker distributed.LocalCluster>
  (r) (c) again on the same output folder: a resumed batch, which should grade nothing again
Printed: wall seconds, the overhead ratio (c)/(l), the per-submission grading time measured
in the workers (Report.seconds, kept in graded/), and from those a projection for a class of
--project submissions with W workers: start-up + N x per-submission / W, on paper.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from grading_speed import CLASS_ASSIGNMENT, ScratchCourse, make_class, timed

WORKERS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=50)
    parser.add_argument("--project", type=int, default=2000, help="class size to project to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cluster-overhead-") as scratch:
        scratch = Path(scratch)
        course = ScratchCourse(scratch / "course", CLASS_ASSIGNMENT)
        kinds = make_class(course, args.class_size)
        config = scratch / "local.yaml"
        config.write_text(f"cluster: local\nworkers: {WORKERS}\noptions:\n  host: 127.0.0.1\n")
        base = [sys.executable, "-m", "autograder", "grade-all", str(course.root / "submitted"),
                "--assignment", CLASS_ASSIGNMENT]
        local_seconds, _ = timed([*base, "--jobs", str(WORKERS), "--output-dir", str(scratch / "local")])
        cluster_seconds, _ = timed([*base, "--cluster-config", str(config), "--output-dir", str(scratch / "cluster")])
        before = graded_at(scratch / "cluster")
        resumed_seconds, _ = timed([*base, "--cluster-config", str(config), "--output-dir", str(scratch / "cluster")])
        graded_again = sum(graded_at(scratch / "cluster")[name] != stamp for name, stamp in before.items())
        same = (scratch / "local" / "scores.csv").read_text() == (scratch / "cluster" / "scores.csv").read_text()
        per_submission = {run: seconds_per_submission(scratch / run) for run in ("local", "cluster")}
        mix = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        print(f"class of {args.class_size} {CLASS_ASSIGNMENT} submissions ({mix}), {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"  (l) grade-all --jobs {WORKERS}             {local_seconds:7.1f} s")
        print(f"  (c) grade-all on a {WORKERS}-worker LocalCluster {cluster_seconds:7.1f} s   "
              f"(c)/(l) {cluster_seconds / local_seconds:.2f}   same scores.csv: {same}")
        print(f"  (r) (c) resumed                     {resumed_seconds:7.1f} s   graded again: {graded_again}")
        for run, seconds in per_submission.items():
            print(f"  per submission in a {run} worker: median {statistics.median(seconds):.2f} s, "
                  f"mean {statistics.mean(seconds):.2f} s ({len(seconds)} graded)")
        print(projection(args.project, cluster_seconds, per_submission["cluster"], args.class_size))


def graded_at(output_dir: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in (output_dir / "graded").glob("*.json")}


def seconds_per_submission(output_dir: Path) -> list[float]:
    return [json.loads(path.read_text())["report"]["seconds"] for path in (output_dir / "graded").glob("*.json")]


def projection(size: int, measured_seconds: float, seconds: list[float], measured_size: int) -> str:
    """Start-up (what the measured run took beyond its grading) + size x mean grading time / workers."""
    mean = statistics.mean(seconds)
    start_up = max(0.0, measured_seconds - measured_size * mean / WORKERS)
    lines = [f"  projection for {size} submissions (start-up {start_up:.0f} s + {size} x {mean:.2f} s / workers), on paper:"]
    for workers in (2, 16, 64, 256):
        total = start_up + size * mean / workers
        lines.append(f"    {workers:>4} workers  {total / 60:7.1f} min")
    return "\n".join(lines)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"  (benchmark wall time {time.perf_counter() - started:.0f} s)")
