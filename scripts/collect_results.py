#!/usr/bin/env python3
"""Collects the results docs/results.md cites from the run folders under out/ into small JSON
files under docs/results/, so that the numbers live in the repository without the run folders
and checkpoints (which are never committed).

Run from anywhere: /usr/bin/python3 scripts/collect_results.py [--out OUT] [--results DIR]
(defaults: out/ and docs/results/ of this repository). It reads only what the commands named in
each file wrote (metrics.json, eval*.json, curve.csv, table.md) and copies the values as they
are: every number is the float the run wrote, nothing is rounded or typed by hand. A table.md
value that disagrees with its metrics.json (rounded to the table's two decimals) stops the
script. Run folders that are missing are skipped with a note on stderr, and the file keeps the
runs that are there.

Files written:
  npf-table.json       the NPF benchmark at NPF's budget (156,250 steps): one entry per model x kernel
  npf-other-runs.json  the periodic AttnCNP's second seed and its run started from the RBF AttnCNP
  npf-curves.json      the learning curves of those runs (curve.csv: target / context LL per checkpoint)
  image-completion.json  MNIST image completion and super-resolution, NP and ANP, 8,000 steps
  ood-fashion-mnist.json Fashion-MNIST -> MNIST / noise / flipped OoD detection at full budget
  ood-curves.json      those OoD runs' per-epoch test accuracy and MNIST AUROC (curve.csv)
  two-moons.json       DUQ, a deep ensemble and softmax on two moons (the DUQ paper's Figure 1)
  ssl-mismatch.json    DS3L, Pi-model, pseudo-label and supervised against class mismatch (issue 33, A)
  ssl-negative-sampling.json  each SSL base without and with NS3L's negative sampling (issue 33, B)
  sla.json             SLA, its baselines and inferences on Fashion-MNIST with few images a class (issue 35, A)
  lens.json            the rotation pretext with an arrow shortcut, with and without the lens (issue 35, B)

--only NAME[,NAME] runs only the collectors that write those files (e.g. --only sla.json), so a
machine that holds only some run folders does not rewrite the others without them.
"""

import argparse
import csv
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLLECTED_BY = "/usr/bin/python3 scripts/collect_results.py"

NPF_FOLDER = "out/experiments-np/npf-sigma-floor-0.01-steps-156250"
NPF_COMMAND = "make experiments-np STEPS=156250 OUT=" + NPF_FOLDER
NPF_KERNELS = ["eq", "periodic", "noisy-matern"]
NPF_MODELS = ["cnp", "np", "attncnp", "anp"]
NPF_OTHER_RUNS = {
    NPF_FOLDER + "/periodic-attncnp-seed1": (
        "penumbra np train --model attncnp --architecture npf --protocol npf --kernel periodic "
        "--steps 156250 --batch-size 32 --learning-rate 1e-3 --learning-rate-decay 10 "
        "--minimum-std 0.01 --seed 1 --checkpoint-every 2000 --curve-tasks 256 --resume "
        "--out " + NPF_FOLDER + "/periodic-attncnp-seed1"),
    "out/experiments-np/periodic-from-rbf/attncnp-20000": (
        "penumbra np train --model attncnp --architecture npf --protocol npf --kernel periodic "
        "--steps 20000 --batch-size 32 --learning-rate 1e-3 --learning-rate-decay 10 "
        "--minimum-std 0.01 --checkpoint-every 2000 --curve-tasks 256 "
        "--init-from " + NPF_FOLDER + "/eq-attncnp "
        "--out out/experiments-np/periodic-from-rbf/attncnp-20000"),
}

IMAGES_FOLDER = "out/experiments-images/sigma-floor-0.01-steps-8000"
IMAGES_COMMAND = ('DATASETS=mnist MODELS="np anp" SELF_ATTENTION=0 STEPS=8000 JOBS=1 '
                  "OUT=" + IMAGES_FOLDER + " make experiments-images")
IMAGES_RUNS = ["mnist-np", "mnist-anp"]

OOD_FOLDER = "out/experiments-ood-full"
OOD_RUNS = [  # (run folder, evaluation file suffix, label as `ood report` prints it)
    ("ensemble", "", "Deep ensemble"),
    ("resnet", "", "ResNet"),
    ("sdenet", "", "SDE-Net"),
] + [("ensemble", f"-member{i}", f"Deep ensemble member {i}") for i in range(5)]
OOD_NOT_COMMITTED = ["softmax", "softmax:gram", "duq", "mcdropout", "belief-matching"]
OOD_SETS = ["mnist", "noise", "flipped"]


def note(message):
    print(f"collect_results: {message}", file=sys.stderr)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def read_curve(path):
    """curve.csv as columns: the first (step or epoch) as ints, the others as floats."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = {}
    for i, name in enumerate(header):
        values = [row[i] for row in body]
        columns[name] = [int(v) for v in values] if i == 0 else [float(v) for v in values]
    return columns


def read_markdown_table(path):
    """The first Markdown table of a file, as a list of {header: cell} rows."""
    lines = [line.strip() for line in open(path) if line.strip().startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    header = cells[0]
    return [dict(zip(header, row)) for row in cells[2:]]


def table_number(cell):
    return None if cell in ("–", "-", "") else float(cell)


def check_printed(printed, value, what):
    """A table.md cell (two decimals) must be the run's value rounded; stops the script otherwise."""
    if printed is None or value is None:
        return
    if abs(round(value, 2) - printed) > 0.0051:
        sys.exit(f"collect_results: {what}: table.md prints {printed}, the run's files hold {value}")


def relative(path):
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def npf_entry(run_dir, folder_label, published_rows):
    metrics = load_json(run_dir / "metrics.json")
    scores = metrics["scores"]
    model_label = f"{metrics['model']} ({metrics['architecture']})"
    row = published_rows.get((model_label, metrics["kernel"]))
    entry = {
        "run": folder_label,
        "model": metrics["model"],
        "architecture": metrics["architecture"],
        "protocol": metrics["protocol"],
        "kernel": metrics["kernel"],
        "steps": metrics["steps"],
        "parameters": metrics["parameters"],
        "train_seconds": metrics["seconds"],
        "target_ll": scores["target_ll"],
        "context_ll": scores["context_ll"],
        "gp_oracle_target_ll": scores["gp_target_ll"],
        "gp_oracle_context_ll": scores["gp_context_ll"],
        "z_from": scores.get("z_from"),
        "z_samples": scores["samples"],
        "tasks": scores["tasks"],
        "npf_published_target_ll": None,
        "train_time": None,
    }
    if row is not None:
        entry["npf_published_target_ll"] = table_number(row["published (NPF)"])
    return entry, row


def collect_npf(out_root, results):
    folder = out_root / pathlib.Path(NPF_FOLDER).relative_to("out")
    table_path = folder / "table.md"
    if not table_path.is_file():
        note(f"no {relative(table_path)}: npf-table.json and npf-other-runs.json not written")
        return
    rows = read_markdown_table(table_path)
    by_key = {(r["model"], r["kernel"]): r for r in rows}
    entries = []
    for kernel in NPF_KERNELS:
        for model in NPF_MODELS:
            run_dir = folder / f"{kernel}-{model}"
            if not (run_dir / "metrics.json").is_file():
                note(f"no {relative(run_dir)}/metrics.json: left out")
                continue
            entry, row = npf_entry(run_dir, f"{NPF_FOLDER}/{kernel}-{model}", by_key)
            if row is None:
                sys.exit(f"collect_results: {relative(table_path)} has no row for {entry['model']} on {kernel}")
            for column, field in [("target LL", "target_ll"), ("context LL", "context_ll"),
                                  ("GP oracle target LL", "gp_oracle_target_ll"),
                                  ("GP oracle context LL", "gp_oracle_context_ll")]:
                check_printed(table_number(row[column]), entry[field], f"{kernel}-{model} {column}")
            if int(row["steps"]) != entry["steps"]:
                sys.exit(f"collect_results: {kernel}-{model}: table.md steps {row['steps']}, metrics {entry['steps']}")
            entry["train_time"] = row["train time"]
            entry["command"] = f"MODELS={model} {NPF_COMMAND}"
            entries.append(entry)
    write(results / "npf-table.json", {
        "benchmark": "Neural Process Family 1-D benchmark at NPF's budget (156,250 steps), docs/results.md "
                     "'The NPF benchmark at NPF's budget: the table'",
        "command": NPF_COMMAND,
        "report_command": "penumbra np report <the run folders> (writes the folder's table.md)",
        "source": f"{NPF_FOLDER}/<kernel>-<model>/metrics.json; train_time and npf_published_target_ll "
                  f"from {NPF_FOLDER}/table.md",
        "collected_by": COLLECTED_BY,
        "fields": {
            "target_ll, context_ll": "per-point log-likelihood on the run's 1,000 test tasks at the end of training",
            "gp_oracle_target_ll, gp_oracle_context_ll": "the exact GP with the true kernel on the same tasks",
            "z_from": "latent models: how z was drawn for scoring (importance: from q(z|T), weighted by q(z|C)/q(z|T)); null for deterministic models",
            "z_samples": "z draws per task (1 for deterministic models)",
            "npf_published_target_ll": "NPF's published score, as penumbra np report prints it",
            "train_seconds": "one core's training time summed over resumed runs; train_time is the same as the table prints it",
        },
        "runs": entries,
    })

    others = []
    for run_folder, command in NPF_OTHER_RUNS.items():
        run_dir = out_root / pathlib.Path(run_folder).relative_to("out")
        if not (run_dir / "metrics.json").is_file():
            note(f"no {relative(run_dir)}/metrics.json: left out")
            continue
        entry, _ = npf_entry(run_dir, run_folder, by_key)
        del entry["train_time"]
        entry["command"] = command
        others.append(entry)
    write(results / "npf-other-runs.json", {
        "benchmark": "NPF benchmark, periodic AttnCNP: a second seed at NPF's budget and a 20,000-step run "
                     "started from the RBF AttnCNP (docs/results.md, the periodic runs at NPF's budget)",
        "source": "<run>/metrics.json; npf_published_target_ll from " + NPF_FOLDER + "/table.md's periodic AttnCNP row",
        "collected_by": COLLECTED_BY,
        "fields": "as in npf-table.json",
        "runs": others,
    })

    curves = {}
    for kernel in NPF_KERNELS:
        for model in NPF_MODELS:
            curves[f"{NPF_FOLDER}/{kernel}-{model}"] = f"{NPF_COMMAND} (MODELS={model})"
    curves.update(NPF_OTHER_RUNS)
    curve_entries = []
    for run_folder, command in curves.items():
        path = out_root / pathlib.Path(run_folder).relative_to("out") / "curve.csv"
        if not path.is_file():
            note(f"no {relative(path)}: left out")
            continue
        columns = read_curve(path)
        curve_entries.append({"run": run_folder, "command": command, **columns})
    write(results / "npf-curves.json", {
        "benchmark": "NPF benchmark learning curves: target and context LL on 256 test tasks (seed 2024, "
                     "--curve-tasks 256) at every 2,000-step checkpoint",
        "source": "<run>/curve.csv",
        "collected_by": COLLECTED_BY,
        "fields": {
            "step": "training step of the checkpoint",
            "target_ll, context_ll": "per-point log-likelihoods on the curve's tasks (latent models: z as the run scored it; the RBF LNP from q(z|C))",
            "train_seconds": "training time up to that checkpoint",
        },
        "runs": curve_entries,
    })


def collect_images(out_root, results):
    folder = out_root / pathlib.Path(IMAGES_FOLDER).relative_to("out")
    entries = []
    for run in IMAGES_RUNS:
        path = folder / run / "metrics.json"
        if not path.is_file():
            note(f"no {relative(path)}: left out")
            continue
        metrics = load_json(path)
        completion = []
        for item in metrics["completion"]:
            s = item["scores"]
            completion.append({
                "context": item["context"],
                "target_ll": s["target_ll"],
                "context_ll": s["context_ll"],
                "std_observed": s["std_observed"],
                "std_unobserved": s.get("std_unobserved"),
                "z_from": s.get("z_from"),
                "z_samples": s["samples"],
                "tasks": s["tasks"],
            })
        sr = metrics["superResolution"]
        entries.append({
            "run": f"{IMAGES_FOLDER}/{run}",
            "model": metrics["model"],
            "data": metrics["data"],
            "steps": metrics["steps"],
            "parameters": metrics["parameters"],
            "train_seconds": metrics["seconds"],
            "test_images": metrics["testImages"],
            "completion": completion,
            "super_resolution": {
                "low_resolution": sr["low_resolution"],
                "high_resolution": sr["high_resolution"],
                "target_ll": sr["target_ll"],
                "psnr_db": sr["psnr"],
                "bilinear_psnr_db": sr["bilinear_psnr"],
                "tasks": sr["tasks"],
            },
            "command": IMAGES_COMMAND,
        })
    write(results / "image-completion.json", {
        "benchmark": "Image completion and super-resolution on MNIST, NP and multihead ANP, 8,000 steps of "
                     "Adam 1e-3 decayed tenfold, sigma floor 0.01 (docs/results.md, 'Longer, at NPF's learning rate')",
        "command": IMAGES_COMMAND,
        "source": IMAGES_FOLDER + "/<data>-<model>/metrics.json",
        "collected_by": COLLECTED_BY,
        "fields": {
            "completion[].context": "context pixels: 10/50/100/300 random, top-half, or all",
            "completion[].target_ll, context_ll": "per-pixel log-likelihood of all 784 pixels / of the context pixels",
            "completion[].std_observed, std_unobserved": "mean predicted sigma at observed / unobserved pixels",
            "completion[].z_from, z_samples": "how and how many z were drawn for scoring",
            "super_resolution": "the 28x28 image from its 14x14 bilinear downsampling: LL per pixel, PSNR, bilinear upsampling's PSNR",
        },
        "not_collected": "the CNP row of the same table and the other image tables (2,000 / 1,500 steps, Laplace "
                         "attention): their run folders were never committed",
        "runs": entries,
    })


def collect_ood(out_root, results):
    folder = out_root / pathlib.Path(OOD_FOLDER).relative_to("out")
    entries = []
    for run, suffix, label in OOD_RUNS:
        eval_path = folder / run / f"eval{suffix}.json"
        metrics_path = folder / run / "metrics.json"
        if not eval_path.is_file() or not metrics_path.is_file():
            note(f"no {relative(eval_path)} or metrics.json: left out")
            continue
        ev = load_json(eval_path)
        metrics = load_json(metrics_path)
        method = run + (":" + suffix.lstrip("-") if suffix else "")
        if suffix:
            command = (f"penumbra ood eval --checkpoint {OOD_FOLDER}/{run} --member {suffix[len('-member'):]} --json "
                       f"(run by OUT={OOD_FOLDER} METHODS={run} scripts/experiments-ood.sh)")
        else:
            command = f"OUT={OOD_FOLDER} METHODS={run} scripts/experiments-ood.sh"
        entries.append({
            "method": method,
            "label": label,
            "run": f"{OOD_FOLDER}/{run}",
            "evaluation": f"{OOD_FOLDER}/{run}/eval{suffix}.json",
            "epochs": ev["epochs"],
            "train_seconds": metrics["seconds"],
            "parameters": metrics["parameters"],
            "certainty": ev["certainty"],
            "test_images": ev["test_images"],
            "accuracy": ev["accuracy"],
            "ece": ev["ece"],
            "nll": ev["nll"],
            "brier": ev["brier"],
            "ood": {name: ev[name] for name in OOD_SETS if name in ev},
            "command": command,
        })
    write(results / "ood-fashion-mnist.json", {
        "benchmark": "Fashion-MNIST -> MNIST / uniform noise / flipped images OoD detection at the papers' "
                     "budgets (30 epochs; SDE-Net and ResNet 40), docs/results.md 'At the papers' budgets: 30 epochs'",
        "command": f"OUT={OOD_FOLDER} METHODS=<method> scripts/experiments-ood.sh (scored by penumbra ood eval --json)",
        "report_command": f"penumbra ood report {OOD_FOLDER}/<method> ... [--detection mnist]",
        "source": f"{OOD_FOLDER}/<method>/eval.json (eval-member<i>.json for ensemble members) and metrics.json",
        "collected_by": COLLECTED_BY,
        "fields": {
            "accuracy, ece, nll, brier": "on the 10,000 Fashion-MNIST test images",
            "ood.<set>": "mnist (5,000 digits), noise (5,000 uniform-noise images), flipped (test images upside down): "
                         "auroc, aupr_in, aupr_out, fpr95, tnr95, detection_accuracy",
            "train_seconds": "training time summed over resumed runs (ensemble members: the whole ensemble's)",
            "certainty": "the score ranked for detection",
        },
        "not_collected": {
            "methods": OOD_NOT_COMMITTED,
            "why": "their run folders were never committed, so their rows in docs/results.md have no JSON here; "
                   "rerun OUT=out/experiments-ood-full METHODS=\"duq belief-matching softmax mcdropout\" "
                   "scripts/experiments-ood.sh and this script to add them",
        },
        "methods": entries,
    })

    curves = []
    for run in ["ensemble", "resnet", "sdenet"]:
        path = folder / run / "curve.csv"
        if not path.is_file():
            note(f"no {relative(path)}: left out")
            continue
        columns = read_curve(path)
        curves.append({"run": f"{OOD_FOLDER}/{run}",
                       "command": f"OUT={OOD_FOLDER} METHODS={run} scripts/experiments-ood.sh",
                       "epoch": columns.pop("step"), **columns})
    write(results / "ood-curves.json", {
        "benchmark": "Fashion-MNIST OoD runs after every epoch: test accuracy and MNIST AUROC on the curve's "
                     "subsets (2,000 test images, 2,000 MNIST digits; --curve-images 2000)",
        "source": f"{OOD_FOLDER}/<method>/curve.csv (its first column, step, is the epoch)",
        "collected_by": COLLECTED_BY,
        "fields": {"epoch": "epochs trained", "test_accuracy": "on the curve's test images",
                   "auroc_mnist": "MNIST AUROC on the curve's subsets", "train_seconds": "training time up to that epoch"},
        "runs": curves,
    })


MOONS_FOLDER = "out/moons"
MOONS_COMMAND = ".build/debug/penumbra ood moons --method all --out " + MOONS_FOLDER


def collect_moons(out_root, results):
    path = out_root / MOONS_FOLDER.removeprefix("out/") / "metrics.json"
    if not path.is_file():
        note(f"no {relative(path)}: two-moons.json left as it is")
        return
    metrics = load_json(path)
    write(results / "two-moons.json", {
        "benchmark": "two moons (the DUQ paper's Figure 1): DUQ against a deep ensemble and softmax, "
                     "docs/results.md 'Two moons'",
        "command": MOONS_COMMAND,
        "source": f"{MOONS_FOLDER}/metrics.json",
        "collected_by": COLLECTED_BY,
        "fields": {"experiment": "the settings of the run (TwoMoonsExperiment)",
                   "results": "per method: train and test accuracy, mean certainty on the test points and on "
                              "points at radius 5 around the data ('far'), parameters, epochs, seconds"},
        "experiment": metrics["experiment"],
        "results": metrics["results"],
    })


SSL_MISMATCH = [  # (folder, the command that made it)
    ("out/experiments-ssl/fashion-mnist-60", "make experiments-ssl"),
    ("out/experiments-ssl/fashion-mnist-300", "LABELS=300 scripts/experiments-ssl.sh"),
    ("out/experiments-ssl/mnist-60", 'DATASET=mnist LABELS=60 EPOCHS=27 RAMP_STEPS=320 '
                                     'EXTRA="--unlabelled 1500 --validation 240" scripts/experiments-ssl.sh'),
] + [(f"out/experiments-ssl/ds3l-weight-lr-{lr}",
      f'METHODS=ds3l MISMATCHES=0.5 EXTRA="--weight-learning-rate {lr}" '
      f"OUT=out/experiments-ssl/ds3l-weight-lr-{lr} scripts/experiments-ssl.sh") for lr in ["1e-3", "1e-2"]]
SSL_NEGATIVE_SAMPLING = [
    ("out/experiments-ssl/negative-sampling", "make experiments-ssl-negative-sampling"),
    ("out/experiments-ssl/negative-sampling-16-epochs",
     'BASES="pseudo-label supervised pi vat" SWEEP= EPOCHS=16 RAMP_STEPS=2560 '
     "OUT=out/experiments-ssl/negative-sampling-16-epochs scripts/experiments-ssl-negative-sampling.sh"),
]
SSL_FIELDS = {
    "method": "supervised, pi (the Pi-model), pseudo-label, vat or ds3l",
    "dataset, labels, mismatch": "the split: labelled images (balanced over the seen classes) and the share of "
                                 "unlabelled images drawn from unseen classes",
    "seed": "the split's and the model's seed",
    "accuracy": "seen-class test accuracy after the epoch of best validation accuracy (DS3L's protocol)",
    "final_accuracy": "seen-class test accuracy after the last epoch",
    "steps, seconds": "optimiser steps and training seconds (one thread)",
    "negative_sampling_T": "NS3L's threshold T when negative sampling was added (absent: without)",
    "weight_learning_rate": "DS3L: Adam's learning rate for the weight network",
    "mean_weight_seen, mean_weight_unseen": "DS3L: mean learned weight over the seen- and unseen-class unlabelled images",
    "run, command": "the run folder and the command that trained it",
}


def collect_ssl(out_root, results):
    for name, folders, benchmark in [
        ("ssl-mismatch.json", SSL_MISMATCH,
         "seen-class test accuracy against the share of unlabelled images from unseen classes (the DS3L paper's "
         "figure), docs/results.md 'Semi-supervised learning when unlabelled data holds unseen classes'"),
        ("ssl-negative-sampling.json", SSL_NEGATIVE_SAMPLING,
         "each SSL base without and with NS3L's negative sampling, Fashion-MNIST, 10 classes, 1,000 labels "
         "(the NS3L paper's pairs), docs/results.md 'NS3L: negative sampling'"),
    ]:
        committed = results / name
        previous = load_json(committed)["rows"] if committed.is_file() else []
        rows = read_rows(out_root, folders, previous)
        for row in rows:
            if not run_file(out_root, row, "metrics.json").is_file():
                continue  # kept from the committed results, checked when they were collected
            metrics = load_json(run_file(out_root, row, "metrics.json"))
            if metrics["testAccuracyAtBestValidation"] != row["accuracy"]:
                sys.exit(f"{row['run']}: rows.json's accuracy {row['accuracy']} is not metrics.json's "
                         f"{metrics['testAccuracyAtBestValidation']}: rerun `{row['command']}`")
            if row["method"] == "ds3l":
                row["weight_learning_rate"] = metrics["run"]["weightLearningRate"]
        write(results / name, {
            "benchmark": benchmark,
            "source": "<folder>/rows.json (written by penumbra ssl report --json) and each run's metrics.json",
            "collected_by": COLLECTED_BY,
            "fields": SSL_FIELDS,
            "rows": rows,
            "paired_differences": ssl_paired_differences(rows, name == "ssl-negative-sampling.json"),
        })


def ssl_paired_differences(rows, negative_sampling):
    """Accuracy differences between runs that share a split and an initialisation (the same
    seed, data, labels and mismatch): with NS3L minus the same base without it, or each method
    minus supervised; mean and sample standard deviation over seeds."""
    def key(row):
        return (row["command"], row["dataset"], row["labels"], row["mismatch"], row["seed"])
    if negative_sampling:
        baseline = {key(r) + (r["method"],): r["accuracy"] for r in rows if r.get("negative_sampling_T") is None}
        def base(row):  # the method without NS3L: "pi+ns3l" -> "pi"
            return key(row) + (row["method"].removesuffix("+ns3l"),)
        pairs = [((r["method"], r["negative_sampling_T"], r["command"]), r["accuracy"] - baseline[base(r)])
                 for r in rows if r.get("negative_sampling_T") is not None and base(r) in baseline]
        describe = lambda group: {"method": group[0], "negative_sampling_T": group[1], "command": group[2],
                                  "difference": "accuracy with NS3L minus without"}
    else:
        baseline = {key(r): r["accuracy"] for r in rows if r["method"] == "supervised"}
        pairs = [((r["method"], r["dataset"], r["labels"], r["mismatch"], r["command"]), r["accuracy"] - baseline[key(r)])
                 for r in rows if r["method"] != "supervised" and key(r) in baseline]
        describe = lambda group: {"method": group[0], "dataset": group[1], "labels": group[2], "mismatch": group[3],
                                  "command": group[4], "difference": "accuracy minus supervised's"}
    groups = {}
    for group, difference in pairs:
        groups.setdefault(group, []).append(difference)
    return [{**describe(group), **mean_and_std(differences)} for group, differences in groups.items()]


SLA_FOLDERS = [("out/experiments-sla", 'SETTINGS="50 500" make experiments-sla'),
               ("out/experiments-sla-full", "SETTINGS=full SEEDS=0 OUT=out/experiments-sla-full scripts/experiments-sla.sh")]
LENS_FOLDERS = [("out/experiments-lens", "make experiments-lens")]
SLA_FIELDS = {
    "method": "baseline (cross-entropy), da (rotations as augmentation), mt (a rotation head beside the class head), "
              "sla (joint labels) or sla-sd (joint labels and a self-distilled head)",
    "inference": "plain (the method's own classifier), si (SLA's unrotated slice), ag (SLA's aggregate over the four "
                 "rotations) or sd (SLA+SD's distilled head)",
    "data, per_class": "few (per_class training images of each class) or full (all 60,000)",
    "seed": "the subset's, initialisation's and batch order's seed",
    "accuracy": "Fashion-MNIST test accuracy (10,000 images) after the last epoch",
    "epochs, steps, seconds": "epochs, optimiser steps and training seconds (one thread)",
    "run, command": "the run folder and the command that trained it",
}
LENS_FIELDS = {
    "shortcut": "none or arrow: the mark drawn on every image before its rotation",
    "lens": "none, least-likely or adversarial: the lens and its adversarial loss",
    "lambda": "the weight of the lens's reconstruction term on the MSE in [0, 1] pixels",
    "seed": "the subset's, initialisation's and batch order's seed",
    "pretext_accuracy": "F's rotation accuracy on L(x) over the four rotations of the 10,000 test images",
    "probe_accuracy": "ten-class test accuracy of a linear probe on F's frozen, standardised features of L(x)",
    "probe_both_accuracy": "the same probe on F's features of L(x) and of x concatenated",
    "reconstruction_mse": "mean (x - L(x))^2 on the test images in [0, 1] pixels",
    "epochs, seconds": "pretext epochs and training seconds (one thread)",
    "run, command": "the run folder and the command that trained it",
}


def run_file(out_root, row, name):
    """The file `name` in the run folder a rows.json row names (relative to out/)."""
    return out_root / pathlib.Path(row["run"]).relative_to("out") / name


def read_rows(out_root, folders, previous=None):
    """The rows of each (folder, command)'s rows.json, each with the command that made it. With
    `previous` (the rows of the results file already committed), a row whose run folder is not on
    this machine is kept from there, so a results file can grow by new runs without rerunning the
    old; otherwise a missing folder is left out with a note."""
    rows = []
    for folder, command in folders:
        path = out_root / pathlib.Path(folder).relative_to("out") / "rows.json"
        fresh = []
        if path.is_file():
            for row in load_json(path):
                row["command"] = command
                fresh.append(row)
        runs = {row["run"] for row in fresh}
        kept = [{**row, "command": command} for row in previous or []
                if pathlib.Path(row["run"]).parent == pathlib.Path(folder) and row["run"] not in runs
                and not (out_root / pathlib.Path(row["run"]).relative_to("out")).is_dir()]
        if kept:
            note(f"{folder}: {len(kept)} rows kept from the committed results (their run folders are not here)")
        if not fresh and not kept:
            note(f"no {relative(path)}: left out")
        rows += kept + fresh
    return rows


def mean_and_std(values):
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else None
    return {"seeds": len(values), "mean": mean, "std": std}


def collect_selfsup(out_root, results):
    rows = read_rows(out_root, SLA_FOLDERS)
    for row in rows:
        metrics = load_json(run_file(out_root, row, "metrics.json"))
        scored = {s["inference"]: s["accuracy"] for s in metrics["scores"]}
        if scored.get(row["inference"]) != row["accuracy"]:
            sys.exit(f"{row['run']}: rows.json's {row['inference']} accuracy is not metrics.json's: rerun `{row['command']}`")
    baseline = {(r.get("per_class"), r["seed"]): r["accuracy"] for r in rows if r["method"] == "baseline"}
    groups = {}
    for r in rows:
        if r["method"] != "baseline" and (r.get("per_class"), r["seed"]) in baseline:
            groups.setdefault((r.get("per_class"), r["method"], r["inference"]), []).append(r["accuracy"] - baseline[(r.get("per_class"), r["seed"])])
    write(results / "sla.json", {
        "benchmark": "SLA (Lee, Hwang and Shin, ICML 2020) on Fashion-MNIST with the DUQ paper's CNN: each method and "
                     "inference against plain cross-entropy on the same images and seed, docs/results.md 'Self-supervised "
                     "label augmentation'",
        "source": "<folder>/rows.json (written by penumbra selfsup report --json) and each run's metrics.json",
        "collected_by": COLLECTED_BY,
        "fields": SLA_FIELDS,
        "rows": rows,
        "paired_differences": [{"per_class": k[0], "method": k[1], "inference": k[2],
                                "difference": "accuracy minus the baseline's", **mean_and_std(v)} for k, v in groups.items()],
    })
    rows = read_rows(out_root, LENS_FOLDERS)
    for row in rows:
        metrics, probe = load_json(run_file(out_root, row, "metrics.json")), load_json(run_file(out_root, row, "probe.json"))
        if metrics["pretextAccuracy"] != row["pretext_accuracy"] or probe["probeAccuracy"] != row["probe_accuracy"]:
            sys.exit(f"{row['run']}: rows.json disagrees with its metrics.json or probe.json: rerun `{row['command']}`")
    probe = {(r["shortcut"], r["lens"], r["lambda"] if r["lens"] != "none" else None, r["seed"]): r["probe_accuracy"] for r in rows}
    gaps, recovered = [], {}
    for (shortcut, lens, weight, seed), accuracy in probe.items():
        clean, marked = probe.get(("none", "none", None, seed)), probe.get(("arrow", "none", None, seed))
        if clean is None or marked is None:
            continue
        if shortcut == "arrow" and lens == "none":
            gaps.append(clean - marked)
        elif shortcut == "arrow":
            recovered.setdefault((lens, weight), []).append((accuracy - marked, clean - marked))
    write(results / "lens.json", {
        "benchmark": "automatic shortcut removal (Minderer et al., ICML 2020): the rotation pretext on Fashion-MNIST with an "
                     "arrow shortcut, with and without the lens, docs/results.md 'Automatic shortcut removal'",
        "source": "<folder>/rows.json (written by penumbra selfsup lens-report --json), each run's metrics.json and probe.json",
        "collected_by": COLLECTED_BY,
        "fields": LENS_FIELDS,
        "rows": rows,
        "shortcut_gap": {"difference": "probe accuracy clean minus arrow, both without a lens, same seed", **mean_and_std(gaps)} if gaps else None,
        "recovered": [{"lens": lens, "lambda": weight,
                       "difference": "probe accuracy arrow with the lens minus arrow without, same seed",
                       **mean_and_std([a for a, _ in pairs]),
                       "share_of_gap": sum(a for a, _ in pairs) / sum(g for _, g in pairs)}
                      for (lens, weight), pairs in recovered.items()],
    })


def write(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {relative(path)} ({path.stat().st_size:,} bytes)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "out", help="the runs' root folder (default: out/)")
    parser.add_argument("--results", type=pathlib.Path, default=ROOT / "docs" / "results",
                        help="where the JSON files go (default: docs/results/)")
    parser.add_argument("--only", help="comma-separated names of the files to write (default: all)")
    args = parser.parse_args()
    collectors = {
        ("npf-table.json", "npf-other-runs.json", "npf-curves.json"): collect_npf,
        ("image-completion.json",): collect_images,
        ("ood-fashion-mnist.json", "ood-curves.json"): collect_ood,
        ("two-moons.json",): collect_moons,
        ("ssl-mismatch.json", "ssl-negative-sampling.json"): collect_ssl,
        ("sla.json", "lens.json"): collect_selfsup,
    }
    only = set(args.only.split(",")) if args.only else None
    known = {name for names in collectors for name in names}
    if only and not only <= known:
        sys.exit(f"--only: no file named {', '.join(sorted(only - known))}; the files are {', '.join(sorted(known))}")
    for names, collect in collectors.items():
        if only is None or only & set(names):
            collect(args.out, args.results)


if __name__ == "__main__":
    main()
