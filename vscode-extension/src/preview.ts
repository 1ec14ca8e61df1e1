// The masked preview: a webview beside the editor showing the row under the cursor as the
// trainer sees it (token chips, trained vs masked, per-turn counts, the row's findings).
import * as crypto from "node:crypto";
import * as vscode from "vscode";
import { ResponseError } from "vscode-languageclient/node";
import { isDatasetDocument } from "./config";
import { METHOD_NOT_FOUND, RowTokensRequest, type RowTokensResult } from "./protocol";
import type { SftlintServer } from "./server";

/** What the webview script renders (media/preview.js). */
export type PreviewMessage =
  | { kind: "row"; file: string; line: number; data: RowTokensResult }
  | { kind: "notice"; title: string; text: string };

export class MaskedPreview implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private lastEditor: vscode.TextEditor | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly server: SftlintServer,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (this.panel && isDatasetDocument(e.textEditor.document)) this.schedule(e.textEditor, 120);
      }),
      vscode.window.onDidChangeActiveTextEditor((ed) => {
        if (this.panel && ed && isDatasetDocument(ed.document)) this.schedule(ed, 0);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const ed = this.lastEditor;
        if (this.panel && ed && e.document === ed.document) this.schedule(ed, 300);
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(editor: vscode.TextEditor | undefined): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        "sftlint.maskedPreview",
        "sftlint: masked preview",
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media")],
          retainContextWhenHidden: false,
        },
      );
      this.panel.webview.html = this.html(this.panel.webview);
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
      // The webview asks for its content once its script runs.
      this.panel.webview.onDidReceiveMessage((m: { kind?: string } | undefined) => {
        if (m?.kind === "ready" && this.lastEditor) this.schedule(this.lastEditor, 0);
      });
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    const target = editor && isDatasetDocument(editor.document) ? editor : this.lastEditor;
    if (target) this.schedule(target, 0);
    else this.post({ kind: "notice", title: "No dataset open", text: "Open a .jsonl file (or a .json file matching sftlint.datasetGlobs) and put the cursor in a row." });
  }

  private schedule(editor: vscode.TextEditor, delay: number): void {
    this.lastEditor = editor;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(editor), delay);
  }

  private async update(editor: vscode.TextEditor): Promise<void> {
    const generation = ++this.generation;
    const doc = editor.document;
    const line = editor.selection.active.line;
    const client = await this.server.ready();
    if (!client) {
      const why = this.server.state.kind === "failed" ? this.server.state.reason : "the server is not running";
      this.post({ kind: "notice", title: "sftlint server not running", text: why });
      return;
    }
    let message: PreviewMessage;
    try {
      const data = await client.sendRequest(RowTokensRequest, { uri: doc.uri.toString(), line });
      message = data
        ? { kind: "row", file: vscode.workspace.asRelativePath(doc.uri), line, data }
        : { kind: "notice", title: `Line ${line + 1} is not inside a row`, text: "Move the cursor onto a row." };
    } catch (e) {
      message =
        e instanceof ResponseError && e.code === METHOD_NOT_FOUND
          ? {
              kind: "notice",
              title: "Server feature missing: sftlint/rowTokens",
              text: "This sftlint server does not answer the sftlint/rowTokens request the preview needs. Upgrade sftlint in the interpreter the extension uses.",
            }
          : { kind: "notice", title: "The server could not show this row", text: String(e instanceof Error ? e.message : e) };
    }
    if (generation === this.generation) this.post(message);
  }

  private post(message: PreviewMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(16).toString("base64");
    const media = (f: string) =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "media", f)).toString();
    // Strict CSP: only our own script (by nonce) and stylesheet; no remote anything.
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource}`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media("preview.css")}">
<title>sftlint: masked preview</title>
</head>
<body>
<header id="header"><h1 id="title">sftlint masked preview</h1><div id="summary"></div>
<div id="legend" aria-label="legend"><span class="tok trained">trained</span> <span class="tok masked">masked</span></div></header>
<main id="content"><p class="notice">Waiting for the server…</p></main>
<script nonce="${nonce}" src="${media("preview.js")}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
