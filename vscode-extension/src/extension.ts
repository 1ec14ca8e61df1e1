// Entry point: wires the server, commands, preview and status bar together.
import * as vscode from "vscode";
import { ExecuteCommandRequest, ResponseError } from "vscode-languageclient/node";
import { MaskedPreview } from "./preview";
import { onDidChangePythonInterpreter } from "./python";
import { SftlintServer } from "./server";
import { StatusBar } from "./statusBar";

let server: SftlintServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("sftlint", { log: true });
  server = new SftlintServer(output, context.extensionPath);
  const preview = new MaskedPreview(context.extensionUri, server);
  const status = new StatusBar(server);
  context.subscriptions.push(output, server, preview, status);

  context.subscriptions.push(
    vscode.commands.registerCommand("sftlint.restart", () => server?.restart()),
    vscode.commands.registerCommand("sftlint.showOutput", () => output.show()),
    vscode.commands.registerCommand("sftlint.showMaskedPreview", () =>
      preview.show(vscode.window.activeTextEditor),
    ),
    vscode.commands.registerCommand("sftlint.checkFileOnDisk", (uri?: vscode.Uri) =>
      checkFileOnDisk(uri),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // The interpreter and the document selector are fixed per client: restart for those.
      if (e.affectsConfiguration("sftlint.interpreter") || e.affectsConfiguration("sftlint.datasetGlobs")) {
        void server?.restart();
      } else if (e.affectsConfiguration("sftlint")) {
        void server?.sendConfiguration();
        // Inlay hints are filtered client-side too: ask VS Code to re-query them.
        if (e.affectsConfiguration("sftlint.inlayHints")) void server?.refreshInlayHints();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server?.sendConfiguration()),
  );
  const py = await onDidChangePythonInterpreter(() => {
    if (!vscode.workspace.getConfiguration("sftlint").get<string>("interpreter")) void server?.restart();
  });
  if (py) context.subscriptions.push(py);
  await server.restart();
}

/** Lints a file from disk in the server (VS Code never hands files over 50 MB to extensions)
 * and shows the Problems panel with its diagnostics. */
async function checkFileOnDisk(arg?: vscode.Uri): Promise<void> {
  let uri = arg ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== "file") {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Datasets: ["jsonl", "json"] },
      title: "sftlint: check a file on disk",
    });
    uri = picked?.[0];
  }
  if (!uri || !server) return;
  const client = await server.ready();
  if (!client) {
    void vscode.window.showErrorMessage("sftlint: the server is not running.", "Show Output").then((p) => p && server?.output.show());
    return;
  }
  const name = vscode.workspace.asRelativePath(uri);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `sftlint: checking ${name}` },
      () =>
        client.sendRequest(ExecuteCommandRequest.type, {
          command: "sftlint.checkFileOnDisk",
          arguments: [uri.toString()],
        }),
    );
    await vscode.commands.executeCommand("workbench.actions.view.problems");
  } catch (e) {
    const missing = e instanceof ResponseError && e.code === -32601;
    const text = missing ? "this server has no sftlint.checkFileOnDisk command" : String(e instanceof Error ? e.message : e);
    void vscode.window.showErrorMessage(`sftlint: could not check ${name}: ${text}`);
  }
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
