"""References behind the toolkit's models, and :func:`cite`.

Functions that implement a published model call :func:`use` with a key below; :func:`cite`
returns the references behind what was run in this process.

>>> import noisecircuits as nc
>>> refs = nc.cite(all_references=True)
>>> print(refs)  # doctest: +ELLIPSIS
[1] H. A. Kramers, Brownian motion in a field of force ...
>>> bib = nc.cite(all_references=True, format="bibtex")
>>> bib.startswith("@misc{kramers1940,")
True
"""

from __future__ import annotations

import re

__all__ = ["REFERENCES", "References", "use", "cite", "bibtex_entry"]

REFERENCES: dict[str, str] = {
    "kramers1940": "H. A. Kramers, Brownian motion in a field of force and the diffusion model of chemical "
    "reactions, Physica 7, 284 (1940). doi:10.1016/S0031-8914(40)90098-2",
    "gardiner": "C. Gardiner, Stochastic Methods, 4th ed., Springer (2009), ch. 5 (first-passage times).",
    "risken": "H. Risken, The Fokker-Planck Equation, 2nd ed., Springer (1989).",
    "kloeden_platen": "P. E. Kloeden and E. Platen, Numerical Solution of Stochastic Differential Equations, "
    "Springer (1992). doi:10.1007/978-3-662-12616-5",
    "ekv": "C. C. Enz, F. Krummenacher, E. A. Vittoz, An analytical MOS transistor model valid in all regions "
    "of operation, Analog Integr. Circ. Sig. Process. 8, 83 (1995). doi:10.1007/BF01239381",
    "sarpeshkar1993": "R. Sarpeshkar, T. Delbruck, C. A. Mead, White noise in MOS transistors and resistors, "
    "IEEE Circuits Devices Mag. 9(6), 23 (1993). doi:10.1109/101.261888",
    "hooge": "F. N. Hooge, 1/f noise sources, IEEE Trans. Electron Devices 41, 1926 (1994). doi:10.1109/16.333808",
    "machlup1954": "S. Machlup, Noise in semiconductors: spectrum of a two-parameter random signal, "
    "J. Appl. Phys. 25, 341 (1954). doi:10.1063/1.1721637",
    "camsari2017": "K. Y. Camsari, R. Faria, B. M. Sutton, S. Datta, Stochastic p-bits for invertible logic, "
    "Phys. Rev. X 7, 031014 (2017). doi:10.1103/PhysRevX.7.031014",
    "sokal1997": "A. D. Sokal, Monte Carlo methods in statistical mechanics: foundations and new algorithms, "
    "in Functional Integration, Springer (1997). doi:10.1007/978-1-4899-0319-8_6",
    "vehtari2021": "A. Vehtari, A. Gelman, D. Simpson, B. Carpenter, P.-C. Buerkner, Rank-normalization, folding, "
    "and localization: an improved R-hat for assessing convergence of MCMC, Bayesian Anal. 16, 667 (2021). "
    "doi:10.1214/20-BA1221",
    "akaike1974": "H. Akaike, A new look at the statistical model identification, IEEE Trans. Autom. Control 19, "
    "716 (1974). doi:10.1109/TAC.1974.1100705",
    "hurvich1989": "C. M. Hurvich, C.-L. Tsai, Regression and time series model selection in small samples, "
    "Biometrika 76, 297 (1989). doi:10.1093/biomet/76.2.297",
    "schwarz1978": "G. Schwarz, Estimating the dimension of a model, Ann. Statist. 6, 461 (1978). "
    "doi:10.1214/aos/1176344136",
    "wichmann1982": "B. A. Wichmann, I. D. Hill, Algorithm AS 183: an efficient and portable pseudo-random number "
    "generator, Appl. Stat. 31, 188 (1982). doi:10.2307/2347988",
    "onsager1944": "L. Onsager, Crystal statistics I, Phys. Rev. 65, 117 (1944). doi:10.1103/PhysRev.65.117",
    "yang1952": "C. N. Yang, The spontaneous magnetization of a two-dimensional Ising model, Phys. Rev. 85, 808 "
    "(1952). doi:10.1103/PhysRev.85.808",
    "kaufman1949": "B. Kaufman, Crystal statistics II, Phys. Rev. 76, 1232 (1949). doi:10.1103/PhysRev.76.1232",
    "horowitz2014": "M. Horowitz, Computing's energy problem (and what we can do about it), ISSCC 2014. "
    "doi:10.1109/ISSCC.2014.6757323",
    "extropic2025": "Extropic, An efficient probabilistic hardware architecture for diffusion-like models, "
    "arXiv:2510.23972 (2025).",
    "bsim4": "BSIM4 MOSFET model, UC Berkeley BSIM group; ngspice level 54.",
    "sky130": "SkyWater SKY130 open-source PDK (Apache-2.0), device models nfet_01v8/pfet_01v8.",
    "pelgrom1989": "M. J. M. Pelgrom, A. C. J. Duinmaijer, A. P. G. Welbers, Matching properties of MOS "
    "transistors, IEEE J. Solid-State Circuits 24, 1433 (1989). doi:10.1109/JSSC.1989.572629",
    "besag1975": "J. Besag, Statistical analysis of non-lattice data, J. R. Stat. Soc. D 24, 179 (1975). "
    "doi:10.2307/2987782",
    "beale1996": "P. D. Beale, Exact distribution of energies in the two-dimensional Ising model, Phys. Rev. "
    "Lett. 76, 78 (1996). doi:10.1103/PhysRevLett.76.78",
    "brelaz1979": "D. Brelaz, New methods to color the vertices of a graph, Commun. ACM 22, 251 (1979). "
    "doi:10.1145/359094.359101",
    "steele2014": "G. L. Steele, D. Lea, C. H. Flood, Fast splittable pseudorandom number generators, "
    "OOPSLA 2014. doi:10.1145/2660193.2660195",
    "wu1982": "F. Y. Wu, The Potts model, Rev. Mod. Phys. 54, 235 (1982). doi:10.1103/RevModPhys.54.235",
    "mathew2012": "S. K. Mathew et al., 2.4 Gbps, 7 mW all-digital PVT-variation tolerant true random "
    "number generator for 45 nm CMOS high-performance microprocessors, IEEE JSSC 47, 2807 (2012). "
    "doi:10.1109/JSSC.2012.2217631",
    "nvidia_h100": "NVIDIA H100 Tensor Core GPU datasheet (SXM5: 700 W, 989 TFLOP/s dense BF16, "
    "67 TFLOP/s FP32).",
    "marsaglia2004": "G. Marsaglia, Evaluating the normal distribution, J. Stat. Softw. 11(4), 1 (2004). "
    "doi:10.18637/jss.v011.i04",
    "abramowitz_stegun": "M. Abramowitz, I. A. Stegun, Handbook of Mathematical Functions, NBS (1964), "
    "eq. 7.1.26 (erf approximation).",
    "dempster1977": "A. P. Dempster, N. M. Laird, D. B. Rubin, Maximum likelihood from incomplete data via the "
    "EM algorithm, J. R. Stat. Soc. B 39, 1 (1977). doi:10.1111/j.2517-6161.1977.tb01600.x",
    "scharfetter1969": "D. L. Scharfetter, H. K. Gummel, Large-signal analysis of a silicon Read diode oscillator, "
    "IEEE Trans. Electron Devices 16, 64 (1969). doi:10.1109/T-ED.1969.16566",
    "gth1985": "W. K. Grassmann, M. I. Taksar, D. P. Heyman, Regenerative analysis and steady state "
    "distributions for Markov chains, Oper. Res. 33, 1107 (1985). doi:10.1287/opre.33.5.1107",
    "blackman_vigna2021": "D. Blackman, S. Vigna, Scrambled linear pseudorandom number generators, ACM Trans. "
    "Math. Softw. 47, 36 (2021). doi:10.1145/3460772",
    "marsaglia_tsang2000": "G. Marsaglia, W. W. Tsang, The ziggurat method for generating random variables, "
    "J. Stat. Softw. 5(8), 1 (2000). doi:10.18637/jss.v005.i08",
    "vankampen2007": "N. G. van Kampen, Stochastic Processes in Physics and Chemistry, 3rd ed., Elsevier "
    "(2007), ch. X (linear noise approximation, Lyapunov equation of the covariance).",
    "wongzakai1965": "E. Wong, M. Zakai, On the convergence of ordinary integrals to stochastic integrals, "
    "Ann. Math. Statist. 36, 1560 (1965). doi:10.1214/aoms/1177699916",
}

_used: list[str] = []


def use(*keys: str) -> None:
    """Record that the references ``keys`` stand behind a computation just run."""
    for key in keys:
        if key not in REFERENCES:
            raise KeyError(f"unknown reference key {key!r}")
        if key not in _used:
            _used.append(key)


class References(list):
    """A list of formatted references that prints as numbered, readable text.

    Parameters
    ----------
    keys : sequence of str
        Keys into :data:`REFERENCES`, in the order to list them [-].
    """

    def __init__(self, keys=()):
        self.keys = list(keys)
        super().__init__(REFERENCES[k] for k in self.keys)

    def __str__(self) -> str:
        if not self:
            return "(no references recorded yet: run a computation first, or use cite(all_references=True))"
        return "\n".join(f"[{i}] {text}" for i, text in enumerate(self, start=1))

    __repr__ = __str__

    def bibtex(self) -> str:
        """All entries as BibTeX (``@misc`` with the full reference in ``note``, plus ``doi`` and ``year``)."""
        return "\n\n".join(bibtex_entry(k) for k in self.keys)


_BIBTEX_SPECIAL = re.compile(r"([&%#_$])")


def bibtex_entry(key: str) -> str:
    """One reference of :data:`REFERENCES` as a BibTeX ``@misc`` entry.

    Parameters
    ----------
    key : str
        Key into :data:`REFERENCES` (also the BibTeX key) [-].
    """
    text = REFERENCES[key]
    doi = re.search(r"doi:(\S+?)\.?$", text)
    year = re.findall(r"\((?:[^()]*\s)?((?:19|20)\d\d)\)", text)
    body = text[: doi.start()].rstrip(" .") + "." if doi else text
    note = _BIBTEX_SPECIAL.sub(r"\\\1", body)
    fields = [f"  note = {{{note}}}"]
    if year:
        fields.append(f"  year = {{{year[-1]}}}")
    if doi:
        fields.append(f"  doi = {{{doi.group(1)}}}")
    return f"@misc{{{key},\n" + ",\n".join(fields) + "\n}"


def cite(all_references: bool = False, format: str = "list"):
    """Return the references behind what was run in this process.

    Parameters
    ----------
    all_references : bool
        Return every reference the toolkit knows instead of only those used.
    format : {"list", "text", "bibtex"}
        ``"list"``: a :class:`References` (a list of str that prints as numbered text);
        ``"text"``: that text as one str; ``"bibtex"``: BibTeX entries as one str.

    Returns
    -------
    References or str
        One formatted reference per entry, in the order first used.
    """
    refs = References(list(REFERENCES) if all_references else list(_used))
    if format == "list":
        return refs
    if format == "text":
        return str(refs)
    if format == "bibtex":
        return refs.bibtex()
    from noisecircuits.errors import ParameterError

    raise ParameterError(f"format must be 'list', 'text' or 'bibtex', got {format!r}")
