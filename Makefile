# frcnet-lite: two commands do everything on a fresh machine with only Python 3.10+.
#   make book   set up .venv, execute the notebooks (quick mode) with papermill, build the HTML book
#   make test   set up .venv, unit tests, execute + nbval-check the notebooks, strict book build, browser test
# Knobs:  make book QUICK=False    (full-size runs)      make book TF_EXTRA=gpu   (tensorflow[and-cuda])
#         make book PARAMS="-p seed 3"                   (extra papermill parameters for every notebook)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.SECONDARY:

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
BUILD    := build
EXEC     := $(BUILD)/executed
QUICK    ?= True
PARAMS   ?=
TF_EXTRA ?= cpu

NOTEBOOK_SRC := $(sort $(wildcard notebooks/[0-9][0-9]_*.md))
NAMES        := $(notdir $(basename $(NOTEBOOK_SRC)))
CONVERTED    := $(addprefix $(BUILD)/nb/,$(addsuffix .ipynb,$(NAMES)))
EXECUTED     := $(addprefix $(EXEC)/,$(addsuffix .ipynb,$(NAMES)))
PKG_SRC      := $(shell find frcnet_lite -type f \( -name '*.py' -o -path '*pretrained*' \) 2>/dev/null)
BOOK_SRC     := $(shell find book -maxdepth 2 -type f \( -name '*.md' -o -name '*.yml' -o -name '*.py' -o -name '*.css' -o -name '*.svg' \) -not -path 'book/_build/*' -not -path 'book/notebooks/*' 2>/dev/null)
STAMP        := $(VENV)/.frcnet-lite-installed

# TensorFlow: silence C++ log lines (they would land in notebook outputs as stderr) without
# slowing it down (we do NOT set TF_ENABLE_ONEDNN_OPTS=0).
export TF_CPP_MIN_LOG_LEVEL := 2
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup venv notebooks book book-html test unit nbval browser bench clean distclean

help:
	@echo "make book    - set up, execute the notebooks (quick mode) and build the HTML book"
	@echo "make test    - set up and run every test (unit, notebooks with nbval, strict book, browser)"
	@echo "make bench   - run every benchmark script (prints tables), then list all missed targets"
	@echo "make clean   - remove build outputs (keeps .venv);  make distclean - also remove .venv"

# ---------------------------------------------------------------- set-up ----
setup venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "frcnet-lite needs Python >= 3.10, found " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(TF_EXTRA),book,test]"
	@# papermill/nbval use the kernel named python3: register the venv's interpreter under that name
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (frcnet-lite)" >/dev/null
	@# jupyter_server refuses to start as root unless allowed (CI and containers run as root)
	@mkdir -p $(VENV)/etc/jupyter
	@echo '{"ServerApp": {"allow_root": true}}' > $(VENV)/etc/jupyter/jupyter_server_config.json
	@touch $@

# ------------------------------------------------------------- notebooks ----
# jupytext sources -> .ipynb (papermill cannot read text notebooks) -> executed in order by
# papermill. They run in $(EXEC) and hand results to each other through $(EXEC)/run
# (the notebooks' `run_dir` parameter, default "run").
$(BUILD)/nb/%.ipynb: notebooks/%.md $(STAMP)
	@mkdir -p $(@D)
	$(VENV)/bin/jupytext --quiet --to ipynb --set-kernel python3 -o $@ $<

$(EXEC)/%.ipynb: $(BUILD)/nb/%.ipynb $(PKG_SRC) $(STAMP)
	@mkdir -p $(@D)
	@echo ">>> executing $* (quick=$(QUICK))"
	@start=$$(date +%s); \
	$(VENV)/bin/papermill $< $(EXEC)/.partial-$*.ipynb -k python3 --cwd $(EXEC) \
	    -p quick $(QUICK) $(PARAMS) --no-progress-bar --log-level WARNING; \
	mv $(EXEC)/.partial-$*.ipynb $@; \
	echo ">>> $* done in $$(( $$(date +%s) - start )) s"

# each notebook reads what the previous one wrote: execute them strictly in order
$(foreach i,$(wordlist 2,$(words $(EXECUTED)),$(shell seq 1 $(words $(EXECUTED)))),\
  $(eval $(word $(i),$(EXECUTED)): $(word $(shell expr $(i) - 1),$(EXECUTED))))

notebooks: $(EXECUTED)

# ------------------------------------------------------------------ book ----
# The book is built from the executed notebooks (execute_notebooks: off, no second execution).
# Widget JavaScript comes from the npm registry into book/_static/vendor (served by the book, so
# widget pages work offline); the API pages are generated from the package by autosummary.
BOOK_TOOLS := scripts/prepare_book.py book/_ext/vendor_widget_js.py book/_templates/autosummary/module.rst
book/_build/html/index.html: $(EXECUTED) $(BOOK_SRC) $(PKG_SRC) $(BOOK_TOOLS)
	$(PY) book/_ext/vendor_widget_js.py --out book/_static/vendor --cache $(BUILD)/npm
	$(PY) scripts/prepare_book.py --executed $(EXEC) --out book/notebooks --config book/_config.yml
	@# viewcode skips source pages older than their module: regenerate them with the current page layout
	rm -rf book/_build/html/_modules
	$(VENV)/bin/jupyter-book build book --warningiserror --nitpick --keep-going --quiet
	@touch $@

book-html: book/_build/html/index.html

book: book-html
	@echo "Book: $(abspath book/_build/html/index.html)"

# ------------------------------------------------------------------ test ----
unit: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest tests frcnet_lite -m "not browser and not gpu"

nbval: $(EXECUTED)
	$(PY) -m pytest -p no:cacheprovider -o addopts="" -o testpaths="" --nbval-lax \
	    --nbval-cell-timeout=900 $(EXECUTED)

# headless Chromium (Debian's package, installed when missing) opens every page of the built book;
# screenshots land in $(BUILD)/screenshots
browser: book-html
	scripts/ensure_chromium.sh >/dev/null
	MPLBACKEND=Agg $(PY) -m pytest tests/test_book_browser.py -m browser -o addopts="-ra" -p no:cacheprovider

test: $(STAMP)
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory unit; \
	$(MAKE) --no-print-directory nbval; \
	$(MAKE) --no-print-directory browser; \
	echo "make test: all steps passed in $$(( $$(date +%s) - start )) s"

# every benchmark runs (a miss does not stop the rest); all misses are listed at the end, exit 1 if any
bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(BUILD) book/_build book/notebooks

distclean: clean
	rm -rf $(VENV)
