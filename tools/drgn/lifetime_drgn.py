# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the lifetime sanitizer's drgn scripts.

Not a script itself: lifetime_domains.py, lifetime_whois.py,
lifetime_reports.py, lifetime_refcount.py and ures_list.py import it (drgn
puts a script's directory on sys.path).

- globals of the sanitizer, looked up once, with a clear error when the
  kernel (or the debug info given with -s) has no lifetime sanitizer;
- stackdepot handles decoded from the kernel's own data structures
  (lib/stackdepot.c), or with drgn's stack_depot_fetch() where it has one;
- code addresses printed as the kernel's %pS prints them
  ("func+0x1c/0x40 [module]"), from the kernel's kallsyms tables and the
  modules' symbol tables in memory, so that the scripts' output can be
  diffed with the debugfs files the kernel prints.

Written for drgn 0.0.22 (Debian 12) and Linux 6.12; newer drgn helpers are
used when present.
"""

import bisect
import os
import struct
import sys

import drgn
from drgn import Object

try:
    # drgn >= 0.0.23 (not in Debian 12's 0.0.22).
    from drgn.helpers.linux.stackdepot import stack_depot_fetch as _drgn_stack_depot_fetch
except ImportError:
    _drgn_stack_depot_fetch = None

try:
    from drgn.helpers.linux.kconfig import get_kconfig as _get_kconfig
except ImportError:
    _get_kconfig = None


class LtdError(Exception):
    """An error the scripts report on stderr, then exit with status 1."""


def run(main, prog):
    """main(prog); report LtdError and unreadable memory on stderr, exit 1.

    prog is the script's global "prog": drgn defines it; None means the
    script was run without drgn.
    """
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "drgn"
    if prog is None:
        print("%s: error: run this script with drgn: drgn [-c VMCORE] -s vmlinux %s ..."
              % (name, name), file=sys.stderr)
        sys.exit(1)
    try:
        main(prog)
    except LtdError as e:
        print("%s: error: %s" % (name, e), file=sys.stderr)
        sys.exit(1)
    except drgn.FaultError as e:
        print("%s: error: cannot read kernel memory (%s): is the debug info "
              "(-s vmlinux) for this kernel?" % (name, e), file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)


def cstr(obj):
    """A char array or char pointer as text; "?" if unreadable."""
    try:
        return obj.string_().decode(errors="replace")
    except drgn.FaultError:
        return "?"


NOT_LTD = ("%s not found: this kernel (or the vmlinux given with -s) was not built "
           "with the lifetime sanitizer (CONFIG_LIFETIME_DEBUG=y)")
NO_VMLINUX = ("no debug info for this kernel (%s not found, nor struct task_struct): "
              "give its vmlinux with -s")


def _missing(prog, what, thing):
    """The LtdError for a missing symbol or type: no vmlinux at all, or no sanitizer."""
    try:
        prog.type("struct task_struct")
    except LookupError:
        return LtdError(NO_VMLINUX % thing)
    return LtdError(what % thing)


def lookup(prog, name, filename=None, what=NOT_LTD):
    """The global @name (static ones by their file, e.g. "lifetime_debug/tag.c").

    Raises LtdError with a message naming what is missing.
    """
    if filename:
        try:
            return prog.object(name, filename=filename)
        except LookupError:
            pass
    try:
        return prog.object(name)
    except LookupError:
        raise _missing(prog, what, "symbol " + name) from None
    except ValueError:
        raise LtdError("debug info lacks %s (ambiguous or incomplete)" % name) from None


def check_type(prog, name, what=NOT_LTD):
    """prog.type(name), or LtdError."""
    try:
        return prog.type(name)
    except LookupError:
        raise _missing(prog, what, "type " + name) from None


def has_member(obj, name):
    try:
        obj.member_(name)
        return True
    except LookupError:
        return False


def member(obj, name, default=None):
    """obj.name, or default when the structure has no such field (older/newer kernels)."""
    try:
        return obj.member_(name)
    except LookupError:
        return default


def name_of(names, i):
    """names[i], or the number for a value the array does not know."""
    i = int(i)
    return names[i] if 0 <= i < len(names) else str(i)


def names_array(prog, name, filename, count, fallback_enum=None, strip=""):
    """A kernel "const char *const names[]" array as a list of strings.

    The kernel prints with these arrays; where one is missing, the enum's
    enumerator names (without @strip, lower case) stand in.
    """
    try:
        arr = lookup(prog, name, filename)
        try:
            count = min(count, len(arr))
        except TypeError:
            pass    # declared without a size: trust count
        return [cstr(arr[i]) if arr[i] else "(null)" for i in range(count)]
    except LtdError:
        if not fallback_enum:
            raise
    enum = check_type(prog, fallback_enum)
    out = [str(i) for i in range(count)]
    for e in enum.enumerators:
        if 0 <= e.value < count:
            out[e.value] = e.name[len(strip):].lower().replace("_", "-")
    return out


def enum_value(prog, type_name, name, default):
    """Value of an enumerator (URES_F_REVOKED...), default if unknown."""
    try:
        for e in prog.type(type_name).enumerators:
            if e.name == name:
                return e.value
    except LookupError:
        pass
    return default


def kconfig(prog):
    """The kernel's configuration (CONFIG_IKCONFIG), or {}."""
    if _get_kconfig is None:
        return {}
    try:
        return _get_kconfig(prog)
    except (LookupError, ValueError, drgn.FaultError):
        return {}


# === Stack depot ===

# include/linux/stackdepot.h (6.12): handles are 32 bits, pool index (plus
# one) in the low bits, then the offset in DEPOT_STACK_ALIGN units, then
# STACK_DEPOT_EXTRA_BITS. Only used when the DWARF lacks union handle_parts.
DEPOT_STACK_ALIGN = 4
STACK_DEPOT_EXTRA_BITS = 5
DEPOT_POOL_ORDER = 2
PAGE_SHIFT = 12


class StackDepot:
    """Decode stackdepot handles of one kernel (lib/stackdepot.c)."""

    def __init__(self, prog):
        self.prog = prog
        self._pools = None
        self._cache = {}

    def _init(self):
        prog = self.prog
        f = "lib/stackdepot.c"
        # 6.12 has stack_pools[] and pools_num (a count); older kernels had
        # stack_slabs[] and depot_index, or pool_index (the index of the
        # current pool, hence + 1).
        self._pools = None
        for n in ("stack_pools", "stack_slabs"):
            try:
                self._pools = prog.object(n, filename=f)
                break
            except (LookupError, ValueError):
                continue
        if self._pools is None:
            raise LtdError("symbol stack_pools not found: no stack depot in this kernel "
                           "(CONFIG_STACKDEPOT)")
        self._pools_num = None
        for n, plus in (("pools_num", 0), ("pool_index", 1), ("depot_index", 1)):
            try:
                self._pools_num = int(prog.object(n, filename=f)) + plus
                break
            except (LookupError, ValueError):
                continue
        try:
            self._parts_type = prog.type("union handle_parts")
        except LookupError:
            self._parts_type = None
        self._record_type = check_type(prog, "struct stack_record",
                                       "%s not found: no stack depot debug info")

    def _split(self, handle):
        """(pool index, byte offset) of a handle."""
        if self._parts_type is not None:
            parts = Object(self.prog, self._parts_type, value={"handle": handle})
            # pool_index_plus_1 since commit a6c1d9cb9a68 ("stackdepot:
            # rename pool_index to pool_index_plus_1"); pool_index before.
            idx = member(parts, "pool_index_plus_1")
            if idx is not None:
                pool = int(idx) - 1
            else:
                pool = int(parts.pool_index)
            return pool, int(parts.offset) << DEPOT_STACK_ALIGN
        offset_bits = DEPOT_POOL_ORDER + PAGE_SHIFT - DEPOT_STACK_ALIGN
        index_bits = 32 - offset_bits - STACK_DEPOT_EXTRA_BITS
        pool = (handle & ((1 << index_bits) - 1)) - 1
        offset = ((handle >> index_bits) & ((1 << offset_bits) - 1)) << DEPOT_STACK_ALIGN
        return pool, offset

    def fetch(self, handle):
        """The return addresses saved under @handle; [] for 0, None if invalid."""
        handle = int(handle)
        if not handle:
            return []
        if handle in self._cache:
            return self._cache[handle]
        if _drgn_stack_depot_fetch is not None:
            try:
                trace = _drgn_stack_depot_fetch(Object(self.prog, "depot_stack_handle_t",
                                                       handle))
                pcs = [frame.pc for frame in trace] if trace is not None else None
            except (LookupError, ValueError, drgn.FaultError):
                pcs = None
        else:
            pcs = self._fetch(handle)
        self._cache[handle] = pcs
        return pcs

    def _fetch(self, handle):
        if self._pools is None:
            self._init()
        pool_index, offset = self._split(handle)
        if pool_index < 0 or pool_index >= len(self._pools) or \
                (self._pools_num is not None and pool_index >= self._pools_num):
            return None
        pool = self._pools[pool_index]
        if not pool:
            return None
        rec = Object(self.prog, self._record_type, address=pool.value_() + offset)
        count = member(rec, "count")
        if count is not None and int(count.refs.counter) == 0:
            return None     # freed (stack_depot_put()) or never written
        size = int(rec.size)
        nmax = len(rec.entries)
        if size > nmax:
            return None
        if not size:
            return []
        return list(struct.unpack("<%dQ" % size, self.prog.read(rec.entries.address_, 8 * size)))


# === Symbols, as %pS prints them ===

class Kallsyms:
    """Address to "name+0xoff/0xsize [module]", like the kernel's %pS.

    kernel/kallsyms.c: the compressed tables in vmlinux (kallsyms_names,
    kallsyms_offsets...); kernel/module/kallsyms.c: each module's symtab in
    memory. Sizes therefore match the kernel's, which come from the next
    symbol, not from ELF st_size. Falls back to drgn's ELF symbols.
    """

    def __init__(self, prog):
        self.prog = prog
        self._addrs = None
        self._modules = None
        self._mod_syms = {}
        self._name_pages = {}
        self._cache = {}

    # --- vmlinux ---

    def _sym_addr(self, name):
        return self.prog.symbol(name).address

    def _read_u32(self, addr):
        return struct.unpack("<I", self.prog.read(addr, 4))[0]

    def _init_kernel(self):
        prog = self.prog
        self._addrs = []
        try:
            num = self._read_u32(self._sym_addr("kallsyms_num_syms"))
            offsets = struct.unpack("<%di" % num,
                                    prog.read(self._sym_addr("kallsyms_offsets"), 4 * num))
            self._names = self._sym_addr("kallsyms_names")
            self._markers = self._sym_addr("kallsyms_markers")
            index = struct.unpack("<256H", prog.read(self._sym_addr("kallsyms_token_index"), 512))
        except (LookupError, drgn.FaultError):
            return          # no kallsyms: drgn's symbols only
        table_addr = self._sym_addr("kallsyms_token_table")
        table = prog.read(table_addr, max(index) + 256)
        self._tokens = []
        for off in index:
            end = table.find(b"\0", off)
            self._tokens.append(table[off:end if end >= 0 else None].decode(errors="replace"))
        try:
            base = prog.read_u64(self._sym_addr("kallsyms_relative_base"))
        except LookupError:
            return          # another encoding: drgn's symbols only
        cfg = kconfig(prog)
        # CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP until 6.15): positive
        # offsets are absolute, negative ones relative to base - 1.
        absolute = cfg.get("CONFIG_KALLSYMS_ABSOLUTE_PERCPU") == "y" if cfg else \
            any(o < 0 for o in offsets)
        if absolute:
            self._addrs = [o if o >= 0 else base - 1 - o for o in offsets]
        else:
            self._addrs = [base + (o & 0xffffffff) for o in offsets]
        self._all = cfg.get("CONFIG_KALLSYMS_ALL") == "y" if cfg else True
        self._bounds = {}
        for s in ("_stext", "_etext", "_end", "_sinittext", "_einittext",
                  "__init_begin", "__init_end"):
            try:
                self._bounds[s] = self._sym_addr(s)
            except LookupError:
                self._bounds[s] = 0

    def _names_bytes(self, off, size):
        """size bytes of kallsyms_names from off, read in 4 KiB pages."""
        out = b""
        while size > 0:
            page, inpage = divmod(off, 4096)
            data = self._name_pages.get(page)
            if data is None:
                data = self.prog.read(self._names + page * 4096, 4096)
                self._name_pages[page] = data
            chunk = data[inpage:inpage + size]
            out += chunk
            off += len(chunk)
            size -= len(chunk)
        return out

    def _name_at(self, pos):
        off = self._read_u32(self._markers + 4 * (pos >> 8))
        for _ in range(pos & 0xff):
            b = self._names_bytes(off, 2)
            n = b[0]
            if n & 0x80:
                n = ((n & 0x7f) | (b[1] << 7)) + 1
            off += n + 1
        b = self._names_bytes(off, 2)
        n = b[0]
        off += 1
        if n & 0x80:
            n = (n & 0x7f) | (b[1] << 7)
            off += 1
        name = "".join(self._tokens[t] for t in self._names_bytes(off, n))
        return name[1:]     # the first character is the symbol type

    def _is_ksym_addr(self, addr):
        b = self._bounds
        if self._all:
            return b["_stext"] <= addr < b["_end"] or b["__init_begin"] <= addr < b["__init_end"]
        return b["_stext"] <= addr < b["_etext"] or b["_sinittext"] <= addr < b["_einittext"]

    def _kernel_lookup(self, addr):
        a = self._addrs
        low = bisect.bisect_right(a, addr) - 1
        if low < 0:
            low = 0
        while low and a[low - 1] == a[low]:
            low -= 1
        start = a[low]
        i = bisect.bisect_right(a, start)
        if i < len(a):
            end = a[i]
        elif self._bounds["_sinittext"] <= addr < self._bounds["_einittext"]:
            end = self._bounds["_einittext"]
        else:
            end = self._bounds["_end" if self._all else "_etext"]
        return self._name_at(low), addr - start, end - start

    # --- modules ---

    def _module_list(self):
        if self._modules is None:
            from drgn.helpers.linux.list import list_for_each_entry
            prog = self.prog
            self._modules = []
            try:
                head = prog["modules"]
            except LookupError:
                return self._modules
            unformed = enum_value(prog, "enum module_state", "MODULE_STATE_UNFORMED", 3)
            for mod in list_for_each_entry("struct module", head.address_of_(), "list"):
                if int(mod.state) == unformed:
                    continue
                ranges = []
                mem = member(mod, "mem")
                if mem is not None:
                    # 6.4+ (commit ac3b43283923 "module: replace module_layout
                    # with module_memory"): one range per memory type.
                    for i in range(len(mem)):
                        ranges.append((mem[i].base.value_(), int(mem[i].size)))
                else:
                    for lay in ("core_layout", "init_layout"):
                        m = mod.member_(lay)
                        ranges.append((m.base.value_(), int(m.size)))
                self._modules.append((mod, cstr(mod.name), ranges))
        return self._modules

    def _module_syms(self, mod):
        key = mod.value_()
        if key not in self._mod_syms:
            ks = mod.kallsyms
            n = int(ks.num_symtab)
            raw = self.prog.read(ks.symtab.value_(), 24 * n) if n else b""
            strtab = ks.strtab.value_()
            syms = []
            for i in range(1, n):
                st_name, _info, _other, shndx, value, _size = \
                    struct.unpack_from("<IBBHQQ", raw, 24 * i)
                if shndx == 0:      # SHN_UNDEF
                    continue
                syms.append((value, st_name))
            self._mod_syms[key] = (strtab, syms, {})
        return self._mod_syms[key]

    def _module_name_of(self, strtab, names, st_name):
        if st_name not in names:
            names[st_name] = cstr(Object(self.prog, "char *", value=strtab + st_name))
        return names[st_name]

    def _module_lookup(self, addr):
        for mod, modname, ranges in self._module_list():
            for base, size in ranges:
                if base <= addr < base + size:
                    break
            else:
                continue
            strtab, syms, names = self._module_syms(mod)
            best, bestval, nextval = None, base - 1, base + size
            for value, st_name in syms:
                if (value <= addr and value > bestval) or (addr < value < nextval):
                    name = self._module_name_of(strtab, names, st_name)
                    # is_mapping_symbol(), include/linux/module_symbol.h
                    if not name or name.startswith(("$", ".L", "L0")):
                        continue
                    if value <= addr:
                        best, bestval = name, value
                    else:
                        nextval = value
            if best is None:
                return None
            return best, addr - bestval, nextval - bestval, modname
        return None

    # --- drgn fallback ---

    def _drgn_lookup(self, addr):
        try:
            s = self.prog.symbol(addr)
        except LookupError:
            return None
        return s.name, addr - s.address, s.size

    def lookup(self, addr):
        """(name, offset, size, module or None), or None."""
        if self._addrs is None:
            self._init_kernel()
        if self._addrs and self._is_ksym_addr(addr):
            name, off, size = self._kernel_lookup(addr)
            return name, off, size, None
        if self._addrs:
            hit = self._module_lookup(addr)
            if hit:
                return hit
            return None
        hit = self._drgn_lookup(addr)
        return hit + (None,) if hit else None

    def format(self, addr):
        """%pS of addr."""
        addr = int(addr) & 0xffffffffffffffff
        if addr not in self._cache:
            try:
                hit = self.lookup(addr)
            except drgn.FaultError:
                hit = None
            if hit is None:
                s = "0x%x" % addr
            else:
                name, off, size, mod = hit
                s = "%s+%#x/%#x" % (name, off, size)
                if mod:
                    s += " [%s]" % mod
            self._cache[addr] = s
        return self._cache[addr]

    def func(self, addr):
        """%ps of addr: the name only ("func [module]")."""
        s = self.format(addr)
        name, _, rest = s.partition("+")
        mod = rest[rest.index(" ["):] if " [" in rest else ""
        return name + mod


class Kernel:
    """Per-program state shared by the scripts: symbols and stacks."""

    def __init__(self, prog):
        self.prog = prog
        self.syms = Kallsyms(prog)
        self.depot = StackDepot(prog)

    def stack_lines(self, s):
        """struct ltd_report_stack as ltd_print_stack() prints it to debugfs."""
        ts = int(s.ts_nsec)
        if int(s.cpu) < 0:     # kept as a ref: no task name, CPU or time
            lines = ["%s by task %d:" % (cstr(s.title), int(s.pid))]
        else:
            lines = ["%s by task %s/%d on cpu %d at %d.%06ds:" % (
                cstr(s.title), cstr(s.comm), int(s.pid), int(s.cpu),
                ts // 1000000000, (ts % 1000000000) // 1000)]
        handle = int(s.handle)
        if not handle:
            lines.append(" (stack not saved: stack depot full)")
            return lines
        pcs = self.depot.fetch(handle)
        if pcs is None:
            lines.append(" (stack %#010x not in the stack depot)" % handle)
            return lines
        lines.extend(" " + self.syms.format(pc) for pc in pcs)
        return lines

    def stack_ref_lines(self, title, ref):
        """struct ltd_stack_ref as ltd_print_stack() prints it (KASAN's form)."""
        lines = ["%s by task %d:" % (title, int(ref.pid))]
        handle = int(ref.handle)
        if not handle:
            lines.append(" (stack not saved: stack depot full)")
            return lines
        pcs = self.depot.fetch(handle)
        if pcs is None:
            lines.append(" (stack %#010x not in the stack depot)" % handle)
            return lines
        lines.extend(" " + self.syms.format(pc) for pc in pcs)
        return lines

    def stack_first(self, handle):
        """ltd_stack_first(): the first saved frame, 0 if none."""
        pcs = self.depot.fetch(handle) if int(handle) else None
        return pcs[0] if pcs else 0


def parse_address(text):
    """An address given on the command line: hex with or without 0x."""
    try:
        v = int(text.strip(), 16)   # int() takes an optional 0x with base 16
    except ValueError:
        raise LtdError("bad address %r: want a hexadecimal address "
                       "(ffff888006118228 or 0xffff888006118228)" % text) from None
    if v < 0 or v > 0xffffffffffffffff:
        raise LtdError("bad address %r: not a 64-bit address" % text)
    return v
