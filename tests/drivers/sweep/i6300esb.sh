#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# i6300esb: QEMU's Intel 6300ESB watchdog on the PCI root bus, through the
# watchdog core's /dev/watchdog0 (watchdog_dev: cdev, ioctls, magic close).
# QEMU is told to do nothing when the watchdog fires. The device is opened,
# identified, its timeout set and read back, pinged by ioctl and by write,
# closed with and without the magic 'V' (left running: the core warns), and
# unbound and hot-unplugged with /dev/watchdog0 open and running; the stale
# fd's ioctls and writes must fail with ENODEV; the function is bound again,
# rescanned, and the module removed.
# lt-driver: i6300esb
# lt-subsystem: watchdog
# lt-timeout: 300
# lt-qemu: -device i6300esb -action watchdog=none
set -u
. "$LT_REPO/tests/drivers/lib.sh"

cat > /tmp/wdt.py <<'PYEOF'
# use DEV: the ordinary life of a watchdog user
# unclean DEV: start it and close without the magic character
# hold DEV: open and running until /tmp/wdt.go, then the stale fd is used
import array, errno, fcntl, os, struct, sys, time

WDIOC_GETSUPPORT = 0x80285700
WDIOC_GETSTATUS = 0x80045701
WDIOC_GETBOOTSTATUS = 0x80045702
WDIOC_SETOPTIONS = 0x80045704
WDIOC_KEEPALIVE = 0x80045705
WDIOC_SETTIMEOUT = 0xc0045706
WDIOC_GETTIMEOUT = 0x80045707
WDIOC_GETTIMELEFT = 0x8004570a
WDIOS_DISABLECARD, WDIOS_ENABLECARD = 1, 2


def fail(what):
    print("SCENARIO-FAIL: i6300esb:", what, flush=True)
    sys.exit(1)


def ioc_int(fd, req, val=0):
    buf = array.array("i", [val])
    fcntl.ioctl(fd, req, buf, True)
    return buf[0]


cmd, dev = sys.argv[1], sys.argv[2]
fd = os.open(dev, os.O_RDWR)
if cmd == "use":
    info = fcntl.ioctl(fd, WDIOC_GETSUPPORT, bytes(40))
    options, fw, ident = struct.unpack("II32s", info)
    ident = ident.rstrip(b"\0").decode()
    print("step: WDIOC_GETSUPPORT: %s options %#x" % (ident, options), flush=True)
    if "6300ESB" not in ident.upper() or not options & 0x100:
        fail("unexpected identity %r options %#x" % (ident, options))
    got = ioc_int(fd, WDIOC_SETTIMEOUT, 120)
    if got != 120 or ioc_int(fd, WDIOC_GETTIMEOUT) != 120:
        fail("timeout set to 120, reads %d" % got)
    print("step: WDIOC_SETTIMEOUT 120, WDIOC_GETTIMEOUT 120", flush=True)
    try:
        ioc_int(fd, WDIOC_SETTIMEOUT, 5000)
        fail("WDIOC_SETTIMEOUT 5000 (over the maximum) succeeded")
    except OSError as e:
        if e.errno != errno.EINVAL:
            fail("WDIOC_SETTIMEOUT 5000: errno %d" % e.errno)
    print("step: WDIOC_SETTIMEOUT 5000 refused with EINVAL", flush=True)
    for _ in range(5):
        fcntl.ioctl(fd, WDIOC_KEEPALIVE)
        os.write(fd, b"k")
        time.sleep(0.1)
    print("step: 5 keepalives by ioctl and by write", flush=True)
    try:
        left = ioc_int(fd, WDIOC_GETTIMELEFT)
        print("step: WDIOC_GETTIMELEFT %d" % left, flush=True)
    except OSError as e:
        if e.errno != errno.EOPNOTSUPP:
            fail("WDIOC_GETTIMELEFT: errno %d" % e.errno)
        print("step: WDIOC_GETTIMELEFT not supported (EOPNOTSUPP)", flush=True)
    print("step: WDIOC_GETSTATUS %#x GETBOOTSTATUS %#x"
          % (ioc_int(fd, WDIOC_GETSTATUS), ioc_int(fd, WDIOC_GETBOOTSTATUS)), flush=True)
    ioc_int(fd, WDIOC_SETOPTIONS, WDIOS_DISABLECARD)
    ioc_int(fd, WDIOC_SETOPTIONS, WDIOS_ENABLECARD)
    fcntl.ioctl(fd, WDIOC_KEEPALIVE)
    print("step: WDIOS_DISABLECARD, WDIOS_ENABLECARD", flush=True)
    os.write(fd, b"V")
    os.close(fd)
    print("step: magic close", flush=True)
elif cmd == "unclean":
    ioc_int(fd, WDIOC_SETTIMEOUT, 600)
    fcntl.ioctl(fd, WDIOC_KEEPALIVE)
    os.close(fd)
    print("step: closed without the magic character", flush=True)
elif cmd == "hold":
    ioc_int(fd, WDIOC_SETTIMEOUT, 600)
    fcntl.ioctl(fd, WDIOC_KEEPALIVE)
    open("/tmp/wdt.ready", "w").close()
    while not os.path.exists("/tmp/wdt.go"):
        try:
            fcntl.ioctl(fd, WDIOC_KEEPALIVE)
        except OSError as e:
            if e.errno != errno.ENODEV:
                raise
            print("stale: keepalive while waiting: ENODEV", flush=True)
            break
        time.sleep(0.05)
    while not os.path.exists("/tmp/wdt.go"):
        time.sleep(0.05)
    bad = []
    for name, op in (("WDIOC_KEEPALIVE", lambda: fcntl.ioctl(fd, WDIOC_KEEPALIVE)),
                     ("WDIOC_GETTIMEOUT", lambda: ioc_int(fd, WDIOC_GETTIMEOUT)),
                     ("WDIOC_SETTIMEOUT", lambda: ioc_int(fd, WDIOC_SETTIMEOUT, 60)),
                     ("WDIOC_GETTIMELEFT", lambda: ioc_int(fd, WDIOC_GETTIMELEFT)),
                     ("WDIOC_GETSTATUS", lambda: ioc_int(fd, WDIOC_GETSTATUS)),
                     ("write", lambda: os.write(fd, b"V"))):
        try:
            r = op()
            print("stale: %s: ok %r" % (name, r), flush=True)
            bad.append(name)
        except OSError as e:
            print("stale: %s: errno %d %s" % (name, e.errno, e.strerror), flush=True)
            if e.errno != errno.ENODEV:
                bad.append(name)
    os.close(fd)
    print("stale: close", flush=True)
    if bad:
        fail("stale fd: %s did not fail with ENODEV" % ", ".join(bad))
PYEOF

# hold_start: /dev/watchdog0 open and kept alive; hold_check: stale use
hold_start() {
	rm -f /tmp/wdt.ready /tmp/wdt.go
	$PY /tmp/wdt.py hold /dev/watchdog0 &
	HOLD=$!
	wait_until 10 test -e /tmp/wdt.ready || fail "watchdog holder did not start"
	echo "step: /dev/watchdog0 open and running"
}

hold_check() {
	touch /tmp/wdt.go
	wait $HOLD || fail "stale /dev/watchdog0 after $1"
	echo "ok: stale /dev/watchdog0 after $1 fails with ENODEV"
}

driver_begin i6300esb watchdog
load i6300esb
# The PCI driver is named after ESB_MODULE_NAME.
DRV="i6300ESB timer"
wait_until 10 pci_of "$DRV" >/dev/null || fail "no PCI function bound to i6300esb"
BDF=$(pci_of "$DRV")
wait_dev /dev/watchdog0
step "watchdog0 class device" test -d /sys/class/watchdog/watchdog0
step "ordinary use" $PY /tmp/wdt.py use /dev/watchdog0
step "unclean close" $PY /tmp/wdt.py unclean /dev/watchdog0
expect_dmesg "watchdog0: watchdog did not stop!"
step "reopen and magic close" $PY /tmp/wdt.py use /dev/watchdog0

# Unbind with the device open and running.
hold_start
stale "rmmod while /dev/watchdog0 is open" rmmod i6300esb
[ -d /sys/module/i6300esb ] || fail "i6300esb unloaded under an open /dev/watchdog0"
unbind pci "$DRV" "$BDF"
[ -e /dev/watchdog0 ] && [ -e /sys/class/watchdog/watchdog0 ] && fail "watchdog0 still registered"
hold_check unbind
bind pci "$DRV" "$BDF"
wait_dev /dev/watchdog0
step "use after rebind" $PY /tmp/wdt.py use /dev/watchdog0

# Hot-unplug with the device open and running.
hold_start
pci_remove "$BDF"
hold_check "PCI remove"
pci_rescan
wait_until 10 pci_of "$DRV" >/dev/null || fail "i6300esb did not bind after rescan"
wait_dev /dev/watchdog0
step "use after rescan" $PY /tmp/wdt.py use /dev/watchdog0

# Left running with nobody holding it: the core keeps the module pinned;
# stopped by a magic close, the module goes.
step "unclean close before rmmod" $PY /tmp/wdt.py unclean /dev/watchdog0
if rmmod i6300esb 2>/dev/null; then
	echo "stale: rmmod with the watchdog running unattended: succeeded"
else
	echo "stale: rmmod with the watchdog running unattended: refused"
	step "stop by magic close" $PY /tmp/wdt.py use /dev/watchdog0
	unload i6300esb
fi
[ -d /sys/module/i6300esb ] && fail "i6300esb still loaded"
driver_end
