"""Property: whatever is done to a finished sweep directory, a resume gives the uninterrupted table or one clear line."""

from __future__ import annotations

import json
import shutil
import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noisecircuits.errors import NoisecircuitsError
from noisecircuits.sweeps import SweepSpec, load_results, run_sweep
from noisecircuits.sweeps.runner import SweepCheckpointWarning

# 6 telegraph points of 20 µs each: a resume that recomputes everything takes well under a second
SPEC = SweepSpec("telegraph", [290.0, 310.0], [-0.01, 0.0, 0.01], seed=9, duration=2e-5)
FILES = ["manifest.json", "results.parquet", "points/0", "points/1", "points/2", "points/5", "points/3"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)

operations = st.one_of(
    st.tuples(st.just("delete")),
    st.tuples(st.just("mkdir")),
    st.tuples(st.just("symlink"), st.sampled_from(FILES)),
    st.tuples(st.just("truncate"), st.integers(0, 4000)),
    st.tuples(st.just("flip"), st.integers(0, 4000), st.integers(1, 255)),
    st.tuples(st.just("bytes"), st.binary(max_size=64)),
    st.tuples(st.just("json"), json_values),
    st.tuples(st.just("copy"), st.sampled_from(FILES)),
    st.tuples(st.just("edit-row"), st.sampled_from(["p_one", "n_ones", "temperature_K", "seed"]), json_values),
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "sweep"
    run_sweep(SPEC, out, show_progress=False)
    return out, load_results(out)


def _resolve(directory, name):
    if name.startswith("points/"):
        points = sorted((directory / "points").glob("*.json"))
        return points[int(name.split("/")[1]) % len(points)] if points else directory / "points" / "none.json"
    return directory / name


def _apply(directory, name, operation):
    path = _resolve(directory, name)
    kind = operation[0]
    if kind in ("delete", "mkdir", "symlink"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        if kind == "mkdir":
            path.mkdir()
        elif kind == "symlink":
            path.symlink_to(_resolve(directory, operation[1]))
        return
    if path.is_dir():
        return
    if not path.exists():
        return
    data = path.read_bytes()
    if kind == "truncate":
        path.write_bytes(data[: operation[1] % (len(data) + 1)])
    elif kind == "flip":
        if data:
            i = operation[1] % len(data)
            path.write_bytes(data[:i] + bytes([data[i] ^ operation[2]]) + data[i + 1 :])
    elif kind == "bytes":
        path.write_bytes(operation[1])
    elif kind == "json":
        path.write_text(json.dumps(operation[1]))
    elif kind == "copy":
        source = _resolve(directory, operation[1])
        if source.is_file() and source.resolve() != path.resolve():
            shutil.copyfile(source, path)
    elif kind == "edit-row":
        try:
            document = json.loads(data)
            document["row"][operation[1]] = operation[2]
        except (ValueError, TypeError, KeyError):
            return
        path.write_text(json.dumps(document))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corruptions=st.lists(st.tuples(st.sampled_from(FILES), operations), min_size=1, max_size=3))
def test_resume_is_exact_or_one_clear_line(finished, tmp_path_factory, corruptions):
    source, reference = finished
    directory = tmp_path_factory.mktemp("corrupt") / "sweep"
    shutil.copytree(source, directory)
    for name, operation in corruptions:
        _apply(directory, name, operation)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            run_sweep(SPEC, directory, show_progress=False)
        except NoisecircuitsError as exc:
            message = str(exc)
            assert message and "\n" not in message
            assert "--force" in message or "another --out" in message
            return
    for warning in caught:
        assert issubclass(warning.category, SweepCheckpointWarning) and "\n" not in str(warning.message)
    pd.testing.assert_frame_equal(load_results(directory), reference, check_exact=True)
