"""Times commands side by side: alternates them N times, and for each run records the
wall time and the peak resident memory of the whole process tree (each run happens in a
fresh helper process, so RUSAGE_CHILDREN covers exactly that run's descendants).

Usage: measure.py N REPORT_JSON -- NAME=COMMAND ... (commands run through bash)
Prints one JSON object: {name: [{"wall_s": .., "rss_kib": .., "code": .., "report": ..}]}.
REPORT_JSON is the report path remote-hands writes; its per-check times are attached to
the runs of commands that write it.
"""

import json
import os
import subprocess
import sys

RUN_ONE = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(["bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def run_once(command: str, report_path: str) -> dict:
    if os.path.exists(report_path):
        os.remove(report_path)
    out = subprocess.run(
        [sys.executable, "-c", RUN_ONE, command], capture_output=True, text=True, check=True
    ).stdout.split()
    result = {"wall_s": float(out[0]), "rss_kib": int(out[1]), "code": int(out[2])}
    if os.path.exists(report_path):
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        result["check_ms"] = {k: v["ms"] for k, v in report["checks"].items()}
        result["check_start_ms"] = {k: v.get("start_ms") for k, v in report["checks"].items()}
    return result


def main() -> None:
    n = int(sys.argv[1])
    report_path = sys.argv[2]
    assert sys.argv[3] == "--"
    commands = [arg.split("=", 1) for arg in sys.argv[4:]]
    results = {name: [] for name, _ in commands}
    for _ in range(n):
        for name, command in commands:
            results[name].append(run_once(command, report_path))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
