"""Reference values for Penumbra's Metrics target, written to metrics_reference.json.

Run with Debian's interpreter (scikit-learn installed with pip):
    /usr/bin/python3 Tests/MetricsTests/Fixtures/make_reference.py

Ranking metrics come from scikit-learn (roc_auc_score, average_precision_score, log_loss).
The Brier score, ECE, FPR at 95% TPR and detection accuracy are computed here by brute force
from their definitions, independently of the sorted sweep the Swift code uses.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score, roc_curve

BINS = 15
rng = np.random.default_rng(20261201)


def softmax(logits):
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def calibration_case(name, probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels)
    n, classes = probs.shape
    onehot = np.eye(classes)[labels]
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)  # argmax: first maximum
    # Bins (lo, hi] over np.linspace(0, 1, 16); a confidence of exactly 0 would go to bin 0.
    edges = np.linspace(0, 1, BINS + 1)
    accs, confs, counts, ece = [], [], [], 0.0
    for b in range(BINS):
        lo, hi = edges[b], edges[b + 1]
        mask = (confidence > lo) & (confidence <= hi)
        if b == 0:
            mask |= confidence == 0
        count = int(mask.sum())
        acc = correct[mask].mean() if count else 0.0
        conf = confidence[mask].mean() if count else 0.0
        accs.append(float(acc))
        confs.append(float(conf))
        counts.append(count)
        ece += count / n * abs(acc - conf)
    return {
        "name": name,
        "probabilities": probs.tolist(),
        "labels": labels.tolist(),
        "accuracy": float(correct.mean()),
        "nll": float(log_loss(labels, probs, labels=list(range(classes)))),
        "brier": float(((probs - onehot) ** 2).sum(axis=1).mean()),
        "ece": float(ece),
        "bin_accuracy": accs,
        "bin_confidence": confs,
        "bin_count": counts,
    }


def ood_case(name, scores_in, scores_out):
    s_in = np.asarray(scores_in, dtype=np.float64)
    s_out = np.asarray(scores_out, dtype=np.float64)
    y = np.concatenate([np.ones(len(s_in)), np.zeros(len(s_out))])
    s = np.concatenate([s_in, s_out])
    # Every threshold "score >= t": each distinct score, plus +inf (nothing accepted).
    thresholds = np.concatenate([np.unique(s), [np.inf]])
    tpr = (s_in[None, :] >= thresholds[:, None]).mean(axis=1)
    fpr = (s_out[None, :] >= thresholds[:, None]).mean(axis=1)
    fpr95 = float(fpr[tpr >= 0.95].min())
    # Cross-check against scikit-learn's ROC points.
    sk_fpr, sk_tpr, _ = roc_curve(y, s, drop_intermediate=False)
    assert abs(fpr95 - sk_fpr[sk_tpr >= 0.95].min()) < 1e-15
    detection = float((0.5 * tpr + 0.5 * (1 - fpr)).max())
    return {
        "name": name,
        "in": s_in.tolist(),
        "out": s_out.tolist(),
        "auroc": float(roc_auc_score(y, s)),
        "aupr_in": float(average_precision_score(y, s)),
        "aupr_out": float(average_precision_score(1 - y, -s)),
        "fpr95": fpr95,
        "tnr95": 1 - fpr95,
        "detection_accuracy": detection,
    }


calibration = []
logits = rng.normal(size=(300, 5)) * 2.0
labels = np.array([rng.choice(5, p=p) for p in softmax(logits * 0.7)])  # overconfident model
calibration.append(calibration_case("random_300x5", softmax(logits), labels))

# Confidences exactly on bin edges (0.2 = 3/15, 0.4 = 6/15, 1.0), argmax ties, a missing class.
edge_rows = [
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [0.4, 0.15, 0.15, 0.15, 0.15],
    [0.15, 0.4, 0.15, 0.15, 0.15],
    [1.0 - 4e-9, 1e-9, 1e-9, 1e-9, 1e-9],
    [0.3, 0.3, 0.2, 0.1, 0.1],
    [0.1, 0.3, 0.3, 0.2, 0.1],
    [0.6, 0.1, 0.1, 0.1, 0.1],
    [0.05, 0.05, 0.8, 0.05, 0.05],
]
calibration.append(calibration_case("bin_edges_and_ties", edge_rows, [0, 0, 0, 0, 1, 1, 0, 2]))

# Confidences exactly equal to np.linspace's bin edges, which (lo, hi] puts in the lower bin.
on_edges = np.linspace(0, 1, BINS + 1)[8:]
edge_probs = np.stack([on_edges, 1 - on_edges], axis=1)
calibration.append(calibration_case("on_linspace_edges", edge_probs, [0, 1, 0, 0, 1, 0, 0, 0]))

binary = softmax(rng.normal(size=(64, 2)) * 3.0)
calibration.append(calibration_case("binary_64", binary, rng.integers(0, 2, size=64)))

ood = []
ood.append(ood_case("gaussian_300_200", rng.normal(1.0, 1.0, 300), rng.normal(0.0, 1.2, 200)))
# Rounded scores: many ties within and across the two sets.
ood.append(ood_case("rounded_ties", np.round(rng.normal(0.6, 0.25, 120), 1), np.round(rng.normal(0.3, 0.25, 80), 1)))
# Max-softmax-like confidences in (0.2, 1] with exact ties at 1.0.
msp_in = np.minimum(1.0, np.round(rng.beta(8, 1, 150) + 0.05, 2))
msp_out = np.minimum(1.0, np.round(rng.beta(3, 2, 90) + 0.05, 2))
ood.append(ood_case("msp_with_ties", msp_in, msp_out))
ood.append(ood_case("perfectly_separated", rng.uniform(0.6, 1.0, 40), rng.uniform(0.0, 0.5, 25)))
ood.append(ood_case("reversed", rng.uniform(0.0, 0.5, 30), rng.uniform(0.6, 1.0, 20)))
ood.append(ood_case("all_equal", [0.5] * 7, [0.5] * 3))

fixture = {
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "bins": BINS,
    "calibration": calibration,
    "ood": ood,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics_reference.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print("wrote", path)
