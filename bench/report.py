"""Turns measure.py's JSON into the benchmark's table and its verdicts on the targets."""

import json
import statistics
import sys


def mib(kib: float) -> float:
    return kib / 1024


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        nocreds = json.load(f)
    shell, check = data["shell"], data["check"]
    for name, runs in data.items():
        bad = [r["code"] for r in runs if r["code"] != 0]
        if bad:
            sys.exit(f"{name}: {len(bad)} runs did not pass (exit codes {bad}); the numbers would be meaningless")
    med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    shell_s, check_s = med(shell, "wall_s"), med(check, "wall_s")
    ratio = shell_s / check_s
    overheads = [r["wall_s"] * 1000 - max(r["check_ms"].values()) for r in check]
    slowest = statistics.median(max(r["check_ms"].values()) for r in check)
    overhead = statistics.median(overheads)
    shell_rss, check_rss = max(r["rss_kib"] for r in shell), max(r["rss_kib"] for r in check)
    n = len(check)
    print(f"runs: {n} of each, alternated")
    print(f"{'':28}{'median wall':>12}{'peak RSS':>12}")
    print(f"{'shell sequence (aws, curl, jq)':28}{shell_s * 1000:>9.0f} ms{mib(shell_rss):>8.1f} MiB")
    print(f"{'remote-hands check':28}{check_s * 1000:>9.0f} ms{mib(check_rss):>8.1f} MiB")
    print(f"speed-up: {ratio:.1f}x")
    print(f"remote-hands: slowest check {slowest:.0f} ms (median), whole run {overhead:.0f} ms above it (median, process start to exit)")
    targets = [
        ("check at least 25x faster than the shell sequence", ratio >= 25, f"{ratio:.1f}x"),
        ("within 30 ms of its slowest check", overhead <= 30, f"{overhead:.0f} ms"),
        ("peak RSS <= 30 MiB", mib(check_rss) <= 30, f"{mib(check_rss):.1f} MiB"),
    ]
    for what, ok, value in targets:
        print(f"target: {what}: {'PASS' if ok else 'MISS'} ({value})")
    for name, runs in nocreds.items():
        # The AWS checks fail (exit 1): that is the point; anything else is not.
        if any(r["code"] != 1 for r in runs):
            sys.exit(f"{name}: expected exit 1 from every run, got {[r['code'] for r in runs]}")
        s = med(runs, "wall_s")
        worst = max(r["wall_s"] for r in runs)
        print(
            f"target: no-credentials run < 1 s ({name}): {'PASS' if worst < 1 else 'MISS'}"
            f" ({s * 1000:.0f} ms median, {worst * 1000:.0f} ms worst)"
        )


if __name__ == "__main__":
    main()
