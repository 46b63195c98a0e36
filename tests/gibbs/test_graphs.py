"""Graph builders, CSR construction, JSON reader and colouring."""

import json

import numpy as np
import pytest

from noisecircuits.errors import DataError, ParameterError
from noisecircuits.gibbs.colouring import check_colouring, colour_blocks, dsatur_colouring
from noisecircuits.gibbs.graphs import (
    DEGREE12_OFFSETS,
    erdos_renyi_edges,
    ising_from_dict,
    ising_from_json,
    ising_lattice,
    offset_pattern_edges,
    random_regular_edges,
)
from noisecircuits.gibbs.models import IsingModel, csr_from_edges


def test_csr_is_symmetric_and_sorted():
    indptr, indices, weights = csr_from_edges(4, [[0, 1], [2, 1], [3, 0]], [1.0, -2.0, 0.5])
    assert indptr.tolist() == [0, 2, 4, 5, 6]
    assert indices.tolist() == [1, 3, 0, 2, 1, 0]
    assert weights.tolist() == [1.0, 0.5, 1.0, -2.0, -2.0, 0.5]


@pytest.mark.parametrize(
    ("edges", "weights", "fragment"),
    [
        ([[0, 5]], [1.0], "outside 0..3"),
        ([[1, 1]], [1.0], "itself"),
        ([[0, 1], [1, 0]], [1.0, 1.0], "more than once"),
        ([[0, 1]], [float("nan")], "non-finite"),
    ],
)
def test_csr_rejects_bad_edges(edges, weights, fragment):
    with pytest.raises(DataError, match=fragment):
        csr_from_edges(4, edges, weights)


def test_lattice_neighbours_and_energy():
    model = ising_lattice(4, beta=0.3)
    assert np.all(model.degrees == 4)
    # all up: each of the 2 N bonds contributes -1
    assert model.energy(np.ones(16)) == pytest.approx(-32.0)
    dense = model.dense_couplings()
    assert np.allclose(dense, dense.T)
    assert dense[0, 1] == 1 and dense[0, 3] == 1 and dense[0, 4] == 1 and dense[0, 12] == 1


def test_local_fields_match_dense_product():
    rng = np.random.default_rng(3)
    edges = erdos_renyi_edges(12, 4, seed=1)
    model = IsingModel.from_edges(12, edges, rng.normal(size=len(edges)), rng.normal(size=12))
    spins = rng.choice([-1, 1], size=(5, 12))
    assert np.allclose(model.local_fields(spins), spins @ model.dense_couplings() + model.biases)


def test_degree12_pattern_is_regular_and_bipartite():
    n = 10
    edges = offset_pattern_edges(n, n)
    model = IsingModel.from_edges(n * n, edges, np.ones(len(edges)))
    assert np.all(model.degrees == 2 * len(DEGREE12_OFFSETS))
    colours = dsatur_colouring(model.indptr, model.indices)
    assert colours.max() == 1  # odd Manhattan offsets on an even torus: a checkerboard


def test_offset_pattern_too_small_grid():
    with pytest.raises(ParameterError, match="rows > 6"):
        offset_pattern_edges(6, 10)


def test_random_regular_is_simple_and_regular():
    edges = random_regular_edges(200, 7 + 1, seed=5)
    model = IsingModel.from_edges(200, edges, np.ones(len(edges)))  # raises on loops/duplicates
    assert np.all(model.degrees == 8)


def test_erdos_renyi_edge_count_within_binomial_bound():
    n, d = 2000, 8.0
    edges = erdos_renyi_edges(n, d, seed=7)
    IsingModel.from_edges(n, edges, np.ones(len(edges)))
    pairs, p = n * (n - 1) / 2, d / (n - 1)
    # the edge count is Binomial(pairs, p): 5 standard deviations
    assert abs(len(edges) - pairs * p) < 5 * np.sqrt(pairs * p * (1 - p))
    assert np.all(edges[:, 0] < edges[:, 1])


def test_dsatur_is_proper_on_random_graphs():
    for seed in range(3):
        edges = erdos_renyi_edges(300, 10, seed=seed)
        model = IsingModel.from_edges(300, edges, np.ones(len(edges)))
        colours = dsatur_colouring(model.indptr, model.indices)
        check_colouring(model.indptr, model.indices, colours)
        assert colours.max() < 12  # far below the trivial max-degree + 1 bound on these graphs


def test_check_colouring_rejects_clash_and_blocks_skip_clamped():
    model = ising_lattice(4, 1.0)
    with pytest.raises(ParameterError, match="same colour"):
        check_colouring(model.indptr, model.indices, np.zeros(16, dtype=int))
    colours = dsatur_colouring(model.indptr, model.indices)
    free = np.ones(16, dtype=bool)
    free[[0, 5]] = False
    nodes, ptr = colour_blocks(colours, free)
    assert sorted(nodes.tolist()) == sorted(set(range(16)) - {0, 5})
    assert ptr[-1] == 14


def test_json_model_round_trip(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"spins": 3, "beta": 0.5, "biases": [0.1, 0, -1], "couplings": [[0, 2, 1.5]]}))
    model = ising_from_json(path)
    assert model.beta == 0.5 and model.n_nodes == 3
    assert model.dense_couplings()[2, 0] == 1.5


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"spins": 2, "couplings": [[0, 2, 1.0]]}, "outside 0..1"),
        ({"spins": 2, "couplings": [[0, 0, 1.0]]}, "itself"),
        ({"spins": 2, "couplings": [[0, 1, 1.0], [1, 0, 2.0]]}, "more than once"),
        ({"spins": 2, "couplings": [[0, 1, "x"]]}, "finite number"),
        ({"spins": 2, "biases": [1.0]}, "list of 2 numbers"),
        ({"spins": 0}, "integer in 1.."),
        ({"spins": 2, "beta": -1}, ">= 0"),
        ({"spins": 2, "extra": 1}, "unknown key"),
        ({"spins": 2, "couplings": [[0.5, 1, 1.0]]}, "integer i, j"),
    ],
)
def test_json_model_errors_are_one_line(data, fragment):
    with pytest.raises(DataError, match=fragment) as info:
        ising_from_dict(data)
    assert "\n" not in str(info.value)


def test_json_file_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        ising_from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        ising_from_json(bad)
