// The project's XDP object for one interface: loads native/build/bpf/
// wasmxdp_kern.o with libbpf, attaches wasmxdp_steer through a bpf_link (the
// kernel detaches it when the link fd closes, so a crashed process leaves
// nothing behind), and owns the XSKMAP, counters and the reinjection program.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stack_reinject.h"
#include "tenant_maps.h"
#include "wasmxdp_abi.h"

struct bpf_object;

enum class XdpMode : uint32_t { Skb = WX_XDP_MODE_SKB, Drv = WX_XDP_MODE_DRV };

class XdpProgram {
 public:
  XdpProgram(const std::string& objPath, const std::string& ifname, int ifindex, XdpMode mode,
             bool force);
  ~XdpProgram();
  XdpProgram(const XdpProgram&) = delete;
  XdpProgram& operator=(const XdpProgram&) = delete;

  void setSocket(uint32_t queue, int xskFd);
  void clearSocket(uint32_t queue);
  // Hands frames to the kernel stack as if received on the interface.
  StackReinject& reinjection() { return *reinject_; }
  // Sums of the per-CPU counters.
  void readStats(uint64_t out[WX_BPF_STAT_COUNT]);

  // Tenant selectors, quotas and counters of this device (issue 9).
  TenantMaps& tenants() { return *tenants_; }

  int ifindex() const { return ifindex_; }
  XdpMode mode() const { return mode_; }
  const std::string& ifname() const { return ifname_; }

  static constexpr const char* kSteerName = "wasmxdp_steer";

 private:
  void evictExisting(bool force);
  void detach();

  std::string ifname_;
  int ifindex_;
  XdpMode mode_;
  bpf_object* obj_ = nullptr;
  int steerFd_ = -1, reinjFd_ = -1, xsksFd_ = -1, statsFd_ = -1, cfgFd_ = -1;
  int linkFd_ = -1;
  int ncpus_ = 1;
  std::vector<uint64_t> percpu_;
  std::shared_ptr<SharedQuotaMap> quota_;
  std::unique_ptr<TenantMaps> tenants_;
  std::unique_ptr<StackReinject> reinject_;
};
