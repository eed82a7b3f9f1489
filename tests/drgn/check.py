#!/usr/bin/env drgn
# SPDX-License-Identifier: GPL-2.0
"""Compare the drgn scripts of tools/drgn/ with the debugfs files.

Run under drgn, against the live kernel (in a test guest) or a vmcore:

    drgn -k -s vmlinux check.py --live --vmlinux vmlinux --debugfs /sys/kernel/debug
    drgn -c vmcore -s vmlinux check.py --build-id ID --vmlinux vmlinux --debugfs DIR

--debugfs is the debugfs root, or a directory with the same layout holding
copies of the files (lifetime_debug/{domains,objects,reports,
refcount_classes}, ures/instances) taken when the vmcore was dumped. All
checks run in this one process, as loading vmlinux's DWARF is the slow part
in a TCG guest. Prints one "PASS name: detail" or "FAIL name: detail" line
per check, with the differences under a failure (indented, so that a log
scanner does not take a copied report title for a new one); exits 1 if any
check failed.
"""

import argparse
import difflib
import os
import re
import struct
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools", "drgn"))

import lifetime_domains  # noqa: E402
import lifetime_refcount  # noqa: E402
import lifetime_reports  # noqa: E402
import lifetime_whois  # noqa: E402
import ures_list  # noqa: E402
from lifetime_drgn import Kernel, LtdError, cstr, parse_address  # noqa: E402

failures = 0


def result(ok, name, detail="", diff=None):
    global failures
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""),
          flush=True)
    if not ok:
        failures += 1
        for line in diff or []:
            print("    | " + line.rstrip("\n"))


def read_lines(root, rel):
    with open(os.path.join(root, rel), errors="replace") as f:
        return f.read().splitlines()


def same(name, got, want, what):
    """Exact comparison of two lists of lines."""
    if got == want:
        result(True, name, "%d lines identical to %s" % (len(want), what))
    else:
        result(False, name, "differs from %s (- debugfs, + drgn)" % what,
               list(difflib.unified_diff(want, got, "debugfs", "drgn", lineterm="", n=1))[:80])


def same_tokens(name, got, want, what):
    """The fixed-width table says what the debugfs file says, column for column."""
    g, w = [line.split() for line in got], [line.split() for line in want]
    if g == w:
        result(True, name, "%d rows, the same columns as %s" % (len(want), what))
    else:
        result(False, name, "columns differ from %s" % what,
               list(difflib.unified_diff([" ".join(x) for x in w], [" ".join(x) for x in g],
                                         "debugfs", "drgn", lineterm="", n=1))[:80])


def elf_build_id(path):
    """GNU build ID of an ELF file (its PT_NOTE segments), hex."""
    with open(path, "rb") as f:
        data = f.read(64)
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
        for i in range(phnum):
            typ, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
            if typ != 4:
                continue
            f.seek(off)
            found = notes_build_id(f.read(filesz))
            if found:
                return found
    return None


def notes_build_id(data):
    off = 0
    while off + 12 <= len(data):
        namesz, descsz, typ = struct.unpack_from("<III", data, off)
        name = data[off + 12:off + 12 + namesz]
        desc_off = off + 12 + ((namesz + 3) & ~3)
        if typ == 3 and name.rstrip(b"\0") == b"GNU":     # NT_GNU_BUILD_ID
            return data[desc_off:desc_off + descsz].hex()
        off = desc_off + ((descsz + 3) & ~3)
    return None


def check_build_id(a):
    vml = elf_build_id(a.vmlinux)
    if a.live:
        with open("/sys/kernel/notes", "rb") as f:
            running = notes_build_id(f.read())
    else:
        running = a.build_id
    ok = bool(vml) and vml == running
    result(ok, "vmlinux matches the kernel",
           "build ID %s" % vml if ok else
           "vmlinux %s has build ID %s, the kernel %s: was it rebuilt after this guest "
           "booted?" % (a.vmlinux, vml, running))
    return ok


def check_domains(prog, root):
    want = read_lines(root, "lifetime_debug/domains")
    same("lifetime_domains.py --debugfs", lifetime_domains.format_domains(prog, True), want,
         "lifetime_debug/domains")
    same_tokens("lifetime_domains.py", lifetime_domains.format_domains(prog), want,
                "lifetime_debug/domains")
    kinds = sorted({line.split()[0] for line in want[1:]})
    result(len(want) > 1, "domains present", "%d domains, kinds %s" % (len(want) - 1,
                                                                     ",".join(kinds) or "none"))
    return want


def check_objects(prog, root):
    want = read_lines(root, "lifetime_debug/objects")
    same("lifetime_whois.py --list --debugfs", lifetime_whois.format_objects(prog, True), want,
         "lifetime_debug/objects")
    same_tokens("lifetime_whois.py --list", lifetime_whois.format_objects(prog), want,
                "lifetime_debug/objects")
    return [line.split() for line in want[1:]]


def report_blocks(lines):
    """{region "[start, end)": "Allocated by" block lines} from debugfs reports."""
    out = {}
    region = None
    block = None
    for line in lines:
        m = re.search(r"region (\[[0-9a-f]+, [0-9a-f]+\))", line)
        if m:
            region = m.group(1)
        if line.startswith("Allocated by task "):
            block = [line]
            continue
        if block is not None:
            if line.startswith(" "):
                block.append(line)
                continue
            if region:
                out.setdefault(region, block)
            block = None
    return out


def note_alloc(allocs, region, lines, seen):
    """Keep the "Allocated by" block of lines for a reported region (seen[region])."""
    if region not in allocs:
        return
    i = next((i for i, ln in enumerate(lines) if ln.startswith("Allocated by task ")), None)
    stack = []
    if i is not None:
        stack = [lines[i]]
        for ln in lines[i + 1:]:
            if not ln.startswith(" "):
                break
            stack.append(ln)
    seen.setdefault(region, []).append(stack)


def check_allocs(allocs, seen):
    """Each reported object, live or ended, was found with the report's allocation stack."""
    bad = []
    for region, block in allocs.items():
        if block in seen.get(region, []):
            continue
        bad.append("%s: %s" % (region, "no object found there" if region not in seen else
                                "no object with the same stack"))
        for stack in seen.get(region, [])[:2]:
            bad += list(difflib.unified_diff(block, stack, "report", "whois", lineterm="", n=1))
    result(bool(allocs) and not bad, "allocation stacks of reported objects",
           "%d of %d identical to the report's Allocated block (whois of the live or ended "
           "object)" % (len(allocs) - len([b for b in bad if b.startswith("[")]), len(allocs)),
           bad)


def check_whois(kernel, objects, allocs, seen):
    checked = 0
    for start_s, size_s, kind, owner, driver in (o[:5] for o in objects):
        start, size = int(start_s, 16), int(size_s)
        for addr in (start, start + size // 2, start + size - 1):
            found, lines = lifetime_whois.whois(kernel, addr)
            want_obj = "[%016x, %016x) %d bytes" % (start, start + size, size)
            want_dom = "%s %s (driver %s)" % (kind, owner, driver)
            got_obj = next((ln.split(None, 1)[1] for ln in lines if ln.startswith("object ")), "")
            got_dom = next((ln.split(None, 1)[1] for ln in lines if ln.startswith("domain ")), "")
            ok = found and got_obj == want_obj and got_dom.startswith(want_dom)
            checked += 1
            if not ok:
                result(False, "lifetime_whois.py %016x" % addr,
                       "want %s of %s" % (want_obj, want_dom), lines)
                return
        note_alloc(allocs, "[%016x, %016x)" % (start, start + size), lines, seen)
    result(checked > 0, "lifetime_whois.py ADDR",
           "%d addresses (first, middle, last byte of %d objects) found in the right object "
           "and domain" % (checked, len(objects)))

    # Outside every object: the first byte past the last one, and a user address.
    ends = {int(o[0], 16) + int(o[1]) for o in objects}
    starts = {int(o[0], 16) for o in objects}
    probes = sorted(e for e in ends if e not in starts)[:1] + [0x10]
    for addr in probes:
        found, _ = lifetime_whois.whois(kernel, addr)
        result(not found, "lifetime_whois.py %x (untagged)" % addr,
               "not in any domain" if not found else "claimed by a domain")
    try:
        parse_address("not-an-address")
        result(False, "lifetime_whois.py bad address", "accepted")
    except LtdError as e:
        result("bad address" in str(e), "lifetime_whois.py bad address", str(e))


def check_ended(kernel, device, allocs, seen):
    """An object whose devres domain ended at unbind: whois tells its story."""
    prog = kernel.prog
    for e in lifetime_whois.ended(prog):
        start = e.start.value_()
        if cstr(e.name) != device:
            continue
        region = "[%016x, %016x)" % (start, start + int(e.size))
        if lifetime_whois.find_tag(prog, start):
            note_alloc(allocs, region, kernel.stack_lines(e.alloc), seen)
            result(True, "lifetime_whois.py %016x (ended)" % (start + 1),
                   "its memory is tagged again (a new object): the story is not checked")
            return
        found, lines = lifetime_whois.whois(kernel, start + 1)
        want = ("The object belonged to devres domain of device %s (driver %s), ended by "
                "driver unbind" % (device, device))
        ok = not found and lines[:1] == [want] and \
            any(ln.startswith("Torn down by task ") for ln in lines)
        result(ok, "lifetime_whois.py %016x (ended)" % (start + 1),
               "not live; %s, with its teardown stack" % want[4:] if ok else
               "want %r and a teardown stack" % want, lines)
        note_alloc(allocs, region, lines, seen)
        return
    result(False, "lifetime_whois.py (ended)", "no ended object of device %s" % device)


def check_reports(kernel, root, expect):
    want = read_lines(root, "lifetime_debug/reports")
    same("lifetime_reports.py", lifetime_reports.format_reports(kernel), want,
         "lifetime_debug/reports")
    titles = [ln for ln in want if ln.startswith("BUG: LIFETIME: ")]
    summary = lifetime_reports.format_summary(kernel)
    ok = len(summary) - 1 == len(titles)
    result(ok, "lifetime_reports.py --summary", "%d reports, titles %s" % (
        len(titles), "; ".join(t[len("BUG: LIFETIME: "):] for t in titles[:4])))
    if expect:
        hit = [t for t in titles if re.search(expect, t)]
        result(bool(hit), "expected report in the ring", "/%s/: %d" % (expect, len(hit)))
    return want


def check_refcount(kernel, root):
    want = read_lines(root, "lifetime_debug/refcount_classes")
    got = lifetime_refcount.format_classes(kernel)
    if got[:1] != want[:1]:
        same("lifetime_refcount.py header", got[:1], want[:1], "refcount_classes")
        return

    def rows(lines):
        out = []
        for ln in lines[1:]:
            f = ln.split()
            out.append((f[0], int(f[1]), int(f[2]), int(f[3]), int(f[4]), " ".join(f[5:])))
        return out
    g, w = rows(got), rows(want)
    names_g, names_w = [r[0] for r in g], [r[0] for r in w]
    # Classes are added at the end of the pool (no module unloads meanwhile);
    # counters only grow and a class only learns that its release sleeps.
    bad = []
    if names_g[:len(names_w)] != names_w:
        bad = list(difflib.unified_diff(names_w, names_g, "debugfs", "drgn", lineterm="", n=1))
    for rg, rw in zip(g, w):
        if rg[0] != rw[0]:
            break
        if rg[1] < rw[1] or rg[2] < rw[2] or rg[3] < rw[3] or rg[4] != rw[4] or \
                (rw[3] and rg[5] != rw[5]):
            bad.append("%s: debugfs %s, drgn %s" % (rw[0], rw[1:], rg[1:]))
    result(not bad, "lifetime_refcount.py",
           "%d classes in debugfs order (%d now), counters not lower, sleep flags and sites "
           "equal" % (len(w), len(g)) if not bad else "differs from refcount_classes", bad[:40])


def check_ures(prog, root):
    want = read_lines(root, "ures/instances")
    same("ures_list.py", ures_list.format_instances(prog), want, "ures/instances")


def main(prog):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debugfs", required=True, help="debugfs root or a copy of its files")
    ap.add_argument("--vmlinux", required=True, help="the vmlinux drgn was given")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--live", action="store_true", help="the running kernel (/sys/kernel/notes)")
    src.add_argument("--build-id", help="build ID of the kernel in the vmcore")
    ap.add_argument("--expect-report", help="a report title (regex) that must be in the ring")
    ap.add_argument("--expect-ended", metavar="DEVICE",
                    help="a device unbound once: its old devres object must be in the ended ring")
    a = ap.parse_args()

    if not check_build_id(a):
        return 1
    kernel = Kernel(prog)
    try:
        check_domains(prog, a.debugfs)
        objects = check_objects(prog, a.debugfs)
        reports = check_reports(kernel, a.debugfs, a.expect_report)
        allocs, seen = report_blocks(reports), {}
        check_whois(kernel, objects, allocs, seen)
        if a.expect_ended:
            check_ended(kernel, a.expect_ended, allocs, seen)
        check_allocs(allocs, seen)
        check_refcount(kernel, a.debugfs)
        check_ures(prog, a.debugfs)
    except LtdError as e:
        result(False, "drgn scripts", str(e))
    print("check: %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    if "prog" not in globals():
        sys.exit("check.py: run it with drgn")
    sys.exit(main(globals()["prog"]))
