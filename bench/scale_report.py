"""The scale benchmark's verdicts, from measure.py's JSON: 100 HTTP checks at once against
a target that answers each in 100 ms. The whole run (process start to exit, measured
outside) against its slowest check (the report's `ms`), and the peak resident memory.

Usage: scale_report.py MEASURE_JSON CHECKS
"""

import json
import re
import statistics
import sys

# The targets: the run ends within this many ms of its slowest check, under this peak RSS.
OVERHEAD_MS = 150
RSS_MIB = 40


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        runs = json.load(f)["scale"]
    checks = int(sys.argv[2])
    for r in runs:
        if r["code"] != 0:
            sys.exit(f"scale: a run exited {r['code']}; the numbers would be meaningless")
        ran = [ms for key, ms in r["check_ms"].items() if key.startswith("api_") or re.fullmatch(r"c\d+", key)]
        if len(ran) != checks:
            sys.exit(f"scale: {len(ran)} HTTP checks in the report, expected {checks}")
    wall = [r["wall_s"] * 1000 for r in runs]
    slowest = [max(r["check_ms"].values()) for r in runs]
    over = [w - s for w, s in zip(wall, slowest)]
    # When the last check ended, in ms after the run started (the report's start_ms + ms).
    last_end = [
        max(r["check_ms"][k] + (r["check_start_ms"].get(k) or 0) for k in r["check_ms"])
        for r in runs
    ]
    rss = max(r["rss_kib"] for r in runs) / 1024
    med = statistics.median
    print(f"runs: {len(runs)}; {checks} HTTP checks each, all at once")
    print(f"whole run (process start to exit): median {med(wall):.0f} ms, worst {max(wall):.0f} ms")
    print(f"slowest check: median {med(slowest):.0f} ms, worst {max(slowest):.0f} ms")
    print(f"whole run above its slowest check: median {med(over):.0f} ms, worst {max(over):.0f} ms")
    print(f"last check ended (after the run started): median {med(last_end):.0f} ms; the rest is process start, setup and the report")
    print(f"peak RSS: {rss:.1f} MiB (largest of the runs)")
    verdicts = [
        (f"{checks} checks within {OVERHEAD_MS} ms of the slowest", max(over) <= OVERHEAD_MS, f"worst {max(over):.0f} ms"),
        (f"peak RSS under {RSS_MIB} MiB with {checks} in flight", rss < RSS_MIB, f"{rss:.1f} MiB"),
    ]
    for what, ok, value in verdicts:
        print(f"target: {what}: {'PASS' if ok else 'MISS'} ({value})")


if __name__ == "__main__":
    main()
