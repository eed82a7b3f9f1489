#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""Print the lifetime sanitizer's report history: the last reports kept in
the ring ltd_history[] (lib/lifetime_debug/report.c), oldest first, each
stack decoded from the stack depot.

By default the output is what /sys/kernel/debug/lifetime_debug/reports
prints (ltd_print_history()), line for line, so that a vmcore's ring can be
diffed with a live kernel's file. Each report is:

  report N:                 its number since boot (ltd_report_seq)
  ====...                   separator
  BUG: LIFETIME: TYPE in SITE
                            bug type and the code that did it (%pS)
  WHAT                      what happened: access/put, task, context, guards
  OBJECT                    the object, its domain and owner (if any)
  TITLE by task COMM/PID on cpu CPU at SECS.USECSs:
   FRAME...                 each stack (access or put first, then the
                            allocation, teardown or sleep), one %pS a line
  ====...                   separator

Reports overwritten in the ring while it was read are skipped, as debugfs
does. --summary prints one line per report instead:

  seq      report number
  time     timestamp of its first stack (seconds since boot)
  type     bug type
  site     where (%pS)
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lifetime_drgn import Kernel, check_type, cstr, lookup, name_of, names_array, run  # noqa: E402

REPORT_C = "lifetime_debug/report.c"
SEPARATOR = "=" * 66


def history(prog):
    """The reports in the ring, oldest first (struct ltd_report), as debugfs shows them."""
    ring = lookup(prog, "ltd_history", REPORT_C)
    check_type(prog, "struct ltd_report")
    seq_nr = int(lookup(prog, "ltd_report_seq", REPORT_C))
    size = len(ring)
    first = seq_nr - size if seq_nr > size else 0
    for n in range(first, seq_nr):
        r = ring[n % size]
        if int(r.seq) != n + 1:
            continue    # overwritten meanwhile
        yield r


def bug_names(prog, count):
    return names_array(prog, "ltd_bug_type_names", REPORT_C, count,
                       "enum ltd_bug_type", "LTD_BUG_")


def report_site(kernel, r):
    return r.site.value_() or kernel.stack_first(r.stacks[0].handle)


def site_text(kernel, r):
    """The title's frame: as symbolized when reported (site_sym, so that a
    module unloaded since, or another one loaded at its address, cannot
    change it), else symbolized now."""
    try:
        text = cstr(r.site_sym)
    except (AttributeError, LookupError):
        text = ""
    return text or kernel.syms.format(report_site(kernel, r))


def folded_lines(r):
    """The other access sites folded into the report (a string the history keeps)."""
    try:
        if not r.folded.value_():
            return []
        return r.folded.string_().decode(errors="replace").splitlines()
    except (AttributeError, LookupError):
        return []


def report_lines(kernel, r, names):
    """ltd_print_report() for debugfs."""
    lines = [SEPARATOR,
             "BUG: LIFETIME: %s in %s" % (name_of(names, r.type), site_text(kernel, r)),
             "",
             cstr(r.what)]
    if cstr(r.object):
        lines.append(cstr(r.object))
    lines += folded_lines(r)
    for i in range(len(r.stacks)):
        if not cstr(r.stacks[i].title):
            continue
        lines.append("")
        lines += kernel.stack_lines(r.stacks[i])
    lines += ["", SEPARATOR]
    return lines


def format_reports(kernel, last=None):
    prog = kernel.prog
    reports = list(history(prog))
    if last is not None:
        reports = reports[-last:] if last else []
    names = bug_names(prog, 16)
    out = []
    for r in reports:
        out.append("report %d:" % int(r.seq))
        out += report_lines(kernel, r, names)
    return out


def format_summary(kernel, last=None):
    prog = kernel.prog
    reports = list(history(prog))
    if last is not None:
        reports = reports[-last:] if last else []
    names = bug_names(prog, 16)
    out = ["%6s %14s %-26s %s" % ("seq", "time", "type", "site")]
    for r in reports:
        ts = int(r.stacks[0].ts_nsec)
        out.append("%6d %14s %-26s %s" % (
            int(r.seq), "%d.%06d" % (ts // 1000000000, ts % 1000000000 // 1000),
            name_of(names, r.type), site_text(kernel, r)))
    return out


def main(prog):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--summary", action="store_true", help="one line per report")
    ap.add_argument("--last", type=int, metavar="N", help="only the last N reports")
    a = ap.parse_args()
    if a.last is not None and a.last < 0:
        ap.error("--last wants N >= 0")
    kernel = Kernel(prog)
    lines = format_summary(kernel, a.last) if a.summary else format_reports(kernel, a.last)
    if lines:
        print("\n".join(lines))


if __name__ == "__main__":
    run(main, globals().get("prog"))
