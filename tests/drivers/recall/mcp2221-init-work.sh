#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hid-mcp2221, upstream 47e91fdfa511 ("HID: mcp-2221: prevent UAF in
# delayed work") reverted: mcp2221_remove() no longer cancels the delayed
# init work (mcp_init_work(), scheduled 100 ms after probe, which reads the
# chip's SRAM settings for the IIO ADC/DAC channels) before the devm
# struct mcp2221 is freed. The device is an MCP2221A USB-to-I2C/GPIO bridge
# emulated over uhid (bus USB, 04d8:00dd): the emulator below answers
# every command the driver sends as an output report with a success input
# report, as the chip does; its GPIO pins are in GPIO mode, so the init
# work creates no IIO channels and ends. The ordinary sequence: load uhid
# and the driver, create the device (probe sets the I2C speed, registers
# the I2C adapter and the gpiochip), let the init work run, read a GPIO
# line with gpioget, unbind, bind again (the work runs again), unload,
# destroy the device. The work has finished long before each unbind.
# Expected: unprotected-access in mcp_init_work, reported at unbind (the
# teardown did not cancel or flush the work that made the access). The
# same unbind also reports mcp2221_raw_event() (and the spinlock/complete()
# frames under it), reached from the emulator's uhid writes with guards
# {&uhid->devlock}; those come with the fixed driver too (the HID core
# guards raw_event with hdev->driver_input_lock, a semaphore lockdep does
# not see), so the conf's expect-in names mcp_init_work only.
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin mcp2221-init-work recall
load uhid
wait_dev /dev/uhid
insmod_recall mcp2221-init-work hid-mcp2221
DRV=/sys/bus/hid/drivers/mcp2221

cat > /tmp/mcp2221-emu.py <<'EOF'
import os, struct, sys, threading

UHID_DESTROY, UHID_OUTPUT, UHID_CREATE2, UHID_INPUT2 = 1, 6, 11, 12
EV_SIZE = 4 + 4372
BUS_USB = 0x03
# Vendor page, one unnumbered 64-byte input and output report, as the chip.
RDESC = bytes.fromhex("0600ff0901a101" "150026ff00750895400901" "8102" "09019102" "c0")

fd = os.open("/dev/uhid", os.O_RDWR)
cmds = []
lock = threading.Lock()


def send(t, payload):
    buf = struct.pack("<I", t) + payload
    with lock:
        os.write(fd, buf + bytes(EV_SIZE - len(buf)))


def reply(req):
    """The chip's answer to one command: echo the command code, status
    success (0x00); SET_SPEED (0x10 with 0x20 in byte 3) is acknowledged
    in byte 3; I2C engine idle, GPIO pins in GPIO mode (SRAM bytes 22-25
    zero), all other bytes zero."""
    rsp = bytearray(64)
    rsp[0] = req[0]
    if req[0] == 0x10 and len(req) > 3:
        rsp[3] = req[3]
    send(UHID_INPUT2, struct.pack("<H", len(rsp)) + bytes(rsp))


def reader():
    while True:
        try:
            ev = os.read(fd, EV_SIZE)
        except OSError:
            return
        if len(ev) < 4:
            return
        t = struct.unpack_from("<I", ev)[0]
        if t == UHID_OUTPUT:
            size = struct.unpack_from("<H", ev, 4 + 4096)[0]
            req = ev[4:4 + size]
            if size:
                cmds.append("%02x" % req[0])
                reply(req)


send(UHID_CREATE2, struct.pack("<128s64s64sHHIIII", b"lt-mcp2221", b"lt-mcp2221/phys",
                               b"lt-uniq", len(RDESC), BUS_USB, 0x04d8, 0x00dd, 1, 0) + RDESC)
threading.Thread(target=reader, daemon=True).start()
print("ok created", flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "count":           # count CODE: commands CODE received so far
        print("ok", cmds.count(cmd[1]), flush=True)
    elif cmd[0] == "cmds":
        print("ok", " ".join(cmds), flush=True)
    elif cmd[0] == "destroy":
        send(UHID_DESTROY, b"")
        print("ok", flush=True)
    elif cmd[0] == "quit":
        break
EOF

# hu CMD...: send a command to the emulator, fail unless it says ok
hu() {
	echo "$*" >&"$hu_out"
	read -r -t 10 REPLY <&"$hu_in" || fail "emulator: no reply to '$*'"
	case "$REPLY" in ok*) ;; *) fail "emulator: '$*': $REPLY" ;; esac
}

# sram_reads N / init_work_ran N: the emulator has seen N GET_SRAM_SETTINGS
# commands (0x61), which only mcp_init_work() sends
# shellcheck disable=SC2317 # called through wait_until
sram_reads() {
	hu count 61
	[ "${REPLY#ok }" -ge "$1" ]
}

init_work_ran() {
	wait_until 10 sram_reads "$1" || fail "mcp_init_work did not run (GET_SRAM_SETTINGS $1)"
	echo "step: mcp_init_work ran ($1 GET_SRAM_SETTINGS)"
}

coproc HU { $PY /tmp/mcp2221-emu.py; }
# shellcheck disable=SC2153 # set by coproc
hu_pid=$HU_PID hu_in=${HU[0]} hu_out=${HU[1]}
read -r -t 10 REPLY <&"$hu_in" || fail "UHID_CREATE2: no reply"
expect_eq "UHID_CREATE2" "$REPLY" "ok created"
HID=
wait_until 10 sh -c "ls -d $DRV/0003:04D8:00DD.* >/dev/null 2>&1" || fail "no 0003:04D8:00DD device bound to mcp2221"
for d in "$DRV"/0003:04D8:00DD.*; do HID=${d##*/}; done
echo "step: $HID bound to mcp2221"
init_work_ran 1
hu cmds
echo "emulator: commands so far: ${REPLY#ok }"

# Use: the GPIO chip the driver registered (GPIO_GET round trips over uhid).
chip=
for d in /sys/bus/hid/devices/"$HID"/gpiochip*; do [ -e "$d" ] && chip=${d##*/}; done
[ -n "$chip" ] || fail "no gpiochip under $HID"
step "gpiodetect lists the mcp2221 chip" sh -c "gpiodetect | grep -q '$chip \[mcp2221_gpio\] (4 lines)'"
expect_eq "gpioget line 0" "$(gpioget "$chip" 0)" 0

unbind hid mcp2221 "$HID"
bind hid mcp2221 "$HID"
init_work_ran 2
unload hid_mcp2221
hu destroy
wait_until 5 sh -c "! test -e /sys/bus/hid/devices/$HID" || fail "$HID still present after UHID_DESTROY"
echo "step: UHID_DESTROY, $HID gone"
echo quit >&"$hu_out"
wait "$hu_pid"
unload uhid
driver_end
