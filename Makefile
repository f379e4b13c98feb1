# The two commands a newcomer needs (README): `make demo` and `make test`.
# Both set everything up on a fresh Debian machine with Python 3.11: a virtualenv in .venv, and — when
# run as root — the Debian packages the tests and the .doc conversion use (apt-get, see SYSTEM_PACKAGES).
# `make install` is the production install (README "Install on the office server"); it is also the
# upgrade step.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# chromium: the red-team set (tests/redteam) prints HTML forms to PDF with it, as units' browsers do.
SYSTEM_PACKAGES := dovecot-imapd libreoffice-writer-nogui libreoffice-calc-nogui unar libarchive-tools isync fonts-noto-cjk poppler-utils chromium
# Commands each package provides; apt runs only when one of them is missing.
SYSTEM_COMMANDS := /usr/sbin/dovecot soffice unar bsdtar mbsync pdftoppm chromium

# What a production server needs at run time: LibreOffice for .doc/.wps forms and the CJK fonts it lays
# them out with, unar and bsdtar for RAR archives.  Without them intake runs, but `intake check` fails
# and the affected attachments wait (flagged as the office's missing component) until they are there.
RUNTIME_PACKAGES := libreoffice-writer-nogui fonts-noto-cjk unar libarchive-tools
RUNTIME_COMMANDS := soffice unar bsdtar fc-list

.PHONY: demo test lint venv system-deps bench clean install install-system

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

# The runtime virtualenv (no test or bench extras), not editable: a half-finished `git pull` cannot
# change the code a cron run is executing.  As root it first installs RUNTIME_PACKAGES.
install: install-system
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --upgrade .
	@$(VENV)/bin/intake --version
	@echo "make: installed in $(VENV); next: config, secret file and '$(VENV)/bin/intake check' (README: Install on the office server)"

install-system:
	@missing=""; for c in $(RUNTIME_COMMANDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if command -v fc-list >/dev/null 2>&1 && [ -z "$$(fc-list :lang=zh family 2>/dev/null)" ]; then missing="$$missing CJK-fonts"; fi; \
	if [ -z "$$missing" ]; then \
	  echo "make: LibreOffice, CJK fonts, unar and bsdtar are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing with apt-get (missing:$$missing): $(RUNTIME_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(RUNTIME_PACKAGES) >/dev/null; \
	else \
	  echo "make: missing:$$missing. As root run: make install-system  (apt-get install $(RUNTIME_PACKAGES))"; \
	  echo "make: until then 'intake check' fails and .doc/.wps forms and RAR archives wait for them"; \
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
