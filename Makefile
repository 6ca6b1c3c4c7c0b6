# Image Generation with Python: set-up, lab, tests.
#   make lab    set everything up (first time: a virtual environment in .venv) and open JupyterLab
#   make test   set everything up and run every test: helpers' unit tests + nbval over notebooks/
#   make test-browser  the sliders in a real browser, and the static HTML read offline
#                      (installs chromium and playwright first)
#   make run-all       run every notebook in quick mode, print each one's time (run-all-full: full size)
#   make html          export the executed notebooks to static HTML in site/ (open site/index.html)
# Both reuse .venv on later runs (it is rebuilt only when pyproject.toml changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.installed-browser
EXTRAS ?= dl,lab,test
# Quick mode (see README): tests run with it on unless you say COURSE_QUICK=0.
COURSE_QUICK ?= 1
JOBS   ?= 2
PORT   ?= 8888
# Jupyter refuses to run as root unless told (containers, CI machines).
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab test test-unit test-notebooks browser-setup test-browser run-all run-all-full html clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --port=$(PORT) $(LAB_FLAGS)

# One math thread per test process (and per notebook kernel it starts): the JOBS processes already
# share the cores, and TensorFlow's and OpenBLAS's thread pools spin when oversubscribed (two
# TF kernels with 2 threads each on 2 cores made `make test` 289 s instead of 171 s; issue 15).
TEST_THREADS ?= 1
TEST_ENV = COURSE_QUICK=$(COURSE_QUICK) TF_NUM_INTRAOP_THREADS=$(TEST_THREADS) TF_NUM_INTEROP_THREADS=$(TEST_THREADS) \
	OMP_NUM_THREADS=$(TEST_THREADS) OPENBLAS_NUM_THREADS=$(TEST_THREADS) MKL_NUM_THREADS=$(TEST_THREADS)

# --dist loadscope: a notebook (or a test module) runs whole on one process; --no-loadscope-reorder:
# units go out in the order conftest.py sets (longest notebooks first); --durations=10: the ten
# slowest tests are printed, so growth shows.
test: setup
	$(TEST_ENV) $(BIN)/python -m pytest -n $(JOBS) --dist loadscope --no-loadscope-reorder \
		--durations=10 --nbval-lax --nbval-current-env --doctest-modules helpers course_tools tests notebooks

test-unit: setup
	$(TEST_ENV) $(BIN)/python -m pytest -n $(JOBS) --doctest-modules helpers course_tools tests

# One notebook: make test-notebooks NB=notebooks/01_noise_models.ipynb
NB ?= notebooks
test-notebooks: setup
	$(TEST_ENV) $(BIN)/python -m pytest -n $(JOBS) --dist loadscope --no-loadscope-reorder \
		--nbval-lax --nbval-current-env $(NB)

# The browser test: JupyterLab driven in Debian's chromium by playwright (tests/browser/).
# browser-setup installs chromium with apt when it is missing (root or sudo needed; elsewhere it
# says so and the test skips) and the `browser` group (playwright) into the venv.
browser-setup: $(BROWSER_STAMP)
	@scripts/ci/install_chromium.sh

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS),browser]"
	touch $(BROWSER_STAMP)

test-browser: browser-setup
	COURSE_BROWSER=1 COURSE_QUICK=$(COURSE_QUICK) $(BIN)/python -m pytest -p no:cacheprovider -s tests/browser

# The whole course, top to bottom, one fresh kernel per notebook; notebooks are left unchanged.
run-all: setup
	$(BIN)/python -m course_tools.run_all

run-all-full: setup
	$(BIN)/python -m course_tools.run_all --full

# Static HTML of the stored (executed) outputs; nothing is run.
html: setup
	$(BIN)/python -m course_tools.export_html --out site

clean-venv:
	rm -rf $(VENV)
