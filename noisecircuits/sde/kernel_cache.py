"""Generated kernel modules kept on disk so that numba can cache their machine code.

numba caches a function (``cache=True``) only if it lives in a source file, and its cache is
keyed on that file alone: it does not notice when a function the file imports changes. A
kernel specialised to a model is therefore written out as a small module
(:func:`generated_module`) whose *name* carries a fingerprint of everything its machine code
depends on: its own text and the source of every module it imports, followed transitively
through their imports (:func:`dependency_fingerprint`). Editing any of them, even a helper in
another file, gives a new module name and so a fresh compilation, never stale code.

The folder (:func:`kernel_directory`) is ``$NOISECIRCUITS_KERNEL_DIR``, else
``~/.cache/noisecircuits/kernels``, else ``<tmp>/noisecircuits-kernels-<uid>``. Code is
imported from it, so a folder that is not a real directory owned by the current user, or
that group or others may write to, is refused: another local user could otherwise plant a
module there first.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

from noisecircuits._io import atomic_write_text
from noisecircuits.errors import SimulationError

__all__ = ["generated_module", "kernel_directory", "dependency_fingerprint", "unsafe_directory_reason"]

#: Libraries whose installed version (not their source) keys the cache.
_VERSIONED_LIBRARIES = frozenset({"numpy", "numba", "llvmlite", "scipy"})

_GENERATION_LOCK = threading.RLock()
_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def unsafe_directory_reason(folder: Path) -> str | None:
    """Why ``folder`` may not hold importable code, or None when it may.

    It must be a directory (not a symbolic link), owned by the current user, writable by
    them and not writable by group or others.
    """
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"cannot be inspected ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"is owned by another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "is not writable"
    return None


def kernel_directory() -> Path:
    """Folder of generated kernel modules, created (mode 700) if missing.

    ``$NOISECIRCUITS_KERNEL_DIR`` when set (refused if unsafe), else the user cache
    ``~/.cache/noisecircuits/kernels``, else ``<tmp>/noisecircuits-kernels-<uid>``; a candidate
    that cannot be created or is unsafe (see :func:`unsafe_directory_reason`) is skipped.

    Raises
    ------
    SimulationError
        When the configured folder is unsafe, or no candidate is usable.
    """
    configured = os.environ.get("NOISECIRCUITS_KERNEL_DIR")
    if configured:
        folder = Path(configured)
        reason = _prepare(folder)
        if reason:
            raise SimulationError(f"NOISECIRCUITS_KERNEL_DIR {configured!r} {reason}; "
                                  "give a directory of your own that only you can write")
        return folder
    candidates = []
    try:
        candidates.append(Path.home() / ".cache" / "noisecircuits" / "kernels")
    except RuntimeError:  # no home directory
        pass
    user = getattr(os, "getuid", lambda: "user")()
    candidates.append(Path(tempfile.gettempdir()) / f"noisecircuits-kernels-{user}")
    refused = []
    for folder in candidates:
        reason = _prepare(folder)
        if reason is None:
            return folder
        refused.append(f"{str(folder)!r} {reason}")
    raise SimulationError("no safe folder for generated kernels: " + "; ".join(refused)
                          + "; set NOISECIRCUITS_KERNEL_DIR to a directory only you can write")


def _prepare(folder: Path) -> str | None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot be created ({exc.strerror})"
    return unsafe_directory_reason(folder)


def _file_digest(path: str) -> str:
    info = os.stat(path)
    key = (path, info.st_mtime_ns, info.st_size)
    digest = _FILE_DIGESTS.get(key)
    if digest is None:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        _FILE_DIGESTS[key] = digest
    return digest


def _imported_names(source: str, package: str | None) -> set[str]:
    """Absolute names of the modules ``source`` imports anywhere (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            try:
                module = importlib.util.resolve_name(base, package) if node.level else base
            except (ImportError, ValueError):
                continue
            names.add(module)
            # ``from package import submodule`` depends on the submodule's source too
            names.update(f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in sys.modules)
    return names


def _installed(origin: str | None) -> bool:
    return bool(origin) and any(part in ("site-packages", "dist-packages") for part in Path(origin).parts)


def _library_version(top: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(top)
    except metadata.PackageNotFoundError:
        return str(getattr(sys.modules.get(top), "__version__", "?"))


def _spec(name: str):
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__spec__", None) is not None:
        return module.__spec__
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def _module_key(name: str) -> tuple[str, str | None, str | None]:
    """(digest, source text or None, package) of module ``name`` for the fingerprint.

    Nothing is imported here except the parent packages of a local module (to locate it).
    """
    top = name.partition(".")[0]
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return f"python {sys.version_info[:3]}", None, None
    top_spec = _spec(top)
    if top_spec is None:
        return "missing", None, None
    if top in _VERSIONED_LIBRARIES or _installed(top_spec.origin):
        return f"{top} {_library_version(top)}", None, None
    spec = top_spec if name == top else _spec(name)
    path = getattr(spec, "origin", None)
    if not path or not path.endswith(".py") or not os.path.isfile(path):
        return "no source", None, None
    package = name if spec.submodule_search_locations is not None else name.rpartition(".")[0]
    return _file_digest(path), Path(path).read_text(encoding="utf-8"), package or None


def dependency_fingerprint(source: str, package: str | None = None) -> str:
    """SHA-256 (16 hex digits) of ``source`` and of every module it depends on [-].

    Dependencies are the modules ``source`` imports, followed through their own imports.
    Standard-library modules count by the Python version and numpy/numba/llvmlite/scipy by
    their installed version; every other module by the bytes of its source file.

    Parameters
    ----------
    source : str
        Python module text [-].
    package : str, optional
        Package against which relative imports in ``source`` resolve [-].
    """
    digest = hashlib.sha256(source.encode())
    seen: dict[str, str] = {}
    pending = sorted(_imported_names(source, package))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        key, text, module_package = _module_key(name)
        seen[name] = key
        if text is not None:
            pending.extend(sorted(_imported_names(text, module_package) - seen.keys()))
    for name in sorted(seen):
        digest.update(f"\n{name}={seen[name]}".encode())
    return digest.hexdigest()[:16]


def generated_module(prefix: str, source: str):
    """Import Python ``source`` as a module kept in a file, so numba can cache its functions.

    The file lives in :func:`kernel_directory` under the name
    ``noisecircuits_generated_<prefix>_<fingerprint>``, where the fingerprint
    (:func:`dependency_fingerprint`) covers ``source`` and everything it imports, so an edit
    of any dependency selects a new file and a fresh compilation. It is written atomically
    (once), registered in ``sys.modules`` under that name (generated modules may import
    each other) and memoised.

    Parameters
    ----------
    prefix : str
        Readable part of the module name, e.g. ``"circuit"`` [-].
    source : str
        The module text; relative imports are not allowed in it [-].

    Returns
    -------
    module
    """
    with _GENERATION_LOCK:  # one module object per name, also when threads ask at once
        fingerprint = dependency_fingerprint(source)
        name = f"noisecircuits_generated_{prefix}_{fingerprint}"
        if name in sys.modules:
            return sys.modules[name]
        text = source + f"# dependency fingerprint {fingerprint}\n"
        path = kernel_directory() / f"{name}.py"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
        return module
