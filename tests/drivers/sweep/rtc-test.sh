#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtc-test: three platform RTCs (rtc-test.0 without alarm, .1 and .2 with
# an alarm backed by a timer_list in devres data). hwclock reads and sets
# the time (its update-interrupt sync goes through the driver's alarm
# timer); an alarm set with RTC_WKALM_SET (and /sys/class/rtc/rtcN/wakealarm
# where the kernel has the RTC sysfs interface) fires and is read from
# /dev/rtcN (driver timer -> rtc_update_irq -> rtc core work); update
# interrupts (RTC_UIE_ON) are read; the RTC without alarm refuses them.
# rtc-test.1 is unbound with /dev/rtcN open, the stale fd used (read,
# ioctls, poll; the fd holds a module reference); then the device is bound
# again. The module cannot be removed: the alarmtimer takes rtc-test.1 (the
# first wakeup-capable RTC with an alarm) and pins its module.
# lt-driver: rtc-test
# lt-subsystem: rtc
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin rtc-test rtc
load rtc-test
DRV=rtc-test

# rtc_of DEV: the rtcN of a bound rtc-test platform device
rtc_of() {
	wait_until 5 sh -c "ls /sys/bus/platform/devices/$1/rtc/ 2>/dev/null | grep -q rtc" ||
		fail "no rtc under $1"
	basename "$(echo /sys/bus/platform/devices/$1/rtc/rtc*)"
}

for i in 0 1 2; do
	wait_until 5 test -e /sys/bus/platform/drivers/$DRV/rtc-test.$i || fail "rtc-test.$i not bound"
done
R0=$(rtc_of rtc-test.0)
R1=$(rtc_of rtc-test.1)
R2=$(rtc_of rtc-test.2)
for r in $R0 $R1 $R2; do wait_dev /dev/$r; done
# The alarmtimer (kernel/time/alarmtimer.c) takes the first wakeup-capable
# RTC with an alarm (rtc-test.1) and pins its module for good.
base=$(cat /sys/module/rtc_test/refcnt)
echo "rtc_test refcnt after load: $base (alarmtimer's pin)"
echo "step: rtc-test.0..2 are $R0 $R1 $R2"

cat > /tmp/rtc.py <<'EOF'
import calendar, errno, fcntl, os, select, struct, sys, time

RTC_AIE_OFF, RTC_UIE_ON, RTC_UIE_OFF = 0x7002, 0x7003, 0x7004
RTC_ALM_READ, RTC_RD_TIME = 0x80247008, 0x80247009
RTC_WKALM_SET, RTC_WKALM_RD = 0x4028700f, 0x80287010
RTC_IRQF, RTC_AF, RTC_UF = 0x80, 0x20, 0x10
TM = "9i"


def rd_time(fd):
    tm = struct.unpack(TM, fcntl.ioctl(fd, RTC_RD_TIME, bytes(36)))
    return calendar.timegm((tm[5] + 1900, tm[4] + 1, tm[3], tm[2], tm[1], tm[0]))


def irq(fd, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        sys.exit("no interrupt within %d s" % timeout)
    return struct.unpack("L", os.read(fd, 8))[0]


def errname(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


op, fd = sys.argv[1], int(sys.argv[2])
if op == "time":                    # the RTC follows the system clock
    d = rd_time(fd) - time.time()
    assert abs(d) < 3, d
    print("ok: RTC_RD_TIME within %.1f s of the system clock" % d)
elif op == "noalarm":               # the RTC without alarm
    assert errname(lambda: fcntl.ioctl(fd, RTC_UIE_ON)) == "EINVAL"
    assert errname(lambda: fcntl.ioctl(fd, RTC_ALM_READ, bytes(36))) == "EINVAL"
    print("ok: RTC_UIE_ON and RTC_ALM_READ refused (EINVAL)")
elif op == "alarm":                 # RTC_WKALM_SET now+N, read the alarm
    n = int(sys.argv[3])
    t = time.gmtime(rd_time(fd) + n)
    tm = struct.pack(TM, t.tm_sec, t.tm_min, t.tm_hour, t.tm_mday, t.tm_mon - 1,
                     t.tm_year - 1900, 0, 0, 0)
    fcntl.ioctl(fd, RTC_WKALM_SET, struct.pack("BBxx", 1, 0) + tm)
    en = struct.unpack("BBxx" + TM, fcntl.ioctl(fd, RTC_WKALM_RD, bytes(40)))[0]
    assert en == 1, en
    start = time.time()
    data = irq(fd, n + 5)
    assert data & RTC_AF and data & RTC_IRQF, hex(data)
    print("ok: alarm read 0x%x after %.1f s" % (data, time.time() - start))
    en = struct.unpack("BBxx" + TM, fcntl.ioctl(fd, RTC_WKALM_RD, bytes(40)))[0]
    assert en == 0, en
    fcntl.ioctl(fd, RTC_AIE_OFF)
elif op == "uie":                   # N update interrupts
    fcntl.ioctl(fd, RTC_UIE_ON)
    for i in range(int(sys.argv[3])):
        data = irq(fd, 3)
        assert data & RTC_UF, hex(data)
    fcntl.ioctl(fd, RTC_UIE_OFF)
    print("ok: %s update interrupts" % sys.argv[3])
elif op == "stale":
    fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
    for what, fn in (("RTC_RD_TIME", lambda: rd_time(fd)),
                     ("RTC_UIE_ON", lambda: fcntl.ioctl(fd, RTC_UIE_ON)),
                     ("RTC_WKALM_RD", lambda: fcntl.ioctl(fd, RTC_WKALM_RD, bytes(40))),
                     ("poll", lambda: select.select([fd], [], [], 0.5)[0]),
                     ("read", lambda: os.read(fd, 8))):
        try:
            print("stale: %s: returned %r" % (what, fn()))
        except OSError as e:
            print("stale: %s: %s" % (what, errno.errorcode.get(e.errno, e.errno)))
EOF

# Ordinary use: hwclock.
out=$(hwclock -r -f /dev/$R1 --utc --noadjfile) || fail "hwclock -r $R1"
echo "hwclock $R1: $out"
expect_eq "hwclock date on $R1" "${out%% *}" "$(date -u +%F)"
step "hwclock --set on $R2" hwclock --set --date '2030-01-02 03:04:05' -f /dev/$R2 --utc --noadjfile
out=$(hwclock -r -f /dev/$R2 --utc --noadjfile) || fail "hwclock -r $R2"
case "$out" in "2030-01-02 03:04:0"*) echo "ok: $R2 reads back $out" ;; *) fail "hwclock $R2: $out" ;; esac
step "hwclock -r on $R0 (no alarm)" hwclock -r -f /dev/$R0 --utc --noadjfile

exec 5</dev/$R0
step "$R0: RTC_RD_TIME" $PY /tmp/rtc.py time 5
step "$R0: no alarm, no update interrupts" $PY /tmp/rtc.py noalarm 5
exec 5<&-

# Alarms: wakealarm (sysfs) and RTC_WKALM_SET, update interrupts.
if [ -e /sys/class/rtc/$R2/wakealarm ]; then
	step "wakealarm +2 on $R2" sh -c "echo +2 > /sys/class/rtc/$R2/wakealarm"
	[ -n "$(cat /sys/class/rtc/$R2/wakealarm)" ] || fail "wakealarm not armed"
	wait_until 8 sh -c "[ -z \"\$(cat /sys/class/rtc/$R2/wakealarm)\" ]" || fail "wakealarm did not fire"
	echo "ok: wakealarm on $R2 fired"
else
	echo "note: no /sys/class/rtc/$R2/wakealarm (CONFIG_RTC_INTF_SYSFS off)"
fi
exec 5</dev/$R1
step "$R1: RTC_RD_TIME" $PY /tmp/rtc.py time 5
step "$R1: alarm in 2 s read from /dev/$R1" $PY /tmp/rtc.py alarm 5 2
step "$R1: update interrupts" $PY /tmp/rtc.py uie 5 3
if hwclock -r -f /dev/$R1 --utc --noadjfile 2>/dev/null; then
	fail "hwclock opened /dev/$R1 while it is held open"
fi
echo "ok: /dev/$R1 is exclusive (hwclock refused)"

# Unbind with /dev/rtcN open.
unbind platform $DRV rtc-test.1
[ -e /dev/$R1 ] && fail "/dev/$R1 still present"
echo "stale: /dev/$R1 fd after unbind:"; $PY /tmp/rtc.py stale 5 || fail "stale use: /dev/$R1 fd after unbind"
expect_eq "rtc_test refcnt with the stale fd open" "$(cat /sys/module/rtc_test/refcnt)" $((base + 1))
exec 5<&-
expect_eq "rtc_test refcnt after closing the stale fd" "$(cat /sys/module/rtc_test/refcnt)" $base
bind platform $DRV rtc-test.1
R1=$(rtc_of rtc-test.1)
wait_dev /dev/$R1
exec 5</dev/$R1
step "$R1 after rebind: RTC_RD_TIME" $PY /tmp/rtc.py time 5
step "$R1 after rebind: alarm" $PY /tmp/rtc.py alarm 5 1
exec 5<&-
step "hwclock -r on $R1 after rebind" hwclock -r -f /dev/$R1 --utc --noadjfile
expect_eq "rtc_test refcnt before unload" "$(cat /sys/module/rtc_test/refcnt)" $base
if [ "$base" = 0 ]; then
	unload rtc_test
	[ -e /dev/$R0 ] && fail "/dev/$R0 still present after unload"
else
	if rmmod rtc_test 2>/dev/null; then
		fail "rmmod rtc_test succeeded while the alarmtimer holds it"
	fi
	echo "note: rtc_test not unloadable: the alarmtimer holds its module"
fi
driver_end
