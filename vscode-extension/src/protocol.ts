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
  text: string;
  trained: boolean;
  /** Index of the turn (0-based), null for template scaffolding outside turns. */
  turn: number | null;
  reason?: string;
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
  tokens: RowToken[];
  findings: JsonFinding[];
  /** Optional: the turns' roles, index = `turn`. */
  turns?: { role: string | null }[];
  tokenizer?: string;
  strategy?: string;
  /** Optional: why there are no tokens (e.g. no tokenizer configured). */
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
