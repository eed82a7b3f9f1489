#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iio_dummy: an IIO software device created through configfs
# (iio/devices/dummy/NAME), read and written through its sysfs channels;
# threshold and step events raised through iio_dummy_evgen (simulated
# interrupt, threaded handler) read from the event fd (IIO_GET_EVENT_FD
# ioctl on /dev/iio:deviceN); buffered capture driven by an
# iio-trig-hrtimer trigger made in configfs (triggers/hrtimer/NAME: hrtimer,
# trigger interrupt, threaded poll function) and read from /dev/iio:deviceN.
# The device is removed (rmdir) while capturing, with the char device, the
# event fd and a sysfs channel file open; the stale files are used. A
# second device takes the trigger, which is removed while still its current
# trigger; then everything is removed and the modules unloaded.
# lt-driver: iio_dummy
# lt-subsystem: iio
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin iio_dummy iio
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config ||
	fail "mount configfs"
load iio_dummy
load iio-trig-hrtimer
CFG=/sys/kernel/config/iio
wait_until 5 test -d $CFG/devices/dummy || fail "$CFG/devices/dummy missing"
wait_until 5 test -d $CFG/triggers/hrtimer || fail "$CFG/triggers/hrtimer missing"

# iio_of NAME: the iio:deviceN or triggerN directory whose name is NAME
iio_of() {
	local d

	for d in /sys/bus/iio/devices/*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "$d"; return 0; }
	done
	return 1
}

cat > /tmp/iio.py <<'EOF'
import errno, fcntl, os, select, struct, sys, time

IIO_GET_EVENT_FD_IOCTL = 0x80046990
IIO_VOLTAGE, IIO_STEPS = 0, 20


def event_fd(dev):
    buf = bytearray(4)
    fcntl.ioctl(dev, IIO_GET_EVENT_FD_IOCTL, buf)
    return struct.unpack("i", buf)[0]


def poke(n, v):
    with open("/sys/bus/iio/devices/iio_evgen/poke_ev%d" % n, "w") as f:
        f.write("%d\n" % v)


def read_event(fd):
    r, _, _ = select.select([fd], [], [], 5)
    if not r:
        sys.exit("no event within 5 s")
    ev_id, ts = struct.unpack("Qq", os.read(fd, 16))
    return (ev_id >> 32) & 0xff, (ev_id >> 56) & 0xff, (ev_id >> 48) & 0x7f


def read_scans(dev, n):
    """n scans of: voltage0 (u16), accel_x (s16), pad, timestamp (s64)"""
    out = []
    deadline = time.time() + 10
    while len(out) < n:
        if time.time() > deadline:
            sys.exit("only %d scans in 10 s" % len(out))
        r, _, _ = select.select([dev], [], [], 1)
        if not r:
            continue
        data = os.read(dev, 16 * (n - len(out)))
        for i in range(0, len(data) - 15, 16):
            out.append(struct.unpack_from("<Hh4xq", data, i))
    return out


def stale(what, fn):
    try:
        r = fn()
        print("stale: %s: returned %r" % (what, r))
    except OSError as e:
        print("stale: %s: %s" % (what, errno.errorcode.get(e.errno, e.errno)))


def main():
    phase, node, sysdir = sys.argv[1:4]
    dev = os.open(node, os.O_RDONLY | os.O_NONBLOCK)
    if phase == "events":
        ev = event_fd(dev)
        poke(int(sys.argv[4]), 0)
        t, typ, d = read_event(ev)
        assert (t, typ, d) == (IIO_VOLTAGE, 0, 1), (t, typ, d)
        print("ok: voltage0 threshold rising event")
        poke(int(sys.argv[4]), 3)
        t, typ, d = read_event(ev)
        assert t == IIO_STEPS, t
        print("ok: steps change event")
        try:
            event_fd(dev)
            sys.exit("second IIO_GET_EVENT_FD succeeded")
        except OSError as e:
            assert e.errno == errno.EBUSY, e
        print("ok: second event fd refused (EBUSY)")
        os.close(ev)
    elif phase == "capture":
        scans = read_scans(dev, 8)
        for v, a, ts in scans:
            assert (v, a) == (7, 344), (v, a)
        assert all(scans[i][2] < scans[i + 1][2] for i in range(7)), scans
        print("ok: 8 scans (7, 344), timestamps increasing")
    elif phase == "remove":
        # Capture running; remove the device with the char device, the
        # event fd and a sysfs channel file open.
        ev = event_fd(dev)
        raw = os.open(sysdir + "/in_voltage0_raw", os.O_RDONLY)
        read_scans(dev, 2)
        os.rmdir(sys.argv[4])
        assert not os.path.exists(sysdir), sysdir
        print("step: rmdir %s while capturing, files open" % sys.argv[4])
        stale("char device read", lambda: os.read(dev, 16))
        stale("char device poll", lambda: select.select([dev], [], [], 0.2)[0])
        stale("event fd read", lambda: os.read(ev, 16))
        stale("event fd ioctl", lambda: event_fd(dev))
        stale("sysfs in_voltage0_raw", lambda: os.pread(raw, 16, 0))
        os.close(raw)
        os.close(ev)
    os.close(dev)


main()
EOF

# --- First device: channels, events, buffer -------------------------------
step "mkdir devices/dummy/ltdummy" mkdir $CFG/devices/dummy/ltdummy
IIO=$(iio_of ltdummy) || fail "no iio device named ltdummy"
N=${IIO##*/}
wait_dev /dev/$N
echo "step: ltdummy is $N"
expect_eq "in_voltage0_raw" "$(cat $IIO/in_voltage0_raw)" 73
expect_eq "in_voltage0_offset" "$(cat $IIO/in_voltage0_offset)" 7
expect_eq "in_voltage1-voltage2_raw" "$(cat $IIO/in_voltage1-voltage2_raw)" 33
expect_eq "in_voltage3-voltage4_raw" "$(cat $IIO/in_voltage3-voltage4_raw)" -34
expect_eq "in_accel_x_raw" "$(cat $IIO/in_accel_x_raw)" 34
expect_eq "in_accel_x_calibbias" "$(cat $IIO/in_accel_x_calibbias)" -7
expect_eq "in_steps_input" "$(cat $IIO/in_steps_input)" 47
expect_eq "in_activity_running_input" "$(cat $IIO/in_activity_running_input)" 98
step "write out_voltage0_raw" sh -c "echo 42 > $IIO/out_voltage0_raw"
expect_eq "out_voltage0_raw" "$(cat $IIO/out_voltage0_raw)" 42
step "write in_accel_x_calibbias" sh -c "echo 5 > $IIO/in_accel_x_calibbias"
expect_eq "in_accel_x_calibbias" "$(cat $IIO/in_accel_x_calibbias)" 5

# Events through the evgen's simulated interrupt.
step "enable voltage0 threshold event" sh -c "echo 1 > $IIO/events/in_voltage0_thresh_rising_en"
expect_eq "in_voltage0_thresh_rising_en" "$(cat $IIO/events/in_voltage0_thresh_rising_en)" 1
step "events: poke the evgen, read the event fd" $PY /tmp/iio.py events /dev/$N $IIO 0

# Buffered capture on the hrtimer trigger.
step "mkdir triggers/hrtimer/lt-trig" mkdir $CFG/triggers/hrtimer/lt-trig
TRIG=$(iio_of lt-trig) || fail "no trigger named lt-trig"
expect_eq "trigger sampling_frequency" "$(cat $TRIG/sampling_frequency)" 100.000000
step "trigger sampling_frequency 50" sh -c "echo 50 > $TRIG/sampling_frequency"
expect_eq "trigger sampling_frequency" "$(cat $TRIG/sampling_frequency)" 50.000000
for c in in_voltage0_en in_accel_x_en in_timestamp_en; do
	step "enable scan element $c" sh -c "echo 1 > $IIO/scan_elements/$c"
done
expect_eq "in_voltage0_type" "$(cat $IIO/scan_elements/in_voltage0_type)" le:u13/16\>\>0
step "current_trigger" sh -c "echo lt-trig > $IIO/trigger/current_trigger"
expect_eq "current_trigger" "$(cat $IIO/trigger/current_trigger)" lt-trig
step "buffer length" sh -c "echo 64 > $IIO/buffer/length"
step "buffer enable" sh -c "echo 1 > $IIO/buffer/enable"
if cat $IIO/in_voltage0_raw 2>/dev/null; then
	fail "direct read succeeded while buffered"
fi
echo "ok: direct read refused while buffered"
if rmmod iio_trig_hrtimer 2>/dev/null; then
	fail "rmmod iio_trig_hrtimer succeeded with the trigger in use"
fi
echo "ok: rmmod iio_trig_hrtimer refused while the trigger is in use"
step "capture: read scans from /dev/$N" $PY /tmp/iio.py capture /dev/$N $IIO
step "buffer disable" sh -c "echo 0 > $IIO/buffer/enable"
expect_eq "in_voltage0_raw after capture" "$(cat $IIO/in_voltage0_raw)" 73
step "buffer enable again" sh -c "echo 1 > $IIO/buffer/enable"

# Remove the device while capturing, its files open.
step "remove while capturing" $PY /tmp/iio.py remove /dev/$N $IIO $CFG/devices/dummy/ltdummy
[ -e /dev/$N ] && fail "/dev/$N still present"

# --- Second device: the trigger removed under it --------------------------
step "mkdir devices/dummy/ltdummy2" mkdir $CFG/devices/dummy/ltdummy2
IIO=$(iio_of ltdummy2) || fail "no iio device named ltdummy2"
N=${IIO##*/}
wait_dev /dev/$N
expect_eq "in_voltage0_raw (2nd device)" "$(cat $IIO/in_voltage0_raw)" 73
step "events on the 2nd device" $PY /tmp/iio.py events /dev/$N $IIO 0
for c in in_voltage0_en in_accel_x_en in_timestamp_en; do
	step "enable scan element $c" sh -c "echo 1 > $IIO/scan_elements/$c"
done
step "current_trigger" sh -c "echo lt-trig > $IIO/trigger/current_trigger"
step "buffer enable" sh -c "echo 1 > $IIO/buffer/enable"
step "capture on the 2nd device" $PY /tmp/iio.py capture /dev/$N $IIO
step "buffer disable" sh -c "echo 0 > $IIO/buffer/enable"
exec 4<"$TRIG/sampling_frequency"
step "rmdir the trigger while it is current_trigger" rmdir $CFG/triggers/hrtimer/lt-trig
[ -e "$TRIG" ] && fail "$TRIG still present"
stale "trigger sampling_frequency after rmdir" dd bs=32 count=1 status=none <&4
exec 4<&-
echo "current_trigger after trigger rmdir: '$(cat $IIO/trigger/current_trigger)'"
step "detach the removed trigger" sh -c "echo > $IIO/trigger/current_trigger"
expect_eq "current_trigger detached" "$(cat $IIO/trigger/current_trigger)" ""
step "rmdir ltdummy2" rmdir $CFG/devices/dummy/ltdummy2
unload iio_trig_hrtimer iio_dummy iio_dummy_evgen
driver_end
