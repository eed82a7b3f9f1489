# SPDX-License-Identifier: GPL-2.0
# The README's commands. Everything installs its own dependencies (apt).
.PHONY: demo test build bench deps

demo:
	scripts/build
	tests/demo

test:
	tests/run

bench:
	tests/bench/run

build:
	scripts/build

deps:
	scripts/deps
