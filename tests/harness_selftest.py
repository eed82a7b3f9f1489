#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the runner's log analysis, on canned console logs.

Each check prints "PASS name" or "FAIL name"; exit status 1 on any failure.
"""

import os
import subprocess
import sys
import tempfile

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

# --- report titles ----------------------------------------------------------
TITLES_OK = """[ 1.0] BUG: LIFETIME: unprotected-access in demo_read+0x10/0x20 [demo]
[ 1.1] BUG: LIFETIME: sleeping-final-put in foo.constprop.0+0x1/0x2
[ 1.15] BUG: LIFETIME: sleeping-final-put in foo.cold+0x1/0x2
[ 1.2] BUG: LIFETIME: unprotected-access in (unknown site)
[ 1.3] BUG: LIFETIME: unpinned-cdev in upset_device+0x1/0x2
[ 1.4] BUG: LIFETIME: unprotected-access in ltd_dom_timer_fn+0x1/0x2 [ltd_domain_scenarios]
"""
check("titles: driver frames and the fixed unknown form pass",
      H.title_problems(TITLES_OK) == [])
for bad in ("BUG: LIFETIME: unprotected-access in __mutex_lock+0x1/0x2",
            "BUG: LIFETIME: unprotected-access in lock_release+0x1/0x2",
            "BUG: LIFETIME: unprotected-access in _copy_to_user+0x1/0x2",
            "BUG: LIFETIME: unprotected-access in string+0x1/0x2",
            "BUG: LIFETIME: unprotected-access in up_read+0x1/0x2",
            "BUG: LIFETIME: sleeping-final-put in ltd_rc_put+0x1/0x2",
            "BUG: LIFETIME: unprotected-access in 0x10000",
            "BUG: LIFETIME: unprotected-access in 0xffffffffc0001000",
            "BUG: LIFETIME: use-after-teardown in demo_read+0x10/0x20 [demo]",
            "BUG: LIFETIME: unprotected-access in demo_read"):
    check("titles: rejected: %s" % bad[len("BUG: LIFETIME: "):],
          len(H.title_problems("[ 2.0] " + bad + "\n")) == 1)

# --- tests/drivers/score on canned logs -----------------------------------
SCORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drivers", "score")
BANNER = "[    5.0] LTEST-DRIVER: %s demo\n"
DONE = "LTEST-DRIVER-DONE: %s\nLTEST-EXIT: 0\n"
REPORT = "[    6.0] BUG: LIFETIME: unprotected-access in demo_read+0x10/0x20 [demo]\n"
NOWAIT = "[    7.0] BUG: LIFETIME: unpinned-module-reference in demo_timer_fn+0x0/0x20 [demo]\n"
KASAN = "[    6.5] BUG: KASAN: slab-use-after-free in demo_timer_fn+0x4/0x20 [demo]\n"


def score(sweep, recall, triage):
    """Run the scorer on a canned tree; return (exit status, last line, output)."""
    with tempfile.TemporaryDirectory() as d:
        for sub in ("sweep", "recall", "logs"):
            os.mkdir(os.path.join(d, sub))
        for name, log in sweep.items():
            open(os.path.join(d, "sweep", name + ".sh"), "w").close()
            with open(os.path.join(d, "logs", "driver-%s.log" % name), "w") as f:
                f.write(log)
        for name, (conf, log) in recall.items():
            with open(os.path.join(d, "recall", name + ".conf"), "w") as f:
                f.write(conf)
            with open(os.path.join(d, "logs", "recall-%s.log" % name), "w") as f:
                f.write(log)
        with open(os.path.join(d, "TRIAGE.md"), "w") as f:
            f.write(triage)
        p = subprocess.run([sys.executable, SCORE, os.path.join(d, "logs"), "--root", d],
                           capture_output=True, text=True)
    lines = p.stdout.strip().splitlines()
    return p.returncode, lines[-1] if lines else "", p.stdout


CONF = ("fix: 0123456789ab (\"demo: wait for the timer\")\nexpect: unpinned-module-reference\n"
        "module: demo\n")
clean = BANNER % "a" + DONE % "a"
rc, last, _ = score({"a": clean}, {"r": (CONF, BANNER % "r" + NOWAIT + DONE % "r")}, "")
check("score: silent driver and predictive recall pass",
      rc == 0 and last == "real-drivers: correct 1/1 silent, recall 1/1, predictive 1/1, triaged 0/0")
rc, last, out = score({"a": BANNER % "a" + REPORT + DONE % "a"}, {}, "")
check("score: an untriaged report fails",
      rc == 1 and "untriaged report 'BUG: LIFETIME: unprotected-access in demo_read'" in out
      and last.endswith("triaged 0/1"))
row = "| a | `BUG: LIFETIME: unprotected-access in demo_read` | %s | x |\n"
rc, last, _ = score({"a": BANNER % "a" + REPORT + DONE % "a"}, {}, row % "real-bug")
check("score: a triaged real bug keeps the driver silent",
      rc == 0 and last.startswith("real-drivers: correct 1/1 silent") and last.endswith("triaged 1/1"))
rc, last, _ = score({"a": BANNER % "a" + REPORT + DONE % "a"}, {}, row % "false-positive")
check("score: a triaged false positive makes the driver not silent",
      rc == 0 and last.startswith("real-drivers: correct 0/1 silent"))
rc, last, out = score({"a": BANNER % "a" + "SCENARIO-FAIL: a: modprobe\nLTEST-EXIT: 1\n"}, {}, "")
check("score: a sequence that did not finish fails",
      rc == 1 and "sequence did not finish: a: modprobe" in out)
rc, last, out = score({}, {"r": (CONF, BANNER % "r" + DONE % "r")}, "")
check("score: a missed recall case without a hole fails",
      rc == 1 and "missed, and no hole declared" in out and "recall 0/1" in last)
rc, last, out = score({}, {"r": (CONF + "hole: refcount-released memory\n", BANNER % "r" + DONE % "r")}, "")
check("score: a missed recall case with its hole is counted, not failed",
      rc == 0 and "hole: refcount-released memory" in out and "recall 0/1" in last)
rc, last, _ = score({}, {"r": (CONF, BANNER % "r" + KASAN + NOWAIT + DONE % "r")}, "")
check("score: a report after a KASAN report is not predictive",
      rc == 0 and "recall 1/1, predictive 0/1" in last)

sys.exit(0 if all(checks) else 1)
