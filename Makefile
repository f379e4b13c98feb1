# The two commands a newcomer needs (README): `make demo` and `make test`.
# Both set everything up on a fresh Debian machine with Python 3.11: a virtualenv in .venv, and — when
# run as root — the Debian packages the tests and the .doc conversion use (apt-get, see SYSTEM_PACKAGES).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := dovecot-imapd libreoffice-writer-nogui libreoffice-calc-nogui unar libarchive-tools isync fonts-noto-cjk poppler-utils
# Commands each package provides; apt runs only when one of them is missing.
SYSTEM_COMMANDS := /usr/sbin/dovecot soffice unar bsdtar mbsync pdftoppm

.PHONY: demo test lint venv system-deps bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench,lint]'
	touch $@

venv: $(VENV)/.installed

system-deps:
	@missing=""; for c in $(SYSTEM_COMMANDS); do command -v $$c >/dev/null 2>&1 || [ -x $$c ] || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing Debian packages with apt-get (missing:$$missing): $(SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "make: not root or no apt-get; tests that need$$missing will be skipped"; \
	  fi; \
	fi

demo: venv
	$(VENV)/bin/intake demo

test: venv system-deps
	$(PY) -m pytest -q

# ruff (the rule selection in pyproject.toml), the formatter's check, and mypy --strict on the packages.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: venv system-deps
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) intake-demo .pytest_cache
