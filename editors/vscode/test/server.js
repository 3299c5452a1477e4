// A manual check of the other half: starts `TEJUN lsp` the way the extension does (stdio, no extra
// arguments), opens a runbook with an error in it and waits for the server's diagnostics, then shuts
// the server down. Not part of ci.sh, since it needs a built tejun:
//
//     node test/server.js path/to/tejun [file.runbook]
"use strict";

const cp = require("child_process");
const fs = require("fs");
const path = require("path");
const rpc = require("vscode-jsonrpc/node");

const tejun = process.argv[2];
if (!tejun) {
  console.error("usage: node test/server.js path/to/tejun [file.runbook]");
  process.exit(2);
}
const file = path.resolve(process.argv[3] || path.join(__dirname, "grammar", "keywords.runbook"));
const uri = `file://${file}`;
const text = fs.readFileSync(file, "utf8");

const child = cp.spawn(tejun, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
const connection = rpc.createMessageConnection(
  new rpc.StreamMessageReader(child.stdout),
  new rpc.StreamMessageWriter(child.stdin),
);
const timer = setTimeout(() => {
  console.error("server: no diagnostics within 20 s");
  child.kill();
  process.exit(1);
}, 20000);

connection.onNotification("textDocument/publishDiagnostics", async (params) => {
  if (params.uri !== uri) return;
  clearTimeout(timer);
  console.log(`server: ${params.diagnostics.length} diagnostics for ${path.basename(file)}`);
  for (const d of params.diagnostics.slice(0, 5)) {
    console.log(`  ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code ?? ""} ${d.message.split("\n")[0]}`);
  }
  await connection.sendRequest("shutdown");
  connection.sendNotification("exit");
  child.on("exit", (code) => {
    console.log(`server: exited with ${code}`);
    process.exit(code === 0 ? 0 : 1);
  });
});
connection.listen();

(async () => {
  const init = await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { publishDiagnostics: {} } },
    clientInfo: { name: "tejun test/server.js" },
  });
  console.log(`server: ${init.serverInfo ? `${init.serverInfo.name} ${init.serverInfo.version ?? ""}` : "no serverInfo"}; capabilities: ${Object.keys(init.capabilities).join(", ")}`);
  connection.sendNotification("initialized", {});
  connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "tejun", version: 1, text } });
})().catch((error) => {
  console.error(`server: ${error.message}`);
  child.kill();
  process.exit(1);
});
