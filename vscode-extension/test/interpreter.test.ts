import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describe as describeInterp,
  bundledWheel,
  installArgs,
  parseProbe,
  probeArgs,
  resolveInterpreter,
  serverArgs,
  type ResolveInputs,
} from "../src/interpreter";

const base = (over: Partial<ResolveInputs>): ResolveInputs => ({
  setting: "",
  workspaceFolder: "/ws",
  home: "/home/u",
  pythonExtension: async () => undefined,
  which: (name) => (name === "python3" ? "/usr/bin/python3" : undefined),
  platform: "linux",
  ...over,
});

describe("resolveInterpreter", () => {
  it("prefers the sftlint.interpreter setting over everything", async () => {
    let asked = false;
    const interp = await resolveInterpreter(
      base({
        setting: "/opt/venv/bin/python",
        pythonExtension: async () => {
          asked = true;
          return ["/other/python"];
        },
      }),
    );
    assert.deepEqual(interp, { command: "/opt/venv/bin/python", args: [], source: "setting" });
    assert.equal(asked, false);
  });

  it("expands ${workspaceFolder}, ~ and workspace-relative paths in the setting", async () => {
    const a = await resolveInterpreter(base({ setting: "${workspaceFolder}/.venv/bin/python" }));
    assert.equal(a.command, "/ws/.venv/bin/python");
    const b = await resolveInterpreter(base({ setting: "~/venv/bin/python" }));
    assert.equal(b.command, "/home/u/venv/bin/python");
    const c = await resolveInterpreter(base({ setting: ".venv/bin/python" }));
    assert.equal(c.command, "/ws/.venv/bin/python");
    const d = await resolveInterpreter(base({ setting: "python3.11" }));
    assert.equal(d.command, "python3.11");
  });

  it("uses the Python extension's interpreter, keeping its leading arguments", async () => {
    const interp = await resolveInterpreter(
      base({ pythonExtension: async () => ["conda", "run", "-n", "sft", "python"] }),
    );
    assert.deepEqual(interp, {
      command: "conda",
      args: ["run", "-n", "sft", "python"],
      source: "python-extension",
    });
    assert.deepEqual(serverArgs(interp), ["run", "-n", "sft", "python", "-m", "sftlint", "serve"]);
  });

  it("falls back to python3 on PATH when the Python extension has none or fails", async () => {
    const none = await resolveInterpreter(base({ pythonExtension: async () => [] }));
    assert.deepEqual(none, { command: "/usr/bin/python3", args: [], source: "path" });
    const broken = await resolveInterpreter(
      base({
        pythonExtension: async () => {
          throw new Error("extension failed to activate");
        },
      }),
    );
    assert.equal(broken.source, "path");
    assert.equal(broken.command, "/usr/bin/python3");
  });

  it("names python3 when nothing is on PATH, and python on Windows", async () => {
    const none = await resolveInterpreter(base({ which: () => undefined }));
    assert.deepEqual(none, { command: "python3", args: [], source: "path" });
    const win = await resolveInterpreter(
      base({ platform: "win32", which: (n) => (n === "python" ? "C:\\Py\\python.exe" : undefined) }),
    );
    assert.equal(win.command, "C:\\Py\\python.exe");
  });

  it("describes where the interpreter came from", async () => {
    const interp = await resolveInterpreter(base({}));
    assert.equal(describeInterp(interp), "/usr/bin/python3 (from PATH)");
  });
});

describe("probe", () => {
  const interp = { command: "py", args: ["-3.11"], source: "setting" as const };
  it("builds the probe and install commands on the interpreter's own arguments", () => {
    assert.deepEqual(probeArgs(interp).slice(0, 2), ["-3.11", "-c"]);
    assert.deepEqual(installArgs(interp), ["-3.11", "-m", "pip", "install", "--upgrade", "sftlint"]);
    assert.deepEqual(installArgs(interp, "/ext/bundled/sftlint-0.1.0-py3-none-any.whl"), [
      "-3.11", "-m", "pip", "install", "--upgrade", "/ext/bundled/sftlint-0.1.0-py3-none-any.whl",
    ]);
  });
  it("finds the wheel packaged with the extension", () => {
    assert.equal(bundledWheel(["README.md", "sftlint-0.1.0-py3-none-any.whl"]), "sftlint-0.1.0-py3-none-any.whl");
    assert.equal(bundledWheel(["other-1.0-py3-none-any.whl"]), undefined);
    assert.equal(bundledWheel([]), undefined);
  });
  it("reads the probe's outcome", () => {
    assert.deepEqual(parseProbe(0, "0.1.0 True\n", ""), { kind: "ok", version: "0.1.0" });
    assert.deepEqual(parseProbe(0, "0.0.9 False\n", ""), { kind: "no-server", version: "0.0.9" });
    assert.deepEqual(parseProbe(1, "", "ModuleNotFoundError: No module named 'sftlint'\n"), {
      kind: "missing",
      detail: "ModuleNotFoundError: No module named 'sftlint'",
    });
    const enoent = Object.assign(new Error("spawn python3 ENOENT"), { code: "ENOENT" });
    assert.deepEqual(parseProbe(null, "", "", enoent), {
      kind: "no-python",
      detail: "spawn python3 ENOENT",
    });
  });
});
