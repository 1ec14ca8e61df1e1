// Starting, probing and restarting `python -m sftlint serve`, and the language client over it.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  type DocumentSelector,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { datasetGlobs, serverConfig } from "./config";
import {
  type Interpreter,
  describe,
  bundledWheel,
  installArgs,
  parseProbe,
  type Probe,
  probeArgs,
  resolveInterpreter,
  serverArgs,
} from "./interpreter";
import { pythonExtensionInterpreter } from "./python";
import { configurationSection } from "./settings";

/** Commands this extension contributes itself; the client must not register them again when
 * the server lists them in `executeCommandProvider` (VS Code rejects a duplicate command). */
export const OWN_COMMANDS = new Set([
  "sftlint.restart",
  "sftlint.showMaskedPreview",
  "sftlint.checkFileOnDisk",
  "sftlint.showOutput",
]);

export type ServerState =
  | { kind: "stopped" }
  | { kind: "starting" }
  | { kind: "running"; version: string }
  | { kind: "failed"; reason: string };

function which(name: string): string | undefined {
  const dirs = (process.env.PATH ?? "").split(process.platform === "win32" ? ";" : ":");
  const exts = process.platform === "win32" ? [".exe", ""] : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const p = `${dir}/${name}${ext}`;
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function runProbe(interp: Interpreter): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(
      interp.command,
      probeArgs(interp),
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        const spawnError =
          error && typeof (error as NodeJS.ErrnoException).code === "string"
            ? (error as NodeJS.ErrnoException)
            : undefined;
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve(parseProbe(code, stdout, stderr, spawnError));
      },
    );
  });
}

export class SftlintServer implements vscode.Disposable {
  client: LanguageClient | undefined;
  interpreter: Interpreter | undefined;
  state: ServerState = { kind: "stopped" };
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly output: vscode.LogOutputChannel,
    private readonly extensionPath = "",
  ) {}

  private setState(state: ServerState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  /** Serialised: a restart during a start waits for it. */
  restart(): Promise<void> {
    this.pending = this.pending.then(async () => {
      await this.stopNow();
      await this.startNow();
    });
    return this.pending;
  }

  stop(): Promise<void> {
    this.pending = this.pending.then(() => this.stopNow());
    return this.pending;
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5_000);
      } catch (e) {
        this.output.warn(`stopping the server: ${String(e)}`);
      }
      await client.dispose();
    }
    this.setState({ kind: "stopped" });
  }

  private async startNow(): Promise<void> {
    this.setState({ kind: "starting" });
    const folder = vscode.workspace.workspaceFolders?.[0];
    const interp = await resolveInterpreter({
      setting: vscode.workspace.getConfiguration("sftlint").get<string>("interpreter"),
      workspaceFolder: folder?.uri.fsPath,
      home: os.homedir(),
      pythonExtension: () => pythonExtensionInterpreter(folder?.uri),
      which,
      platform: process.platform,
    });
    this.interpreter = interp;
    this.output.info(`interpreter: ${describe(interp)}`);
    const probe = await runProbe(interp);
    if (probe.kind !== "ok") {
      this.reportProbe(interp, probe);
      return;
    }
    this.output.info(`sftlint ${probe.version}: starting ${[interp.command, ...serverArgs(interp)].join(" ")}`);
    const client = this.createClient(interp);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.client === client) {
        this.setState({ kind: "failed", reason: "the server stopped (see the sftlint output)" });
      }
    });
    try {
      await client.start();
      this.setState({ kind: "running", version: probe.version });
    } catch (e) {
      this.output.error(`the server did not start: ${String(e)}`);
      this.setState({ kind: "failed", reason: `the server did not start: ${String(e)}` });
      void this.notifyFailure(`sftlint: the server did not start with ${describe(interp)}.`);
    }
  }

  private reportProbe(interp: Interpreter, probe: Exclude<Probe, { kind: "ok" }>): void {
    const where = describe(interp);
    let message: string;
    let install = true;
    if (probe.kind === "no-python") {
      message = `sftlint: no Python interpreter at ${where}. Set "sftlint.interpreter" or select one in the Python extension.`;
      install = false;
      this.output.error(`${message}\n${probe.detail}`);
    } else if (probe.kind === "no-server") {
      message = `sftlint ${probe.version} in ${where} has no language server (sftlint serve). Upgrade it?`;
      this.output.error(message);
    } else {
      message = `sftlint is not installed in ${where}. Install it there?`;
      this.output.error(`sftlint is not importable in ${where}:\n${probe.detail}`);
    }
    this.setState({ kind: "failed", reason: message });
    const actions = install ? ["Install sftlint", "Choose Interpreter", "Show Output"] : ["Choose Interpreter", "Show Output"];
    void vscode.window.showErrorMessage(message, ...actions).then((pick) => {
      if (pick === "Install sftlint") void this.install(interp);
      if (pick === "Choose Interpreter") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "sftlint.interpreter");
      }
      if (pick === "Show Output") this.output.show();
    });
  }

  /** `pip install` sftlint into the interpreter, with progress; restarts on success. */
  async install(interp: Interpreter): Promise<void> {
    const folder = path.join(this.extensionPath, "bundled");
    const wheel = bundledWheel(fs.existsSync(folder) ? fs.readdirSync(folder) : []);
    const args = installArgs(interp, wheel && path.join(folder, wheel));
    this.output.info(`$ ${interp.command} ${args.join(" ")}`);
    const code = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Installing sftlint into ${interp.command}`,
        cancellable: true,
      },
      (progress, token) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(interp.command, args, { env: { ...process.env, PIP_NO_INPUT: "1" } });
          token.onCancellationRequested(() => child.kill());
          const onData = (data: Buffer) => {
            for (const line of data.toString().split(/\r?\n/).filter(Boolean)) {
              this.output.info(line);
              progress.report({ message: line.slice(0, 80) });
            }
          };
          child.stdout.on("data", onData);
          child.stderr.on("data", onData);
          child.on("error", (e) => {
            this.output.error(`${e}`);
            resolve(null);
          });
          child.on("close", resolve);
        }),
    );
    if (code === 0) {
      void vscode.window.showInformationMessage("sftlint installed: starting the server.");
      await this.restart();
    } else {
      void this.notifyFailure(`sftlint: installing into ${interp.command} failed (exit ${code}).`);
    }
  }

  private async notifyFailure(message: string): Promise<void> {
    if ((await vscode.window.showErrorMessage(message, "Show Output")) === "Show Output") {
      this.output.show();
    }
  }

  private createClient(interp: Interpreter): LanguageClient {
    const serverOptions: ServerOptions = {
      command: interp.command,
      args: serverArgs(interp),
      transport: TransportKind.stdio,
      options: { env: { ...process.env, PYTHONUNBUFFERED: "1" } },
    };
    const initial = serverConfig();
    for (const w of initial.withheld) this.output.warn(`not sent: sftlint.${w.setting} = ${w.value} (${w.reason})`);
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector(datasetGlobs()),
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: initial.config,
      middleware: {
        workspace: {
          // Answer with the server's kebab-case keys, trust applied, per scope.
          configuration: (params) =>
            params.items.map((item) =>
              configurationSection(
                item.section,
                serverConfig(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined).config,
              ),
            ),
        },
        // Honoured here too, so the setting works whatever the server does with `inlay-hints`.
        provideInlayHints: (document, range, token, next) =>
          vscode.workspace.getConfiguration("sftlint", document).get<boolean>("inlayHints", true)
            ? next(document, range, token)
            : [],
      },
      // The masked-turn hover draws tokens as <span style> chips: allow VS Code's HTML subset
      // (this also tells the server, through `general.markdown.allowedTags`, to send them).
      markdown: { supportHtml: true, isTrusted: false },
    };
    const client = new LanguageClient("sftlint", "sftlint", serverOptions, clientOptions);
    const feature = client.getFeature(ExecuteCommandRequest.method);
    const register = feature.register.bind(feature);
    feature.register = (data) =>
      register({
        ...data,
        registerOptions: {
          ...data.registerOptions,
          commands: data.registerOptions.commands.filter((c) => !OWN_COMMANDS.has(c)),
        },
      });
    return client;
  }

  /** Pushes the current settings (didChangeConfiguration); the server re-lints. */
  async sendConfiguration(): Promise<void> {
    const client = this.client;
    if (!client || client.state !== State.Running) return;
    const { config, withheld } = serverConfig();
    for (const w of withheld) this.output.warn(`not sent: sftlint.${w.setting} = ${w.value} (${w.reason})`);
    await client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { sftlint: config },
    });
  }

  refreshInlayHints(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) return;
    this.client?.getFeature("textDocument/inlayHint")?.getProvider(doc)?.onDidChangeInlayHints.fire();
  }

  /** The running client, starting the server first when needed. */
  async ready(): Promise<LanguageClient | undefined> {
    await this.pending;
    if (!this.client) await this.restart();
    return this.client?.state === State.Running ? this.client : undefined;
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }
}

/**
 * Every jsonl document; json documents only where a dataset glob matches; YAML files and
 * LLaMA-Factory's dataset_info.json, for trainer configs (the server attaches only to YAML
 * that is an Axolotl, LLaMA-Factory, TRL or mistral-finetune config).
 */
export function documentSelector(globs: string[]): DocumentSelector {
  return [
    { scheme: "file", language: "jsonl" },
    { scheme: "untitled", language: "jsonl" },
    ...globs.map((pattern) => ({ scheme: "file", language: "json", pattern })),
    { scheme: "file", language: "yaml" },
    { scheme: "file", language: "json", pattern: "**/dataset_info.json" },
  ];
}
