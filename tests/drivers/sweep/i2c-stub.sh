#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# i2c-stub: a fake SMBus adapter with two chips, used through the i2c-dev
# character device with i2c-tools (i2cdetect, i2cset, i2cget, i2cdump):
# byte, word and I2C block transfers read back, the byte pointer, a missing
# address. A client device is instantiated from sysfs (new_device) over a
# chip address and deleted with a sysfs file of it open. The adapter has no bus device to unbind: it
# is removed by unloading i2c-stub, which an open /dev/i2c-N must refuse
# (i2c_get_adapter() pins the adapter's module); with only an adapter sysfs
# file open the unload goes through and the stale file is used. i2c-stub is
# loaded again and both modules removed.
# lt-driver: i2c-stub
# lt-subsystem: i2c
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin i2c-stub i2c
load i2c-dev
load i2c-stub chip_addr=0x1c,0x50
bus=$(i2cdetect -l | awk '/SMBus stub driver/ { sub("i2c-", "", $1); print $1; exit }')
[ -n "$bus" ] || fail "i2cdetect -l does not list the stub adapter"
echo "step: stub adapter is i2c-$bus"
wait_dev /dev/i2c-$bus
adap=/sys/bus/i2c/devices/i2c-$bus

# Ordinary use.
step "i2cdetect -F: SMBus word and I2C block" sh -c \
	"i2cdetect -F $bus | grep -q 'SMBus Read Word *yes' && i2cdetect -F $bus | grep -q 'I2C Block Read *yes'"
i2cdetect -y $bus > /tmp/detect.out || fail "i2cdetect -y $bus"
step "i2cdetect finds 0x1c" grep -q '^10:.* 1c' /tmp/detect.out
step "i2cdetect finds 0x50" grep -q '^50: 50' /tmp/detect.out
step "i2cdetect: nothing at 0x33" sh -c "! grep -q '^30:.* 33' /tmp/detect.out"
step "i2cset byte" i2cset -y $bus 0x1c 0x10 0xa5
expect_eq "i2cget byte" "$(i2cget -y $bus 0x1c 0x10)" 0xa5
step "i2cset word" i2cset -y $bus 0x1c 0x20 0x1234 w
expect_eq "i2cget word" "$(i2cget -y $bus 0x1c 0x20 w)" 0x1234
expect_eq "low byte of the word" "$(i2cget -y $bus 0x1c 0x20)" 0x34
step "i2cset I2C block" i2cset -y $bus 0x50 0x00 0x41 0x42 0x43 0x44 i
expect_eq "byte 2 of the block" "$(i2cget -y $bus 0x50 0x02)" 0x43
step "set the byte pointer" i2cset -y $bus 0x50 0x01
expect_eq "read byte at the pointer" "$(i2cget -y $bus 0x50)" 0x42
expect_eq "pointer auto-increments" "$(i2cget -y $bus 0x50)" 0x43
step "i2cdump byte mode" sh -c "i2cdump -y -r 0x00-0x0f $bus 0x50 b | grep -q '^00: 41 42 43 44'"
step "i2cdump I2C block mode" sh -c "i2cdump -y -r 0x00-0x0f $bus 0x50 i | grep -q '^00: 41 42 43 44'"
if i2cget -y $bus 0x33 0x00 2>/dev/null; then
	fail "read from empty address 0x33 succeeded"
fi
echo "ok: no chip at 0x33"

# A client instantiated from sysfs over 0x1c, deleted with its sysfs file
# open.
step "new_device lt-client 0x1c" sh -c "echo lt-client 0x1c > $adap/new_device"
client=$adap/$bus-001c
wait_until 5 test -e $client || fail "$client did not appear"
expect_eq "client name" "$(cat $client/name)" lt-client
# No driver binds "lt-client": i2c-dev only refuses addresses whose client
# has a driver (i2cdev_check), so the address stays usable.
[ -e "$client/driver" ] && fail "a driver bound lt-client"
expect_eq "i2cget on the driverless client's address" "$(i2cget -y $bus 0x1c 0x10)" 0xa5
exec 4<"$client/name"
step "delete_device 0x1c with its sysfs file open" sh -c "echo 0x1c > $adap/delete_device"
[ -e "$client" ] && fail "$client still present"
stale "deleted client's name file" dd bs=32 count=1 status=none <&4
exec 4<&-
expect_eq "i2cget after delete_device" "$(i2cget -y $bus 0x1c 0x10)" 0xa5

# An open /dev/i2c-N pins i2c-stub and i2c-dev.
exec 3<>/dev/i2c-$bus
if rmmod i2c_stub 2>/dev/null; then
	fail "rmmod i2c_stub succeeded with /dev/i2c-$bus open"
fi
echo "ok: rmmod i2c_stub refused with /dev/i2c-$bus open"
if rmmod i2c_dev 2>/dev/null; then
	fail "rmmod i2c_dev succeeded with /dev/i2c-$bus open"
fi
echo "ok: rmmod i2c_dev refused with /dev/i2c-$bus open"
step "SMBus read through the held fd" $PY -c "
import fcntl, os, struct, array
I2C_SLAVE, I2C_SMBUS = 0x0703, 0x0720
fcntl.ioctl(3, I2C_SLAVE, 0x1c)
data = array.array('B', [0] * 34)
# struct i2c_smbus_ioctl_data { u8 read_write; u8 command; u32 size; union *data; }
args = struct.pack('BBIP', 1, 0x10, 2, data.buffer_info()[0])
fcntl.ioctl(3, I2C_SMBUS, args)
assert data[0] == 0xa5, hex(data[0])
"
exec 3<&-

# The adapter removed (module unload) with an adapter sysfs file open.
exec 4<"$adap/name"
unload i2c_stub
[ -e /dev/i2c-$bus ] && fail "/dev/i2c-$bus still present"
stale "adapter name file after unload" dd bs=32 count=1 status=none <&4
exec 4<&-

# Load again at another address.
load i2c-stub chip_addr=0x2a
bus=$(i2cdetect -l | awk '/SMBus stub driver/ { sub("i2c-", "", $1); print $1; exit }')
[ -n "$bus" ] || fail "stub adapter not back"
wait_dev /dev/i2c-$bus
step "i2cdetect finds 0x2a" sh -c "i2cdetect -y $bus | grep -q '^20:.* 2a'"
step "i2cset after reload" i2cset -y $bus 0x2a 0x01 0x5a
expect_eq "i2cget after reload" "$(i2cget -y $bus 0x2a 0x01)" 0x5a
unload i2c_stub i2c_dev
driver_end
