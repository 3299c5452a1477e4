// The tejun extension: starts `tejun lsp` (the language server, over stdio) for tejun files.
//
// Highlighting needs no code: the grammar and the language configuration are declared in
// package.json. This file only manages the language client: it starts the server the first time a
// tejun file opens, restarts it when `tejun.path` changes or on the restart command, and says
// plainly when the executable cannot be started instead of failing silently.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

/** The executable that `tejun.path` names (`tejun` on PATH by default). */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration("tejun").get("path");
  return typeof configured === "string" && configured.trim() !== "" ? configured.trim() : "tejun";
}

async function start() {
  const command = serverCommand();
  // No `transport`: the client then talks over the child's stdin and stdout without adding the
  // `--stdio` argument it adds for `TransportKind.stdio`; the command line is exactly `tejun lsp`.
  const run = { command, args: ["lsp"] };
  client = new LanguageClient(
    "tejun",
    "tejun language server",
    { run, debug: run },
    {
      documentSelector: [
        { scheme: "file", language: "tejun" },
        { scheme: "untitled", language: "tejun" },
      ],
      outputChannel: output,
    },
  );
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `tejun: could not start \`${command} lsp\` (${message}). Install tejun or set \`tejun.path\` to its executable.`,
      "Open Settings",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "tejun.path");
    }
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // A server that already exited cannot be stopped again; there is nothing left to clean up.
    }
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel("tejun");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("tejun.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("tejun.path")) {
        return restart();
      }
      return undefined;
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
