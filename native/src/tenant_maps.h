// The tenant section of one device's XDP object (issue 9): selector banks,
// per-tenant token buckets and counters. A thin layer of map updates: the
// TypeScript side (native/tenants.ts) validates rules and computes the LPM
// candidate lists; layout and limits come from bpf/tenant.h.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../bpf/tenant.h"

struct bpf_object;

struct TenantVlan {
  uint16_t vid;
  wx_tenant_cands cands;
};

struct TenantPrefix {
  uint8_t family;  // 4 or 6
  uint32_t prefixlen;
  uint8_t addr[16];
  wx_tenant_cands cands;
};

// The per-tenant token buckets are one map for the whole process: the first
// device's program creates it, the programs of further devices reuse it
// (bpf_map__reuse_fd before load), so a tenant's packet rate holds across all
// devices, as it does across queues and CPUs. It lives while any program does.
class SharedQuotaMap {
 public:
  // Before bpf_object__load: points obj's wx_t_quota at the live shared map; null when there is none.
  static std::shared_ptr<SharedQuotaMap> reuse(bpf_object* obj);
  // After load, when reuse() gave null: makes obj's map the shared one.
  static std::shared_ptr<SharedQuotaMap> publish(bpf_object* obj);
  explicit SharedQuotaMap(int fd) : fd_(fd) {}
  ~SharedQuotaMap();
  SharedQuotaMap(const SharedQuotaMap&) = delete;
  SharedQuotaMap& operator=(const SharedQuotaMap&) = delete;

 private:
  int fd_;
};

class TenantMaps {
 public:
  TenantMaps(bpf_object* obj, const std::string& ifname);
  // Fills the inactive bank, then makes it the active one.
  void setSelectors(const std::vector<wx_tenant_rule>& rules, const std::vector<TenantPrefix>& prefixes,
                    const std::vector<TenantVlan>& vlans, const wx_tenant_cands& any);
  // intervalNs 0 = unlimited. A bucket whose parameters do not change keeps its state.
  void setQuota(uint32_t tenant, uint64_t intervalNs, uint64_t tauNs);
  // Sums over CPUs of one tenant's wx_tenant_stats fields.
  void readStats(uint32_t tenant, uint64_t out[WX_TENANT_STAT_FIELDS]);

 private:
  void clearTrie(int fd);
  void update(int fd, const void* key, const void* value, const char* what);

  std::mutex mu_;  // port sets in several worker threads share a device's maps
  std::string ifname_;
  int cfgFd_, bankFd_, rulesFd_, quotaFd_, statsFd_;
  int v4Fd_[2], v6Fd_[2], vlanFd_;
  std::vector<uint16_t> vlansSet_[2];  // VLAN ids with a list in each bank, cleared on the next fill
  int ncpus_;
  std::vector<wx_tenant_stats> percpu_;
};
