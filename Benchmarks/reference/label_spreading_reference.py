"""scikit-learn reference for Penumbra's label spreading (Zhou et al., NeurIPS 2003).

Run with Debian's interpreter after `pip install scikit-learn`:

    /usr/bin/python3 Benchmarks/reference/label_spreading_reference.py

Writes Tests/SemiSupervisedTests/Fixtures/label_spreading_reference.json, which
Tests/SemiSupervisedTests/LabelSpreadingTests.swift replays: 40 points of two noisy moons
(scikit-learn's make_moons), 3 labelled per class, the rest unlabelled; scikit-learn's
LabelSpreading with its RBF kernel at gamma 20 and alpha 0.2, iterated to a change below 1e-12
(so its answer is the fixed point Penumbra solves for exactly); its label distributions on the
training points and predict_proba on 15 new points. The `x_l`, `y_l`, `x_u` and `x_new` inputs
are the points; `distributions` and `probabilities` the expected values.
"""

import json
import pathlib

import numpy as np
import sklearn
from sklearn.datasets import make_moons
from sklearn.semi_supervised import LabelSpreading

points, labels = make_moons(n_samples=40, noise=0.1, random_state=0)
new_points, _ = make_moons(n_samples=15, noise=0.1, random_state=1)
labelled = np.concatenate([np.flatnonzero(labels == c)[:3] for c in (0, 1)])
unlabelled = np.setdiff1d(np.arange(len(points)), labelled)
# Penumbra's order: the labelled points first, then the unlabelled ones.
order = np.concatenate([labelled, unlabelled])
x = points[order]
y = np.concatenate([labels[labelled], -np.ones(len(unlabelled), dtype=int)])

model = LabelSpreading(kernel="rbf", gamma=20, alpha=0.2, max_iter=100_000, tol=1e-12).fit(x, y)


def entry(array):
    array = np.asarray(array, dtype=np.float64)
    return {"shape": list(array.shape), "values": array.ravel().tolist()}


fixture = {
    "torch": "scikit-learn " + sklearn.__version__,
    "inputs": {"x_l": entry(x[: len(labelled)]), "y_l": entry(labels[labelled]), "x_u": entry(x[len(labelled):]),
               "x_new": entry(new_points)},
    "expected": {"distributions": entry(model.label_distributions_),
                 "probabilities": entry(model.predict_proba(new_points))},
}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests/SemiSupervisedTests/Fixtures/label_spreading_reference.json"
path.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {path}")
print("transduction accuracy on the unlabelled points:",
      (model.transduction_[len(labelled):] == labels[unlabelled]).mean())
