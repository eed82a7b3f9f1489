# SPDX-License-Identifier: GPL-2.0
"""Console-log analysis for the lifetime sanitizer's test runner.

Parses KTAP (as the kernel's kunit.py does) from a guest console log and
finds kernel splats (BUG/WARNING/KASAN/lockdep/hung task/panic), attributing
each to the KUnit suite or scenario that was running so that splats a test
triggers on purpose can be told from real ones.
"""

import re

TS = re.compile(r"^\[\s*\d+\.\d+\] ?")
RESULT = re.compile(r"^( *)(ok|not ok) (\d+) ([^#]*?)\s*(?:#\s*(.*))?$")
SUBTEST = re.compile(r"^( *)# Subtest: (\S+)")
PLAN = re.compile(r"^( *)1\.\.(\d+)")

# The first line of a kernel splat.
SPLAT = re.compile(
    r"^(BUG: |WARNING: |UBSAN: |Kernel panic|kernel BUG at |general protection fault|"
    r"Oops: |INFO: task \S+ blocked for more than|INFO: rcu_\w+ (self-)?detected|"
    r"watchdog: BUG: |Unable to handle kernel)")


def strip(line):
    return TS.sub("", line.rstrip("\r\n"))


class Case:
    def __init__(self, suite, name, status, reason=""):
        self.suite, self.name, self.status, self.reason = suite, name, status, reason

    @property
    def full(self):
        return "%s.%s" % (self.suite, self.name)


class Splat:
    def __init__(self, lineno, text, owner):
        self.lineno, self.text, self.owner = lineno, text, owner


def parse_log(text):
    """Return (cases, splats, problems) for one console log.

    cases: Case for every KUnit test case (indent 4 under a suite).
    splats: Splat for every splat title, owner = running suite or None.
    problems: strings for structural failures (a suite that did not finish,
    a plan with missing results).
    """
    cases, splats, problems = [], [], []
    suite = None
    plan = None
    seen = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = strip(raw)
        m = SUBTEST.match(line)
        if m and len(m.group(1)) == 4:
            suite, plan, seen = m.group(2), None, 0
            continue
        m = PLAN.match(line)
        if m and suite and len(m.group(1)) == 4 and plan is None:
            plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if m:
            indent, ok, name, directive = len(m.group(1)), m.group(2), m.group(4), m.group(5) or ""
            if indent == 4 and suite:
                seen += 1
                if directive.upper().startswith("SKIP"):
                    status = "skip"
                else:
                    status = "pass" if ok == "ok" else "fail"
                cases.append(Case(suite, name, status, directive))
                continue
            if indent == 0 and suite and name == suite:
                if plan is not None and seen < plan:
                    problems.append("suite %s: %d of %d results missing"
                                    % (suite, plan - seen, plan))
                if ok == "not ok" and not any(c.suite == suite and c.status == "fail"
                                              for c in cases):
                    if directive.upper().startswith("SKIP"):
                        cases.append(Case(suite, "(suite)", "skip", directive))
                    else:
                        cases.append(Case(suite, "(suite)", "fail",
                                          "suite failed: " + directive))
                suite, plan = None, None
                continue
        if SPLAT.match(line):
            splats.append(Splat(lineno, line, suite))
    if suite is not None:
        problems.append("suite %s did not finish (crash or hang?)" % suite)
    return cases, splats, problems


def unexpected_splats(splats, expect, default_owner=None):
    """Splats not matched by expect[owner] regexes (owner = suite/scenario)."""
    bad = []
    for s in splats:
        owner = s.owner or default_owner
        pats = expect.get(owner, [])
        if not any(re.search(p, s.text) for p in pats):
            bad.append(s)
    return bad


def read_kunit_conf(path):
    modules, expect = [], {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, _, rest = line.partition(" ")
            if kind == "module":
                modules.append(rest.strip())
            elif kind == "expect":
                suite, _, regex = rest.partition(" ")
                expect.setdefault(suite, []).append(regex)
            else:
                raise ValueError("%s: bad line %r" % (path, line))
    return modules, expect


def read_scenario_headers(path):
    """'# lt-<key>: value' header lines of a scenario script."""
    hdr = {"expect-splat": [], "timeout": "600", "append": ""}
    with open(path) as f:
        for line in f:
            m = re.match(r"^# lt-([a-z-]+): (.*)$", line.rstrip("\n"))
            if not m:
                continue
            if m.group(1) == "expect-splat":
                hdr["expect-splat"].append(m.group(2))
            else:
                hdr[m.group(1)] = m.group(2)
    return hdr


# The title of a lifetime report: its type and a site, "%pS" of a function
# (optional .constprop.N, .isra.N, .cold suffixes, offset/size, a module) or the
# fixed form for a site without a symbol (lib/lifetime_debug/report.c).
TITLE_TYPES = ("unprotected-access", "sleeping-final-put", "sleeping-nosleep-release",
               "unpinned-module-reference", "freed-while-open", "unpinned-cdev")
TITLE = re.compile(
    r"^BUG: LIFETIME: (%s) in (?:([A-Za-z_][A-Za-z0-9_]*)(?:\.[a-z_]+(?:\.[0-9]+)?)*"
    r"\+0x[0-9a-f]+/0x[0-9a-f]+( \[[A-Za-z0-9_]+\])?|\(unknown site\))$"
    % "|".join(TITLE_TYPES))
# Built-in functions a title must never name: the sanitizer, KASAN, copy and
# string helpers, lock primitives (the first frame below them names the
# report). Module code (a "[module]" suffix) is none of them.
TITLE_NEVER = re.compile(
    r"^(?:_?_?ltd_|_?_?lifetime_debug_|_?_?kasan_|__asan_|check_region|"
    r"_?copy_(?:to|from)_(?:user|iter)|copy_page_to_iter|simple_(?:read_from|write_to)_buffer|"
    r"memory_read_from_buffer|sysfs_emit(?:_at)?|v?sn?printf|v?scnprintf|sprintf|"
    r"seq_(?:v?printf|write|puts)|string|(?:sized_)?strscpy|strn?len|_?_?mem(?:cpy|move|set|cmp)|"
    r"lock_(?:acquire|release|acquired|contended)|lockdep_|__lock_|do_raw_|_raw_|queued_|osq_|"
    r"_?_?mutex_|_?_?ww_mutex_|_?_?rt_mutex_|_?_?rwsem_|_?_?down|_?_?up_|up$|percpu_(?:down|up)_|"
    r"complete|wait_for_completion|__wake_up|try_to_wake_up|kobject_put$|put_device$)")


def title_problems(text):
    """(lineno, line, why) for each lifetime report title in a console log
    that does not match TITLE or names a function in TITLE_NEVER."""
    bad = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = strip(raw)
        if not line.startswith("BUG: LIFETIME:"):
            continue
        m = TITLE.match(line)
        if not m:
            bad.append((lineno, line, "not the title grammar"))
        elif m.group(2) and not m.group(3) and TITLE_NEVER.match(m.group(2)):
            bad.append((lineno, line, "names a helper, lock primitive or the sanitizer"))
    return bad
