"""MBG/NBD model: BG/NBD with a dropout chance at the first purchase too.

Source: E. P. Batislam, M. Denizel and A. Filiztekin (2007), "Empirical
validation and comparison of models for customer base analysis", International
Journal of Research in Marketing 24(3):201–209 (also Hoppe & Wagner 2007's
CBG/NBD). An account buys at Poisson rate λ ~ Gamma(r, α) and may become inactive
with probability p ~ Beta(a, b) *right after every purchase, the first included*
— BG/NBD only after repeat purchases, which is why it calls every one-order
account alive (P = 1 at x = 0 however long ago), and MBG/NBD does not.

Likelihood: L = Γ(r+x)α^r/Γ(r) · [B(a, b+x+1)/B(a,b)·(α+T)^-(r+x)
+ B(a+1, b+x)/B(a,b)·(α+t_x)^-(r+x)]; P(alive) = 1/(1 + a/(b+x)·((α+T)/(α+t_x))^(r+x));
E[Y(t) | x, t_x, T] = P(alive)·(a+b+x)/(a−1)·[1 − ((α+T)/(α+T+t))^(r+x)
·₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]. Symbols and units as in :mod:`.bgnbd`
(x = ``frequency``, t_x = ``recency``, T = ``T``, one time unit); the fitting
and its statuses are BG/NBD's (:func:`.bgnbd.fit_beta_geometric`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .bgnbd import BetaGeoModel, fit_beta_geometric


@dataclass(frozen=True)
class ModifiedBetaGeoModel(BetaGeoModel):
    """A fitted MBG/NBD model: the BG/NBD fields and methods, with the first-purchase dropout."""

    name: ClassVar[str] = "mbgnbd"
    label: ClassVar[str] = "MBG/NBD"
    dropout_at_first_purchase: ClassVar[bool] = True


def fit_mbgnbd(frequency, recency, T, *, weights=None, initial=None, max_iter=500) -> ModifiedBetaGeoModel:
    """Fit MBG/NBD by MLE; inputs, data requirements and statuses as :func:`.bgnbd.fit_bgnbd`."""
    return fit_beta_geometric(ModifiedBetaGeoModel, frequency, recency, T, weights=weights,
                              initial=initial, max_iter=max_iter)
