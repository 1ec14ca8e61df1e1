// ESLint flat config: the recommended JavaScript rules everywhere, typescript-eslint's
// type-checked recommended rules over the extension's TypeScript sources and tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "out/", "bundled/", "node_modules/", "*.mjs"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // node:test awaits what describe() and it() return; stubs implement async interfaces.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // The preview webview's script: plain browser JavaScript.
    files: ["media/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { acquireVsCodeApi: "readonly", window: "readonly", document: "readonly" },
    },
  },
);
