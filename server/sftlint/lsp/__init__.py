"""The language server (`sftlint serve`): pygls handlers over the engine."""
