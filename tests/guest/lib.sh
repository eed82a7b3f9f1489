# SPDX-License-Identifier: GPL-2.0
# Helpers for scenario scripts running in the guest (source this file).

STATS=/sys/kernel/debug/lifetime_debug/stats

fail() {
	echo "SCENARIO-FAIL: $*"
	exit 1
}

# stat NAME: a value from lifetime_debug/stats
stat() {
	local v
	v=$(grep -F "$1: " "$STATS" | head -1 | sed 's/.*: //')
	[ -n "$v" ] || fail "no '$1' in $STATS"
	echo "$v"
}

# expect_dmesg REGEX [WHAT]: the kernel log must match
expect_dmesg() {
	dmesg | grep -Eq -- "$1" || fail "${2:-dmesg lacks /$1/}"
	echo "ok: dmesg has /$1/"
}

# expect_no_dmesg REGEX: the kernel log must not match
expect_no_dmesg() {
	if dmesg | grep -Eq -- "$1"; then
		fail "dmesg unexpectedly has /$1/"
	fi
	echo "ok: dmesg has no /$1/"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "ok: $1 = $3"
}

debug_locks() {
	awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats
}

# wait_until SECONDS COMMAND...: poll COMMAND every 50 ms
wait_until() {
	local n=$(($1 * 20))

	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}

# wait_dev DEV: wait up to 5 s for the char device node DEV
wait_dev() {
	wait_until 5 test -c "$1" || fail "$1 did not appear"
}

# counter NAME: a lifetime_debug/stats value, empty if there is none
counter() {
	K="$1:" awk '$1 == ENVIRON["K"] { print $2; exit }' "$STATS" 2>/dev/null
}

# count REGEX: kernel log lines matching REGEX
count() {
	dmesg | grep -cE -- "$1"
}

# shellcheck disable=SC2317 # called through wait_until
has_report() {
	[ "$(count "$1")" -ge 1 ]
}

# blocks REGEX: the reports whose title matches REGEX, each up to its
# closing separator line
blocks() {
	dmesg | RE="$1" awk '
		!inside && $0 ~ ENVIRON["RE"] { inside = 1; print; next }
		inside { print; if ($0 ~ /==========/) inside = 0 }'
}
