#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the runner's log analysis, on canned console logs.

Each check prints "PASS name" or "FAIL name"; exit status 1 on any failure.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lt_harness as H  # noqa: E402

GOOD = """[    1.000000] KTAP version 1
[    1.000001] 1..1
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: demo
[    1.000004]     # module: demo_test
[    1.000005]     1..3
[    1.000006] ==================================================================
[    1.000007] BUG: LIFETIME: sleeping-final-put in test_a+0x10/0x20
[    1.000008]     ok 1 test_a
[    1.000009]     ok 2 test_b # SKIP not today
[    1.000010]         ok 1 param-1
[    1.000011]     ok 3 test_c
[    1.000012] # demo: pass:2 fail:0 skip:1 total:3
[    1.000013] ok 1 demo
"""

FAILED_CASE = GOOD.replace("    ok 3 test_c", "    not ok 3 test_c").replace(
    "ok 1 demo", "not ok 1 demo")
CRASHED = "\n".join(GOOD.splitlines()[:9]) + "\n[    2.0] BUG: kernel NULL pointer dereference, address: 0\n"
STRAY = GOOD + "[    3.0] WARNING: CPU: 0 PID: 1 at lib/foo.c:1 foo+0x1/0x2\n"
LOCKDEP = GOOD + "[    3.0] WARNING: possible circular locking dependency detected\n"
HUNG = GOOD + "[  100.0] INFO: task cat:99 blocked for more than 30 seconds.\n"
EXPECT = {"demo": [r"^BUG: LIFETIME: sleeping-final-put in "]}

checks = []


def check(name, cond):
    checks.append(cond)
    print("%s %s" % ("PASS" if cond else "FAIL", name))


cases, splats, problems = H.parse_log(GOOD)
check("ktap: cases counted at test-case level",
      [(c.name, c.status) for c in cases] == [("test_a", "pass"), ("test_b", "skip"),
                                               ("test_c", "pass")])
check("ktap: expected splat in its suite is allowed",
      len(splats) == 1 and not H.unexpected_splats(splats, EXPECT) and not problems)
check("ktap: same splat is unexpected without an expect line",
      len(H.unexpected_splats(splats, {})) == 1)

cases, _, _ = H.parse_log(FAILED_CASE)
check("ktap: a failing case is a failure",
      [c.status for c in cases].count("fail") == 1)

cases, splats, problems = H.parse_log(CRASHED)
check("ktap: a suite that never finished is reported",
      any("did not finish" in p for p in problems))
check("splat: NULL dereference inside a suite is unexpected",
      any("NULL pointer" in s.text for s in H.unexpected_splats(splats, EXPECT)))

for name, log, what in (("WARN", STRAY, "WARNING: CPU"),
                        ("lockdep", LOCKDEP, "circular locking"),
                        ("hung task", HUNG, "blocked for more than")):
    _, splats, _ = H.parse_log(log)
    bad = H.unexpected_splats(splats, EXPECT)
    check("splat: %s outside a suite is unexpected" % name,
          len(bad) == 1 and what in bad[0].text and bad[0].owner is None)

sys.exit(0 if all(checks) else 1)
