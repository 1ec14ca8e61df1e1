// Custom requests the extension sends to `sftlint serve` besides standard LSP.
import { RequestType } from "vscode-languageclient/node";

/** `sftlint/rowTokens`: the row that contains `line` (0-based) as the trainer sees it; the
 * JSON shape of `sftlint show --json`. Null when the line is not inside a row. */
export interface RowTokensParams {
  uri: string;
  line: number;
}

export interface RowToken {
  id: number;
  /** The token's own text (the preview makes its whitespace visible). */
  text: string;
  /** Code-point offsets of the token in `rendered`. */
  start: number;
  end: number;
  trained: boolean;
  /** The turn (1-based, as `turn 2` in messages), null for template scaffolding. */
  turn: number | null;
  /** Why it is trained or masked ("assistant", "turn header", "end of turn", ...). */
  reason: string;
}

export interface JsonFinding {
  code: string;
  severity: string;
  message: string;
  location: { row: number; column: number };
}

export interface RowTokensResult {
  filename: string;
  /** 1-based line where the row starts, as `sftlint show PATH:ROW` takes it. */
  row: number;
  /** The row's detected format; null when the row is not a JSON object. */
  format: string | null;
  tokens: RowToken[];
  /** Per-turn summaries; `turn` is the `turn` of the tokens (1-based). */
  turns: { turn: number; role: string | null; tokens: number; trained: number }[];
  /** The text the tokenizer saw (chat template applied); null without tokens. */
  rendered: string | null;
  totals: { tokens: number; trained: number } | null;
  findings: JsonFinding[];
  /** Why there are no tokens (no tokenizer, a tokenizer that failed to load, ...). */
  message?: string;
}

export const RowTokensRequest = new RequestType<RowTokensParams, RowTokensResult | null, void>(
  "sftlint/rowTokens",
);

/** `sftlint/fileStats`: the effective tokenizer and strategy for a file and its trained share
 * (token counts null while no tokenizer is configured or the analysis is still running). */
export interface FileStatsParams {
  uri: string;
}

export interface FileStatsResult {
  tokenizer: string | null;
  chatTemplate: string | null;
  strategy: string | null;
  rows: number;
  tokens: number | null;
  trainedTokens: number | null;
}

export const FileStatsRequest = new RequestType<FileStatsParams, FileStatsResult | null, void>(
  "sftlint/fileStats",
);

/** JSON-RPC "method not found": the server predates the request. */
export const METHOD_NOT_FOUND = -32601;
