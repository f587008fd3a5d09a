#include "tenant_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "sys_error.h"

namespace {
int mapFd(bpf_object* obj, const char* name, const std::string& ifname) {
  bpf_map* m = bpf_object__find_map_by_name(obj, name);
  int fd = m ? bpf_map__fd(m) : -1;
  if (fd < 0) throw SysError("bpf_object_load", ENOENT, std::string("XDP object lacks tenant map ") + name + " (" + ifname + "): rebuild with node native/build.mjs");
  return fd;
}
}  // namespace

namespace {
std::mutex gQuotaMu;
std::weak_ptr<SharedQuotaMap> gQuota;
}  // namespace

std::shared_ptr<SharedQuotaMap> SharedQuotaMap::reuse(bpf_object* obj) {
  std::lock_guard<std::mutex> lock(gQuotaMu);
  auto live = gQuota.lock();
  bpf_map* m = bpf_object__find_map_by_name(obj, "wx_t_quota");
  if (!live || !m) return nullptr;
  int err = bpf_map__reuse_fd(m, live->fd_);
  if (err) throw SysError("bpf_object_load", -err, "sharing the tenant quota map");
  return live;
}

std::shared_ptr<SharedQuotaMap> SharedQuotaMap::publish(bpf_object* obj) {
  std::lock_guard<std::mutex> lock(gQuotaMu);
  bpf_map* m = bpf_object__find_map_by_name(obj, "wx_t_quota");
  int fd = m ? fcntl(bpf_map__fd(m), F_DUPFD_CLOEXEC, 0) : -1;
  if (fd < 0) throw SysError("bpf_object_load", m ? errno : ENOENT, "sharing the tenant quota map");
  auto shared = std::make_shared<SharedQuotaMap>(fd);
  gQuota = shared;
  return shared;
}

SharedQuotaMap::~SharedQuotaMap() {
  if (fd_ >= 0) close(fd_);
}

TenantMaps::TenantMaps(bpf_object* obj, const std::string& ifname) : ifname_(ifname) {
  cfgFd_ = mapFd(obj, "wx_t_cfg", ifname);
  bankFd_ = mapFd(obj, "wx_t_bank", ifname);
  rulesFd_ = mapFd(obj, "wx_t_rules", ifname);
  quotaFd_ = mapFd(obj, "wx_t_quota", ifname);
  statsFd_ = mapFd(obj, "wx_t_stats", ifname);
  v4Fd_[0] = mapFd(obj, "wx_t_v4_0", ifname);
  v4Fd_[1] = mapFd(obj, "wx_t_v4_1", ifname);
  v6Fd_[0] = mapFd(obj, "wx_t_v6_0", ifname);
  v6Fd_[1] = mapFd(obj, "wx_t_v6_1", ifname);
  vlanFd_ = mapFd(obj, "wx_t_vlan", ifname);
  ncpus_ = libbpf_num_possible_cpus();
  if (ncpus_ < 1) ncpus_ = 1;
  percpu_.resize(ncpus_);
}

void TenantMaps::update(int fd, const void* key, const void* value, const char* what) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY)) throw SysError("tenant_map_update", errno, ifname_ + " " + what);
}

void TenantMaps::clearTrie(int fd) {
  uint8_t key[sizeof(wx_lpm6_key)];
  // Deleting while walking restarts the walk: always take the first key.
  for (int guard = 0; guard <= WX_TENANT_PREFIX_MAX; guard++) {
    if (bpf_map_get_next_key(fd, nullptr, key)) return;
    if (bpf_map_delete_elem(fd, key)) throw SysError("tenant_map_update", errno, ifname_ + " clearing a prefix trie");
  }
}

void TenantMaps::setSelectors(const std::vector<wx_tenant_rule>& rules, const std::vector<TenantPrefix>& prefixes,
                              const std::vector<TenantVlan>& vlans, const wx_tenant_cands& any) {
  if (rules.size() > WX_TENANT_RULES_MAX) throw UsageError("too many tenant rules");
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t zero = 0;
  wx_tenant_cfg cfg{};
  if (bpf_map_lookup_elem(cfgFd_, &zero, &cfg)) throw SysError("tenant_map_update", errno, ifname_ + " reading wx_t_cfg");
  uint32_t next = (cfg.bank & 1) ^ 1;
  clearTrie(v4Fd_[next]);
  clearTrie(v6Fd_[next]);
  for (uint32_t i = 0; i < rules.size(); i++) {
    uint32_t key = next * WX_TENANT_RULES_MAX + i;
    update(rulesFd_, &key, &rules[i], "rule");
  }
  for (const TenantPrefix& p : prefixes) {
    if (p.family == 4) {
      wx_lpm4_key k{p.prefixlen, {}};
      std::memcpy(k.addr, p.addr, 4);
      update(v4Fd_[next], &k, &p.cands, "IPv4 prefix");
    } else {
      wx_lpm6_key k{p.prefixlen, {}};
      std::memcpy(k.addr, p.addr, 16);
      update(v6Fd_[next], &k, &p.cands, "IPv6 prefix");
    }
  }
  const wx_tenant_cands empty{};
  for (uint16_t vid : vlansSet_[next]) {
    uint32_t key = next * WX_TENANT_VLANS + vid;
    update(vlanFd_, &key, &empty, "VLAN list");
  }
  vlansSet_[next].clear();
  for (const TenantVlan& v : vlans) {
    uint32_t key = next * WX_TENANT_VLANS + (v.vid & (WX_TENANT_VLANS - 1));
    vlansSet_[next].push_back(v.vid);  // before the update: a failed one is cleared next time too
    update(vlanFd_, &key, &v.cands, "VLAN list");
  }
  wx_tenant_bank bank{};
  bank.nrules = (uint32_t)rules.size();
  bank.any = any;
  update(bankFd_, &next, &bank, "rule bank");
  cfg.bank = next;  // the switch: frames from here on use the new bank
  update(cfgFd_, &zero, &cfg, "active bank");
}

void TenantMaps::setQuota(uint32_t tenant, uint64_t intervalNs, uint64_t tauNs) {
  if (tenant >= WX_TENANT_MAX) throw UsageError("tenant id out of range");
  std::lock_guard<std::mutex> lock(mu_);
  wx_tenant_bucket b{};
  if (bpf_map_lookup_elem(quotaFd_, &tenant, &b) == 0 && b.interval_ns == intervalNs && b.tau_ns == tauNs) return;
  b = wx_tenant_bucket{intervalNs, tauNs, 0};
  update(quotaFd_, &tenant, &b, "quota");
}

void TenantMaps::readStats(uint32_t tenant, uint64_t out[WX_TENANT_STAT_FIELDS]) {
  std::memset(out, 0, sizeof(uint64_t) * WX_TENANT_STAT_FIELDS);
  if (tenant >= WX_TENANT_MAX || bpf_map_lookup_elem(statsFd_, &tenant, percpu_.data())) return;
  for (const wx_tenant_stats& s : percpu_) {
    out[0] += s.matched;
    out[1] += s.to_user;
    out[2] += s.over_quota;
    out[3] += s.no_socket;
  }
}
