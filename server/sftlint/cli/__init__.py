"""The command-line face: `sftlint check / show / rules / rule / serve`."""
