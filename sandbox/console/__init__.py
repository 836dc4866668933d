"""The terminal console of `make demo`: what the user types, form answers, Block Kit as text, the chat loop."""

from sandbox.console.answers import parse_answer
from sandbox.console.cli import main
from sandbox.console.console import Console
from sandbox.console.demo import DemoStack, TrackedExecutor
from sandbox.console.input import ScriptInput, completions

__all__ = ["Console", "DemoStack", "ScriptInput", "TrackedExecutor", "completions", "main", "parse_answer"]
