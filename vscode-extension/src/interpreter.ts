// Which Python runs the server: the `sftlint.interpreter` setting, else the Python extension's
// active interpreter, else `python3` on PATH. Pure: no `vscode` import (unit-tested under node).
import * as path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "path";

export interface Interpreter {
  /** Executable, then its own leading arguments (e.g. `conda run -n env python`). */
  command: string;
  args: string[];
  source: InterpreterSource;
}

export interface ResolveInputs {
  /** `sftlint.interpreter` (may use `${workspaceFolder}` and `~`). */
  setting: string | undefined;
  workspaceFolder: string | undefined;
  home: string;
  /** The Python extension's active interpreter command, or undefined when it is not
   * installed or has none selected. */
  pythonExtension: () => Promise<string[] | undefined>;
  /** PATH lookup, as `which`. */
  which: (name: string) => string | undefined;
  platform: NodeJS.Platform;
}

export async function resolveInterpreter(inputs: ResolveInputs): Promise<Interpreter> {
  const setting = inputs.setting?.trim();
  if (setting) {
    let exe = setting;
    if (inputs.workspaceFolder) exe = exe.replace(/\$\{workspaceFolder\}/g, inputs.workspaceFolder);
    if (exe === "~" || exe.startsWith("~/")) exe = path.join(inputs.home, exe.slice(1));
    // A relative path with a separator is relative to the workspace folder; a bare name is
    // looked up on PATH by the spawn itself.
    if (!path.isAbsolute(exe) && /[\\/]/.test(exe) && inputs.workspaceFolder) {
      exe = path.resolve(inputs.workspaceFolder, exe);
    }
    return { command: exe, args: [], source: "setting" };
  }
  let fromExtension: string[] | undefined;
  try {
    fromExtension = await inputs.pythonExtension();
  } catch {
    fromExtension = undefined; // a broken Python extension must not keep the server down
  }
  if (fromExtension && fromExtension.length > 0 && fromExtension[0]) {
    return { command: fromExtension[0], args: fromExtension.slice(1), source: "python-extension" };
  }
  const names = inputs.platform === "win32" ? ["python", "py"] : ["python3", "python"];
  for (const name of names) {
    const found = inputs.which(name);
    if (found) return { command: found, args: [], source: "path" };
  }
  return { command: names[0], args: [], source: "path" };
}

export function describe(interp: Interpreter): string {
  const cmd = [interp.command, ...interp.args].join(" ");
  const from = {
    setting: "the sftlint.interpreter setting",
    "python-extension": "the Python extension's active interpreter",
    path: "PATH",
  }[interp.source];
  return `${cmd} (from ${from})`;
}

/** Arguments that start the language server over stdio. */
export function serverArgs(interp: Interpreter): string[] {
  return [...interp.args, "-m", "sftlint", "serve"];
}

/** Prints `<version> <has-server>`; exits non-zero when sftlint is not importable. Whether
 * `serve` exists is asked of the CLI itself (`serve --help` exits 0 only when it does). */
export const PROBE_CODE =
  "import subprocess, sys, sftlint; " +
  "r = subprocess.run([sys.executable, '-m', 'sftlint', 'serve', '--help'], capture_output=True); " +
  "print(getattr(sftlint, '__version__', '?'), r.returncode == 0)";

export function probeArgs(interp: Interpreter): string[] {
  return [...interp.args, "-c", PROBE_CODE];
}

/** `pip install` of the wheel packaged inside the extension (the server the extension was
 * built and tested with, installable offline), else of `sftlint` from the package index. */
export function installArgs(interp: Interpreter, wheel?: string): string[] {
  return [...interp.args, "-m", "pip", "install", "--upgrade", wheel ?? "sftlint"];
}

/** The sftlint wheel in the extension's `bundled/` folder, if the package has one. */
export function bundledWheel(files: readonly string[]): string | undefined {
  return files.filter((f) => /^sftlint-[^-]+-.*\.whl$/.test(f)).sort().pop();
}

export type Probe =
  | { kind: "ok"; version: string }
  | { kind: "no-server"; version: string }
  | { kind: "missing"; detail: string }
  | { kind: "no-python"; detail: string };

/** Reads the probe's outcome: exit code, stdout, stderr, and the spawn error if any. */
export function parseProbe(
  code: number | null,
  stdout: string,
  stderr: string,
  spawnError?: NodeJS.ErrnoException,
): Probe {
  if (spawnError) return { kind: "no-python", detail: spawnError.message };
  if (code === 0) {
    const [version = "?", hasServer = "False"] = stdout.trim().split(/\s+/);
    return hasServer === "True" ? { kind: "ok", version } : { kind: "no-server", version };
  }
  return { kind: "missing", detail: stderr.trim() || `exit code ${code}` };
}
