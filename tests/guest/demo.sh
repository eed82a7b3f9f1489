#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the demo (see tests/demo).
set -u
echo "LTEST-DEMO-BEGIN"
say() { printf '\n### %s\n' "$*"; }

say "Kernel $(uname -r): the sanitizer is built in"
zcat /proc/config.gz | grep -E '^CONFIG_(LIFETIME_DEBUG|URES)[A-Z_]*='
say "Boot messages"
dmesg | grep -E 'lifetime_debug:' | sed 's/^\[[^]]*\] //'
say "Boot parameters (/sys/module/lifetime_debug/parameters)"
grep . /sys/module/lifetime_debug/parameters/*
say "cat /sys/kernel/debug/lifetime_debug/stats"
cat /sys/kernel/debug/lifetime_debug/stats
