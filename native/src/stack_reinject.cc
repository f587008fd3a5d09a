#include "stack_reinject.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <unistd.h>

#include <cstring>

#include "ingress_mirred_filter.h"
#include "sys_error.h"

namespace {
// The filter's place on the egress hook. An unusual handle and priority, so
// the add only ever replaces a filter a crashed wasmxdp left behind.
constexpr uint32_t kTcHandle = 0x7778;
constexpr uint32_t kTcPriority = 0x7778;
}  // namespace

StackReinject::StackReinject(int ifindex, const std::string& ifname, int tcProgFd)
    : ifindex_(ifindex), ifname_(ifname) {
  // Protocol 0: the socket only sends; the kernel hands it no received frames.
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw SysError("reinject_socket", errno, ifname_);
  try {
    sockaddr_ll sll;
    std::memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll))
      throw SysError("reinject_socket", errno, ifname_ + " bind");
    // A burst's frames are held by the socket until the stack has taken them
    // (in softirq, which may lag under load): room for several bursts.
    int sndbuf = 4 << 20;
    if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf))
      setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    socklen_t len = sizeof cookie_;
    if (getsockopt(fd_, SOL_SOCKET, SO_COOKIE, &cookie_, &len) || cookie_ == 0)
      throw SysError("reinject_socket", errno ? errno : EINVAL, ifname_ + " SO_COOKIE");
    attachFilter(tcProgFd);
  } catch (...) {
    close(fd_);
    throw;
  }
}

StackReinject::~StackReinject() {
  detachFilter();
  if (fd_ >= 0) close(fd_);
}

void StackReinject::attachFilter(int tcProgFd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = BPF_TC_EGRESS);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST) throw SysError("reinject_filter", -err, ifname_ + " clsact");
  createdHook_ = err == 0;
  try {
    addIngressMirredFilter({ifindex_, kTcHandle, kTcPriority}, tcProgFd, ifname_);
  } catch (...) {
    detachFilter();
    throw;
  }
  filterAttached_ = true;
}

// The clsact qdisc goes only if this object made it: another tool's filters may sit on one that was there before.
void StackReinject::detachFilter() {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = BPF_TC_EGRESS);
  if (filterAttached_) {
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
    bpf_tc_detach(&hook, &opts);
    filterAttached_ = false;
  }
  if (createdHook_) {
    hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&hook);
    createdHook_ = false;
  }
}

int StackReinject::send(mmsghdr* msgs, uint32_t n) {
  for (;;) {
    int r = sendmmsg(fd_, msgs, n, MSG_DONTWAIT);
    if (r >= 0) return r;
    if (errno != EINTR) return -errno;
  }
}
