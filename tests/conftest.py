"""Shared pytest fixtures and the ngspice skip rule."""

from __future__ import annotations

import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    if shutil.which("ngspice"):
        return
    skip = pytest.mark.skip(reason="ngspice is not installed (make test installs it through apt)")
    for item in items:
        if "requires_ngspice" in item.keywords:
            item.add_marker(skip)
