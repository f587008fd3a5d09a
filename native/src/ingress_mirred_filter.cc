#include "ingress_mirred_filter.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "sys_error.h"

namespace {

class NlMessage {
 public:
  explicit NlMessage(uint16_t type, uint16_t flags) {
    std::memset(buf_, 0, sizeof buf_);
    hdr()->nlmsg_len = NLMSG_LENGTH(sizeof(tcmsg));
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_flags = flags;
    hdr()->nlmsg_seq = 1;
  }
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf_); }
  tcmsg* tc() { return static_cast<tcmsg*>(NLMSG_DATA(hdr())); }

  void put(uint16_t type, const void* data, size_t len) {
    size_t at = NLMSG_ALIGN(hdr()->nlmsg_len), size = RTA_LENGTH(len);
    if (at + RTA_ALIGN(size) > sizeof buf_) throw SysError("reinject_filter", EMSGSIZE, "netlink message");
    rtattr* a = reinterpret_cast<rtattr*>(buf_ + at);
    a->rta_type = type;
    a->rta_len = (unsigned short)size;
    if (len) std::memcpy(RTA_DATA(a), data, len);
    hdr()->nlmsg_len = (uint32_t)(at + RTA_ALIGN(size));
  }
  void putString(uint16_t type, const char* s) { put(type, s, std::strlen(s) + 1); }
  size_t begin(uint16_t type) {
    size_t at = NLMSG_ALIGN(hdr()->nlmsg_len);
    put(type | NLA_F_NESTED, nullptr, 0);
    return at;
  }
  void end(size_t at) { reinterpret_cast<rtattr*>(buf_ + at)->rta_len = (unsigned short)(hdr()->nlmsg_len - at); }

 private:
  alignas(NLMSG_ALIGNTO) char buf_[1024];
};

// Sends one request and returns the kernel's answer (0 or a negative errno).
int talk(NlMessage& m) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  int result = -EPROTO;
  sockaddr_nl to;
  std::memset(&to, 0, sizeof to);
  to.nl_family = AF_NETLINK;
  if (sendto(fd, m.hdr(), m.hdr()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    result = -errno;
  } else {
    alignas(NLMSG_ALIGNTO) char reply[4096];
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0) result = -errno;
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply); n > 0 && NLMSG_OK(h, (uint32_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        result = static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        break;
      }
    }
  }
  close(fd);
  return result;
}

}  // namespace

void addIngressMirredFilter(const IngressMirredFilter& f, int progFd, const std::string& ifname) {
  NlMessage m(RTM_NEWTFILTER, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
  tcmsg* t = m.tc();
  t->tcm_family = AF_UNSPEC;
  t->tcm_ifindex = f.ifindex;
  t->tcm_handle = f.handle;
  t->tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS);
  t->tcm_info = TC_H_MAKE(f.priority << 16, htons(ETH_P_ALL));
  m.putString(TCA_KIND, "bpf");
  size_t options = m.begin(TCA_OPTIONS);
  uint32_t fd = (uint32_t)progFd;
  m.put(TCA_BPF_FD, &fd, sizeof fd);
  m.putString(TCA_BPF_NAME, "wasmxdp_reinj_tc");
  size_t actions = m.begin(TCA_BPF_ACT);
  size_t first = m.begin(1);
  m.putString(TCA_ACT_KIND, "mirred");
  size_t actOptions = m.begin(TCA_ACT_OPTIONS);
  tc_mirred parms;
  std::memset(&parms, 0, sizeof parms);
  parms.action = TC_ACT_STOLEN;
  parms.eaction = TCA_INGRESS_REDIR;
  parms.ifindex = (uint32_t)f.ifindex;
  m.put(TCA_MIRRED_PARMS, &parms, sizeof parms);
  m.end(actOptions);
  m.end(first);
  m.end(actions);
  m.end(options);
  int err = talk(m);
  if (err) throw SysError("reinject_filter", -err, ifname + " egress filter");
}
