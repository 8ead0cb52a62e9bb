"""Jinja2 templates for derive.render (a package so that editable installs can find it)."""
