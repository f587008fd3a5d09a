// A cls_bpf filter on an interface's clsact egress hook whose matches the tc
// action mirred turns around into the same interface's ingress. mirred, unlike
// bpf_redirect, marks the skb as redirected, and the kernel's generic (SKB
// mode) XDP hook lets redirected skbs through without running the attached
// program, so a reinjected frame is never steered back into the socket.
// libbpf only attaches direct-action filters, which cannot carry an action, so
// this one is made with rtnetlink.
#pragma once
#include <cstdint>
#include <string>

struct IngressMirredFilter {
  int ifindex;
  uint32_t handle, priority;
};

// Adds (or replaces) the filter; throws SysError("reinject_filter", ...).
void addIngressMirredFilter(const IngressMirredFilter& f, int progFd, const std::string& ifname);
