# SPDX-License-Identifier: GPL-2.0
# Helpers for the driver sweep (tests/drivers/sweep/*.sh) and the recall
# corpus (tests/drivers/recall/*.sh), run in the guest (source this file).
#
# A sweep script drives one real in-tree driver through its life: load,
# bind, ordinary use with the subsystem's own tools, unbind or hot-unplug
# with files still open, use of the stale files, rebind, unload. It asserts
# on what user space sees; the sanitizer's reports in the console log are
# scored on the host (tests/drivers/score) against tests/drivers/TRIAGE.md.
# shellcheck source=../guest/lib.sh
. "$LT_REPO/tests/guest/lib.sh"

PY=/usr/bin/python3
DRIVER=unknown

# modprobe from the test kernel's module tree (scripts/build installs the
# in-tree modules there), so that dependencies resolve as on a real system.
modprobe() {
	command modprobe -d "$LT_MODROOT" "$@"
}

# driver_begin NAME SUBSYSTEM: the first line the scorer looks for
driver_begin() {
	DRIVER=$1
	echo "LTEST-DRIVER: $1 $2"
}

# driver_end: the sequence ran to its end
driver_end() {
	echo "LTEST-DRIVER-DONE: $DRIVER"
	exit 0
}

# step WHAT CMD...: run CMD, fail the sequence naming WHAT
step() {
	local what=$1

	shift
	"$@" || fail "$DRIVER: $what (exit $?)"
	echo "step: $what"
}

# load MODULE [PARAMS...]: modprobe from the test kernel's module tree
load() {
	modprobe "$@" || fail "$DRIVER: modprobe $*"
	echo "step: loaded $1"
}

# unload MODULE...: rmmod, and check it is gone
unload() {
	local m

	for m in "$@"; do
		rmmod "$m" || fail "$DRIVER: rmmod $m"
		[ -d "/sys/module/$m" ] && fail "$DRIVER: $m still loaded"
		echo "step: unloaded $m"
	done
}

# insmod_copy DIR WHAT CASE MODULE [PARAMS...]: load a driver copy that
# scripts/build built out of tree in DIR/CASE
insmod_copy() {
	local d=$1 what=$2 c=$3 m=$4

	shift 4
	insmod "$d/$c/$m.ko" "$@" || fail "$DRIVER: insmod $d/$c/$m.ko"
	echo "step: loaded $what $m ($c)"
}

# insmod_recall CASE MODULE [PARAMS...]: load the reverted copy of a driver
insmod_recall() {
	insmod_copy "$LT_RECALL" reverted "$@"
}

# insmod_ures CASE MODULE [PARAMS...]: load the ures-converted copy of a
# driver (patches/ures/, built by scripts/build in $LT_URES/CASE)
insmod_ures() {
	insmod_copy "$LT_URES" ures-converted "$@"
}

# unbind BUS DRIVER DEVICE / bind BUS DRIVER DEVICE
unbind() {
	echo "$3" > "/sys/bus/$1/drivers/$2/unbind" || fail "$DRIVER: unbind $3 from $2"
	[ -e "/sys/bus/$1/drivers/$2/$3" ] && fail "$DRIVER: $3 still bound to $2"
	echo "step: unbound $3 from $2"
}

bind() {
	echo "$3" > "/sys/bus/$1/drivers/$2/bind" || fail "$DRIVER: bind $3 to $2"
	[ -e "/sys/bus/$1/drivers/$2/$3" ] || fail "$DRIVER: $3 not bound to $2"
	echo "step: bound $3 to $2"
}

# stale WHAT CMD...: use a file whose device is gone; any error is fine, a
# crash or a hang is not. Prints what user space got.
stale() {
	local what=$1 out rc

	shift
	out=$("$@" 2>&1)
	rc=$?
	echo "stale: $what: exit $rc${out:+: $(printf '%s' "$out" | tail -1)}"
}

# pci_of DRIVER: the first PCI device bound to DRIVER
pci_of() {
	local d

	for d in /sys/bus/pci/drivers/"$1"/0000:*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

# pci_remove BDF / pci_rescan: hot-unplug and re-plug, as the PCI core does
pci_remove() {
	echo 1 > "/sys/bus/pci/devices/$1/remove" || fail "$DRIVER: remove $1"
	[ -e "/sys/bus/pci/devices/$1" ] && fail "$DRIVER: $1 still present"
	echo "step: hot-unplugged $1"
}

pci_rescan() {
	echo 1 > /sys/bus/pci/rescan || fail "$DRIVER: PCI rescan"
	echo "step: PCI rescan"
}

# timer_fired FUNC SECONDS: trace timer expiries for SECONDS and check that
# the timer callback FUNC ran at least once (timer:timer_expire_entry)
timer_fired() {
	local t=/sys/kernel/tracing n

	echo 0 > $t/tracing_on || fail "$DRIVER: no tracefs"
	echo > $t/trace
	echo 1 > $t/events/timer/timer_expire_entry/enable || fail "$DRIVER: timer_expire_entry"
	echo 1 > $t/tracing_on
	sleep "$2"
	echo 0 > $t/tracing_on
	echo 0 > $t/events/timer/timer_expire_entry/enable
	n=$(grep -c "function=$1 " $t/trace)
	echo > $t/trace
	[ "$n" -gt 0 ] || fail "$DRIVER: $1 did not run in $2 s"
	echo "step: $1 ran $n times in $2 s"
}
