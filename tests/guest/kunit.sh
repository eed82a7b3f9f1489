#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the KUnit run: built-in suites already ran during boot;
# load each KUnit test module given as an argument (paths relative to
# LT_BUILD, the kernel build directory), which runs its suites, then unload it.
rc=0
for m in "$@"; do
	ko=$LT_BUILD/$m
	echo "LTEST-KUNIT-MODULE: $m"
	if ! insmod "$ko"; then
		echo "LTEST-ERROR: insmod $ko failed"
		rc=1
		continue
	fi
	rmmod "$(basename "$ko" .ko)" || rc=1
done
exit $rc
