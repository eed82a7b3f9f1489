#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The drgn scripts of tools/drgn/ post mortem: on a vmcore of a test guest.

1. boots a guest (tests/drgn/vmcore_guest.sh) that makes known state
   (ltd_domain_scenarios.ko variant=nolock read, unbound, bound again and
   read again, left bound; ures_sample.ko), copies the debugfs files the
   scripts mirror to the console and prints LTEST-VMCORE:
   scripts/qemu-run --vmcore then dumps
   guest memory (QEMU dump-guest-memory, ELF, physical addresses);
2. makes the dump readable by drgn 0.0.22 (fix_vmcore());
3. runs, with /usr/bin/python3 -m drgn -c VMCORE -s VMLINUX:
   tests/drgn/check.py (every script's output against the debugfs copies),
   each script as a command (its output against the copy it mirrors), the
   error cases (a bad address, an untagged one, debug info without the
   sanitizer, no debug info, no drgn), and check.py against a tampered copy,
   which must fail.

Prints "PASS name: detail" / "FAIL name: detail" lines; exit status 1 if
any check failed. The console log, the vmcore, the vmlinux it belongs to
and the debugfs copies stay in --logdir (drgn-vmcore.*).

Why fix_vmcore(): without ACPI the guest's qemu_fw_cfg driver does not
probe (CONFIG_FW_CFG_SYSFS_CMDLINE is off), so QEMU's vmcoreinfo device
stays empty and the dump has no VMCOREINFO note; and with paging=false
QEMU's PT_LOAD segments carry physical addresses only, which drgn 0.0.22
cannot start from (it reads swapper_pg_dir by its virtual address). The
guest prints the note's physical address (/sys/kernel/vmcoreinfo); the
note is appended to the dump and the segments are described a second time
at their direct-map and kernel-image virtual addresses.
"""

import argparse
import mmap
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
import lt_harness as H  # noqa: E402

PYTHON = "/usr/bin/python3"     # Debian's, with python3-drgn; not a pyenv one
TOOLS = os.path.join(REPO, "tools", "drgn")
EXPECT_SPLAT = r"^BUG: LIFETIME: unprotected-access in ltd_dom_read_nolock"
EXPECT_REPORT = "unprotected-access in ltd_dom_read_nolock"
EXPECT_SUMMARY = r"^ +1 +[0-9.]+ unprotected-access +ltd_dom_read_nolock\+0x"
FILES = ["lifetime_debug/domains", "lifetime_debug/objects", "lifetime_debug/reports",
         "lifetime_debug/refcount_classes", "lifetime_debug/stats", "ures/instances"]

failures = 0


def result(ok, name, detail="", lines=None):
    global failures
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""),
          flush=True)
    if not ok:
        failures += 1
        for line in (lines or [])[:60]:
            print("    | " + line)


def build_env():
    out = subprocess.run([os.path.join(REPO, "scripts/build"), "--print-env"],
                         check=True, capture_output=True, text=True).stdout
    env = {}
    for line in out.splitlines():
        k, _, v = line.partition("=")
        env[k] = shlex.split(v)[0] if v else ""
    return env


# === ELF vmcore ===

PT_LOAD, PT_NOTE = 1, 4
PHDR = "<IIQQQQQQ"
START_KERNEL_MAP = 0xffffffff80000000   # x86_64 __START_KERNEL_map


def elf_notes(m, phdrs):
    for p in phdrs:
        if p[0] != PT_NOTE:
            continue
        off, end = p[2], p[2] + p[5]
        while off + 12 <= end:
            namesz, descsz, typ = struct.unpack_from("<III", m, off)
            name = bytes(m[off + 12:off + 12 + namesz]).rstrip(b"\0")
            desc = off + 12 + ((namesz + 3) & ~3)
            yield name, typ, bytes(m[desc:desc + descsz])
            off = desc + ((descsz + 3) & ~3)


def elf_phdrs(m):
    if m[:4] != b"\x7fELF" or m[4] != 2 or m[5] != 1:
        raise ValueError("not a little-endian ELF64 file")
    phoff, = struct.unpack_from("<Q", m, 32)
    phentsize, phnum = struct.unpack_from("<HH", m, 54)
    return [struct.unpack_from(PHDR, m, phoff + i * phentsize) for i in range(phnum)]


def build_id(path):
    """GNU build ID of an ELF file, hex, or None."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        for name, typ, desc in elf_notes(m, elf_phdrs(m)):
            if name == b"GNU" and typ == 3:
                return desc.hex()
    return None


def vmcoreinfo(path):
    """{key: value} of the dump's VMCOREINFO note, or None."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        for name, _, desc in elf_notes(m, elf_phdrs(m)):
            if name == b"VMCOREINFO":
                return dict(line.split("=", 1) for line in desc.decode(errors="replace")
                            .splitlines() if "=" in line)
    return None


def fix_vmcore(path, note_paddr, note_size):
    """Make a QEMU paging=false dump readable by drgn 0.0.22, in place.

    Appends the guest's VMCOREINFO note (read at its physical address) if
    the dump has none, and, if no segment has a kernel virtual address,
    PT_LOAD entries mapping the same file ranges at the direct map and at
    the kernel image mapping; then a new program header table, to which
    e_phoff is pointed. Returns what it did.
    """
    os.chmod(path, 0o600)    # QEMU writes it 0400
    with open(path, "r+b") as f:
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            phdrs = elf_phdrs(m)
            loads = [p for p in phdrs if p[0] == PT_LOAD]
            info = next((d for n, _, d in elf_notes(m, phdrs) if n == b"VMCOREINFO"), None)
            new_note = None
            if info is None:
                blob = None
                for p in loads:
                    if p[4] <= note_paddr and note_paddr + note_size <= p[4] + p[5]:
                        off = p[2] + note_paddr - p[4]
                        blob = bytes(m[off:off + note_size])
                if blob is None:
                    raise ValueError("vmcoreinfo at %#x is not in the dump" % note_paddr)
                namesz, descsz, _ = struct.unpack_from("<III", blob)
                if namesz != 11 or blob[12:22] != b"VMCOREINFO" or 24 + descsz > len(blob):
                    raise ValueError("no VMCOREINFO note at %#x" % note_paddr)
                new_note = blob[:24 + ((descsz + 3) & ~3)]
                info = blob[24:24 + descsz]
        vi = dict(line.split("=", 1) for line in info.decode(errors="replace").splitlines()
                  if "=" in line)
        phys_base = int(vi.get("NUMBER(phys_base)", "0"), 0)
        image_size = int(vi.get("NUMBER(KERNEL_IMAGE_SIZE)", str(512 << 20)), 0)
        # Without KASLR (RANDOMIZE_BASE=n, so no RANDOMIZE_MEMORY) the direct
        # map starts at __PAGE_OFFSET_BASE_L4 (or _L5).
        l5 = vi.get("NUMBER(pgtable_l5_enabled)", "0") == "1"
        page_offset = 0xff11000000000000 if l5 else 0xffff888000000000
        have_kvaddr = any(p[3] >= 0xffff800000000000 for p in loads)
        if new_note is None and have_kvaddr:
            return "nothing to do"
        extra = []
        f.seek(0, 2)
        if new_note is not None:
            extra.append((PT_NOTE, 0, f.tell(), 0, 0, len(new_note), len(new_note), 4))
            f.write(new_note)
        if not have_kvaddr:
            for typ, flags, off, _, paddr, filesz, memsz, align in loads:
                extra.append((PT_LOAD, flags, off, page_offset + paddr, paddr, filesz, memsz,
                              align))
                lo, hi = max(paddr, phys_base), min(paddr + memsz, phys_base + image_size)
                if lo < hi:
                    d = lo - paddr
                    extra.append((PT_LOAD, flags, off + d, START_KERNEL_MAP + lo - phys_base, lo,
                                  max(0, min(filesz - d, hi - lo)), hi - lo, align))
        f.write(b"\0" * (-f.tell() % 8))
        phoff = f.tell()
        for p in phdrs + extra:
            f.write(struct.pack(PHDR, *p))
        f.seek(32)
        f.write(struct.pack("<Q", phoff))
        f.seek(56)
        f.write(struct.pack("<H", len(phdrs) + len(extra)))
    return "%s%d virtual segments added" % ("VMCOREINFO note and " if new_note else "",
                                            len(extra) - (1 if new_note else 0))


# === The guest ===

def boot(a, env, base):
    """Snapshot vmlinux, boot the guest with --vmcore; returns (rc, log text, seconds)."""
    log, vmcore, vmlinux = base + ".log", base + ".vmcore", base + ".vmlinux"
    for p in (vmcore, vmlinux):
        if os.path.exists(p):
            os.unlink(p)
    # A hard link keeps this build's vmlinux if the build directory is rebuilt
    # while the guest runs (the bzImage is read when QEMU starts).
    src = os.path.join(env["LT_BUILD"], "vmlinux")
    try:
        os.link(src, vmlinux)
    except OSError:
        shutil.copy2(src, vmlinux)
    argv = [os.path.join(REPO, "scripts/qemu-run"), "--log", log, "--timeout", str(a.timeout),
            "--mem", a.mem, "--vmcore", vmcore, "--quiet",
            "--append", "kunit.enable=0 lifetime_debug.multi_shot=1",
            "--", os.path.join(REPO, "tests/drgn/vmcore_guest.sh")]
    t = time.time()
    p = subprocess.run(argv, capture_output=True, text=True)
    sys.stderr.write(p.stderr)
    with open(log, errors="replace") as f:
        text = f.read()
    return p.returncode, text, time.time() - t


def parse_console(text):
    """({debugfs file: lines}, (paddr, size) of the vmcoreinfo note or None)."""
    files, cur, note = {}, None, None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        m = re.match(r"^LTD-DEBUGFS-BEGIN (\S+)$", line)
        if m:
            cur = files.setdefault(m.group(1), [])
            continue
        if re.match(r"^LTD-DEBUGFS-END ", line):
            cur = None
            continue
        if cur is not None and line.startswith("LTD| "):
            cur.append(line[5:])
        elif cur is not None and line == "LTD|":
            cur.append("")
        m = re.match(r"^LTEST-VMCOREINFO: (0x[0-9a-fA-F]+|[0-9a-fA-F]+) ([0-9a-fA-F]+)$", line)
        if m:
            note = (int(m.group(1), 16), int(m.group(2), 16))
    return files, note


# === drgn ===

def drgn(vmcore, symbols, args, default=True):
    argv = [PYTHON, "-m", "drgn", "-q", "-c", vmcore]
    if not default:
        argv.append("--no-default-symbols")
    for s in symbols:
        argv += ["-s", s]
    t = time.time()
    p = subprocess.run(argv + args, capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines(), p.stderr.strip(), time.time() - t


def diff_lines(want, got):
    import difflib
    return list(difflib.unified_diff(want, got, "debugfs", "drgn", lineterm="", n=1))


def check_commands(vmcore, vmlinux, files, env, dbgdir, bid):
    """Each script as a command, and the error cases."""
    syms = [vmlinux]

    def tool(name):
        return os.path.join(TOOLS, name)

    for args, rel in ((["lifetime_domains.py", "--debugfs"], "lifetime_debug/domains"),
                      (["lifetime_whois.py", "--list", "--debugfs"], "lifetime_debug/objects"),
                      (["lifetime_reports.py"], "lifetime_debug/reports"),
                      (["ures_list.py"], "ures/instances")):
        rc, out, err, secs = drgn(vmcore, syms, [tool(args[0])] + args[1:])
        want = files.get(rel, [])
        result(rc == 0 and out == want and want != [], "command %s" % " ".join(args),
               "%d lines identical to %s (%.1f s)" % (len(want), rel, secs) if rc == 0 and
               out == want else "exit %d, %s" % (rc, err or "differs from " + rel),
               diff_lines(want, out))

    rc, out, err, _ = drgn(vmcore, syms, [tool("lifetime_refcount.py")])
    want = files.get("lifetime_debug/refcount_classes", [])
    names_w = [ln.split()[0] for ln in want[1:]]
    names_g = [ln.split()[0] for ln in out[1:]]
    result(rc == 0 and out[:1] == want[:1] and names_g[:len(names_w)] == names_w and names_w,
           "command lifetime_refcount.py",
           "%d classes, in the order of refcount_classes" % len(names_w) if rc == 0
           else "exit %d, %s" % (rc, err), diff_lines(names_w, names_g))

    for args, pattern in ((["--summary"], EXPECT_SUMMARY), (["--last", "1"], EXPECT_REPORT)):
        rc, out, err, _ = drgn(vmcore, syms, [tool("lifetime_reports.py")] + args)
        result(rc == 0 and any(re.search(pattern, ln) for ln in out),
               "command lifetime_reports.py %s" % " ".join(args),
               "%d lines, one matches /%s/" % (len(out), pattern) if rc == 0 else err, out)
    for args in (["--accesses", "--syncs"],):
        rc, out, err, _ = drgn(vmcore, syms, [tool("lifetime_domains.py")] + args)
        ok = rc == 0 and any("access " in ln and "[reported]" in ln for ln in out)
        result(ok, "command lifetime_domains.py %s" % " ".join(args),
               "the nolock read is listed as a reported access" if ok else err, out)
    rc, out, err, _ = drgn(vmcore, syms, [tool("ures_list.py"), "-v"])
    ok = rc == 0 and any(ln.strip().startswith("owned ") for ln in out)
    result(ok, "command ures_list.py -v", "owned allocations listed" if ok else err, out)
    rc, out, err, _ = drgn(vmcore, syms, [tool("lifetime_refcount.py"), "-v"])
    ok = rc == 0 and any(ln.startswith("# pool: ") for ln in out)
    result(ok, "command lifetime_refcount.py -v", out[-1] if ok else err, out[-5:])

    objects = [ln.split() for ln in files.get("lifetime_debug/objects", [])[1:]]
    if objects:
        start, size, kind, owner = int(objects[0][0], 16), int(objects[0][1]), objects[0][2], \
            objects[0][3]
        addr = start + size - 1
        rc, out, err, _ = drgn(vmcore, syms, [tool("lifetime_whois.py"), "%x" % addr])
        want = "[%016x, %016x) %d bytes" % (start, start + size, size)
        ok = rc == 0 and any(ln.startswith("object") and want in ln for ln in out) and \
            any(ln.startswith("domain") and ("%s %s" % (kind, owner)) in ln for ln in out) and \
            any(ln.startswith("Allocated by task ") for ln in out)
        result(ok, "command lifetime_whois.py %x" % addr,
               "object %s of %s %s, with its allocation stack" % (want, kind, owner) if ok
               else "exit %d %s" % (rc, err), out)

    # Errors: exit status 1 and a message on stderr, no traceback.
    cases = [
        ("bad address", syms, [tool("lifetime_whois.py"), "0xzz"], True, "bad address"),
        ("untagged address", syms, [tool("lifetime_whois.py"), "0x10"], True,
         "not in any live lifetime domain"),
        ("debug info without the sanitizer (a module's)",
         [os.path.join(env["LT_MODDIR"], "ltd_domain_scenarios.ko")],
         [tool("lifetime_domains.py")], False, "was not built with the lifetime sanitizer"),
        ("no debug info", [], [tool("lifetime_reports.py")], False,
         "no debug info for this kernel"),
    ]
    for name, s, args, default, want in cases:
        rc, out, err, _ = drgn(vmcore, s, args, default)
        ok = rc == 1 and want in err and "Traceback" not in err
        result(ok, "error: %s" % name, err if ok else "exit %d, stderr %r" % (rc, err))
    p = subprocess.run([PYTHON, tool("lifetime_whois.py"), "--list"], capture_output=True,
                       text=True)
    ok = p.returncode == 1 and "run this script with drgn" in p.stderr
    result(ok, "error: run without drgn", p.stderr.strip())

    # The checker must be able to fail: tamper with copies of two files.
    bad = dbgdir + "-tampered"
    if os.path.exists(bad):
        shutil.rmtree(bad)
    shutil.copytree(dbgdir, bad)
    for rel, old, new in (("lifetime_debug/domains", r" live (\d+) ", r" live 9\1 "),
                          ("lifetime_debug/reports", r"^( \w+)\+0x", r"\1_x+0x")):
        path = os.path.join(bad, rel)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(re.sub(old, new, text, count=1, flags=re.M))
    rc, out, err, _ = drgn(vmcore, syms, [os.path.join(REPO, "tests/drgn/check.py"),
                                          "--vmlinux", vmlinux, "--build-id", bid,
                                          "--debugfs", bad])
    fails = [ln for ln in out if ln.startswith("FAIL ")]
    want = {"FAIL lifetime_domains.py --debugfs", "FAIL lifetime_domains.py",
            "FAIL lifetime_reports.py"}
    got = {ln.split(":")[0] for ln in fails}
    result(rc == 1 and want <= got, "check.py fails on a tampered debugfs copy",
           "%d FAIL lines: %s" % (len(fails), ", ".join(sorted(got))), out + err.splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logdir", required=True, help="where the log, vmcore and copies go")
    ap.add_argument("--timeout", type=int, default=300, help="guest timeout (default 300 s)")
    ap.add_argument("--mem", default="1G", help="guest memory, the vmcore's size (default 1G)")
    ap.add_argument("--retries", type=int, default=1,
                    help="boots to retry if the kernel was rebuilt meanwhile (default 1)")
    a = ap.parse_args()
    start = time.time()
    os.makedirs(a.logdir, exist_ok=True)
    base = os.path.join(os.path.abspath(a.logdir), "drgn-vmcore")
    vmcore, vmlinux, dbgdir = base + ".vmcore", base + ".vmlinux", base + "-debugfs"

    if subprocess.run([PYTHON, "-c", "import drgn"], capture_output=True).returncode:
        result(False, "drgn installed", "%s cannot import drgn: install python3-drgn "
               "(scripts/deps)" % PYTHON)
        return 1
    env = build_env()

    for attempt in range(a.retries + 1):
        rc, text, secs = boot(a, env, base)
        note = parse_console(text)[1]
        bid = build_id(vmlinux)
        if rc != 0 or not os.path.exists(vmcore) or not note:
            break
        try:
            fixed = fix_vmcore(vmcore, *note)
        except (ValueError, OSError) as e:
            result(False, "vmcore readable by drgn", str(e))
            return 1
        info = vmcoreinfo(vmcore) or {}
        if info.get("BUILD-ID") == bid or attempt == a.retries:
            break
        print("vmcore_check: the kernel was rebuilt while the guest ran (build ID %s, "
              "vmlinux %s): booting again" % (info.get("BUILD-ID"), bid), flush=True)
    log = base + ".log"
    why = {124: "timeout", 125: "guest died"}.get(rc, "exit status %d" % rc)
    result(rc == 0, "guest", "%.0f s, log %s" % (secs, log) if rc == 0 else "%s (%s)" % (why, log))
    splats = H.unexpected_splats(H.parse_log(text)[1], {"vmcore": [EXPECT_SPLAT]}, "vmcore")
    result(not splats, "no unexpected splat in the guest",
           "; ".join("%s:%d: %s" % (log, s.lineno, s.text) for s in splats))
    files, note = parse_console(text)
    missing = [f for f in FILES if f not in files]
    result(not missing, "debugfs copies on the console",
           "missing " + " ".join(missing) if missing else "%d files" % len(files))
    if rc != 0 or missing or not note or not os.path.exists(vmcore):
        result(False, "vmcore dumped", "no vmcore or no LTEST-VMCOREINFO line (%s)" % log)
        return 1
    result(True, "vmcore dumped", "%s, %d MiB, %s" % (vmcore, os.path.getsize(vmcore) >> 20,
                                                      fixed))
    info = vmcoreinfo(vmcore) or {}
    ok = info.get("BUILD-ID") == bid
    result(ok, "vmlinux matches the vmcore", "build ID %s" % bid if ok else
           "vmcore build ID %s, vmlinux %s: the kernel was rebuilt during the test"
           % (info.get("BUILD-ID"), bid))
    if not ok:
        return 1
    for rel, lines in files.items():
        path = os.path.join(dbgdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("".join(line + "\n" for line in lines))

    rc, out, err, secs = drgn(vmcore, [vmlinux], [os.path.join(REPO, "tests/drgn/check.py"),
                                                  "--vmlinux", vmlinux, "--build-id", bid,
                                                  "--debugfs", dbgdir,
                                                  "--expect-report", EXPECT_REPORT,
                                                  "--expect-ended", "ltd_dom"])
    global failures
    for line in out:
        if line.startswith(("PASS ", "FAIL ")):
            print(line[:5] + "check.py " + line[5:], flush=True)
            failures += line.startswith("FAIL ")
        elif line.startswith("    | "):
            print(line)
    result(rc == 0, "check.py", "exit %d in %.1f s%s" % (rc, secs, (": " + err) if err else ""))
    check_commands(vmcore, vmlinux, files, env, dbgdir, bid)
    print("vmcore_check: %d failed, %.0f s" % (failures, time.time() - start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
