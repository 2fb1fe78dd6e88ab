# The two commands the README promises: `make demo` and `make test`.
# Both create .venv with the interpreter in $(PYTHON) and install the project into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test model corpus evaluate figures clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/recommender demo --config data/samples/team.yaml

test: install
	$(BIN)/python -m pytest -q

corpus: install
	$(BIN)/recommender corpus

model: install
	$(BIN)/recommender train

evaluate: install
	$(BIN)/recommender evaluate

figures: install
	$(BIN)/recommender evaluate --update-readme README.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
