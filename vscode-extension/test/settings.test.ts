import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  CONFIG_KEYS,
  configurationSection,
  kebabCase,
  loadsFromWorkspace,
  toServerConfig,
  type TrustContext,
} from "../src/settings";

const WS = "/home/u/proj";
const files = new Set([`${WS}/tok`, `${WS}/templates/chat.jinja`, `${WS}/org/local-model`]);
const ctx = (trusted: boolean): TrustContext => ({
  trusted,
  workspaceFolders: [WS],
  home: "/home/u",
  exists: (p) => files.has(p),
});

describe("kebabCase", () => {
  it("turns setting names into config keys", () => {
    assert.equal(kebabCase("chatTemplate"), "chat-template");
    assert.equal(kebabCase("trainOnEos"), "train-on-eos");
    assert.equal(kebabCase("select"), "select");
  });
});

describe("toServerConfig", () => {
  it("maps every setting to its kebab-case key and drops unset ones", () => {
    const { config, withheld } = toServerConfig(
      {
        tokenizer: "mistral-v3",
        chatTemplate: "",
        trainer: "unsloth",
        trainerVersion: "2026.9.6",
        strategy: "markers",
        instructionPart: "<|im_start|>user\n",
        responsePart: "<|im_start|>assistant\n",
        rolesToTrain: [],
        trainOnEos: "turn",
        messageFieldTraining: "train",
        messageFieldTrainingDetail: "train_detail",
        eotTokens: ["<|im_end|>"],
        maxSeqLength: 2048,
        trainOnPrompt: null,
        maskHistory: false,
        select: ["R", "C001"],
        ignore: ["K"],
        maxProblems: 500,
        inlayHints: false,
        datasetGlobs: ["**/data/*.json"],
      },
      ctx(true),
    );
    assert.deepEqual(config, {
      tokenizer: "mistral-v3",
      trainer: "unsloth",
      "trainer-version": "2026.9.6",
      strategy: "markers",
      "instruction-part": "<|im_start|>user\n",
      "response-part": "<|im_start|>assistant\n",
      "train-on-eos": "turn",
      "message-field-training": "train",
      "message-field-training-detail": "train_detail",
      "eot-tokens": ["<|im_end|>"],
      "max-seq-length": 2048,
      "mask-history": false,
      select: ["R", "C001"],
      ignore: ["K"],
      "max-problems": 500,
      "inlay-hints": false,
      files: ["**/data/*.json"],
      "workspace-trusted": true,
    });
    assert.deepEqual(withheld, []);
  });

  it("resolves workspace paths and ${workspaceFolder} against the first folder", () => {
    const { config } = toServerConfig(
      { tokenizer: "tok", chatTemplate: "${workspaceFolder}/templates/chat.jinja" },
      ctx(true),
    );
    assert.equal(config.tokenizer, `${WS}/tok`);
    assert.equal(config["chat-template"], `${WS}/templates/chat.jinja`);
  });

  it("keeps a Hugging Face repo id that is not a workspace path", () => {
    const { config } = toServerConfig({ tokenizer: "Qwen/Qwen2.5-0.5B-Instruct" }, ctx(false));
    assert.equal(config.tokenizer, "Qwen/Qwen2.5-0.5B-Instruct");
  });

  it("withholds workspace tokenizers and templates when the workspace is untrusted", () => {
    const { config, withheld } = toServerConfig(
      { tokenizer: "org/local-model", chatTemplate: "./templates/chat.jinja", strategy: "full" },
      ctx(false),
    );
    assert.deepEqual(config, { strategy: "full", "workspace-trusted": false });
    assert.deepEqual(
      withheld.map((w) => [w.setting, w.value]),
      [
        ["tokenizer", "org/local-model"],
        ["chatTemplate", "./templates/chat.jinja"],
      ],
    );
  });

  it("still sends built-in names and paths outside the workspace when untrusted", () => {
    const { config, withheld } = toServerConfig(
      { tokenizer: "/opt/models/tok", chatTemplate: "chatml" },
      ctx(false),
    );
    assert.equal(config.tokenizer, "/opt/models/tok");
    assert.equal(config["chat-template"], "chatml");
    assert.deepEqual(withheld, []);
  });

  it("withholds an absolute path inside the workspace and a ~ path that lands in it", () => {
    const untrusted = ctx(false);
    assert.equal(loadsFromWorkspace(`${WS}/tok`, [], untrusted), true);
    const { withheld } = toServerConfig({ tokenizer: "~/proj/tok" }, untrusted);
    assert.deepEqual(withheld.map((w) => w.value), ["~/proj/tok"]);
  });
});

describe("configurationSection", () => {
  const config = { tokenizer: "mistral-v3", "max-problems": 10 };
  it("answers the sftlint section with the whole translated config", () => {
    assert.deepEqual(configurationSection("sftlint", config), config);
    assert.deepEqual(configurationSection(undefined, config), config);
  });
  it("answers a sub-section by kebab or camel name, and null for other sections", () => {
    assert.equal(configurationSection("sftlint.maxProblems", config), 10);
    assert.equal(configurationSection("sftlint.max-problems", config), 10);
    assert.equal(configurationSection("sftlint.strategy", config), null);
    assert.equal(configurationSection("python", config), null);
  });
});

describe("settings and config keys", () => {
  // out/test/ -> the extension's package.json and the repository's config schema.
  const read = (p: string): Record<string, unknown> =>
    JSON.parse(fs.readFileSync(path.resolve(__dirname, p), "utf8")) as Record<string, unknown>;
  const manifest = read("../../package.json") as {
    contributes: { configuration: { properties: Record<string, unknown> } };
  };
  const schema = read("../../../schemas/config.schema.json") as {
    properties: Record<string, unknown>;
  };
  // Settings of the extension itself, never sent to the server as config keys.
  const clientOnly = ["interpreter", "trace.server"];

  it("maps every contributed setting to a config key, and nothing else", () => {
    const settings = Object.keys(manifest.contributes.configuration.properties)
      .map((name) => name.slice("sftlint.".length))
      .filter((name) => !clientOnly.includes(name));
    assert.deepEqual(settings.sort(), Object.keys(CONFIG_KEYS).sort());
  });

  it("has a setting for every mask key of the config schema", () => {
    const keys = Object.keys(schema.properties);
    // The mask keys follow `tokenizer` in the schema; canonical-check is a CI knob (how many
    // rows are compared with mistral-common), not an editor setting.
    const mask = keys.slice(keys.indexOf("tokenizer")).filter((k) => k !== "canonical-check");
    const sent = Object.values(CONFIG_KEYS);
    assert.deepEqual(mask.filter((k) => !sent.includes(k)), []);
    const editorOnly = ["inlay-hints", "files"]; // read by server/sftlint/lsp/config.py
    assert.deepEqual(sent.filter((k) => !keys.includes(k) && !editorOnly.includes(k)), []);
  });
});
