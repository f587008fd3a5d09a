// The tenant section of one device's XDP object (issue 9): selector banks,
// per-tenant token buckets and counters. A thin layer of map updates: the
// TypeScript side (native/tenants.ts) validates rules and computes the LPM
// candidate lists; layout and limits come from bpf/tenant.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../bpf/tenant.h"

struct bpf_object;

struct TenantPrefix {
  uint8_t family;  // 4 or 6
  uint32_t prefixlen;
  uint8_t addr[16];
  wx_tenant_cands cands;
};

class TenantMaps {
 public:
  TenantMaps(bpf_object* obj, const std::string& ifname);
  // Fills the inactive bank, then makes it the active one.
  void setSelectors(const std::vector<wx_tenant_rule>& rules, const std::vector<TenantPrefix>& prefixes,
                    const wx_tenant_cands& any);
  // intervalNs 0 = unlimited. A bucket whose parameters do not change keeps its state.
  void setQuota(uint32_t tenant, uint64_t intervalNs, uint64_t tauNs);
  // Sums over CPUs of one tenant's wx_tenant_stats fields.
  void readStats(uint32_t tenant, uint64_t out[WX_TENANT_STAT_FIELDS]);

 private:
  void clearTrie(int fd);
  void update(int fd, const void* key, const void* value, const char* what);

  std::string ifname_;
  int cfgFd_, bankFd_, rulesFd_, quotaFd_, statsFd_;
  int v4Fd_[2], v6Fd_[2];
  int ncpus_;
  std::vector<wx_tenant_stats> percpu_;
};
