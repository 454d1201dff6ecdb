# SPDX-License-Identifier: GPL-2.0
# gdb script of scripts/bench-trace: single-step through one order-0
# allocation and one free of a guest stopped at its first instruction, and
# count the instructions per function. TRACE_PORT: the gdb stub's port;
# TRACE_OUT: prefix of the files that get the instructions.
import gdb, collections, os, re
def trace(fn, cond, label, skip, out):
    bp = gdb.Breakpoint(fn, type=gdb.BP_HARDWARE_BREAKPOINT)
    if cond: bp.condition = cond
    bp.ignore_count = skip
    gdb.execute("continue")
    bp.delete()
    sp = int(gdb.parse_and_eval("$sp"))
    ret = int(gdb.parse_and_eval("*(unsigned long *)$sp"))
    counts = collections.OrderedDict(); n = 0
    with open(out, "w") as f:
        while n < 20000:
            pc = int(gdb.parse_and_eval("$pc"))
            if pc == ret and int(gdb.parse_and_eval("$sp")) > sp:
                break
            ins = gdb.execute("x/i $pc", to_string=True)
            m = re.search(r"<([^+>]+)(\+\d+)?>:\s*(.*)", ins)
            fnm = m.group(1) if m else "?"
            txt = re.sub(r"0x[0-9a-f]{6,}", "ADDR", m.group(3) if m else ins)
            txt = re.sub(r"<[^>]*>", "", txt)
            f.write("%s\t%s\n" % (fnm, txt.strip()))
            counts[fnm] = counts.get(fnm, 0) + 1
            n += 1
            gdb.execute("stepi", to_string=True)
    if n >= 20000:
        raise gdb.GdbError("%s: no return after %d steps" % (label, n))
    print("TRACE %s total %d" % (label, n))
    for k, c in counts.items():
        print("TRACE %s %5d %s" % (label, c, k))
out = os.environ["TRACE_OUT"]
gdb.execute("target remote 127.0.0.1:%s" % os.environ["TRACE_PORT"])
# GFP_KERNEL is 0xcc0 in v7.2; the 3001st call is well after boot's first
# allocations, with the pcplists populated.
trace("__alloc_frozen_pages_noprof", "$rsi == 0 && $rdi == 0xcc0", "alloc",
      3000, out + ".alloc")
trace("__free_frozen_pages", "$rsi == 0", "free", 3000, out + ".free")
gdb.execute("kill")
