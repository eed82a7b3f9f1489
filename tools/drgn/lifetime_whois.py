#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""Which lifetime domain owns an address?

    lifetime_whois.py ADDR     the tagged object holding ADDR (hex, 0x optional)
    lifetime_whois.py --list   every tagged object, like debugfs "objects"

For ADDR, fields:
  address   the address asked about
  domain    kind (devres: devm_* memory of a device; ures: memory owned by a
            ures instance), owner name, driver and state (live or
            tearing-down) of the owning domain
  owner     the owner's address: the struct device or struct ures
  object    the tagged object: [start, end) and size in bytes
  offset    of ADDR inside the object
followed by the allocation stack of the object (from the stack depot), as
the sanitizer's reports print it. If no live domain owns ADDR but the
sanitizer remembers a tagged object there whose domain let it go (the ring
that KASAN's use-after-free reports quote), that story is printed instead;
the exit status is then 1, as for an address nobody owns.

--list prints the tagged objects in address order, the columns of
/sys/kernel/debug/lifetime_debug/objects (ltd_show_tags() in
lib/lifetime_debug/tag.c): start address, size in bytes, domain kind,
owner and driver; --list --debugfs prints exactly the debugfs format.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lifetime_drgn import (Kernel, LtdError, check_type, cstr, lookup, name_of,  # noqa: E402
                           parse_address, run)
from lifetime_domains import DOMAIN_C, kind_names, state_names  # noqa: E402

# KASAN generic: 1 << KASAN_SHADOW_SCALE_SHIFT bytes per shadow byte.
GRANULE = 8


def tags(prog):
    """Every struct ltd_tag, by start address (an iterator)."""
    from drgn.helpers.linux.rbtree import rbtree_inorder_for_each_entry

    root = lookup(prog, "ltd_tags", DOMAIN_C)
    check_type(prog, "struct ltd_tag")
    return rbtree_inorder_for_each_entry("struct ltd_tag", root.address_of_(), "node")


def find_tag(prog, addr):
    """The tag whose [start, start + size) holds addr, or None (ltd_tag_find())."""
    for t in tags(prog):
        start = t.start.value_()
        if start > addr:
            break
        if addr < start + int(t.size):
            return t
    return None


def object_rows(prog):
    ts = tags(prog)
    kinds = kind_names(prog)
    for t in ts:
        d = t.dom
        yield (t.start.value_(), int(t.size), name_of(kinds, d.kind), cstr(d.name), cstr(d.driver) or "(none)")


def format_objects(prog, debugfs=False):
    rows = list(object_rows(prog))
    if debugfs:
        return ["# start size kind owner driver"] + ["%016x %d %s %s %s" % r for r in rows]
    return (["%-18s %8s %-8s %-20s %s" % ("# start", "size", "kind", "owner", "driver")] +
            ["%-18s %8d %-8s %-20s %s" % (("%016x" % r[0],) + r[1:]) for r in rows])


def whois(kernel, addr):
    """(True, lines describing the owner of addr), or (False, the ended story or [])."""
    prog = kernel.prog
    t = find_tag(prog, addr)
    if t is None:
        return False, ended_story(kernel, addr)
    d = t.dom
    kinds, states = kind_names(prog), state_names(prog)
    kind = name_of(kinds, d.kind)
    start, size = t.start.value_(), int(t.size)
    owner_type = "struct ures *" if kind == "ures" else "struct device *"
    lines = [
        "%-9s %016x" % ("address", addr),
        "%-9s %s %s (driver %s), %s" % ("domain", kind, cstr(d.name), cstr(d.driver) or "(none)",
                                        name_of(states, d.state)),
        "%-9s %016x (%s)" % ("owner", d.owner.value_(), owner_type),
        "%-9s [%016x, %016x) %d bytes" % ("object", start, start + size, size),
        "%-9s %d" % ("offset", addr - start),
        "",
    ]
    lines += kernel.stack_ref_lines("Allocated", t.alloc)
    return True, lines


def ended(prog):
    """The ltd_ended[] ring (struct ltd_ended), newest first, valid entries only."""
    try:
        ring = lookup(prog, "ltd_ended", DOMAIN_C)
        nxt = int(lookup(prog, "ltd_ended_next", DOMAIN_C))
    except LtdError:
        return      # an older sanitizer without the ring
    n = len(ring)
    for i in range(1, min(n, nxt) + 1):
        e = ring[(nxt - i) % n]
        if bool(e.valid):
            yield e


def ended_story(kernel, addr):
    """The newest ended object that held addr, as ltd_print_story() tells it."""
    prog = kernel.prog
    kinds = kind_names(prog)
    for e in ended(prog):
        start, size = e.start.value_(), int(e.size)
        if not start <= addr < start + -(-size // GRANULE) * GRANULE:
            continue
        kind = name_of(kinds, e.kind)
        how = cstr(e.how) if e.how else "?"
        if kind == "ures":
            lines = ["The object belonged to ures domain %s, ended by %s" % (cstr(e.name), how)]
        else:
            lines = ["The object belonged to devres domain of device %s (driver %s), ended by %s"
                     % (cstr(e.name), cstr(e.driver) or "(none)", how)]
        lines.append("The access is %d bytes inside its %d-byte %s data [%016x, %016x)"
                     % (addr - start, size, kind, start, start + size))
        if int(e.alloc.handle):
            lines += [""] + kernel.stack_ref_lines("Allocated", e.alloc)
        if cstr(e.teardown.title):
            lines += [""] + kernel.stack_lines(e.teardown)
        return lines
    return []


def main(prog):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("addr", nargs="?", help="an address, hexadecimal")
    ap.add_argument("--list", action="store_true", help="list every tagged object")
    ap.add_argument("--debugfs", action="store_true",
                    help="with --list: exactly what lifetime_debug/objects prints")
    a = ap.parse_args()
    if a.list == bool(a.addr):
        raise LtdError("give either an address or --list")
    if a.debugfs and not a.list:
        raise LtdError("--debugfs goes with --list")
    if a.list:
        print("\n".join(format_objects(prog, a.debugfs)))
        return
    addr = parse_address(a.addr)
    found, lines = whois(Kernel(prog), addr)
    if lines:
        print("\n".join(lines))
        sys.stdout.flush()
    if not found:
        raise LtdError("%016x is not in any live lifetime domain%s" % (
            addr, " (its domain ended: see above)" if lines else ""))


if __name__ == "__main__":
    run(main, globals().get("prog"))
