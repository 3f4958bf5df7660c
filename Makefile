# The front door. Two commands do all the set-up on a fresh Debian machine:
#   make demo   virtual environment + microbp with its plot extra (+ Debian's graphviz where
#               `dot` is missing), then `microbp demo`
#   make test   the same with the dev extra, PyTorch's CPU build and onnxruntime (+ Debian's
#               chromium for the browser test), then the whole test suite, on TEST_JOBS
#               processes (pytest-xdist; TEST_JOBS=1 runs it in one)
#   make lint   ruff; lint-imports for the layering (.importlinter: core < shell, no cycles, the
#               core free of the shell's libraries); tools/check_sizes.py (a module ≤ 600
#               lines, a function ≤ 60 unless a `# long:` comment says why)
#   make docs   the site with the API reference generated from the docstrings (mkdocs, strict)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint docs format graphviz chromium clean bench

demo: $(VENV)/.installed graphviz
	$(BIN)/microbp demo

# Two processes: the suite is CPU-bound and safe in parallel (every server takes a free port,
# every file goes to a temporary folder, the browser and the docs build are per process), and
# on a 2-core machine it takes about half the time of one. --dist loadscope keeps a module in
# one process, so a module's server, browser or quick benchmark is made once.
TEST_JOBS ?= 2
test: $(VENV)/.installed-dev graphviz chromium
	$(BIN)/python -m pytest $(if $(filter-out 1,$(TEST_JOBS)),-n $(TEST_JOBS) --dist loadscope)

# The numbers of README "Performance" (micrograd from the bench extra; PyTorch only if present).
bench: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/engine_vs_micrograd.py
	$(BIN)/python benchmarks/formulas.py --threads 1

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tools/check_sizes.py microbp

# The guide pages of docs/ and the API reference from the docstrings, into site/ (git-ignored);
# strict: a broken link, a missing page or a docstring mkdocstrings cannot read is an error.
docs: $(VENV)/.installed-dev
	$(BIN)/mkdocs build --strict --site-dir site

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv \
	    && $(PYTHON) -m venv $(VENV); \
	  else echo "cannot create a virtual environment: install python3-venv"; exit 1; fi; }

$(VENV)/.installed: $(VENV)/bin/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install -q -e '.[plot]'
	touch $@

# PyTorch for the tests of microbp.interop, as its CPU build: on Linux a plain `torch` resolves
# to the CUDA build, about 2.8 GB with its nvidia-* wheels, where the CPU build is 183 MB (and
# installs in about 25 s). This machine kind keeps torch 2.13.0+cpu beside pip (its
# find-links), which `torch==2.13.0` picks; elsewhere give the CPU build of your platform, e.g.
# `make test TORCH_CPU='torch==2.13.0+cpu'` with PyTorch's CPU wheel index configured for pip.
TORCH_CPU ?= torch==2.13.0

$(VENV)/.installed-dev: $(VENV)/bin/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install -q '$(TORCH_CPU)'
	$(BIN)/python -m pip install -q -e '.[dev,plot,lab,symbolic,docs,torch,onnx]'
	touch $@ $(VENV)/.installed

# Debian's graphviz provides `dot`, which renders diagrams; installed only where it is missing.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's graphviz (for the dot executable)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else echo "warning: graphviz's dot is missing (apt-get install graphviz / brew install graphviz)"; fi; }

# Debian's chromium and chromium-driver run the HTML stepper's browser test (tests/test_stepper_browser.py,
# skipped without them); installed only where missing.
chromium:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and chromium-driver (for the browser test)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "warning: chromium/chromedriver missing, the browser test will be skipped (apt-get install chromium chromium-driver)"; fi; }

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .hypothesis .import_linter_cache microbp-demo
