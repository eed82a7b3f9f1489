#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""List the lifetime sanitizer's refcount classes (lib/lifetime_debug/refcount_class.c).

Every refcount type, keyed by its release function (or, for a bare
refcount_dec_and_test(), by its call site), is a lockdep class. The output
is what /sys/kernel/debug/lifetime_debug/refcount_classes prints
(ltd_rc_show_classes()), pool order, one line per class in use:

  class      "refcount:<release symbol>" (or "refcount:func+0x1c" for a
             call site), the lockdep class name; refcount:fallback takes the
             puts once the class budget is used up
  puts       puts seen
  atomic     puts seen in atomic context
  sleep      1 if the release was seen to sleep (might_sleep() inside it)
  nosleep    1 if declared must-not-sleep (lifetime_debug_refcount_nosleep())
  sleeps at  the might_sleep() caller seen first (%pS), 0x0 if none

--sleeping keeps the classes whose release sleeps, --atomic those with
atomic puts. -v adds, under each class, the key (%pS), the atomic put
sites already looked at and the atomic puts still waiting for a
retroactive report, and ends with the pool's use against its budget.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lifetime_drgn import Kernel, check_type, cstr, lookup, run  # noqa: E402

REFCOUNT_C = "lifetime_debug/refcount_class.c"
HEADER = "%-40s %10s %10s %5s %7s  %s" % ("class", "puts", "atomic", "sleep", "nosleep",
                                           "sleeps at")


def classes(prog):
    """The struct ltd_rc_class entries in use, in pool order."""
    check_type(prog, "struct ltd_rc_class")
    pool = lookup(prog, "ltd_rc_pool", REFCOUNT_C)
    n = int(lookup(prog, "ltd_rc_next", REFCOUNT_C))
    if not pool:
        return
    for i in range(n):
        cls = pool[i]
        if bool(cls.in_use):
            yield cls


def class_line(kernel, cls):
    return "%-40s %10d %10d %5d %7d  %s" % (
        cstr(cls.name), int(cls.puts.counter), int(cls.atomic_puts.counter),
        int(bool(cls.may_sleep)), int(bool(cls.nosleep)),
        kernel.syms.format(cls.sleep_site.value_()))


def detail_lines(kernel, cls):
    out = ["    key %s" % kernel.syms.format(cls.key.value_())]
    seen = min(int(cls.nr_seen), len(cls.seen))
    for i in range(seen):
        out.append("    atomic put site %s" % kernel.syms.format(cls.seen[i].value_()))
    # The atomic-put sites live in a separate allocation, made on demand.
    pending = int(cls.nr_atomic) if cls.atomic.value_() else 0
    for i in range(pending):
        p = cls.atomic[i]
        out.append("    pending atomic put at %s %s by task %s/%d" % (
            kernel.syms.format(p.site.value_()), cstr(p.why), cstr(p.stack.comm),
            int(p.stack.pid)))
    return out


def format_classes(kernel, sleeping=False, atomic=False, verbose=False):
    out = [HEADER]
    for cls in classes(kernel.prog):
        if sleeping and not bool(cls.may_sleep):
            continue
        if atomic and not int(cls.atomic_puts.counter):
            continue
        out.append(class_line(kernel, cls))
        if verbose:
            out += detail_lines(kernel, cls)
    return out


def main(prog):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sleeping", action="store_true", help="only classes whose release sleeps")
    ap.add_argument("--atomic", action="store_true", help="only classes with atomic puts")
    ap.add_argument("-v", "--verbose", action="store_true", help="keys, put sites, pool use")
    a = ap.parse_args()
    kernel = Kernel(prog)
    print("\n".join(format_classes(kernel, a.sleeping, a.atomic, a.verbose)))
    if a.verbose:
        n = int(lookup(prog, "ltd_rc_next", REFCOUNT_C))
        budget = int(lookup(prog, "ltd_rc_budget", REFCOUNT_C))
        full = bool(lookup(prog, "ltd_rc_full", REFCOUNT_C))
        print("# pool: %d of %d slots used (slot 0: fallback)%s" % (
            n, budget, ", full: new types use the fallback" if full else ""))


if __name__ == "__main__":
    run(main, globals().get("prog"))
