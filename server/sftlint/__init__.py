"""sftlint: lint fine-tuning datasets for chat models."""

__version__ = "0.1.0"
