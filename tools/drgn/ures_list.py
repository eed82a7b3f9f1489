#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""List ures instances: the global list ures_instances in kernel/ures/ures.c.

The output is what /sys/kernel/debug/ures/instances prints
(ures_instances_show()), one line per instance in list order:

  name      the instance's name
  refs      references (the instance is released when they drop to zero)
  state     live, revoked (ures_revoke() started: no new read-side
            section) or released (the final put happened)
  sections  read-side sections in flight (ures_enter() without ures_exit())
  owned     owned allocations and actions
  bytes     bytes of ures_kmalloc() and friends
  misuse    misuse events detected on the instance

-v adds, under each instance, its address, the URES_F_* flags set, its
release callback (%pS), driver data and char devices, and each owned
allocation (address and size) or action (%pS).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lifetime_drgn import Kernel, check_type, cstr, enum_value, lookup, run  # noqa: E402

URES_C = "ures/ures.c"
NOT_URES = ("%s not found: this kernel (or the vmlinux given with -s) was not built "
            "with ures (CONFIG_URES=y)")
HEADER = "%-31s %6s %-8s %8s %6s %10s %6s" % ("name", "refs", "state", "sections", "owned",
                                              "bytes", "misuse")


def instances(prog):
    """Every struct ures on ures_instances."""
    from drgn.helpers.linux.list import list_for_each_entry

    head = lookup(prog, "ures_instances", URES_C, NOT_URES)
    check_type(prog, "struct ures", NOT_URES)
    return list_for_each_entry("struct ures", head.address_of_(), "node")


def flag_bits(prog):
    """{name: bit} of enum ures_flag."""
    try:
        return {e.name: e.value for e in prog.type("enum ures_flag").enumerators}
    except LookupError:
        return {"URES_F_REVOKED": 0, "URES_F_RELEASED": 1, "URES_F_ALLOCATED": 2,
                "URES_F_WARNED": 3, "URES_F_LISTED": 4}


def state(prog, u):
    flags = u.flags.value_()
    released = enum_value(prog, "enum ures_flag", "URES_F_RELEASED", 1)
    revoked = enum_value(prog, "enum ures_flag", "URES_F_REVOKED", 0)
    if flags & (1 << released):
        return "released"
    if flags & (1 << revoked):
        return "revoked"
    return "live"


def format_instances(prog):
    out = [HEADER]
    for u in instances(prog):
        out.append("%-31s %6d %-8s %8d %6d %10d %6d" % (
            cstr(u.name), int(u.refcount.counter), state(prog, u), int(u.inflight.counter),
            int(u.nr_owned), int(u.owned_bytes), int(u.misuse.counter)))
    return out


def detail_lines(kernel, u):
    from drgn.helpers.linux.list import list_for_each_entry

    prog = kernel.prog
    flags = u.flags.value_()
    names = [n for n, b in sorted(flag_bits(prog).items(), key=lambda x: x[1])
             if flags & (1 << b)]
    out = ["    ures %016x flags %s" % (u.value_(), "|".join(names) or "0")]
    release = u.ops.release.value_() if u.ops else 0
    out.append("    release %s drvdata %016x" % (
        kernel.syms.format(release) if release else "(none)", u.drvdata.value_()))
    try:
        ncdev = sum(1 for _ in list_for_each_entry("struct ures_cdev", u.cdevs.address_of_(),
                                                   "node"))
        out.append("    char devices %d" % ncdev)
    except LookupError:
        pass
    try:
        for n in list_for_each_entry("struct ures_node", u.owned.address_of_(), "entry"):
            if n.action:
                out.append("    action %s(%016x)" % (kernel.syms.format(n.action.value_()),
                                                     n.data.value_()))
            else:
                out.append("    owned %016x %d bytes" % (n.mem.address_, int(n.size)))
    except LookupError:
        out.append("    (no debug info for struct ures_node)")
    return out


def main(prog):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="flags, callbacks and owned allocations of each instance")
    a = ap.parse_args()
    if not a.verbose:
        print("\n".join(format_instances(prog)))
        return
    kernel = Kernel(prog)
    lines = format_instances(prog)
    print(lines[0])
    for line, u in zip(lines[1:], instances(prog)):
        print(line)
        print("\n".join(detail_lines(kernel, u)))


if __name__ == "__main__":
    run(main, globals().get("prog"))
