// Translation of the extension's settings (VS Code camelCase) into the server's config keys
// (kebab-case, as in sftlint.toml). Pure: no `vscode` import, so it is unit-tested under node.
import * as path from "node:path";

/** The `sftlint.*` settings that configure the engine, as VS Code returns them. */
export interface ExtensionSettings {
  tokenizer?: string;
  chatTemplate?: string;
  trainer?: string;
  trainerVersion?: string;
  strategy?: string;
  instructionPart?: string;
  responsePart?: string;
  rolesToTrain?: string[];
  trainOnEos?: string;
  messageFieldTraining?: string;
  messageFieldTrainingDetail?: string;
  eotTokens?: string[];
  maxSeqLength?: number | null;
  trainOnPrompt?: boolean | null;
  maskHistory?: boolean | null;
  select?: string[];
  ignore?: string[];
  maxProblems?: number;
  inlayHints?: boolean;
  datasetGlobs?: string[];
}

/** Setting name -> server config key. Engine keys are those of schemas/config.schema.json;
 * `inlay-hints` and `files` (the dataset globs, as server/sftlint/lsp/config.py names them)
 * are editor-only keys the server reads from the client. */
export const CONFIG_KEYS: { readonly [K in keyof Required<ExtensionSettings>]: string } = {
  tokenizer: "tokenizer",
  chatTemplate: "chat-template",
  trainer: "trainer",
  trainerVersion: "trainer-version",
  strategy: "strategy",
  instructionPart: "instruction-part",
  responsePart: "response-part",
  rolesToTrain: "roles-to-train",
  trainOnEos: "train-on-eos",
  messageFieldTraining: "message-field-training",
  messageFieldTrainingDetail: "message-field-training-detail",
  eotTokens: "eot-tokens",
  maxSeqLength: "max-seq-length",
  trainOnPrompt: "train-on-prompt",
  maskHistory: "mask-history",
  select: "select",
  ignore: "ignore",
  maxProblems: "max-problems",
  inlayHints: "inlay-hints",
  datasetGlobs: "files",
};

/** Names the engine resolves itself, never a file: safe in any workspace. */
export const BUILTIN_TOKENIZERS = ["mistral-v1", "mistral-v3", "mistral-tekken"];
export const BUILTIN_TEMPLATES = [
  "tokenizer",
  "chatml",
  "llama3",
  "gemma3",
  "phi3",
  "phi4",
  "mistral-v3",
  "mistral-tekken",
];

export interface TrustContext {
  /** `vscode.workspace.isTrusted`. */
  trusted: boolean;
  /** Absolute paths of the workspace folders; relative paths resolve against the first. */
  workspaceFolders: string[];
  home: string;
  exists: (p: string) => boolean;
}

/** A setting that was not sent, and why (shown in the status bar and the output channel). */
export interface Withheld {
  setting: keyof ExtensionSettings;
  value: string;
  reason: string;
}

export interface ServerConfig {
  [key: string]: unknown;
}

export interface Translation {
  config: ServerConfig;
  withheld: Withheld[];
}

/** `chatTemplate` -> `chat-template`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Unset values (empty string, null, empty list) are not sent, so sftlint.toml keeps its say. */
function isUnset(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === "" ||
    (Array.isArray(value) && value.length === 0)
  );
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Expands `${workspaceFolder}` and `~`, and makes a relative path absolute when it exists in
 * the workspace folder. Anything else (a built-in name, a Hugging Face repo id) is kept as is. */
export function resolvePathSetting(value: string, ctx: TrustContext): string {
  const folder = ctx.workspaceFolders[0];
  let v = value.trim();
  if (folder) v = v.replace(/\$\{workspaceFolder\}/g, folder);
  if (v === "~" || v.startsWith("~/")) v = path.join(ctx.home, v.slice(1));
  if (path.isAbsolute(v) || !folder) return v;
  const candidate = path.resolve(folder, v);
  return ctx.exists(candidate) ? candidate : v;
}

/** Whether a tokenizer / chat template value would load a file from the workspace. */
export function loadsFromWorkspace(
  value: string,
  builtins: readonly string[],
  ctx: TrustContext,
): boolean {
  if (builtins.includes(value)) return false;
  if (path.isAbsolute(value)) return ctx.workspaceFolders.some((f) => isInside(value, f));
  // Relative: a path when it exists in some workspace folder or is spelled like one;
  // otherwise a repo id looked up in the Hugging Face cache (outside the workspace).
  if (value.startsWith(".") || value.endsWith(".jinja") || value.includes("\\")) return true;
  return ctx.workspaceFolders.some((f) => ctx.exists(path.resolve(f, value)));
}

/** The server config for these settings; in an untrusted workspace, tokenizers and chat
 * templates that would load from the workspace are withheld (templates are code). */
export function toServerConfig(settings: ExtensionSettings, ctx: TrustContext): Translation {
  const config: ServerConfig = {};
  const withheld: Withheld[] = [];
  for (const [name, key] of Object.entries(CONFIG_KEYS) as [keyof ExtensionSettings, string][]) {
    let value: unknown = settings[name];
    if (isUnset(value)) continue;
    // Markers are whitespace-significant ("<|im_start|>user\n"): only paths are trimmed.
    if (name === "tokenizer" || name === "chatTemplate") {
      const builtins = name === "tokenizer" ? BUILTIN_TOKENIZERS : BUILTIN_TEMPLATES;
      const resolved = resolvePathSetting(value as string, ctx);
      if (!ctx.trusted && loadsFromWorkspace(resolved, builtins, ctx)) {
        withheld.push({
          setting: name,
          value: value as string,
          reason: "untrusted workspace: not loaded from the workspace",
        });
        continue;
      }
      value = resolved;
    }
    config[key] = value;
  }
  // Tells the server to skip tokenizer / chat-template paths from config files in the workspace.
  config["workspace-trusted"] = ctx.trusted;
  return { config, withheld };
}

/** Answer to a `workspace/configuration` item: section `sftlint` is the whole config,
 * `sftlint.<key>` (kebab or camel) one value; other sections are not ours (null). */
export function configurationSection(section: string | undefined, config: ServerConfig): unknown {
  if (section === undefined || section === "sftlint") return config;
  if (!section.startsWith("sftlint.")) return null;
  const key = kebabCase(section.slice("sftlint.".length));
  return key in config ? config[key] : null;
}
