// Reading the `sftlint.*` settings and the workspace trust state from VS Code.
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import { type ExtensionSettings, type Translation, toServerConfig } from "./settings";

export function readSettings(scope?: vscode.Uri): ExtensionSettings {
  const c = vscode.workspace.getConfiguration("sftlint", scope);
  return {
    tokenizer: c.get<string>("tokenizer"),
    chatTemplate: c.get<string>("chatTemplate"),
    trainer: c.get<string>("trainer"),
    trainerVersion: c.get<string>("trainerVersion"),
    strategy: c.get<string>("strategy"),
    instructionPart: c.get<string>("instructionPart"),
    responsePart: c.get<string>("responsePart"),
    rolesToTrain: c.get<string[]>("rolesToTrain"),
    trainOnEos: c.get<string>("trainOnEos"),
    messageFieldTraining: c.get<string>("messageFieldTraining"),
    messageFieldTrainingDetail: c.get<string>("messageFieldTrainingDetail"),
    eotTokens: c.get<string[]>("eotTokens"),
    maxSeqLength: c.get<number | null>("maxSeqLength"),
    trainOnPrompt: c.get<boolean | null>("trainOnPrompt"),
    maskHistory: c.get<boolean | null>("maskHistory"),
    select: c.get<string[]>("select"),
    ignore: c.get<string[]>("ignore"),
    maxProblems: c.get<number>("maxProblems"),
    inlayHints: c.get<boolean>("inlayHints"),
    datasetGlobs: c.get<string[]>("datasetGlobs"),
  };
}

/** The server config for a resource (or the window), trust applied. */
export function serverConfig(scope?: vscode.Uri): Translation {
  const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : undefined;
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  // Relative paths resolve against the resource's own folder first.
  const own = folder?.uri.fsPath;
  const ordered = own ? [own, ...folders.filter((f) => f !== own)] : folders;
  return toServerConfig(readSettings(scope), {
    trusted: vscode.workspace.isTrusted,
    workspaceFolders: ordered,
    home: os.homedir(),
    exists: (p) => fs.existsSync(p),
  });
}

export function datasetGlobs(): string[] {
  return vscode.workspace.getConfiguration("sftlint").get<string[]>("datasetGlobs") ?? [];
}

/** Whether sftlint checks this document (every .jsonl; .json only when a glob matches). */
export function isDatasetDocument(doc: vscode.TextDocument): boolean {
  if (doc.languageId === "jsonl") return true;
  if (doc.languageId !== "json") return false;
  return datasetGlobs().some(
    (g) => vscode.languages.match({ language: "json", pattern: g }, doc) > 0,
  );
}
