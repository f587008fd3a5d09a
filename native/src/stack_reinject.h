// Hands frames the pipeline answered with PASS to the kernel stack of their
// interface as if received from the wire. The frames go out of an AF_PACKET
// socket bound to the interface; on the interface's clsact egress hook the
// program wasmxdp_reinj_tc picks out this socket's frames by socket cookie and
// the filter's mirred action turns them into the interface's ingress
// (ingress_mirred_filter.h says why mirred).
// One sendmmsg per burst carries every PASS frame of that burst, and the
// kernel copies each frame, so its UMEM frame is free again on return.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <string>

class StackReinject {
 public:
  StackReinject(int ifindex, const std::string& ifname, int tcProgFd);
  ~StackReinject();
  StackReinject(const StackReinject&) = delete;
  StackReinject& operator=(const StackReinject&) = delete;

  // The socket cookie the egress program must match (written into wx_cfg).
  uint64_t cookie() const { return cookie_; }

  // Sends msgs[0..n) until the kernel refuses one. Returns how many it took
  // (n when all), or -errno when it refused msgs[0].
  int send(mmsghdr* msgs, uint32_t n);

 private:
  void attachFilter(int tcProgFd);
  void detachFilter();

  int ifindex_;
  std::string ifname_;
  int fd_ = -1;
  uint64_t cookie_ = 0;
  bool filterAttached_ = false, createdHook_ = false;
};
