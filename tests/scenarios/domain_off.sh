#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lifetime sanitizer booted off (lifetime_debug.enabled=0): the same
# exercises as domain_reports.sh, every variant of ltd_domain_scenarios.ko
# that reports there (unguarded file read, debugfs file and class device left
# behind, timer and work item not cancelled, ures-owned memory written by a
# timer), and none may print a report. The use-after-free variant is left
# out: it is KASAN's report, on or off.
# lt-append: lifetime_debug.enabled=0 lifetime_debug.multi_shot=1
# lt-timeout: 600
LTD_DOMAIN_MODE=off exec bash "$LT_REPO/tests/scenarios/domain_reports.sh"
