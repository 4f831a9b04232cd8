"""Reference trajectories of torch.optim for Penumbra's optimiser tests
(Tests/NNTests/OptimizerReferenceTests.swift):

    /usr/bin/python3 Benchmarks/reference/optimizer_reference.py > Tests/NNTests/Fixtures/optimizer_reference.json

Each case starts from the same parameters, minimises sum((x w + b - y)^2) on fixed data for 6
steps, and records the parameters after every step. Also learning-rate schedules and
gradient-norm clipping.
"""
import json
import math

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
x = torch.randn(8, 3)
y = torch.randn(8, 2)
w0 = torch.randn(3, 2)
b0 = torch.randn(2)


def trajectory(make, groups=False, steps=6):
    w = w0.clone().requires_grad_()
    b = b0.clone().requires_grad_()
    params = [{"params": [w], "lr": 0.1}, {"params": [b], "lr": 0.01}] if groups else [w, b]
    opt = make(params)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        ((x @ w + b - y) ** 2).sum().backward()
        opt.step()
        out.append(torch.cat([w.detach().reshape(-1), b.detach().reshape(-1)]).tolist())
    return out


O = torch.optim
cases = {
    "sgd": trajectory(lambda p: O.SGD(p, lr=0.01)),
    "sgd_momentum_wd": trajectory(lambda p: O.SGD(p, lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.05)),
    "sgd_nesterov": trajectory(lambda p: O.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
    "sgd_groups": trajectory(lambda p: O.SGD(p, lr=0.5, momentum=0.5), groups=True),
    "adam": trajectory(lambda p: O.Adam(p, lr=0.05)),
    "adam_wd_amsgrad": trajectory(lambda p: O.Adam(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    "adamw": trajectory(lambda p: O.AdamW(p, lr=0.05, weight_decay=0.1)),
    "adam_groups": trajectory(lambda p: O.Adam(p, lr=1.0), groups=True),
    "rmsprop": trajectory(lambda p: O.RMSprop(p, lr=0.01)),
    "rmsprop_centered_momentum": trajectory(lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
}


def factors(make, steps=12):
    p = torch.zeros(1, requires_grad=True)
    opt = O.SGD([p], lr=1.0)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


S = O.lr_scheduler
schedules = {
    "step": factors(lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    "multistep": factors(lambda o: S.MultiStepLR(o, milestones=[2, 5], gamma=0.1)),
    "cosine": factors(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    "warmup_then_cosine": factors(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=4),
                                                                S.CosineAnnealingLR(o, T_max=8)], milestones=[4])),
}

w = w0.clone().requires_grad_()
b = b0.clone().requires_grad_()
((x @ w + b - y) ** 2).sum().backward()
norm = torch.nn.utils.clip_grad_norm_([w, b], max_norm=1.0)
clip = {"norm": norm.item(), "grads": torch.cat([w.grad.reshape(-1), b.grad.reshape(-1)]).tolist()}

print(json.dumps({"x": x.reshape(-1).tolist(), "y": y.reshape(-1).tolist(), "w0": w0.reshape(-1).tolist(),
                  "b0": b0.tolist(), "trajectories": cases, "schedules": schedules, "clip": clip}))
