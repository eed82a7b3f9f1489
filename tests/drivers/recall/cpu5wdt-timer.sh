#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cpu5wdt, upstream 573601521277 ("watchdog: cpu5wdt.c: Fix use-after-free
# bug caused by cpu5wdt_trigger") reverted: the module exit waits for the
# completion the timer callback signals, then stops the timer with
# del_timer() instead of timer_shutdown_sync(). A legacy x86 I/O-port
# driver that cannot probe (it reserves ports 0x91-0x9a and reads a status
# bit), so it loads in the guest with no hardware. The ordinary sequence:
# load, open /dev/watchdog, enable it (WDIOC_SETOPTIONS ENABLECARD arms the
# 100 ms trigger timer), keep it alive for a second so cpu5wdt_trigger()
# runs, close (the card cannot be stopped: the timer keeps running), unload
# (the exit waits for one more trigger). Expected:
# unpinned-module-reference in cpu5wdt_trigger, reported at rmmod.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin cpu5wdt-timer recall
insmod_recall cpu5wdt-timer cpu5wdt
expect_dmesg "cpu5wdt: init success"
wait_dev /dev/watchdog
cat > /tmp/cpu5.py <<'PY'
import fcntl, os, struct, time

WDIOC_GETSUPPORT, WDIOC_SETOPTIONS, WDIOC_KEEPALIVE = 0x80285700, 0x80045704, 0x80045705
WDIOS_ENABLECARD = 2

fd = os.open("/dev/watchdog", os.O_WRONLY)
opts, fw, ident = struct.unpack("II32s", fcntl.ioctl(fd, WDIOC_GETSUPPORT, bytes(40)))
assert ident.rstrip(b"\0") == b"CPU5 WDT", ident
fcntl.ioctl(fd, WDIOC_SETOPTIONS, struct.pack("i", WDIOS_ENABLECARD))
for i in range(5):
    fcntl.ioctl(fd, WDIOC_KEEPALIVE, struct.pack("i", 0))
    os.write(fd, b"k")
    time.sleep(0.25)
os.close(fd)
print("ok: CPU5 WDT enabled, 5 keepalives, closed")
PY
step "enable and keep alive" $PY /tmp/cpu5.py
unload cpu5wdt
driver_end
