#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uhid: a HID mouse + keyboard created from user space on /dev/uhid
# (UHID_CREATE2; uhid adds the device from a work item), bound by
# hid-generic, with hidraw and evdev nodes. Input reports (UHID_INPUT2) are
# read back from hidraw and evdev (and evtest --query); an LED set through
# evdev comes back as UHID_OUTPUT (hid-input's LED work item); hidraw
# ioctls. hid-generic is unbound and bound again with hidraw and evdev fds
# open, the stale fds used; the device is destroyed (UHID_DESTROY) with the
# new nodes open, the stale fds used, input after destroy refused; a second
# device dies with its creator (release of /dev/uhid) while hidraw is open;
# the module is unloaded.
# lt-driver: uhid
# lt-subsystem: hid
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin uhid hid
load uhid
wait_dev /dev/uhid
GEN=/sys/bus/hid/drivers/hid-generic

cat > /tmp/uhid.py <<'EOF'
import os, struct, sys, threading

UHID_DESTROY, UHID_START, UHID_STOP, UHID_OPEN, UHID_CLOSE, UHID_OUTPUT = 1, 2, 3, 4, 5, 6
UHID_CREATE2, UHID_INPUT2 = 11, 12
EV_SIZE = 4 + 4372
NAMES = {1: "DESTROY", 2: "START", 3: "STOP", 4: "OPEN", 5: "CLOSE", 6: "OUTPUT",
         9: "GET_REPORT", 13: "SET_REPORT"}
RDESC = bytes.fromhex(
    # report 1: mouse, 3 buttons, X, Y
    "05010902a1018501" "0901a100" "05091901290315002501950375018102"
    "950175058101" "0501093009311581257f750895028106" "c0c0"
    # report 2: keyboard, modifiers, reserved, 6 keys; LED output
    "05010906a1018502" "050719e029e71500250175019508" "8102"
    "950175088101" "950575010508190129059102" "950175039101"
    "95067508150025650507190029658100" "c0")

fd = os.open("/dev/uhid", os.O_RDWR)
seen = []
outputs = []


def reader():
    while True:
        try:
            ev = os.read(fd, EV_SIZE)
        except OSError:
            return
        if len(ev) < 4:
            return
        t = struct.unpack_from("<I", ev)[0]
        seen.append(NAMES.get(t, str(t)))
        if t == UHID_OUTPUT:
            size = struct.unpack_from("<H", ev, 4 + 4096)[0]
            outputs.append(ev[4:4 + size].hex())


def send(t, payload):
    buf = struct.pack("<I", t) + payload
    os.write(fd, buf + bytes(EV_SIZE - len(buf)))


name = sys.argv[1].encode()
send(UHID_CREATE2, struct.pack("<128s64s64sHHIIII", name, b"lt-uhid/phys", b"lt-uniq",
                               len(RDESC), 0x06, 0x1234, 0x5678, 1, 0) + RDESC)
threading.Thread(target=reader, daemon=True).start()
print("ok created", flush=True)
for line in sys.stdin:
    cmd = line.split()
    try:
        if cmd[0] == "input":
            data = bytes(int(x, 0) for x in cmd[1:])
            send(UHID_INPUT2, struct.pack("<H", len(data)) + data)
            print("ok", flush=True)
        elif cmd[0] == "seen":
            print("ok", " ".join(seen), flush=True)
        elif cmd[0] == "outputs":
            print("ok", " ".join(outputs), flush=True)
        elif cmd[0] == "destroy":
            send(UHID_DESTROY, b"")
            print("ok", flush=True)
        elif cmd[0] == "quit":
            break
    except OSError as err:
        print("err", err.errno, flush=True)
EOF

cat > /tmp/hidread.py <<'EOF'
import errno, fcntl, os, select, struct, sys

def stale(what, fn):
    try:
        print("stale: %s: returned %r" % (what, fn()))
    except OSError as e:
        print("stale: %s: %s" % (what, errno.errorcode.get(e.errno, e.errno)))

def rd(fd, n):
    r, _, _ = select.select([fd], [], [], 5)
    if not r:
        sys.exit("fd %d: nothing to read in 5 s" % fd)
    return os.read(fd, n)

def frame(fd):
    """evdev events up to SYN_REPORT, as (type, code, value), without
    autorepeat (EV_KEY value 2)"""
    out = []
    while True:
        _, _, t, c, v = struct.unpack("qqHHi", rd(fd, 24))
        if t == 0 and c == 0:
            return out
        if not (t == 1 and v == 2):
            out.append((t, c, v))

op = sys.argv[1]
if op == "hidraw":          # FD HEX: the next report read from hidraw FD
    got = rd(int(sys.argv[2]), 64).hex()
    assert got == sys.argv[3], got
elif op == "evdev":         # FD T,C,V...: the next evdev frame on FD
    want = [tuple(int(x) for x in s.split(",")) for s in sys.argv[3:]]
    frames = []
    while want not in frames:
        frames.append(frame(int(sys.argv[2])))
        assert len(frames) < 20, frames
elif op == "info":          # FD DESCSIZE: hidraw ioctls
    fd = int(sys.argv[2])
    b = bytearray(4)
    fcntl.ioctl(fd, 0x80044801, b)              # HIDIOCGRDESCSIZE
    assert struct.unpack("i", b)[0] == int(sys.argv[3]), b
    b = bytearray(8)
    fcntl.ioctl(fd, 0x80084803, b)              # HIDIOCGRAWINFO
    assert struct.unpack("Ihh", b) == (6, 0x1234, 0x5678), struct.unpack("Ihh", b)
elif op == "norep":         # FD: autorepeat delay 60 s (EVIOCSREP), so a held
    fcntl.ioctl(int(sys.argv[2]), 0x40084503, struct.pack("II", 60000, 1000))
    b = fcntl.ioctl(int(sys.argv[2]), 0x80084503, bytes(8))   # key does not flood
    assert struct.unpack("II", b) == (60000, 1000), struct.unpack("II", b)
elif op == "stale":         # FD...: use stale hidraw/evdev fds
    for fd in map(int, sys.argv[2:]):
        stale("fd %d poll" % fd, lambda: select.select([fd], [], [], 0.2)[0])
        stale("fd %d read" % fd, lambda: os.read(fd, 64))
        stale("fd %d ioctl" % fd, lambda: fcntl.ioctl(fd, 0x80044801, bytearray(4)))
        stale("fd %d write" % fd, lambda: os.write(fd, b"\x02\x01"))
EOF
rdesc_len=$($PY -c "
exec(open('/tmp/uhid.py').read().split('fd = os.open')[0])
print(len(RDESC))")

# hu CMD...: send a command to the uhid holder, fail unless it says ok
hu() {
	local reply

	echo "$*" >&"$hu_out"
	read -r -t 10 reply <&"$hu_in" || fail "uhid holder: no reply to '$*'"
	REPLY=$reply
	case "$reply" in ok*) ;; *) return 1 ;; esac
}

# nodes: HID, HIDRAW, EVM (mouse), EVK (keyboard) of the bound device
nodes() {
	local e

	HID=
	for e in /sys/bus/hid/devices/0006:1234:5678.*; do
		[ -e "$e" ] && HID=${e##*/}
	done
	[ -n "$HID" ] || fail "no HID device 0006:1234:5678"
	wait_until 5 test -e $GEN/$HID || fail "$HID not bound to hid-generic"
	wait_until 5 sh -c "ls /sys/bus/hid/devices/$HID/hidraw/ 2>/dev/null | grep -q hidraw" ||
		fail "no hidraw node under $HID"
	HIDRAW=/dev/$(ls /sys/bus/hid/devices/$HID/hidraw/)
	wait_dev $HIDRAW
	EVM='' EVK=''
	wait_until 5 sh -c "ls -d /sys/bus/hid/devices/$HID/input/input*/event* >/dev/null 2>&1" ||
		fail "no event node under $HID"
	for i in /sys/bus/hid/devices/$HID/input/input*; do
		e=$(basename "$(echo $i/event*)")
		wait_dev /dev/input/$e
		[ "$(cat $i/capabilities/rel)" != 0 ] && [ -z "$EVM" ] && EVM=/dev/input/$e
		[ "$(cat $i/capabilities/led)" != 0 ] && [ -z "$EVK" ] && EVK=/dev/input/$e
	done
	[ -n "$EVM" ] && [ -n "$EVK" ] || fail "mouse/keyboard event nodes under $HID"
	echo "step: $HID bound: $HIDRAW, mouse $EVM, keyboard $EVK"
}

# use: input reports read back from hidraw fd $1 and evdev fds $2 (mouse), $3 (keyboard)
use() {
	step "keyboard autorepeat off" $PY /tmp/hidread.py norep $3
	hu input 1 1 10 0xf6 || fail "INPUT2 mouse: $REPLY"
	step "hidraw reads the mouse report" $PY /tmp/hidread.py hidraw $1 01010af6
	step "evdev reads BTN_LEFT, REL_X 10, REL_Y -10" $PY /tmp/hidread.py evdev $2 \
		4,4,589825 1,272,1 2,0,10 2,1,-10
	hu input 2 0 0 4 0 0 0 0 0 || fail "INPUT2 keyboard: $REPLY"
	step "hidraw reads the keyboard report" $PY /tmp/hidread.py hidraw $1 020000040000000000
	step "evdev reads KEY_A" $PY /tmp/hidread.py evdev $3 4,4,458756 1,30,1
	hu input 2 0 0 0 0 0 0 0 0 || fail "INPUT2 key release: $REPLY"
	step "evdev reads KEY_A release" $PY /tmp/hidread.py evdev $3 4,4,458756 1,30,0
	$PY /tmp/hidread.py hidraw $1 020000000000000000 || fail "hidraw: key release report"
	hu input 1 0 0 0 || fail "INPUT2 mouse release: $REPLY"
	step "evdev reads BTN_LEFT release" $PY /tmp/hidread.py evdev $2 4,4,589825 1,272,0
	$PY /tmp/hidread.py hidraw $1 01000000 || fail "hidraw: mouse release report"
}

coproc HU { $PY /tmp/uhid.py lt-uhid; }
hu_pid=$HU_PID hu_in=${HU[0]} hu_out=${HU[1]}
read -r -t 10 REPLY <&"$hu_in" || fail "UHID_CREATE2: no reply"
expect_eq "UHID_CREATE2" "$REPLY" "ok created"
nodes
expect_eq "HID name" "$(grep HID_NAME /sys/bus/hid/devices/$HID/uevent)" HID_NAME=lt-uhid
exec 5<"$HIDRAW" 6<"$EVM" 7<>"$EVK"
hu seen
case "$REPLY" in *START*OPEN*) echo "ok: uhid saw START and OPEN" ;; *) fail "uhid events: $REPLY" ;; esac
step "hidraw ioctls" $PY /tmp/hidread.py info 5 $rdesc_len
use 5 6 7
hu input 1 1 0 0 || fail "INPUT2 mouse: $REPLY"
$PY /tmp/hidread.py evdev 6 4,4,589825 1,272,1 || fail "evdev: BTN_LEFT press"
evtest --query $EVM EV_KEY BTN_LEFT
expect_eq "evtest --query BTN_LEFT while held (exit 10)" $? 10
hu input 1 0 0 0 || fail "INPUT2 mouse: $REPLY"
$PY /tmp/hidread.py evdev 6 4,4,589825 1,272,0 || fail "evdev: BTN_LEFT release"

# LED: evdev -> hid-input LED work -> uhid UHID_OUTPUT
step "set LED_CAPSL through evdev" $PY -c "
import os, struct
os.write(7, struct.pack('qqHHi', 0, 0, 0x11, 1, 1) + struct.pack('qqHHi', 0, 0, 0, 0, 0))"
for i in 1 2 3 4 5 6 7 8 9 10; do
	hu outputs
	case "$REPLY" in *0202*) break ;; esac
	sleep 0.5
done
case "$REPLY" in *0202*) echo "ok: UHID_OUTPUT LED report 0202" ;; *) fail "no LED output report: $REPLY" ;; esac

# Unbind hid-generic with hidraw and evdev fds open.
unbind hid hid-generic $HID
hu seen
case "$REPLY" in *STOP*) echo "ok: uhid saw STOP" ;; *) fail "uhid events after unbind: $REPLY" ;; esac
hu input 1 1 0 0
echo "input while unbound: $REPLY"
echo "stale: hidraw and evdev fds after unbind:"; $PY /tmp/hidread.py stale 5 6 7 || fail "stale use: hidraw and evdev fds after unbind"
exec 5<&- 6<&- 7<&-
bind hid hid-generic $HID
nodes
exec 5<"$HIDRAW" 6<"$EVM" 7<"$EVK"
use 5 6 7

# Destroy with the new nodes open.
hu destroy || fail "UHID_DESTROY: $REPLY"
wait_until 5 sh -c "! test -e /sys/bus/hid/devices/$HID" || fail "$HID still present after UHID_DESTROY"
echo "step: UHID_DESTROY, $HID gone"
echo "stale: hidraw and evdev fds after destroy:"; $PY /tmp/hidread.py stale 5 6 7 || fail "stale use: hidraw and evdev fds after destroy"
if hu input 1 1 0 0; then
	fail "UHID_INPUT2 accepted after UHID_DESTROY"
fi
expect_eq "UHID_INPUT2 after destroy" "$REPLY" "err 22"
exec 5<&- 6<&- 7<&-
echo quit >&"$hu_out"
wait $hu_pid

# Second device: its creator dies (release of /dev/uhid) with hidraw open.
coproc HU { $PY /tmp/uhid.py lt-uhid2; }
hu_pid=$HU_PID hu_in=${HU[0]} hu_out=${HU[1]}
read -r -t 10 REPLY <&"$hu_in" || fail "UHID_CREATE2 (2nd): no reply"
nodes
exec 5<"$HIDRAW" 6<"$EVM"
hu input 1 1 5 5 || fail "INPUT2 (2nd): $REPLY"
step "hidraw reads on the 2nd device" $PY /tmp/hidread.py hidraw 5 01010505
kill -9 $hu_pid
wait $hu_pid 2>/dev/null
wait_until 5 sh -c "! test -e /sys/bus/hid/devices/$HID" || fail "$HID still present after its creator died"
echo "step: creator killed, $HID gone"
echo "stale: hidraw and evdev fds after the creator died:"; $PY /tmp/hidread.py stale 5 6 || fail "stale use: hidraw and evdev fds after the creator died"
exec 5<&- 6<&-
unload uhid
driver_end
