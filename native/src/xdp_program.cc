#include "xdp_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cstring>

#include "sys_error.h"

namespace {

uint32_t modeFlag(XdpMode m) { return m == XdpMode::Skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE; }

std::string progName(uint32_t id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return "";
  bpf_prog_info info;
  std::memset(&info, 0, sizeof info);
  uint32_t len = sizeof info;
  std::string name;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) name = info.name;
  close(fd);
  return name;
}

int findFd(bpf_object* obj, const char* name, bool prog) {
  if (prog) {
    bpf_program* p = bpf_object__find_program_by_name(obj, name);
    return p ? bpf_program__fd(p) : -1;
  }
  bpf_map* m = bpf_object__find_map_by_name(obj, name);
  return m ? bpf_map__fd(m) : -1;
}

}  // namespace

XdpProgram::XdpProgram(const std::string& objPath, const std::string& ifname, int ifindex,
                       XdpMode mode, bool force)
    : ifname_(ifname), ifindex_(ifindex), mode_(mode) {
  obj_ = bpf_object__open_file(objPath.c_str(), nullptr);
  long oerr = libbpf_get_error(obj_);
  if (!obj_ || oerr) {
    obj_ = nullptr;
    throw SysError("bpf_object_open", oerr ? (int)oerr : ENOENT, objPath);
  }
  try {
    quota_ = SharedQuotaMap::reuse(obj_);
    int err = bpf_object__load(obj_);
    if (err) throw SysError("bpf_object_load", err, objPath);
    if (!quota_) quota_ = SharedQuotaMap::publish(obj_);
    steerFd_ = findFd(obj_, "wasmxdp_steer", true);
    reinjFd_ = findFd(obj_, "wasmxdp_reinj_tc", true);
    xsksFd_ = findFd(obj_, "xsks", false);
    statsFd_ = findFd(obj_, "wx_stats", false);
    cfgFd_ = findFd(obj_, "wx_cfg", false);
    if (steerFd_ < 0 || reinjFd_ < 0 || xsksFd_ < 0 || statsFd_ < 0 || cfgFd_ < 0)
      throw SysError("bpf_object_load", ENOENT, "object lacks wasmxdp programs or maps: " + objPath);
    tenants_ = std::make_unique<TenantMaps>(obj_, ifname_);
    ncpus_ = libbpf_num_possible_cpus();
    if (ncpus_ < 1) ncpus_ = 1;
    percpu_.resize(ncpus_);

    evictExisting(force);

    LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = modeFlag(mode));
    linkFd_ = bpf_link_create(steerFd_, ifindex_, BPF_XDP, &lopts);
    if (linkFd_ < 0) {
      int e = errno;
      linkFd_ = -1;
      throw SysError("xdp_attach", e, ifname_ + (mode == XdpMode::Skb ? " skb" : " drv"));
    }
    // Only once the interface is ours: a refused second wasmxdp must not touch
    // the running one's egress filter (they share its handle).
    reinject_ = std::make_unique<StackReinject>(ifindex_, ifname_, reinjFd_);
    uint32_t zero = 0;
    wx_bpf_cfg cfg{reinject_->cookie()};
    if (bpf_map_update_elem(cfgFd_, &zero, &cfg, BPF_ANY)) throw SysError("bpf_map_update", errno, "wx_cfg");
  } catch (...) {
    reinject_.reset();
    detach();
    bpf_object__close(obj_);
    obj_ = nullptr;
    throw;
  }
}

// A program of ours left attached (by hand, by an older build, by xdp-loader)
// is replaced; anyone else's only when forced. A program held by a bpf_link of a
// running wasmxdp cannot be detached and surfaces as EBUSY.
void XdpProgram::evictExisting(bool force) {
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  if (bpf_xdp_query(ifindex_, 0, &q)) return;  // nothing to learn; the attach reports problems
  struct {
    uint32_t id;
    uint32_t flag;
  } slots[] = {{q.skb_prog_id, XDP_FLAGS_SKB_MODE}, {q.drv_prog_id, XDP_FLAGS_DRV_MODE}, {q.hw_prog_id, XDP_FLAGS_HW_MODE}};
  for (auto& s : slots) {
    if (!s.id) continue;
    std::string name = progName(s.id);
    bool ours = name == kSteerName;
    if (!ours && !force)
      throw SysError("xdp_busy", EBUSY,
                     ifname_ + " already runs XDP program '" + name + "' (id " + std::to_string(s.id) + ")");
    if (bpf_xdp_detach(ifindex_, s.flag, nullptr)) {
      int e = errno;
      throw SysError("xdp_busy", e == EBUSY || e == EEXIST ? EBUSY : e,
                     ifname_ + " program '" + name + "' (id " + std::to_string(s.id) +
                         ") could not be detached; if it is another running wasmxdp, stop it first");
    }
  }
}

void XdpProgram::detach() {
  if (linkFd_ >= 0) {
    close(linkFd_);
    linkFd_ = -1;
  }
}

XdpProgram::~XdpProgram() {
  detach();
  reinject_.reset();
  if (obj_) bpf_object__close(obj_);
}

void XdpProgram::setSocket(uint32_t queue, int xskFd) {
  if (bpf_map_update_elem(xsksFd_, &queue, &xskFd, BPF_ANY))
    throw SysError("xskmap_update", errno, ifname_ + " queue " + std::to_string(queue));
}

void XdpProgram::clearSocket(uint32_t queue) { bpf_map_delete_elem(xsksFd_, &queue); }

void XdpProgram::readStats(uint64_t out[WX_BPF_STAT_COUNT]) {
  for (uint32_t i = 0; i < WX_BPF_STAT_COUNT; i++) {
    out[i] = 0;
    if (bpf_map_lookup_elem(statsFd_, &i, percpu_.data()) == 0)
      for (int c = 0; c < ncpus_; c++) out[i] += percpu_[c];
  }
}
