"""The seeded normal streams: distribution, independence and seeding rules."""

import numpy as np
import pytest
from scipy import stats

from noisecircuits.errors import ParameterError
from noisecircuits.sde.noise import PATHS_PER_BLOCK, brownian_increments, path_states, seed_sequence, standard_normals


@pytest.fixture(scope="module")
def normals():
    return standard_normals(20261120, 4, 500_000).ravel()


def test_normals_follow_the_standard_normal_law(normals):
    # KS statistic for N = 2e6 exact N(0,1) draws exceeds the p = 1e-3 critical value with probability 1e-3
    assert stats.kstest(normals, "norm").pvalue > 1e-3
    n = normals.size
    # mean and variance within 4 standard errors (SE 1/sqrt(n) and sqrt(2/n))
    assert abs(normals.mean()) < 4 / np.sqrt(n)
    assert abs(normals.var() - 1.0) < 4 * np.sqrt(2.0 / n)


@pytest.mark.parametrize("cut", [2.0, 3.0, 3.6541528853610088, 4.0])
def test_tail_frequencies_match_the_normal_tail(normals, cut):
    # exercises the ziggurat's wedges and its tail beyond r = 3.654; binomial SE of the count
    p = 2 * stats.norm.sf(cut)
    observed = np.mean(np.abs(normals) > cut)
    assert abs(observed - p) < 4 * np.sqrt(p * (1 - p) / normals.size)


def test_stream_of_a_path_does_not_depend_on_the_number_of_paths():
    many = standard_normals(7, 3 * PATHS_PER_BLOCK + 5, 50)
    few = standard_normals(7, PATHS_PER_BLOCK + 2, 50)
    assert np.array_equal(many[: PATHS_PER_BLOCK + 2], few)
    offset = path_states(7, 3, first_path=PATHS_PER_BLOCK - 1)
    assert np.array_equal(offset, path_states(7, PATHS_PER_BLOCK + 2)[PATHS_PER_BLOCK - 1 :])


def test_paths_are_uncorrelated():
    z = standard_normals(11, 2 * PATHS_PER_BLOCK, 20_000)
    corr = np.corrcoef(z)[np.triu_indices(z.shape[0], 1)]
    # sample correlation of independent series has SE 1/sqrt(n); 5 SE over ~8000 pairs
    assert np.max(np.abs(corr)) < 5 / np.sqrt(z.shape[1])


def test_different_seeds_give_different_streams():
    assert not np.array_equal(standard_normals(1, 1, 10), standard_normals(2, 1, 10))
    assert np.array_equal(standard_normals(np.random.SeedSequence(5), 2, 10), standard_normals(5, 2, 10))


def test_brownian_increments_scale_with_dt():
    dw = brownian_increments(3, 2, 1000, 2, 0.25)
    assert dw.shape == (2, 1000, 2)
    assert np.array_equal(dw.reshape(2, -1), 0.5 * standard_normals(3, 2, 2000))


@pytest.mark.parametrize("bad", [-1, 1.5, "x", True])
def test_bad_seed_is_refused(bad):
    with pytest.raises(ParameterError, match="seed"):
        seed_sequence(bad)


def test_generator_seed_is_reproducible():
    a = seed_sequence(np.random.default_rng(4)).generate_state(2)
    b = seed_sequence(np.random.default_rng(4)).generate_state(2)
    assert np.array_equal(a, b)
