#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# IPMI, upstream 3b9a907223d7 ("ipmi: fix sleep-in-atomic in free_user at
# cleanup SRCU user->release_barrier") reverted: free_user(), the release of
# an IPMI user's kref, runs cleanup_srcu_struct() and vfree() itself again
# instead of queueing a work item. The IPMI stack is built from the 6.12
# drivers/char/ipmi directory (message handler, KCS system interface,
# /dev/ipmi0, watchdog) and talks to QEMU's simulated BMC on the KCS port
# 0xca2 (polled, no IRQ). The ordinary sequence: load the stack; load
# ipmi_watchdog, whose init disarms the BMC watchdog with a Set Watchdog
# Timer request: the response comes back through the BH workqueue
# (softirq), where ipmi_wdog_msg_handler() frees it with
# ipmi_free_recv_msg(), a kref_put() on the watchdog's user (not final: the
# module keeps its reference); then a Get Device ID through /dev/ipmi0, as
# ipmitool does, and close, whose ipmi_destroy_user() is the final put of
# that user, in process context: the release sleeps (flush_work() in
# cleanup_srcu_struct()). Unload. Nothing sleeps in atomic context and
# nothing is freed early. Expected: sleeping-final-put in
# ipmi_free_recv_msg (the softirq put, reported when the class learns
# that its release sleeps).
# lt-timeout: 300
# lt-qemu: -device ipmi-bmc-sim,id=bmc0 -device isa-ipmi-kcs,bmc=bmc0,ioport=0xca2
set -u
. "$LT_REPO/tests/drivers/lib.sh"

C=ipmi-free-user

# get_device_id: one request/response through /dev/ipmi0 (the ioctls
# ipmitool uses), prints the BMC's device id and IPMI version
get_device_id() {
	$PY - <<'PY'
import ctypes, fcntl, os, select, sys

class Addr(ctypes.Structure):	# struct ipmi_system_interface_addr
    _fields_ = [("addr_type", ctypes.c_int), ("channel", ctypes.c_short),
                ("lun", ctypes.c_ubyte)]

class Msg(ctypes.Structure):	# struct ipmi_msg
    _fields_ = [("netfn", ctypes.c_ubyte), ("cmd", ctypes.c_ubyte),
                ("data_len", ctypes.c_ushort), ("data", ctypes.c_void_p)]

class Req(ctypes.Structure):	# struct ipmi_req
    _fields_ = [("addr", ctypes.c_void_p), ("addr_len", ctypes.c_uint),
                ("msgid", ctypes.c_long), ("msg", Msg)]

class Recv(ctypes.Structure):	# struct ipmi_recv
    _fields_ = [("recv_type", ctypes.c_int), ("addr", ctypes.c_void_p),
                ("addr_len", ctypes.c_uint), ("msgid", ctypes.c_long),
                ("msg", Msg)]

def ioc(d, nr, size):
    return (d << 30) | (size << 16) | (ord("i") << 8) | nr

SEND = ioc(2, 13, ctypes.sizeof(Req))		# IPMICTL_SEND_COMMAND
RECV = ioc(3, 11, ctypes.sizeof(Recv))		# IPMICTL_RECEIVE_MSG_TRUNC

fd = os.open("/dev/ipmi0", os.O_RDWR)
addr = Addr(0x0c, 0x0f, 0)			# system interface, BMC channel
req = Req(ctypes.addressof(addr), ctypes.sizeof(addr), 1,
          Msg(0x06, 0x01, 0, None))		# App: Get Device ID
fcntl.ioctl(fd, SEND, req)
if not select.select([fd], [], [], 10)[0]:
    sys.exit("no response from the BMC in 10 s")
raddr = Addr()
data = (ctypes.c_ubyte * 64)()
rcv = Recv(0, ctypes.addressof(raddr), ctypes.sizeof(raddr), 0,
           Msg(0, 0, len(data), ctypes.addressof(data)))
fcntl.ioctl(fd, RECV, rcv)
os.close(fd)
d = bytes(data[:rcv.msg.data_len])
if rcv.recv_type != 1 or rcv.msgid != 1 or len(d) < 6 or d[0] != 0:
    sys.exit("bad response: type %d msgid %d data %s" % (rcv.recv_type, rcv.msgid, d.hex()))
print("Get Device ID: device id 0x%02x, IPMI %d.%d" % (d[1], d[5] & 0xf, d[5] >> 4))
PY
}

driver_begin $C recall
insmod_recall $C ipmi_msghandler
insmod_recall $C ipmi_si type=kcs ports=0xca2 force_kipmid=0
insmod_recall $C ipmi_devintf
wait_dev /dev/ipmi0
insmod_recall $C ipmi_watchdog
expect_dmesg "IPMI Watchdog: driver initialized"
step "Get Device ID through /dev/ipmi0" get_device_id
grep -E "^refcount:free_user " /sys/kernel/debug/lifetime_debug/refcount_classes
unload ipmi_watchdog ipmi_devintf ipmi_si ipmi_msghandler
driver_end
