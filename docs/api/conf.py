"""Sphinx configuration for the offline API reference (built by tests/test_docs.py)."""

from __future__ import annotations

project = "aurora-sec"
author = "aurora-sec developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
root_doc = "index"
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False
html_theme = "alabaster"
