// Tokenizes the repository's runbooks that tejun reads without a syntax error (runbooks/, the parser's,
// formatter's and linter's fixtures that parse) and every ```tejun example of its docs with the grammar,
// and checks that each ends back at the top level: a string, comment or PowerShell block that does not
// close where tejun closes it would carry on into the rest of the file. Inputs broken on purpose
// (fixtures/parse/err/) are left out: where tejun gives up, the grammar may too.
"use strict";

const fs = require("fs");
const path = require("path");
const tm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = path.join(__dirname, "..");
const repo = path.join(here, "..", "..");
const grammars = {
  "source.tejun": path.join(here, "syntaxes", "tejun.tmLanguage.json"),
  "source.powershell": path.join(here, "test", "grammars", "PowerShellSyntax.tmLanguage"),
};

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "target", ".git", "err"].includes(entry.name)) walk(full, out);
    } else if (entry.name.endsWith(".runbook") && !full.startsWith(path.join(here, "test"))) {
      out.push(full);
    }
  }
  return out;
}

/** [name, text] for each runbook and each ```tejun example in docs/. */
function texts() {
  const found = [];
  for (const top of ["runbooks", "fixtures/parse/ok", "fixtures/fmt", "fixtures/lint", "fixtures/lint-formats"]) {
    const dir = path.join(repo, top);
    if (fs.existsSync(dir)) for (const file of walk(dir, [])) found.push([path.relative(repo, file), fs.readFileSync(file, "utf8")]);
  }
  const docs = path.join(repo, "docs");
  for (const name of fs.existsSync(docs) ? fs.readdirSync(docs).filter((n) => n.endsWith(".md")) : []) {
    let n = 0;
    for (const m of fs.readFileSync(path.join(docs, name), "utf8").matchAll(/```tejun\r?\n([\s\S]*?)```/g)) {
      found.push([`docs/${name}, example ${++n}`, m[1]]);
    }
  }
  return found;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope) =>
      grammars[scope] ? tm.parseRawGrammar(fs.readFileSync(grammars[scope], "utf8"), grammars[scope]) : null,
  });
  const grammar = await registry.loadGrammar("source.tejun");

  const all = texts();
  if (all.length === 0) throw new Error(`no runbooks found under ${repo}`);
  const failures = [];
  for (const [name, text] of all) {
    let stack = tm.INITIAL;
    let open = 0;
    const lines = text.split(/\r?\n/);
    lines.forEach((line, i) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      if (stack.depth > 1 && open === 0) open = i + 1;
      if (stack.depth === 1) open = 0;
    });
    if (stack.depth > 1) failures.push(`${name}: still inside a string, comment or block opened on line ${open}`);
  }
  for (const failure of failures) console.error(`✖ ${failure}`);
  console.log(`regions: ${all.length - failures.length} of ${all.length} runbooks and doc examples end at the top level`);
  if (failures.length) process.exit(1);
}

main().catch((error) => {
  console.error(`regions: ${error.stack || error}`);
  process.exit(1);
});
