#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uinput: a virtual input device made by python3-evdev's UInput (keys,
# relative axes, LEDs) and read back through evdev: evtest following the
# events, evtest --query for the key state, an LED written to the evdev
# node coming back to the uinput side (input core -> uinput_dev_event).
# The device is destroyed (UI_DEV_DESTROY) with evtest reading it and
# evdev fds open; the stale fds are used. A second device is torn down by
# killing its creator (uinput_release) with an evdev fd open; the module
# is unloaded.
# lt-driver: uinput
# lt-subsystem: input
# lt-timeout: 300
set -u
. "$LT_REPO/tests/drivers/lib.sh"

driver_begin uinput input
load uinput
wait_dev /dev/uinput

cat > /tmp/uinput.py <<'EOF'
import errno, os, select, sys, time
import evdev
from evdev import ecodes as e

caps = {
    e.EV_KEY: [e.KEY_A, e.KEY_B, e.BTN_LEFT],
    e.EV_REL: [e.REL_X, e.REL_Y],
    e.EV_LED: [e.LED_CAPSL, e.LED_NUML],
}
ui = evdev.UInput(caps, name=sys.argv[1], vendor=0x1234, product=0x5678)
print("node", ui.device.path, flush=True)
held = None
for line in sys.stdin:
    cmd = line.split()
    try:
        if cmd[0] == "key":
            ui.write(e.EV_KEY, int(cmd[1]), int(cmd[2]))
            ui.syn()
            print("ok", flush=True)
        elif cmd[0] == "rel":
            ui.write(e.EV_REL, e.REL_X, int(cmd[1]))
            ui.write(e.EV_REL, e.REL_Y, int(cmd[2]))
            ui.syn()
            print("ok", flush=True)
        elif cmd[0] == "led":
            # the LED event the evdev side wrote, as uinput hands it back
            r, _, _ = select.select([ui.fd], [], [], 5)
            got = [(ev.type, ev.code, ev.value) for ev in ui.read()] if r else []
            print("led", got, flush=True)
        elif cmd[0] == "hold":
            held = evdev.InputDevice(ui.device.path)
            print("ok", held.name, flush=True)
        elif cmd[0] == "destroy":
            ui.close()
            print("ok", flush=True)
        elif cmd[0] == "stale":
            out = []
            for what, fn in (("read", held.read_one), ("EVIOCGLED", held.leds),
                             ("EVIOCGKEY", held.active_keys), ("write", lambda: held.write(e.EV_LED, e.LED_NUML, 1))):
                try:
                    out.append("%s: returned %r" % (what, fn()))
                except OSError as err:
                    out.append("%s: %s" % (what, errno.errorcode.get(err.errno, err.errno)))
                except SystemError as err:    # python3-evdev's EVIOCG* wrapper on an error
                    out.append("%s: error (%s)" % (what, err))
            print("ok", "; ".join(out), flush=True)
        elif cmd[0] == "quit":
            break
    except Exception as err:
        print("ERR", repr(err), flush=True)
EOF

# ui CMD...: send a command to the uinput holder, fail unless it says ok
ui() {
	local reply

	echo "$*" >&"$ui_out"
	read -r -t 10 reply <&"$ui_in" || fail "uinput holder: no reply to '$*'"
	case "$reply" in ok*|led*) ;; *) fail "uinput holder: '$*': $reply" ;; esac
	REPLY=$reply
}

coproc UI { $PY /tmp/uinput.py lt-uinput; }
ui_pid=$UI_PID ui_in=${UI[0]} ui_out=${UI[1]}
read -r -t 10 word node <&"$ui_in" || fail "UInput creation"
[ "$word" = node ] || fail "UInput creation: $word $node"
wait_dev "$node"
echo "step: UInput created $node"
inp=/sys/class/input/${node##*/}/device
expect_eq "input device name" "$(cat $inp/name)" lt-uinput
expect_eq "input device vendor" "$(cat $inp/id/vendor)" 1234
# Ordinary use: evtest follows the events.
stdbuf -oL evtest "$node" > /tmp/evtest.out 2>&1 &
evt=$!
wait_until 5 grep -q 'Testing ...' /tmp/evtest.out || fail "evtest did not start: $(cat /tmp/evtest.out)"
step "evtest names the device" grep -q 'Input device name: "lt-uinput"' /tmp/evtest.out
ui key 30 1
evtest --query "$node" EV_KEY KEY_A
expect_eq "evtest --query KEY_A while held (exit 10)" $? 10
ui key 30 0
evtest --query "$node" EV_KEY KEY_A
expect_eq "evtest --query KEY_A after release (exit 0)" $? 0
ui rel 5 -3
wait_until 5 grep -q 'code 1 (REL_Y), value -3' /tmp/evtest.out || fail "evtest did not see REL_Y -3"
step "evtest saw KEY_A press and release" sh -c \
	"grep -q 'code 30 (KEY_A), value 1' /tmp/evtest.out && grep -q 'code 30 (KEY_A), value 0' /tmp/evtest.out"
step "evtest saw REL_X 5" grep -q 'code 0 (REL_X), value 5' /tmp/evtest.out

# An LED set through evdev reaches the uinput side.
step "write LED_CAPSL through evdev" $PY -c "
import evdev
from evdev import ecodes as e
d = evdev.InputDevice('$node')
d.set_led(e.LED_CAPSL, 1)
"
ui led
case "$REPLY" in *"(17, 1, 1)"*) echo "ok: uinput got EV_LED LED_CAPSL 1" ;; *) fail "uinput LED: $REPLY" ;; esac
evtest --query "$node" EV_LED LED_CAPSL
expect_eq "evtest --query LED_CAPSL (exit 10)" $? 10

# Destroy with evtest reading, an fd in the holder and one in this shell.
ui hold
exec 5<"$node"
ui destroy
wait_until 5 sh -c "! test -e $node" || fail "$node still present after destroy"
wait_until 5 sh -c "! kill -0 $evt 2>/dev/null" || fail "evtest still running after destroy"
wait $evt
echo "stale: evtest after destroy: exit $?: $(tail -1 /tmp/evtest.out)"
ui stale
echo "stale: held evdev fd in the holder: ${REPLY#ok }"
stale "shell evdev fd read" $PY -c "import os; print(os.read(5, 24))"
stale "shell evdev fd EVIOCGNAME" $PY -c "
import fcntl, array
b = array.array('B', [0] * 64)
fcntl.ioctl(5, 0x80404506, b)
print(b.tobytes().rstrip(b'\0'))
"
exec 5<&-
echo quit >&"$ui_out"
wait $ui_pid

# Second device, torn down by its creator dying with an evdev fd open.
coproc UI { $PY /tmp/uinput.py lt-uinput2; }
ui_pid=$UI_PID ui_in=${UI[0]} ui_out=${UI[1]}
read -r -t 10 word node <&"$ui_in" || fail "UInput creation (2nd)"
wait_dev "$node"
ui key 48 1
evtest --query "$node" EV_KEY KEY_B
expect_eq "evtest --query KEY_B on the 2nd device (exit 10)" $? 10
exec 5<"$node"
kill -9 $ui_pid
wait $ui_pid 2>/dev/null
wait_until 5 sh -c "! test -e $node" || fail "$node still present after its creator died"
echo "step: creator killed, $node gone"
stale "evdev fd after the creator died" $PY -c "import os; print(os.read(5, 24))"
exec 5<&-
unload uinput
driver_end
