#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# i2c-dev converted to ures (patches/ures/0001) on i2c-stub. First upstream's
# i2c-dev, for what the conversion changes: an open /dev/i2c-N pins the
# adapter, so unloading i2c-stub is refused. Then the converted module:
# ordinary use with i2c-tools; the adapter removed (rmmod i2c-stub) with
# files open, one of them shared by dup() and fork(): the removal goes
# through, every operation on the stale files fails with ENODEV, the device
# node is gone, i2c-dev itself stays pinned by its open files; the adapter
# back (a new /dev/i2c-N) and used; 16 files open at a removal; and a stress
# of two threads looping open/ioctl/read/write/close and a file held open
# across 500 removals and loads of the adapter (URES_I2C_CYCLES=N on the
# kernel command line for another count). The scorer requires a log
# without any report (sanitizer, KASAN, WARN, lockdep, hung task).
# lt-timeout: 900
set -u
. "$LT_REPO/tests/drivers/lib.sh"

CYCLES=${URES_I2C_CYCLES:-500}

stub_bus() {
	i2cdetect -l | awk '/SMBus stub driver/ { sub("i2c-", "", $1); print $1; exit }'
}

driver_begin i2c-dev ures

# --- Upstream i2c-dev: an open file pins the adapter -------------------------
load i2c-dev
load i2c-stub chip_addr=0x50
bus=$(stub_bus)
[ -n "$bus" ] || fail "no i2c-stub adapter"
wait_dev /dev/i2c-$bus
exec 3<>/dev/i2c-$bus
if rmmod i2c_stub 2>/dev/null; then
	fail "upstream: rmmod i2c_stub succeeded with /dev/i2c-$bus open"
fi
echo "upstream: rmmod i2c_stub refused with /dev/i2c-$bus open (the file pins the adapter)"
exec 3<&-
unload i2c_stub i2c_dev

# --- Converted i2c-dev: ordinary use ----------------------------------------
insmod_ures i2c-dev i2c-dev
load i2c-stub chip_addr=0x1c,0x50
bus=$(stub_bus)
[ -n "$bus" ] || fail "i2cdetect -l does not list the stub adapter"
wait_dev /dev/i2c-$bus
expect_eq "i2c-dev name attribute" "$(cat /sys/class/i2c-dev/i2c-$bus/name)" "SMBus stub driver"
step "i2cdetect -F: SMBus word and I2C block" sh -c \
	"i2cdetect -F $bus | grep -q 'SMBus Read Word *yes' && i2cdetect -F $bus | grep -q 'I2C Block Read *yes'"
i2cdetect -y $bus > /tmp/detect.out || fail "i2cdetect -y $bus"
step "i2cdetect finds 0x1c" grep -q '^10:.* 1c' /tmp/detect.out
step "i2cdetect finds 0x50" grep -q '^50: 50' /tmp/detect.out
step "i2cset byte" i2cset -y $bus 0x1c 0x10 0xa5
expect_eq "i2cget byte" "$(i2cget -y $bus 0x1c 0x10)" 0xa5
step "i2cset word" i2cset -y $bus 0x1c 0x20 0x1234 w
expect_eq "i2cget word" "$(i2cget -y $bus 0x1c 0x20 w)" 0x1234
step "i2cset I2C block" i2cset -y $bus 0x50 0x00 0x41 0x42 0x43 0x44 i
step "i2cdump I2C block mode" sh -c "i2cdump -y -r 0x00-0x0f $bus 0x50 i | grep -q '^00: 41 42 43 44'"
if i2cget -y $bus 0x33 0x00 2>/dev/null; then
	fail "read from empty address 0x33 succeeded"
fi
echo "ok: no chip at 0x33"

# --- The adapter removed with files open, one shared by dup() and fork() ---
cat > /tmp/held.py <<'PYEOF'
# held BUS: open /dev/i2c-BUS, dup it, fork; parent and child use the file,
# wait for /tmp/removed, then every operation must fail with ENODEV.
import array, errno, fcntl, os, struct, sys, time
I2C_SLAVE, I2C_FUNCS, I2C_SMBUS = 0x0703, 0x0705, 0x0720
path = "/dev/i2c-" + sys.argv[1]

def smbus_read(fd, reg):
    data = array.array('B', [0] * 34)
    fcntl.ioctl(fd, I2C_SMBUS, struct.pack('BBIP', 1, reg, 2, data.buffer_info()[0]))
    return data[0]

def expect_enodev(who, what, fn):
    try:
        fn()
    except OSError as e:
        if e.errno != errno.ENODEV:
            print("FAIL %s: %s: %s" % (who, what, e), flush=True)
            return False
        print("%s: %s: ENODEV" % (who, what), flush=True)
        return True
    print("FAIL %s: %s succeeded on a removed adapter" % (who, what), flush=True)
    return False

fd = os.open(path, os.O_RDWR)
fcntl.ioctl(fd, I2C_SLAVE, 0x1c)
dfd = os.dup(fd)
assert smbus_read(dfd, 0x10) == 0xa5
pid = os.fork()
who = "child" if pid == 0 else "parent"
assert smbus_read(fd, 0x10) == 0xa5
print("%s: SMBus read through the shared file: 0xa5" % who, flush=True)
open("/tmp/ready-" + who, "w").close()
while not os.path.exists("/tmp/removed"):
    time.sleep(0.05)
ok = True
ok &= expect_enodev(who, "I2C_SMBUS", lambda: smbus_read(fd, 0x10))
ok &= expect_enodev(who, "I2C_SMBUS on the dup", lambda: smbus_read(dfd, 0x10))
ok &= expect_enodev(who, "I2C_FUNCS", lambda: fcntl.ioctl(fd, I2C_FUNCS, b"\0" * 8))
ok &= expect_enodev(who, "I2C_SLAVE", lambda: fcntl.ioctl(dfd, I2C_SLAVE, 0x50))
ok &= expect_enodev(who, "read", lambda: os.read(fd, 1))
ok &= expect_enodev(who, "write", lambda: os.write(dfd, b"\x10"))
os.close(fd)
os.close(dfd)
if pid == 0:
    os._exit(0 if ok else 1)
_, st = os.waitpid(pid, 0)
sys.exit(0 if ok and st == 0 else 1)
PYEOF
rm -f /tmp/ready-* /tmp/removed
$PY /tmp/held.py "$bus" &
held=$!
wait_until 20 test -e /tmp/ready-parent -a -e /tmp/ready-child ||
	fail "the held files did not get ready"
exec 3<>/dev/i2c-$bus
step "rmmod i2c_stub with /dev/i2c-$bus open (three files, two processes)" \
	timeout 30 rmmod i2c_stub
[ -e /dev/i2c-$bus ] && fail "/dev/i2c-$bus still present"
echo "ok: /dev/i2c-$bus removed"
[ -e /sys/class/i2c-dev/i2c-$bus ] && fail "i2c-dev class device still present"
touch /tmp/removed
wait $held || fail "stale files did not all fail with ENODEV"
echo "ok: the shared, duplicated and inherited files fail with ENODEV"
if rmmod i2c_dev 2>/dev/null; then
	fail "rmmod i2c_dev succeeded with a file of it open"
fi
echo "ok: rmmod i2c_dev refused while a file of it is open"
stale "read from the stale shell fd" dd bs=1 count=1 status=none <&3
exec 3<&-

# --- The adapter back: a new /dev/i2c-N -------------------------------------
load i2c-stub chip_addr=0x2a
bus=$(stub_bus)
[ -n "$bus" ] || fail "stub adapter not back"
wait_dev /dev/i2c-$bus
step "i2cset after reload" i2cset -y $bus 0x2a 0x01 0x5a
expect_eq "i2cget after reload" "$(i2cget -y $bus 0x2a 0x01)" 0x5a

# --- 16 files open at a removal ----------------------------------------------
out=$("$LT_BIN/ures_i2c" unplug "$bus" 0x2a 16 i2c_stub) || fail "16 files at a removal: $out"
echo "$out" | grep -q '^UNPLUG-US ' || fail "16 files at a removal: $out"
echo "ok: removal with 16 files open: ${out#UNPLUG-US } us, all 16 fail with ENODEV"

# --- Stress: file operations against removals and loads ----------------------
load i2c-stub chip_addr=0x50
bus=$(stub_bus)
wait_dev /dev/i2c-$bus
"$LT_BIN/ures_i2c" stress "$bus" 0x50 3600 2 > /tmp/stress.out 2>&1 &
stress=$!
sleep 1
start=$(date +%s)
for i in $(seq "$CYCLES"); do
	rmmod i2c_stub || fail "cycle $i: rmmod i2c_stub"
	modprobe i2c-stub chip_addr=0x50 || fail "cycle $i: modprobe i2c-stub"
	grep -qs "SMBus stub driver" /sys/bus/i2c/devices/i2c-$bus/name ||
		fail "cycle $i: the adapter did not come back as i2c-$bus"
	[ $((i % 100)) -eq 0 ] && echo "stress: $i cycles, $(($(date +%s) - start)) s"
done
kill -TERM $stress
wait $stress
rc=$?
cat /tmp/stress.out
[ $rc -eq 0 ] || fail "stress: unexpected errors (exit $rc)"
grep -q '^stress: open  ok [1-9]' /tmp/stress.out || fail "stress: no open succeeded"
grep -q 'ENODEV after a removal [1-9]' /tmp/stress.out ||
	fail "stress: the held file never saw a removal"
echo "ok: stress: $CYCLES removals and loads in $(($(date +%s) - start)) s under 2 threads and a held file"
step "i2cget after the stress" i2cget -y $bus 0x50 0x10

unload i2c_stub i2c_dev
driver_end
