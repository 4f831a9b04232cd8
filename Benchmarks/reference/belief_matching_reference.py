"""Reference values for Penumbra's belief-matching loss (Tests/UncertaintyTests/BeliefMatchingTests.swift).

Run with Debian's interpreter (it sees python3-torch):

    /usr/bin/python3 Benchmarks/reference/belief_matching_reference.py

Computes the loss exactly as the official tjoo512/belief-matching-framework `loss.py` does
(its KL omits the alpha-free terms), on fixed float64 logits, together with the logits'
gradient, and prints them; the Swift test holds the printed numbers.
"""

import math

import torch

torch.set_default_dtype(torch.float64)


def official_loss(logits, targets, coeff, prior):
    """`BeliefMatchingLoss.forward` of the official loss.py."""
    alphas = torch.exp(logits)
    betas = torch.ones_like(logits) * prior
    a_ans = torch.gather(alphas, -1, targets.unsqueeze(-1)).squeeze(-1)
    a_zero = torch.sum(alphas, -1)
    ll_loss = torch.digamma(a_ans) - torch.digamma(a_zero)
    loss1 = torch.lgamma(a_zero) - torch.sum(torch.lgamma(alphas), -1)
    loss2 = torch.sum((alphas - betas) * (torch.digamma(alphas) - torch.digamma(a_zero.unsqueeze(-1))), -1)
    return ((coeff * (loss1 + loss2) - ll_loss)).mean()


logits = torch.tensor([[0.3, -1.2, 2.0], [1.5, 0.1, -0.4], [-0.7, -0.2, 0.9], [2.2, 1.1, -1.0]], requires_grad=True)
targets = torch.tensor([2, 0, 1, 1])
coeff, prior = 0.5, 1.5
loss = official_loss(logits, targets, coeff, prior)
loss.backward()
k = logits.shape[1]
# The alpha-free part of KL(Dir(alpha) || Dir(prior)) that loss.py drops.
constant = coeff * (k * math.lgamma(prior) - math.lgamma(k * prior))
print("official loss", repr(loss.item()))
print("full-KL loss", repr(loss.item() + constant))
print("gradient", [repr(v) for v in logits.grad.reshape(-1).tolist()])
