// Opens the packaged .vsix and checks what VS Code will load from it: the manifest's files are there,
// the grammar and language configuration are valid JSON, and the extension's main module loads with
// everything it requires (vscode-languageclient and its dependencies) from inside the package. The
// `vscode` module exists only inside VS Code, so a stand-in answers for it here.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");
const yauzl = require("yauzl");

const vsix = process.argv[2];
if (!vsix) {
  console.error("usage: node test/smoke.js PATH.vsix");
  process.exit(2);
}

function extract(file, into) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const names = [];
      zip.on("error", reject);
      zip.on("end", () => resolve(names));
      zip.on("entry", (entry) => {
        names.push(entry.fileName);
        const target = path.join(into, entry.fileName);
        if (!target.startsWith(into + path.sep)) return reject(new Error(`entry outside the package: ${entry.fileName}`));
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          stream.pipe(fs.createWriteStream(target)).on("finish", () => zip.readEntry()).on("error", reject);
        });
      });
      zip.readEntry();
    });
  });
}

/** Any property, call or `new` gives another stand-in, so module-level code such as `class X extends vscode.Y` works. */
function standIn() {
  const target = function () {};
  return new Proxy(target, {
    get: (_, key) => (key === "prototype" ? {} : key === Symbol.toPrimitive ? () => "" : standIn()),
    apply: () => standIn(),
    construct: () => standIn(),
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tejun-vsix-"));
  try {
    const names = await extract(vsix, dir);
    const root = path.join(dir, "extension");
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    const needed = [
      manifest.main,
      ...manifest.contributes.languages.map((l) => l.configuration),
      ...manifest.contributes.grammars.map((g) => g.path),
    ];
    for (const file of needed) {
      const full = path.join(root, file);
      if (!fs.existsSync(full)) throw new Error(`${file} is named in package.json but not in the package`);
      if (file.endsWith(".json")) JSON.parse(fs.readFileSync(full, "utf8"));
    }
    const grammar = JSON.parse(fs.readFileSync(path.join(root, manifest.contributes.grammars[0].path), "utf8"));
    if (grammar.scopeName !== manifest.contributes.grammars[0].scopeName) throw new Error("the grammar's scopeName differs from package.json");

    const load = Module._load;
    Module._load = function (request, ...rest) {
      return request === "vscode" ? standIn() : load.call(this, request, ...rest);
    };
    const main = require(path.join(root, manifest.main));
    Module._load = load;
    if (typeof main.activate !== "function" || typeof main.deactivate !== "function") {
      throw new Error(`${manifest.main} does not export activate and deactivate`);
    }
    console.log(`smoke: ${names.length} entries; ${needed.join(", ")} present; ${manifest.main} loads from the package`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`smoke: ${error.message}`);
  process.exit(1);
});
