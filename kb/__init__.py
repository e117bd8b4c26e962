"""The knowledge base: entry schema (``schema``), loader (``loader``), lint, checks, and ``entries/*.yaml``.

Deliberately import-free: ``peft_why.kb.patterns`` must not pay for pydantic and yaml.
"""
