#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check syzkaller's report parser on the lifetime sanitizer's reports, without Go.

syzkaller (pkg/report) needs a newer Go than this machine has, so this script
reads the regular expressions and formats from the syzkaller sources
themselves (pkg/report/linux.go with linux.go.patch applied, report.go,
crash/title_to_type.go), and replays in Python what Reporter.Parse() does
with them for a Linux console log (report.go and linux.go at the commit named
in README.md): find the first oops line, cut the report, pick the format whose
title matches first, extract the guilty frame, format the title, mark
corruption, sanitize the title, classify its type. Then for each test file
(syzkaller's pkg/report/testdata format: TITLE/ALT/TYPE/FRAME/CORRUPTED
headers, a blank line, the console log) it compares the result with the
headers, and it checks that no test file syzkaller already has matches the
new formats.

usage: check.py SYZKALLER_DIR [TESTFILE...]
  SYZKALLER_DIR is a syzkaller checkout, with or without linux.go.patch
  applied (without: the patch is applied to a copy), or a git directory
  without a work tree (its HEAD is read). Test files default to
  testdata/linux/report/* next to this script.
Prints PASS/FAIL per file and exits 1 on any failure.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


# --- A small reader of Go literals -------------------------------------------

class Str(str):
    pass


class Ident:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Ident(%s)" % self.name


class Call:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __repr__(self):
        return "Call(%s, %r)" % (self.fn, self.args)


class Composite:
    def __init__(self, typ, elems):
        self.typ, self.elems = typ, elems  # elems: [(key or None, value)]

    def fields(self):
        return {k: v for k, v in self.elems if k is not None}

    def values(self):
        return [v for _, v in self.elems]


class Concat:
    def __init__(self, parts):
        self.parts = parts


TOKEN = re.compile(r'''
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<rune>'(?:[^'\\]|\\.)+')
  | (?P<num>[0-9][0-9a-fA-Fx_.]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.\.|[{}()\[\],:&+*.=;<>!|-])
  | (?P<other>.)
''', re.S | re.X)


def go_unquote(s):
    out, i = [], 1
    while i < len(s) - 1:
        c = s[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'",
                  "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == "x":
            out.append(chr(int(s[i + 2:i + 4], 16)))
            i += 4
        elif n == "u":
            out.append(chr(int(s[i + 2:i + 6], 16)))
            i += 6
        else:
            raise ValueError("escape \\%s in %s" % (n, s))
    return "".join(out)


def tokenize(src):
    toks, pos = [], 0
    while pos < len(src):
        m = TOKEN.match(src, pos)
        if not m:
            raise ValueError("cannot tokenize at %r" % src[pos:pos + 40])
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        text = m.group()
        if kind == "str":
            toks.append(("str", go_unquote(text)))
        elif kind == "raw":
            toks.append(("str", text[1:-1]))
        else:
            toks.append((kind, text))
    return toks


class Parser:
    def __init__(self, toks):
        self.t, self.i = toks, 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else ("eof", "")

    def take(self, text=None):
        tok = self.peek()
        if text is not None and tok[1] != text:
            raise ValueError("expected %r, got %r" % (text, tok))
        self.i += 1
        return tok

    def expr(self):
        parts = [self.unary()]
        while self.peek()[1] == "+":
            self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        if all(isinstance(p, Str) for p in parts):
            return Str("".join(parts))
        return Concat(parts)

    def unary(self):
        if self.peek()[1] == "&":
            self.take()
        return self.primary()

    def typ(self):
        """A type in front of { or (: []T, []*pkg.T, pkg.T, T."""
        name = ""
        while self.peek()[1] in ("[", "]", "*"):
            name += self.take()[1]
        name += self.take()[1]
        if name.endswith("struct") and self.peek()[1] == "{":
            depth = 0
            while True:
                t = self.take()[1]
                depth += {"{": 1, "}": -1}.get(t, 0)
                if depth == 0:
                    break
            return name
        while self.peek()[1] == "." and self.peek(1)[0] == "ident":
            self.take()
            name += "." + self.take()[1]
        return name

    def primary(self):
        kind, text = self.peek()
        if kind == "str":
            self.take()
            return Str(text)
        if kind in ("num", "rune"):
            self.take()
            return Ident(text)
        if text == "(":
            self.take()
            e = self.expr()
            self.take(")")
            return e
        if text == "{":
            return self.composite("")
        if kind == "ident" or text in ("[", "*"):
            name = self.typ()
            node = None
            if self.peek()[1] == "{" and name not in ("true", "false", "nil"):
                node = self.composite(name)
            elif self.peek()[1] == "(":
                self.take()
                args = []
                while self.peek()[1] != ")":
                    args.append(self.expr())
                    if self.peek()[1] == "...":
                        self.take()
                    if self.peek()[1] == ",":
                        self.take()
                self.take(")")
                node = Call(name, args)
            else:
                node = Ident(name)
            return node
        raise ValueError("unexpected %r" % (self.peek(),))

    def composite(self, typ):
        self.take("{")
        elems = []
        while self.peek()[1] != "}":
            key = None
            if self.peek()[0] == "ident" and self.peek(1)[1] == ":":
                key = self.take()[1]
                self.take(":")
            elems.append((key, self.expr()))
            if self.peek()[1] == ",":
                self.take()
        self.take("}")
        return Composite(typ, elems)


def parse_var(src, name):
    """The value of 'var NAME = <expr>' (or NAME = <expr> inside a function)."""
    m = re.search(r"(?m)^\s*(?:var\s+)?%s\s*(?::=|=)\s*" % re.escape(name), src)
    if not m:
        raise KeyError(name)
    p = Parser(tokenize(src[m.end():m.end() + 400000].split("\nfunc ")[0]))
    return p.expr()


# --- Go regexp, from syzkaller's compile() --------------------------------------

POSIX = {"alpha": "a-zA-Z", "digit": "0-9", "xdigit": "0-9A-Fa-f", "alnum": "0-9A-Za-z",
         "space": r"\s", "upper": "A-Z", "lower": "a-z", "punct": r"!-/:-@\[-`{-~",
         "word": r"\w"}


def go_to_python_re(pat):
    """RE2 syntax to Python: POSIX classes, and $ is end of text (\\Z) unless (?m)."""
    multiline = pat.startswith("(?m)") or pat.startswith("(?sm)") or pat.startswith("(?ms)")
    out, i, in_class = [], 0, False
    while i < len(pat):
        c = pat[i]
        if c == "\\":
            nxt = pat[i + 1]
            if nxt == "z":
                out.append(r"\Z")
            elif nxt in "pP":
                raise ValueError("unicode class in %r" % pat)
            else:
                out.append(pat[i:i + 2])
            i += 2
            continue
        if in_class:
            m = re.match(r"\[:(\w+):\]", pat[i:])
            if m:
                out.append(POSIX[m.group(1)])
                i += m.end()
                continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            if pat[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if pat[i + 1:i + 2] == "]":
                out.append(r"\]")
                i += 1
            i += 1
            continue
        out.append(r"\Z" if c == "$" and not multiline else c)
        i += 1
    return re.compile("".join(out))


class Syz:
    """The parts of syzkaller's pkg/report that parse a Linux console log."""

    def __init__(self, report_dir):
        rd = lambda f: open(os.path.join(report_dir, f)).read()
        self.linux_go, self.report_go = rd("linux.go"), rd("report.go")
        self.title_to_type_go, self.types_go = rd("crash/title_to_type.go"), rd("crash/types.go")
        # compile()'s placeholders, from report.go.
        body = re.search(r"func compile\(re string\) \*regexp.Regexp \{(.*?)\n\}", self.report_go, re.S)
        self.placeholders = [(go_unquote(a), b) for a, b in re.findall(
            r'strings.ReplaceAll\(re, ("[^"]*"), (`[^`]*`|"(?:[^"\\]|\\.)*")\)', body.group(1))]
        self.placeholders = [(a, go_unquote(b) if b.startswith('"') else b[1:-1])
                             for a, b in self.placeholders]
        self.sentinels = {"parseStackTrace"}
        self.oopses = self.oops_list()
        sp = parse_var(self.linux_go, "linuxStackParams").fields()
        self.stack_start = [self.regex(x) for x in sp["stackStartRes"].values()]
        self.frame_res = [self.regex(x) for x in sp["frameRes"].values()]
        self.skip_patterns = list(sp["skipPatterns"].values())
        self.corrupted_lines = [self.regex(x) for x in sp["corruptedLines"].values()]
        self.strip_prefixes = list(sp["stripFramePrefixes"].values())
        self.corrupted_titles = [self.regex(x) for x in
                                 parse_var(self.linux_go, "linuxCorruptedTitles").values()]
        self.dynamic = [(self.regex(v.values()[0]), v.values()[1]) for v in
                        parse_var(self.report_go, "dynamicTitleReplacement").values()]
        self.frame_re = self.regex(parse_var(self.report_go, "reportFrameRe"))
        # ctorLinux's regexps and lists.
        self.console_re = self.regex(parse_var(self.linux_go, "ctx.consoleOutputRe"))
        self.cpu_context = self.regex(parse_var(self.linux_go, "ctx.cpuContext"))
        self.task_context = self.regex(parse_var(self.linux_go, "ctx.taskContext"))
        self.questionable = self.regex(parse_var(self.linux_go, "ctx.questionableFrame"))
        self.report_start_ignores = [self.regex(x) for x in
                                     parse_var(self.linux_go, "ctx.reportStartIgnores").values()]
        self.info_with_stack = [self.string(x.args[0]) for x in
                                parse_var(self.linux_go, "ctx.infoMessagesWithStack").values()]
        consts = dict(re.findall(r'(\w+)\s*=\s*Type\("([^"]*)"\)', self.types_go))
        self.title_types = []
        for entry in parse_var(self.title_to_type_go, "titleToType").values():
            f = entry.fields()
            self.title_types.append((list(f["includePrefixes"].values()),
                                     consts[f["crashType"].name]))

    # Values.
    def string(self, node):
        if isinstance(node, Str):
            return str(node)
        if isinstance(node, Concat):
            return "".join(self.string(p) for p in node.parts)
        if isinstance(node, Call) and node.fn.endswith(".String"):
            return self.regex(parse_var(self.linux_go, node.fn[:-len(".String")])).go
        if isinstance(node, Call) and node.fn == "[]byte":
            return self.string(node.args[0])
        raise ValueError("not a string: %r" % (node,))

    def regex(self, node):
        if isinstance(node, Ident):
            if node.name in self.sentinels:
                return node.name
            return self.regex(parse_var(self.linux_go, node.name))
        if not isinstance(node, Call):
            raise ValueError("not a regexp: %r" % (node,))
        pat = self.string(node.args[0])
        if node.fn == "compile":
            for a, b in self.placeholders:
                pat = pat.replace(a, b)
        elif node.fn != "regexp.MustCompile":
            raise ValueError("not a regexp: %r" % (node,))
        r = go_to_python_re(pat)
        wrapped = type("GoRe", (), {})()
        wrapped.go, wrapped.re = pat, r
        return wrapped

    def oops_list(self):
        """linuxOopses: [(header, suppressions, formats)]; formats as dicts (lazy)."""
        node = parse_var(self.linux_go, "linuxOopses")
        items = []
        for arg in node.args:
            if isinstance(arg, Composite):
                items += arg.values()
            else:  # commonOopses...
                items += parse_var(self.report_go, arg.name).values()
        out = []
        for o in items:
            while isinstance(o, Ident):  # &groupGoRuntimeErrors
                try:
                    o = parse_var(self.linux_go, o.name)
                except KeyError:
                    o = parse_var(self.report_go, o.name)
            v = o.values() if not o.fields() else [o.fields().get(k) for k in
                                                   ("header", "formats", "suppressions")]
            header = self.string(v[0])
            sup = [self.regex(x) for x in v[2].values()] if len(v) > 2 and v[2] else []
            out.append({"header": header, "suppressions": sup, "formats": v[1]})
        return out

    def formats(self, oops):
        """The oops's formats, each a dict of compiled fields; unsupported ones None."""
        if "parsed" in oops:
            return oops["parsed"]
        res = []
        for f in oops["formats"].values():
            fields = f.fields()
            try:
                d = {"title": self.regex(fields["title"]),
                     "report": self.regex(fields["report"]) if "report" in fields else None,
                     "fmt": self.string(fields["fmt"]),
                     "alt": [self.string(x) for x in fields["alt"].values()] if "alt" in fields else [],
                     "noStackTrace": "noStackTrace" in fields and fields["noStackTrace"].name == "true",
                     "corrupted": "corrupted" in fields and fields["corrupted"].name == "true",
                     "stack": None}
                if "stack" in fields:
                    st = fields["stack"]
                    if isinstance(st, Call):
                        raise ValueError("stack from %s()" % st.fn)
                    sf = st.fields()
                    if "extractor" in sf:
                        raise ValueError("custom frame extractor")
                    d["stack"] = {
                        "parts": [self.regex(x) for x in sf["parts"].values()],
                        "parts2": [self.regex(x) for x in sf["parts2"].values()] if "parts2" in sf else [],
                        "skip": [self.string(x) for x in sf["skip"].values()] if "skip" in sf else []}
                res.append(d)
            except (ValueError, KeyError) as e:
                # Formats this replay cannot run: only fatal if their title matches.
                title = None
                try:
                    title = self.regex(fields["title"])
                except (ValueError, KeyError):
                    pass
                res.append({"unsupported": str(e), "title": title})
        oops["parsed"] = res
        return res

    # --- report.go / linux.go, replayed ---
    record = None  # {(go pattern, text): python match span and groups}

    def search(self, r, s):
        m = r.re.search(s)
        if self.record is not None:
            self.record[(r.go, s)] = m
        return m

    def match_oops(self, line, oops):
        return oops["header"] in line and not any(self.search(r, line) for r in oops["suppressions"])

    def contains_crash(self, output):
        return any(self.match_oops(line, o) for line in output.split("\n") for o in self.oopses)

    def extract_context(self, line):
        m = self.search(self.console_re, line)
        if not m:
            return ""
        return "console" if m.group(1) is None else m.group(1)

    def strip_line_prefix(self, line, context, use_questionable):
        if context == "":
            return line, False
        line = line[line.index("] ") + 2:]
        if "<EOI>" not in line:
            if self.search(self.questionable, line):
                return line[line.index(" ? ") + 2:], not use_questionable
            if line.endswith(" (unreliable)"):
                return line[:-13], not use_questionable
        return line, False

    @staticmethod
    def lines_with_pos(output):
        pos = 0
        while pos < len(output):
            nxt = output.find("\n", pos)
            if nxt == -1:
                nxt = len(output)
            yield pos, nxt, output[pos:nxt]
            pos = nxt + 1

    def find_first_oops(self, output):
        for pos, nxt, line in self.lines_with_pos(output):
            for o in self.oopses:
                if self.match_oops(line, o):
                    return o, pos, self.extract_context(line)
        return None, 0, ""

    def find_report(self, output, oops, start, context):
        max_prefix = 50 if self.search(self.task_context, context) else 5
        second = 0
        text_lines = 0
        skip_text = cpu_traceback = False
        oops_line = ""
        end_pos = report_end = 0
        report = ""
        prefix = []
        for pos, nxt, line in self.lines_with_pos(output):
            ctx1 = self.extract_context(line)
            stripped, questionable = self.strip_line_prefix(line, ctx1, False)
            if pos < start:
                if ctx1 == context and stripped and not questionable:
                    prefix = (prefix + [stripped])[-max_prefix:]
                continue
            is_oops_line = pos == start
            if is_oops_line:
                oops_line = line
            for o in self.oopses:
                if not self.match_oops(line, o):
                    if not is_oops_line and second == 0:
                        if any(p in line for p in self.info_with_stack):
                            second = pos
                    continue
                end_pos = nxt
                if not is_oops_line and second == 0:
                    if not any(self.search(r, line) for r in self.report_start_ignores):
                        second = pos
            if not is_oops_line and (questionable or ctx1 != context and (
                    not cpu_traceback or not self.search(self.cpu_context, ctx1))):
                continue
            text_lines += 1
            skip_line = skip_text
            min_lines = 16 if "BUG: KMSAN:" in oops_line else 22
            if "Disabling lock debugging due to kernel taint" in line:
                skip_line = True
            elif "Sending NMI from CPU" in line:
                cpu_traceback = True
            elif ("Kernel panic - not syncing" in line or
                  "WARNING: possible circular locking dependency detected" in line) and \
                    text_lines > min_lines:
                skip_text = skip_line = True
            if not is_oops_line and skip_line:
                continue
            report += stripped + "\n"
            if second == 0 or context != "" and context != "console":
                report_end = len(report)
        return end_pos, report_end, report, prefix

    def skip_re(self, stack):
        skip = self.skip_patterns + stack["skip"]
        if not skip:
            return None
        wrapped = type("GoRe", (), {})()
        wrapped.go, wrapped.re = "|".join(skip), go_to_python_re("|".join(skip))
        syz = self

        class Skip:
            def search(self, s):
                return syz.search(wrapped, s)
        return Skip()

    def strip_frames(self, frames):
        out = []
        for orig in frames:
            frame = orig
            for p in self.strip_prefixes:
                new = orig[len(p):] if orig.startswith(p) else orig
                if len(new) < len(frame):
                    frame = new
            out.append(frame)
        return out

    @staticmethod
    def append_frame(frames, m, skip):
        if m is None:
            return frames
        for g in m.groups():
            if g is None:
                continue
            if skip is None or not skip.search(g):
                frames.append(g)
        return frames

    def extract_frames_impl(self, output, skip, parts):
        lines = output.split("\n")
        raw, results, ok, nstacks = [], [], True, 0
        idx = 0
        while True:
            if idx == len(parts) or parts[idx] == "parseStackTrace" and nstacks > 0:
                key = (self.strip_frames(raw)[0], raw[0]) if raw else ("", "")
                if key[0] == "":
                    key, ok = ("corrupted", "corrupted"), False
                results.append(key)
                raw = []
            if idx == len(parts):
                break
            part = parts[idx]
            if part == "parseStackTrace":
                nstacks += 1
                while lines:
                    ln, lines = lines[0], lines[1:]
                    if any(self.search(r, ln) for r in self.corrupted_lines):
                        ok = False
                        break
                    if any(self.search(r, ln) for r in self.stack_start):
                        break
                    if idx != len(parts) - 1:
                        m = self.search(parts[idx + 1], ln)
                        if m:
                            raw = self.append_frame(raw, m, skip)
                            idx += 1
                            break
                    m = None
                    for r in self.frame_res:
                        m = self.search(r, ln)
                        if m:
                            break
                    raw = self.append_frame(raw, m, skip)
            else:
                while lines:
                    ln, lines = lines[0], lines[1:]
                    if any(self.search(r, ln) for r in self.corrupted_lines):
                        ok = False
                        break
                    m = self.search(part, ln)
                    if not m:
                        continue
                    raw = self.append_frame(raw, m, skip)
                    break
            idx += 1
        return results, ok

    def extract_frames(self, stack, output):
        skip = self.skip_re(stack)
        frames, ok = self.extract_frames_impl(output, skip, stack["parts"])
        if ok or not stack["parts2"]:
            return frames, ok
        return self.extract_frames_impl(output, skip, stack["parts2"])

    @staticmethod
    def go_sprintf(fmt, args):
        seq = iter(range(len(args)))

        def sub(m):
            n = int(m.group(1)) - 1 if m.group(1) else next(seq)
            return str(args[n]) if 0 <= n < len(args) else "%!v(BADINDEX)"
        return re.sub(r"%(?:\[(\d+)\])?v", sub, fmt)

    def partially_stripped(self, prefix, frames):
        ret = []
        for i in range(len(self.strip_prefixes) + 1):
            add, lst = True, []
            strip = ""
            if i > 0:
                strip, add = self.strip_prefixes[i - 1], False
            for canon, raw in frames:
                trimmed = raw[len(strip):] if strip and raw.startswith(strip) else raw
                if trimmed != raw:
                    add = True
                lst.append(trimmed)
            if add:
                ret.append(prefix + lst)
        return ret

    def extract_description(self, output, oops):
        start = len(output)
        desc, corrupted, alts, fmt = "", "", [], None
        matched_title = False
        for f in self.formats(oops):
            if f.get("title") is None:
                continue
            m = self.search(f["title"], output)
            if m is None or m.start() > start:
                continue
            if "unsupported" in f:
                raise ValueError("format %r (unsupported here: %s) matches" %
                                 (f["title"].go, f["unsupported"]))
            if m.start() == start and desc != "":
                continue
            if m.start() < start:
                desc, fmt, start = "", None, m.start()
            matched_title = True
            if f["report"] is not None:
                m = self.search(f["report"], output)
                if m is None:
                    continue
            prefix = list(m.groups(default=""))
            frames, corrupted = [], ""
            if f["stack"] is not None:
                frames, ok = self.extract_frames(f["stack"], output[m.start():])
                if not ok:
                    corrupted = "extracted no frames"
            args = prefix + [c for c, _ in frames]
            desc = self.go_sprintf(f["fmt"], args)
            for a in f["alt"]:
                alts.append(self.go_sprintf(a, args))
            for args in self.partially_stripped(prefix, frames):
                t = self.go_sprintf(f["fmt"], args)
                if t != desc:
                    alts.append(t)
                for a in f["alt"]:
                    alts.append(self.go_sprintf(a, args))
            alts = list(dict.fromkeys(alts))
            fmt = f
        if desc == "":
            if matched_title:
                corrupted = "matched title but not report regexp"
            pos = output.find(oops["header"])
            if pos == -1:
                return desc, corrupted, alts, fmt
            end = output.find("\n", pos)
            desc = output[pos:end if end != -1 else len(output)]
        if corrupted == "" and fmt is not None and fmt["corrupted"]:
            corrupted = "report format is marked as corrupted"
        return desc, corrupted, alts, fmt

    def is_corrupted(self, title, report, fmt):
        if any(self.search(r, title) for r in self.corrupted_titles):
            return "title matches corrupted regexp"
        if fmt is None or fmt["noStackTrace"]:
            return ""
        has_stack = False
        for key in self.stack_start:
            m = self.search(key, report)
            if m is None:
                continue
            frames = report[m.start():].split("\n")
            if len(frames) < 4:
                return "call trace is missed"
            corrupted = True
            frames = frames[1:]
            for i in range(min(15, len(frames))):
                if any(self.search(k, frames[i]) for k in self.stack_start):
                    break
                if "(stack is not available)" in frames[i] or \
                        any(self.search(r, frames[i]) for r in self.frame_res):
                    has_stack, corrupted = True, False
                    break
            if "status: " not in key.go and corrupted:
                return "no frames in a stack trace"
        return "" if has_stack else "no stack trace in report"

    def sanitize(self, title):
        for r, repl in self.dynamic:
            py = re.sub(r"\$\{(\d+)\}", r"\\g<\1>", repl)
            while True:
                new = r.re.sub(py, title)
                if new == title:
                    break
                title = new
        out, prev = [], " "
        for ch in title[:120]:
            if ch == "\t":
                ch = " "
            elif ord(ch) < 0x20 or ord(ch) >= 0x7f:
                continue
            if ch == " " and prev == " ":
                continue
            out.append(ch)
            prev = ch
        return "".join(out).strip()

    def title_type(self, title):
        for prefixes, typ in self.title_types:
            if any(title.startswith(p) for p in prefixes):
                return typ
        return ""

    def parse(self, output):
        oops, start, context = self.find_first_oops(output)
        if oops is None:
            return None
        end_pos, report_end, report, _ = self.find_report(output, oops, start, context)
        title, corrupted, alts, fmt = self.extract_description(report[:report_end], oops)
        if title == "":
            report = output[start:end_pos]
            title, corrupted, alts, fmt = self.extract_description(report, oops)
        if not corrupted:
            corrupted = self.is_corrupted(title, report, fmt)
        title = self.sanitize(title)
        alts = sorted(self.sanitize(a) for a in alts)
        m = self.search(self.frame_re, title)
        return {"title": title, "alt": alts, "type": self.title_type(title),
                "frame": m.group(1) if m else "", "corrupted": corrupted}


# --- Test files ---------------------------------------------------------------

def read_test(path):
    head, log = {"TITLE": "", "ALT": [], "TYPE": "", "FRAME": "", "CORRUPTED": ""}, []
    with open(path, encoding="latin-1") as f:
        text = f.read().replace("\r", "")
    headers, _, body = text.partition("\n\n")
    for ln in headers.split("\n"):
        if ln.startswith("#") or not ln:
            continue
        key, _, val = ln.partition(": ")
        if key == "ALT":
            head["ALT"].append(val)
        else:
            head[key] = val
    log = body.split("\n\nREPORT:\n")[0]
    return head, log + ("\n" if not log.endswith("\n") else "")


def check_file(syz, path):
    head, log = read_test(path)
    want = {"title": head["TITLE"], "alt": sorted(head["ALT"]), "type": head["TYPE"],
            "corrupted": head["CORRUPTED"] == "Y"}
    got = syz.parse(log)
    if got is None:
        got = {"title": "", "alt": [], "type": "", "corrupted": False, "frame": ""}
    crash = syz.contains_crash(log)
    problems = []
    if bool(want["title"]) != crash:
        problems.append("ContainsCrash() = %s" % crash)
    g = dict(got, corrupted=bool(got["corrupted"]))
    for k in ("title", "alt", "type", "corrupted"):
        if want[k] != g[k]:
            problems.append("%s: want %r, got %r" % (k, want[k], g[k]))
    if head["FRAME"] and head["FRAME"] != got["frame"]:
        problems.append("frame: want %r, got %r" % (head["FRAME"], got["frame"]))
    return problems, got


def write_go_cases(record, path):
    """Every regexp use of the replay on our files, for regexp_check.go."""
    import json
    cases = []
    for (pat, text), m in sorted(record.items(), key=lambda kv: kv[0]):
        if m is None:
            want = None
        else:
            want = []
            for i in range(len(m.groups()) + 1):
                a, b = m.span(i)
                want += [len(text[:a].encode("latin-1")), len(text[:b].encode("latin-1"))] \
                    if a != -1 else [-1, -1]
        cases.append({"re": pat, "text": text, "want": want})
    with open(path, "w") as f:
        json.dump(cases, f)
    print("wrote %d regexp uses to %s" % (len(cases), path))


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    go_cases = None
    if sys.argv[1] == "--go-cases":
        go_cases = sys.argv[2]
        del sys.argv[1:3]
    syzdir = sys.argv[1]
    files = sys.argv[2:] or sorted(glob.glob(os.path.join(HERE, "testdata/linux/report/*")),
                                   key=lambda p: (len(p), p))
    report_dir = os.path.join(syzdir, "pkg/report")
    tmp = tempfile.mkdtemp()
    if not os.path.isdir(report_dir):
        # A git directory without a work tree: its HEAD's pkg/report.
        os.makedirs(os.path.join(tmp, "src"))
        subprocess.run("git --git-dir=%s archive HEAD pkg/report | tar -x -C %s/src"
                       % (syzdir, tmp), shell=True, stderr=subprocess.DEVNULL)
        syzdir = os.path.join(tmp, "src")
        report_dir = os.path.join(syzdir, "pkg/report")
        if not os.path.isfile(os.path.join(report_dir, "linux.go")):
            sys.exit("check.py: no pkg/report/linux.go in %s" % sys.argv[1])
    unpatched = None
    if "BUG: LIFETIME:" not in open(os.path.join(report_dir, "linux.go")).read():
        unpatched = report_dir
        shutil.copytree(report_dir, os.path.join(tmp, "pkg/report"))
        subprocess.run(["patch", "-s", "-p1", "-d", tmp, "-i", os.path.join(HERE, "linux.go.patch")],
                       check=True)
        report_dir = os.path.join(tmp, "pkg/report")
        print("applied linux.go.patch to a copy of %s" % os.path.join(syzdir, "pkg/report"))
    try:
        syz = Syz(report_dir)
        syz0 = Syz(unpatched) if unpatched else None
        failed = 0
        if go_cases:
            syz.record = {}
        for path in files:
            problems, got = check_file(syz, path)
            name = os.path.relpath(path, HERE)
            if problems:
                failed += 1
                print("FAIL %s: %s" % (name, "; ".join(problems)))
            else:
                print("PASS %s: %s%s" % (name, got["title"], " (corrupted: %s)" % got["corrupted"]
                                         if got["corrupted"] else ""))
            if syz0:
                before = syz0.parse(read_test(path)[1])
                print("     without the patch: %s%s" % (before["title"], " (corrupted)"
                                                       if before["corrupted"] else ""))
        if go_cases:
            write_go_cases(syz.record, go_cases)
            syz.record = None
        # The formats added must not change what syzkaller's own test files expect.
        ours = [f for o in syz.oopses for f in syz.formats(o)
                if f.get("title") is not None and "LIFETIME" in f["title"].go]
        existing = glob.glob(os.path.join(syzdir, "pkg/report/testdata/linux/report/*"))
        hit = [p for p in existing
               if any(syz.search(f["title"], read_test(p)[1]) for f in ours)]
        if hit:
            failed += 1
            print("FAIL syzkaller's own test files match the new formats: %s" % " ".join(hit))
        else:
            print("PASS none of syzkaller's %d linux report test files matches the %d new formats"
                  % (len(existing), len(ours)))
        # How faithful is this replay? syzkaller's own expectations, where the
        # formats involved can be replayed here (informational).
        same = differ = skipped = 0
        for p in existing:
            try:
                problems, _ = check_file(syz, p)
            except (ValueError, KeyError, IndexError, re.error):
                skipped += 1
                continue
            if problems:
                differ += 1
            else:
                same += 1
        print("INFO replay of syzkaller's own linux report test files: %d as expected, "
              "%d different, %d not replayable here" % (same, differ, skipped))
        print("%d passed, %d failed" % (len(files) + 1 - failed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
