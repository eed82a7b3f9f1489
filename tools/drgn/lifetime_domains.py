#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""List the lifetime sanitizer's domains: the devres of each device with
tagged devm memory, and each ures instance that owns tagged memory.

The same lines as /sys/kernel/debug/lifetime_debug/domains (ltd_show_domains()
in lib/lifetime_debug/tag.c), in fixed-width columns; --debugfs prints
exactly the debugfs format, so that a live and a post-mortem view diff:

    diff <(drgn lifetime_domains.py --debugfs) /sys/kernel/debug/lifetime_debug/domains

Columns:
  kind      devres (devm_* memory of a struct device) or ures (memory owned
            by a ures instance)
  owner     the device name, or the ures instance's name
  driver    the driver bound when the memory was tagged or the domain was
            torn down; "(none)" for ures
  state     live, or tearing-down while a teardown window (driver unbind,
            final ures put) is open
  tags      tagged objects of the domain
  bytes     their total size
  accesses  distinct foreign accesses (site and guard set) recorded since
            the last teardown
  syncs     guards of recorded accesses the open teardown has closed

With --accesses, each recorded access follows its domain: the access site
(as %pS), read/write, size and address, context, flags (reported: no report
is due any more) and the guards held, innermost first. With --syncs, the guards an open teardown closed.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lifetime_drgn import (Kernel, LtdError, check_type, cstr, lookup, name_of,  # noqa: E402
                           names_array, run)

DOMAIN_C = "lifetime_debug/tag.c"


def domains(prog):
    """Every struct ltd_domain, in the order the debugfs file lists them."""
    from drgn.helpers.linux.list import hlist_for_each_entry

    table = lookup(prog, "ltd_domains", DOMAIN_C)
    check_type(prog, "struct ltd_domain")
    return (d for i in range(len(table))
            for d in hlist_for_each_entry("struct ltd_domain", table[i].address_of_(), "node"))


def accesses(dom):
    """The domain's recorded foreign accesses (struct ltd_access), newest first."""
    a = dom.accesses
    seen = 0
    while a and seen < 4096:    # LTD_ACCESS_POOL is far smaller: a cycle is corruption
        yield a
        a = a.next
        seen += 1


def kind_names(prog):
    return names_array(prog, "ltd_domain_kind_names", DOMAIN_C, 8,
                       "enum ltd_domain_kind", "LTD_DOMAIN_")


def state_names(prog):
    return names_array(prog, "ltd_domain_state_names", DOMAIN_C, 8,
                       "enum ltd_domain_state", "LTD_DOMAIN_")


def domain_rows(prog):
    """(kind, owner, driver, state, tags, bytes, accesses, syncs) per domain."""
    ds = domains(prog)
    kinds, states = kind_names(prog), state_names(prog)
    for d in ds:
        yield (name_of(kinds, d.kind), cstr(d.name), cstr(d.driver) or "(none)", name_of(states, d.state),
               int(d.nr_tags), int(d.bytes), sum(1 for _ in accesses(d)), int(d.nr_syncs))


HEADER = ("# kind", "owner", "driver", "state", "tags", "bytes", "accesses", "syncs")


def format_domains(prog, debugfs=False):
    """The listing as lines: the debugfs format, or fixed-width columns."""
    rows = list(domain_rows(prog))
    if debugfs:
        return [" ".join(HEADER)] + ["%s %s %s %s %d %d %d %d" % r for r in rows]
    fmt = "%-8s %-20s %-20s %-12s %6s %10s %8s %5s"
    return [fmt % HEADER] + [fmt % r for r in rows]


def access_lines(kernel, dom):
    out = []
    for a in accesses(dom):
        flags = [f for f in ("reported",) if bool(a.member_(f))]
        guards = []
        for i in range(min(int(a.nr_guards), len(a.guards))):
            g = a.guards[i]
            name = cstr(g.name) if g.name else "(unnamed)"
            guards.append(name + (" (by key)" if bool(g.by_key) else ""))
        out.append("    access %s %s of size %d at %016x (%s context)%s" % (
            kernel.syms.format(a.site.value_()), "write" if bool(a.write) else "read",
            int(a.size), a.addr.value_(), cstr(a.ctx),
            (" [" + ", ".join(flags) + "]") if flags else ""))
        out.append("      guards: %s" % ("{" + ", ".join(guards) + "}" if guards else "none"))
    return out


def sync_lines(kernel, dom):
    """The guards of recorded accesses that the open teardown closed."""
    out = []
    for a in accesses(dom):
        for i in range(int(a.nr_guards)):
            g = a.guards[i]
            if bool(g.closed):
                name = cstr(g.name) if g.name else "(unnamed)"
                out.append("    closed %016x %s" % (g.instance.value_(), name))
    return out


def main(prog):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debugfs", action="store_true",
                    help="print exactly what lifetime_debug/domains prints")
    ap.add_argument("--accesses", action="store_true",
                    help="list each domain's recorded foreign accesses")
    ap.add_argument("--syncs", action="store_true",
                    help="list the maps each open teardown synchronized with")
    a = ap.parse_args()
    if a.debugfs and (a.accesses or a.syncs):
        raise LtdError("--debugfs cannot be combined with --accesses or --syncs")
    if not a.accesses and not a.syncs:
        print("\n".join(format_domains(prog, a.debugfs)))
        return
    kernel = Kernel(prog)
    lines = format_domains(prog)
    print(lines[0])
    for line, d in zip(lines[1:], domains(prog)):
        print(line)
        print("    owner %016x" % d.owner.value_())
        if a.accesses:
            print("\n".join(access_lines(kernel, d)) or "    no recorded access")
        if a.syncs:
            print("\n".join(sync_lines(kernel, d)) or "    no sync")


if __name__ == "__main__":
    run(main, globals().get("prog"))
