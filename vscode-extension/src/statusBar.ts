// Status bar item: tokenizer · strategy · trained share of the current file, and what is off
// (untrusted workspace, server not running, a .json file that is not a dataset).
import * as vscode from "vscode";
import { ResponseError } from "vscode-languageclient/node";
import { isDatasetDocument, readSettings, serverConfig } from "./config";
import { FileStatsRequest, type FileStatsResult, METHOD_NOT_FOUND } from "./protocol";
import type { SftlintServer } from "./server";

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("sftlint.status", vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private statsSupported = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly server: SftlintServer) {
    this.item.name = "sftlint";
    this.disposables.push(
      server.onDidChangeState(() => this.schedule(0)),
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration("sftlint") && this.schedule(200)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule(200)),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const uri = vscode.window.activeTextEditor?.document.uri.toString();
        if (uri && e.uris.some((u) => u.toString() === uri)) this.schedule(500);
      }),
    );
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  private async update(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || (doc.languageId !== "jsonl" && doc.languageId !== "json")) {
      this.item.hide();
      return;
    }
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = { enabledCommands: ["sftlint.showMaskedPreview", "sftlint.showOutput", "sftlint.restart", "workbench.action.openSettings"] };
    if (!isDatasetDocument(doc)) {
      this.item.text = "$(circle-slash) sftlint: not a dataset";
      tip.appendMarkdown("This `.json` file matches none of the `sftlint.datasetGlobs`, so sftlint leaves it alone.\n\n[Edit the globs](command:workbench.action.openSettings?%22sftlint.datasetGlobs%22)");
      this.show(tip, { title: "Settings", command: "workbench.action.openSettings", arguments: ["sftlint.datasetGlobs"] });
      return;
    }
    const state = this.server.state;
    if (state.kind !== "running") {
      const failed = state.kind === "failed";
      this.item.text = failed ? "$(error) sftlint: server not running" : "$(sync~spin) sftlint";
      tip.appendMarkdown(failed ? `${state.reason}\n\n[Show output](command:sftlint.showOutput) · [Restart](command:sftlint.restart)` : "Starting the sftlint server…");
      this.show(tip, failed ? "sftlint.showOutput" : undefined);
      return;
    }
    const { withheld } = serverConfig(doc.uri);
    const settings = readSettings(doc.uri);
    let stats: FileStatsResult | null = null;
    if (this.statsSupported && this.server.client) {
      try {
        stats = await this.server.client.sendRequest(FileStatsRequest, { uri: doc.uri.toString() });
      } catch (e) {
        if (e instanceof ResponseError && e.code === METHOD_NOT_FOUND) this.statsSupported = false;
      }
    }
    const tokenizer = stats ? stats.tokenizer : settings.tokenizer || null;
    const strategy = (stats ? stats.strategy : settings.strategy) || "assistant-only";
    const parts = [tokenizer ?? "no tokenizer", strategy];
    if (stats && stats.tokens) parts.push(`${Math.round((100 * (stats.trainedTokens ?? 0)) / stats.tokens)}% trained`);
    const restricted = !vscode.workspace.isTrusted;
    this.item.text = `${restricted ? "$(shield)" : "$(pass)"} sftlint: ${parts.join(" · ")}${restricted ? " · restricted" : ""}`;
    tip.appendMarkdown(`**sftlint** ${state.version} — ${this.server.interpreter?.command ?? ""}\n\n`);
    tip.appendMarkdown(`Tokenizer: \`${tokenizer ?? "none"}\` · strategy: \`${strategy}\``);
    if (stats) tip.appendMarkdown(` · ${stats.rows} rows${stats.tokens ? `, ${stats.tokens} tokens, ${stats.trainedTokens} trained` : ""}`);
    if (!this.statsSupported) tip.appendMarkdown("\n\n_The server does not answer `sftlint/fileStats`: trained share unavailable._");
    if (restricted) {
      tip.appendMarkdown("\n\n$(shield) **Restricted mode**: tokenizers and chat templates are not loaded from this untrusted workspace (templates are code)");
      if (withheld.length) tip.appendMarkdown(`; not sent: ${withheld.map((w) => `\`sftlint.${w.setting}\``).join(", ")}`);
      tip.appendMarkdown(".");
    }
    tip.appendMarkdown("\n\n[Masked preview](command:sftlint.showMaskedPreview) · [Settings](command:workbench.action.openSettings?%22sftlint%22) · [Output](command:sftlint.showOutput)");
    // Without a tokenizer the preview has nothing to show: the click goes to the setting.
    this.show(tip, tokenizer ? "sftlint.showMaskedPreview" : { title: "Settings", command: "workbench.action.openSettings", arguments: ["sftlint.tokenizer"] });
  }

  private show(tip: vscode.MarkdownString, command: string | vscode.Command | undefined): void {
    this.item.tooltip = tip;
    this.item.command = command;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
