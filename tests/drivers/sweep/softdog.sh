#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# softdog: the software watchdog (an hrtimer that pins the module while
# armed) through the watchdog core's /dev/watchdog0 and legacy
# /dev/watchdog: WDIOC_GETSUPPORT, SETTIMEOUT, GETTIMEOUT, KEEPALIVE (ioctl
# and write), GETTIMELEFT (not supported), SETOPTIONS disable/enable, the
# exclusive open, magic close 'V'. Keepalives across the timeout keep it
# from firing; an unexpected close (no 'V') leaves it armed and it fires
# (soft_noboot=1: "Reboot ignored", no panic, no reboot). The unload is
# refused while the device is open; the module is removed at the end (an
# open watchdog pins its module, so there is no stale fd after unload).
# lt-driver: softdog
# lt-subsystem: watchdog
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin softdog watchdog
load softdog soft_noboot=1 soft_panic=0 soft_margin=30
expect_dmesg "softdog: initialized. soft_noboot=1 soft_margin=30 sec soft_panic=0"
wait_dev /dev/watchdog0
wait_dev /dev/watchdog

cat > /tmp/wdt.py <<'EOF'
import errno, fcntl, os, struct, sys, time

WDIOC_GETSUPPORT, WDIOC_GETSTATUS = 0x80285700, 0x80045701
WDIOC_SETOPTIONS, WDIOC_KEEPALIVE = 0x80045704, 0x80045705
WDIOC_SETTIMEOUT, WDIOC_GETTIMEOUT, WDIOC_GETTIMELEFT = 0xc0045706, 0x80045707, 0x8004570a
WDIOS_DISABLECARD, WDIOS_ENABLECARD = 1, 2
WDIOF_SETTIMEOUT, WDIOF_MAGICCLOSE, WDIOF_KEEPALIVEPING = 0x0080, 0x0100, 0x8000


def iint(fd, req, v=0):
    return struct.unpack("i", fcntl.ioctl(fd, req, struct.pack("i", v)))[0]


fd = int(sys.argv[2])
op = sys.argv[1]
if op == "support":
    opts, fw, ident = struct.unpack("II32s", fcntl.ioctl(fd, WDIOC_GETSUPPORT, bytes(40)))
    ident = ident.rstrip(b"\0").decode()
    assert ident == "Software Watchdog", ident
    want = WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING
    assert opts & want == want, hex(opts)
    print("ok: '%s', options 0x%x" % (ident, opts))
elif op == "use":
    assert iint(fd, WDIOC_GETTIMEOUT) == 30
    assert iint(fd, WDIOC_SETTIMEOUT, 5) == 5
    assert iint(fd, WDIOC_GETTIMEOUT) == 5
    iint(fd, WDIOC_KEEPALIVE)
    print("ok: timeout 30 -> 5, keepalive; status 0x%x" % iint(fd, WDIOC_GETSTATUS))
    try:
        iint(fd, WDIOC_GETTIMELEFT)
        sys.exit("WDIOC_GETTIMELEFT succeeded on softdog")
    except OSError as e:
        assert e.errno == errno.EOPNOTSUPP, e
    print("ok: WDIOC_GETTIMELEFT: EOPNOTSUPP")
    try:
        os.open("/dev/watchdog0", os.O_WRONLY)
        sys.exit("second open of /dev/watchdog0 succeeded")
    except OSError as e:
        assert e.errno == errno.EBUSY, e
    print("ok: second open: EBUSY")
    iint(fd, WDIOC_SETOPTIONS, WDIOS_DISABLECARD)
    iint(fd, WDIOC_SETOPTIONS, WDIOS_ENABLECARD)
    print("ok: WDIOS_DISABLECARD, WDIOS_ENABLECARD")
elif op == "keepalive":             # TIMEOUT N: N keepalives, 1 s apart
    t, n = int(sys.argv[3]), int(sys.argv[4])
    assert iint(fd, WDIOC_SETTIMEOUT, t) == t
    for i in range(n):
        time.sleep(1)
        if i % 2:
            iint(fd, WDIOC_KEEPALIVE)
        else:
            os.write(fd, b"k")
    print("ok: %d keepalives over %d s with timeout %d s" % (n, n, t))
elif op == "timeout":
    assert iint(fd, WDIOC_SETTIMEOUT, int(sys.argv[3])) == int(sys.argv[3])
EOF

# The legacy node, then the ordinary session on /dev/watchdog0.
exec 5>/dev/watchdog
step "/dev/watchdog: GETSUPPORT" $PY /tmp/wdt.py support 5
printf V >&5
exec 5>&-
exec 5>/dev/watchdog0
step "/dev/watchdog0: GETSUPPORT" $PY /tmp/wdt.py support 5
step "/dev/watchdog0: timeouts, keepalive, options" $PY /tmp/wdt.py use 5
if rmmod softdog 2>/dev/null; then
	fail "rmmod softdog succeeded with /dev/watchdog0 open"
fi
echo "ok: rmmod softdog refused while open"
step "keepalives across the 2 s timeout" $PY /tmp/wdt.py keepalive 5 2 5
expect_no_dmesg "softdog: Triggered"
step "magic close" sh -c "printf V >&5"
exec 5>&-
expect_no_dmesg "did not stop"
sleep 3
expect_no_dmesg "softdog: Triggered"

# Unexpected close: still armed, and it fires (soft_noboot).
exec 5>/dev/watchdog0
step "timeout 1" $PY /tmp/wdt.py timeout 5 1
exec 5>&-
expect_dmesg "watchdog0: watchdog did not stop!"
wait_until 10 sh -c "dmesg | grep -q 'softdog: Triggered - Reboot ignored'" ||
	fail "softdog did not fire after the unexpected close"
echo "ok: softdog fired, reboot ignored"

# Open again after it fired, then stop it properly.
exec 5>/dev/watchdog0
step "/dev/watchdog0 after firing: GETSUPPORT" $PY /tmp/wdt.py support 5
step "keepalives after firing" $PY /tmp/wdt.py keepalive 5 3 2
printf V >&5
exec 5>&-
unload softdog
[ -e /dev/watchdog0 ] && fail "/dev/watchdog0 still present after unload"
driver_end
