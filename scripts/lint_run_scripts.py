"""Fails when an expression `${{ ... }}` appears inside a `run:` script of the given
action or workflow files: values must reach scripts through `env:`, where the shell sees
them as data, never as code.

Usage: python scripts/lint_run_scripts.py FILE...
"""

import sys

from ruamel.yaml import YAML


def runs(node, path=""):
    """Yields (path, script) for every `run:` mapping entry below node."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if key == "run" and isinstance(value, str):
                yield here, value
            else:
                yield from runs(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from runs(item, f"{path}[{i}]")


def main() -> int:
    files = sys.argv[1:]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    yaml = YAML(typ="safe")
    findings = 0
    for file in files:
        with open(file, encoding="utf-8") as f:
            doc = yaml.load(f)
        for where, script in runs(doc):
            if "${{" in script:
                print(f"{file}: {where}: an expression inside a run script; pass it through env:")
                findings += 1
    print(f"run-script lint: {len(files)} files, {findings} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
