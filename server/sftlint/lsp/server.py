"""`sftlint serve`: the language server, a thin list of handlers over the engine.

LSP types in, engine calls (through the modules beside this one), LSP types out.
Messages are read by `framing` (strict headers, a size limit) over the transports in
`transports` (stdio; TCP and WebSocket with one client, an `initialize` first, a token).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls import uris
from pygls.exceptions import JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from sftlint import __version__
from sftlint.lsp import actions, hover, ondisk, published, requests, symbols, trainerconfigs
from sftlint.lsp.config import ClientSettings
from sftlint.lsp.documents import LineDocument
from sftlint.lsp.guard import guarded
from sftlint.lsp.linting import Linting
from sftlint.lsp.masking import MaskService
from sftlint.lsp.progress import run_with_progress

CHECK_ON_DISK = "sftlint.checkFileOnDisk"
TEST_CRASH = "sftlint.test.crash"  # only with SFTLINT_TEST_COMMANDS=1: proves "never down"


class Protocol(LanguageServerProtocol):
    """pygls's protocol without its own text store: documents live in `LineDocument`s.

    The document notifications call sftlint's handler directly: pygls keeps one Future
    per notification whose handler is a generator (its own did_open/did_change/did_close
    are) and only a request's reply removes it, about 2 KB an edit never returned.
    """

    _server: SftlintServer

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            handler(params)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            handler(params)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            handler(params)

    def handle_message(self, message: Any) -> None:
        """After `shutdown` a request is refused with InvalidRequest (pygls drops it unanswered,
        so the client would wait for ever)."""
        method = getattr(message, "method", None)
        if self._server.shut_down and hasattr(message, "id") and method not in (None, lsp.EXIT):
            refused = JsonRpcInvalidRequest(f"{method}: the server is shut down")
            self._send_response(message.id, error=refused.to_response_error())
            return
        super().handle_message(message)


class SftlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "sftlint",
            __version__,
            protocol_cls=Protocol,
            converter_factory=published.converter,  # kept diagnostics' JSON made once
            max_workers=2,
        )
        self.linting = Linting(self._publish, self._warn)
        self.linting.refresh = self._refresh_diagnostics
        self.masks = MaskService(
            self.thread_pool,
            lambda title, fn: run_with_progress(self, title, lambda report: fn()),
        )
        self.masks.on_loaded = self._tokenizer_loaded
        self.masks.on_unusable = self._mask_unusable
        self.linting.masks = self.masks  # the loss-mask passes run on its pass thread
        self.configs = trainerconfigs.TrainerConfigs(self._publish)  # trainers' YAML configs
        self.show_ids = False
        self.html_hovers = False  # the client renders <span style> in hovers
        self.roots: tuple[str, ...] = ()
        self.shut_down = False  # `shutdown` answered: every later request is refused

    def _tokenizer_loaded(self) -> None:
        """A tokenizer finished loading: lint again, now with the L rules."""
        self.linting.reconfigure(self.linting.client)
        if not self.linting.push:
            self.workspace_diagnostic_refresh(None)

    def _mask_unusable(self, why: str) -> None:
        """A setting of the loss mask cannot load: say so once, in the log and to the user
        (files are still linted, without the L rules)."""
        message = f"sftlint: {why}; files are checked without the loss mask"
        self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
        self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=message))

    def _publish(self, uri: str, version: int | None, diagnostics: list[lsp.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            # A negative version is no version (the specification's versions only grow).
            lsp.PublishDiagnosticsParams(
                uri=uri,
                diagnostics=diagnostics,
                version=version if version is not None and version >= 0 else None,
            )
        )

    def _refresh_diagnostics(self) -> None:
        """Ask a pull client to pull diagnostics again."""
        self.workspace_diagnostic_refresh(None)

    def _warn(self, message: str) -> None:
        self.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message)
        )

    def configure(self, raw: Any) -> None:
        client = ClientSettings.parse(raw)
        client.roots, client.prepare = self.roots, self.masks.prepare
        self.show_ids = bool(
            isinstance(raw, dict) and (raw.get("sftlint", raw) or {}).get("hoverTokenIds")
        )
        self.linting.reconfigure(client)

    async def pull_configuration(self) -> None:
        caps = self.client_capabilities.workspace
        if caps is None or not caps.configuration:
            return
        result = await self.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="sftlint")])
        )
        if result and isinstance(result[0], dict):
            self.configure(result[0])


server = SftlintServer()


def feature(method: str, options: Any = None, *, request: bool = True):
    def register(fn):
        server.feature(method, options)(guarded(server, method, request=request)(fn))
        return fn

    return register


@feature(lsp.INITIALIZE)
def initialize(ls: SftlintServer, params: lsp.InitializeParams) -> None:
    general = params.capabilities.general
    if general is not None:
        general.position_encodings = [lsp.PositionEncodingKind.Utf16]  # our columns are UTF-16
    text = params.capabilities.text_document
    ls.linting.push = text is None or text.diagnostic is None
    markdown = general.markdown if general is not None else None
    ls.html_hovers = bool(markdown and markdown.allowed_tags and "span" in markdown.allowed_tags)
    folders = [f.uri for f in params.workspace_folders or []] or [params.root_uri or ""]
    ls.roots = tuple(p for p in (uris.to_fs_path(u) for u in folders if u) if p)
    ls.configure(params.initialization_options or {})


@feature(lsp.SHUTDOWN)
def on_shutdown(ls: SftlintServer, params: Any) -> None:
    ls.shut_down = True


@feature(lsp.INITIALIZED, request=False)
async def initialized(ls: SftlintServer, params: lsp.InitializedParams) -> None:
    await ls.pull_configuration()


@feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION, request=False)
async def did_change_configuration(
    ls: SftlintServer, params: lsp.DidChangeConfigurationParams
) -> None:
    if isinstance(params.settings, dict) and params.settings:
        ls.configure(params.settings)
    else:
        await ls.pull_configuration()
    if not ls.linting.push:
        ls.workspace_diagnostic_refresh(None)


@feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, request=False)
def did_change_watched_files(ls: SftlintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    from sftlint import settings as config

    paths = [uris.to_fs_path(c.uri) or c.uri for c in params.changes]
    if {Path(p).name for p in paths} & set(config.CONFIG_NAMES):
        config.clear_config_cache()
        ls.linting.reconfigure(ls.linting.client)
    ls.linting.files_changed(paths)  # split checks read sibling files from disk


@feature(lsp.TEXT_DOCUMENT_DID_OPEN, request=False)
def did_open(ls: SftlintServer, params: lsp.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    path = uris.to_fs_path(item.uri) or item.uri
    doc = LineDocument.from_text(item.uri, path, item.language_id, item.version, item.text)
    if trainerconfigs.wants(path, item.text):
        ls.configs.open(doc)
    elif ls.linting.client.wants(path, item.language_id, doc.lines[0][:4096]):
        ls.linting.open(doc)


@feature(lsp.TEXT_DOCUMENT_DID_CHANGE, request=False)
def did_change(ls: SftlintServer, params: lsp.DidChangeTextDocumentParams) -> None:
    state = ls.linting.documents.get(params.text_document.uri)
    config = ls.configs.open_docs.get(params.text_document.uri)
    if state is None and config is None:
        return
    doc = state.doc if state is not None else config.doc  # type: ignore[union-attr]
    splices = []
    for change in params.content_changes:
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            r = change.range
            splices.append(
                doc.apply(
                    (r.start.line, r.start.character), (r.end.line, r.end.character), change.text
                )
            )
        else:
            splices.append(doc.replace_all(change.text))
    if state is None:  # a trainer config: checked again whole (it is small)
        doc.version = params.text_document.version
        ls.configs.changed(params.text_document.uri)
        return
    # The edits apply whatever their number; a number older than the document's (a client
    # that went back) must not make the newest diagnostics look stale.
    version = max(state.doc.version, params.text_document.version)
    ls.linting.changed(params.text_document.uri, version, splices)


@feature(lsp.TEXT_DOCUMENT_DID_CLOSE, request=False)
def did_close(ls: SftlintServer, params: lsp.DidCloseTextDocumentParams) -> None:
    if params.text_document.uri in ls.configs.open_docs:
        ls.configs.close(params.text_document.uri)
        return
    ls.linting.close(params.text_document.uri)


@feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC, lsp.DiagnosticOptions(False, False, identifier="sftlint"))
async def diagnostic(
    ls: SftlintServer, params: lsp.DocumentDiagnosticParams
) -> lsp.RelatedFullDocumentDiagnosticReport:
    items = ls.configs.diagnostics(params.text_document.uri)
    if items is None:
        items = await ls.linting.current(params.text_document.uri)
    return lsp.RelatedFullDocumentDiagnosticReport(items=items)


@feature(lsp.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: SftlintServer, params: lsp.HoverParams) -> lsp.Hover | None:
    if params.text_document.uri in ls.configs.open_docs:
        return await ls.configs.hover(params.text_document.uri, params.position)
    state = ls.linting.documents.get(params.text_document.uri)
    if state is None:
        return None
    await ls.linting.current(params.text_document.uri)
    return await hover.hover(state, params.position, ls.masks, ls.show_ids, ls.html_hovers)


@feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=False),
)
async def code_action(ls: SftlintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    state = ls.linting.documents.get(params.text_document.uri)
    if state is None:
        return []
    await ls.linting.current(params.text_document.uri)
    return actions.code_actions(ls.linting, state, params)


@feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(
    ls: SftlintServer, params: lsp.DocumentSymbolParams
) -> list[lsp.DocumentSymbol]:
    state = ls.linting.documents.get(params.text_document.uri)
    return symbols.document_symbols(state) if state is not None else []


@feature(lsp.TEXT_DOCUMENT_INLAY_HINT)
async def inlay_hint(ls: SftlintServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    state = ls.linting.documents.get(params.text_document.uri)
    if state is None or not ls.linting.client.inlay_hints:
        return []
    return await symbols.inlay_hints(state, params.range, ls.masks)


@feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
def code_lens(ls: SftlintServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    return ls.configs.lenses(params.text_document.uri)


@server.command(trainerconfigs.CHECK_DATASET)
async def check_trainer_dataset(ls: SftlintServer, *args: Any) -> dict[str, int]:
    @guarded(ls, trainerconfigs.CHECK_DATASET, request=True)
    async def run() -> dict[str, int]:
        return await ls.configs.check_dataset(list(args), set(ls.linting.documents))

    return await run()


@feature(requests.ROW_TOKENS)
async def row_tokens(ls: SftlintServer, params: Any) -> dict[str, Any] | None:
    return await requests.row_tokens(ls.linting, ls.masks, params)


@feature(requests.FILE_STATS)
async def file_stats(ls: SftlintServer, params: Any) -> dict[str, Any] | None:
    return await requests.file_stats(ls.linting, ls.masks, params)


@server.command(CHECK_ON_DISK)
async def check_file_on_disk(ls: SftlintServer, *args: Any) -> dict[str, int]:
    @guarded(ls, CHECK_ON_DISK, request=True)
    async def run() -> dict[str, int]:
        if not args or not isinstance(args[0], str):
            raise ValueError(f"{CHECK_ON_DISK} takes one argument: a file URI")
        return await ondisk.check_file_on_disk(ls, ls.linting, args[0])

    return await run()


if os.environ.get("SFTLINT_TEST_COMMANDS") == "1":

    @server.command(TEST_CRASH)
    def crash(ls: SftlintServer, *args: Any) -> None:
        @guarded(ls, TEST_CRASH, request=True)
        def run() -> None:
            raise RuntimeError("crash requested by a test")

        run()


def serve(tcp: str | None = None, ws: str | None = None, token: str | None = None) -> int:
    """Serve over stdio, or on `HOST:PORT` over TCP or WebSocket; the process's exit code.

    The process ends with `os._exit`: a mask pass still running on a pool thread, or the
    stdin thread blocked in a read, must not keep a server the client told to exit alive.
    """
    from sftlint.lsp import transports

    if tcp or ws:
        host, _, port = (tcp or ws or "").rpartition(":")
        run = transports.run_tcp if tcp else transports.run_ws
        code = run(server, host or "127.0.0.1", int(port), token)
    else:
        code = transports.run_stdio(server)
    logging.shutdown()
    with contextlib.suppress(ValueError, OSError):  # `exit` closed stdout already
        sys.stdout.flush()
    os._exit(code)
