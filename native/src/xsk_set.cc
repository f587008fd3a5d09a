#include "xsk_set.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "sys_error.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

namespace {
// Copy-mode TX handles at most 32 descriptors per sendto; this bounds the kick
// loop for a full ring of 4096 with slack for transient EAGAIN.
constexpr int kMaxKicks = 1024;

// Port sets of one process share the XDP program of a device: a worker thread
// per queue (each with its own UMEM) steers through one XSKMAP. The addon's
// instances in different worker threads share this process-wide table.
std::mutex gProgramsMu;
std::map<int, std::weak_ptr<XdpProgram>> gPrograms;

std::shared_ptr<XdpProgram> acquireProgram(const std::string& obj, const PortConfig& pc, int ifindex) {
  std::lock_guard<std::mutex> lock(gProgramsMu);
  auto it = gPrograms.find(ifindex);
  if (it != gPrograms.end()) {
    if (auto shared = it->second.lock()) {
      if (shared->mode() != pc.mode)
        throw UsageError("all ports on " + pc.ifname + " must use the same XDP mode");
      return shared;
    }
  }
  auto prog = std::make_shared<XdpProgram>(obj, pc.ifname, ifindex, pc.mode, pc.force);
  gPrograms[ifindex] = prog;
  return prog;
}
}  // namespace

XskSet::XskSet(const UmemConfig& cfg) : cfg_(cfg) {
  static_assert(WX_FRAME_SIZE_0 == 1 << 11 && WX_FRAME_SIZE_1 == 1 << 12, "frameShift_ below assumes these");
  if (cfg.frameSize != WX_FRAME_SIZE_0 && cfg.frameSize != WX_FRAME_SIZE_1) throw UsageError("frameSize must be 2048 or 4096");
  if (cfg.umemOffset % 4096 || cfg.umemSize % cfg.frameSize || cfg.umemSize == 0)
    throw UsageError("UMEM region must be page aligned and a whole number of frames");
  umemArea_ = cfg.base + cfg.umemOffset;
  frameCount_ = cfg.umemSize / cfg.frameSize;
  frameShift_ = cfg.frameSize == WX_FRAME_SIZE_0 ? 11 : 12;
  xsk_umem_config uc{};
  uc.fill_size = cfg.fillSize;
  uc.comp_size = cfg.compSize;
  uc.frame_size = cfg.frameSize;
  uc.frame_headroom = cfg.frameHeadroom;
  uc.flags = 0;
  int err = xsk_umem__create(&umem_, umemArea_, cfg.umemSize, &umemFill_, &umemComp_, &uc);
  if (err) {
    umem_ = nullptr;
    throw SysError("umem_create", err, std::to_string(cfg.umemSize) + " bytes");
  }
  pool_.reserve(frameCount_);
  for (uint32_t i = frameCount_; i-- > 0;) pool_.push_back(i);
  state_.assign(frameCount_, Free);
}

XskSet::~XskSet() { close(); }

uint32_t XskSet::addPort(const PortConfig& pc) {
  if (!umem_) throw UsageError("port set is closed");
  int ifindex = if_nametoindex(pc.ifname.c_str());
  if (!ifindex) throw SysError("if_nametoindex", ENODEV, pc.ifname);
  for (auto& p : ports_)
    if (p->cfg.ifname == pc.ifname && p->cfg.queue == pc.queue)
      throw UsageError("a port on " + pc.ifname + " queue " + std::to_string(pc.queue) + " already exists");

  std::shared_ptr<XdpProgram> prog = acquireProgram(cfg_.bpfObject, pc, ifindex);

  auto p = std::make_unique<Port>();
  p->cfg = pc;
  p->ifindex = ifindex;
  p->prog = prog;
  xsk_socket_config sc{};
  sc.rx_size = pc.rxSize;
  sc.tx_size = pc.txSize;
  sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // our own program, not libxdp's dispatcher
  sc.xdp_flags = pc.mode == XdpMode::Skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
  sc.bind_flags = (pc.copyMode == WX_COPY_MODE_COPY ? XDP_COPY : pc.copyMode == WX_COPY_MODE_ZEROCOPY ? XDP_ZEROCOPY : 0) |
                  (pc.needWakeup ? XDP_USE_NEED_WAKEUP : 0);
  // libxdp hands the UMEM's own fill/completion rings to the first socket only;
  // once that socket is gone the UMEM cannot get another first socket.
  if (ports_.empty() && umemRingsTaken_)
    throw UsageError("the UMEM lost its first socket after a failed addPort: close and reopen the port set");
  int err;
  if (ports_.empty()) {
    err = xsk_socket__create(&p->xsk, pc.ifname.c_str(), pc.queue, umem_, &p->rx, &p->tx, &sc);
    if (!err) {
      p->fill = umemFill_;
      p->comp = umemComp_;
    }
  } else {
    err = xsk_socket__create_shared(&p->xsk, pc.ifname.c_str(), pc.queue, umem_, &p->rx, &p->tx,
                                    &p->fill, &p->comp, &sc);
  }
  if (err) {
    p->xsk = nullptr;
    throw SysError("xsk_socket_create", err, pc.ifname + " queue " + std::to_string(pc.queue));
  }
  if (ports_.empty()) umemRingsTaken_ = true;
  p->fd = xsk_socket__fd(p->xsk);
  try {
    if (pc.busyPollUsec) {
      int one = 1, usec = (int)pc.busyPollUsec, budget = (int)(pc.busyPollBudget ? pc.busyPollBudget : 64);
      if (setsockopt(p->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one) ||
          setsockopt(p->fd, SOL_SOCKET, SO_BUSY_POLL, &usec, sizeof usec) ||
          setsockopt(p->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof budget))
        throw SysError("busy_poll", errno, pc.ifname);
    }
    prog->setSocket(pc.queue, p->fd);
  } catch (...) {
    xsk_socket__delete(p->xsk);
    throw;
  }
  if (std::find(programs_.begin(), programs_.end(), prog) == programs_.end()) programs_.push_back(prog);
  ports_.push_back(std::move(p));
  pollfds_.push_back(pollfd{ports_.back()->fd, POLLIN, 0});
  return ports_.size() - 1;
}

// With tenant delivery on, a frame's metadata slot is cleared whenever it
// returns to the pool, so a frame whose metadata the kernel did not write (or
// that a guest forged while it held the frame) reads as tenant 0, never as a
// stale id. Done here rather than at refill: the guest has just touched the
// frame, so the line is usually still in cache.
void XskSet::clearTenantMeta(uint32_t fi) {
  reinterpret_cast<wx_tenant_meta*>(umemArea_ + ((size_t)fi << frameShift_) + rxHeadroom() - sizeof(wx_tenant_meta))->magic = 0;
}

void XskSet::bind(const BatchView& b) {
  if (b.tenant && !batch_.tenant)
    for (uint32_t fi = 0; fi < frameCount_; fi++) clearTenantMeta(fi);
  batch_ = b;
}

void XskSet::release(uint32_t fi) {
  if (batch_.tenant) clearTenantMeta(fi);
  state_[fi] = Free;
  pool_.push_back(fi);
}

void XskSet::reap(Port& p) {
  uint32_t idx;
  uint32_t n = xsk_ring_cons__peek(&p.comp, cfg_.compSize, &idx);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t fi = (uint32_t)(*xsk_ring_cons__comp_addr(&p.comp, idx + i) >> frameShift_);
    if (fi < frameCount_ && state_[fi] == Tx) {
      release(fi);
      p.inTx--;
      p.ctr.txCompleted++;
    }
  }
  if (n) xsk_ring_cons__release(&p.comp, n);
}

// Frames are shared out evenly so one busy port cannot starve the others'
// fill rings.
void XskSet::refill(Port& p) {
  uint32_t share = std::min<uint32_t>(frameCount_ / ports_.size(), cfg_.fillSize);
  if (p.inFill >= share || pool_.empty()) return;
  uint32_t want = std::min<uint32_t>(share - p.inFill, pool_.size());
  uint32_t idx;
  uint32_t n = xsk_ring_prod__reserve(&p.fill, want, &idx);
  if (!n) return;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t fi = pool_.back();
    pool_.pop_back();
    state_[fi] = Fill;
    *xsk_ring_prod__fill_addr(&p.fill, idx + i) = (uint64_t)fi << frameShift_;
  }
  xsk_ring_prod__submit(&p.fill, n);
  p.inFill += n;
}

void XskSet::wakeIfNeeded(Port& p) {
  if (p.cfg.busyPollUsec || xsk_ring_prod__needs_wakeup(&p.fill))
    recvfrom(p.fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
}

uint32_t XskSet::drain(uint32_t max) {
  uint32_t got = 0;
  const uint32_t np = ports_.size();
  const uint32_t fmask = cfg_.frameSize - 1;
  for (uint32_t k = 0; k < np && got < max; k++) {
    uint32_t pi = (rrStart_ + k) % np;
    Port& p = *ports_[pi];
    uint32_t idx;
    uint32_t n = xsk_ring_cons__peek(&p.rx, max - got, &idx);
    for (uint32_t i = 0; i < n; i++) {
      const xdp_desc* d = xsk_ring_cons__rx_desc(&p.rx, idx + i);
      uint32_t fi = (uint32_t)(d->addr >> frameShift_);
      if (fi >= frameCount_ || state_[fi] != Fill) {
        invalidAddrs_++;
        continue;
      }
      state_[fi] = Held;
      held_++;
      p.inFill--;
      uint32_t off = (uint32_t)d->addr & fmask;
      batch_.addr[got] = cfg_.umemOffset + (uint32_t)d->addr;
      batch_.len[got] = d->len;
      batch_.port[got] = pi;
      batch_.queue[got] = p.cfg.queue;
      batch_.headroom[got] = off;
      batch_.tailroom[got] = cfg_.frameSize - off - d->len;
      if (batch_.tenant) {
        const wx_tenant_meta* m = off >= sizeof(wx_tenant_meta)
            ? reinterpret_cast<const wx_tenant_meta*>(umemArea_ + d->addr - sizeof(wx_tenant_meta)) : nullptr;
        if (m && m->magic == WX_TENANT_META_MAGIC && m->tenant < WX_TENANT_MAX) {
          batch_.tenant[got] = (uint16_t)m->tenant;
        } else {
          batch_.tenant[got] = 0;
          p.ctr.tenantMetaMissing++;
        }
      }
      got++;
    }
    if (n) {
      xsk_ring_cons__release(&p.rx, n);
      p.ctr.rx += n;
    }
  }
  if (np) rrStart_ = (rrStart_ + 1) % np;
  return got;
}

int XskSet::linkError(uint32_t port) const {
  const Port& p = *ports_[port];
  char name[IF_NAMESIZE];
  if (!if_indextoname(p.ifindex, name)) return errno == ENXIO || errno == 0 ? ENODEV : errno;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len)) return errno;
  return err;
}

uint32_t XskSet::receive(uint32_t max, int timeoutMs) {
  if (!batch_.addr) throw UsageError("bind the batch arrays before receive()");
  if (ports_.empty()) return 0;
  max = std::min(max, batch_.capacity);
  for (auto& p : ports_) {
    reap(*p);
    refill(*p);
    wakeIfNeeded(*p);
  }
  uint32_t got = drain(max);
  if (got || timeoutMs == 0) return got;
  int r = poll(pollfds_.data(), pollfds_.size(), timeoutMs);
  if (r <= 0) return 0;  // timeout or EINTR: the caller just loops
  return drain(max);
}

bool XskSet::queueTx(Port& p, uint32_t rel, uint32_t len) {
  uint32_t idx;
  if (xsk_ring_prod__reserve(&p.tx, 1, &idx) != 1) {
    kick(p);
    if (xsk_ring_prod__reserve(&p.tx, 1, &idx) != 1) return false;
  }
  xdp_desc* d = xsk_ring_prod__tx_desc(&p.tx, idx);
  d->addr = rel;
  d->len = len;
  d->options = 0;
  p.txPending++;
  return true;
}

// Publishes queued TX descriptors and, in copy mode, drives the kernel until
// the ring is empty (each sendto sends at most 32).
void XskSet::kick(Port& p) {
  if (p.txPending) {
    xsk_ring_prod__submit(&p.tx, p.txPending);
    p.txPending = 0;
  }
  for (int i = 0; i < kMaxKicks; i++) {
    uint32_t outstanding = *p.tx.producer - __atomic_load_n(p.tx.consumer, __ATOMIC_ACQUIRE);
    if (!outstanding) break;
    if (p.cfg.needWakeup && !xsk_ring_prod__needs_wakeup(&p.tx)) break;
    p.ctr.kicks++;
    if (sendto(p.fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0) {
      int e = errno;
      if (e == EAGAIN || e == EBUSY || e == ENOBUFS) {
        p.ctr.kicksBusy++;
        reap(p);
        continue;
      }
      p.ctr.kickErrors++;
      break;
    }
  }
  reap(p);
}

void XskSet::apply(uint32_t n) {
  if (!batch_.addr) throw UsageError("bind the batch arrays before apply()");
  n = std::min(n, batch_.capacity);
  if (passIdx_.capacity() < batch_.capacity) passIdx_.reserve(batch_.capacity);
  passIdx_.clear();
  const uint32_t np = ports_.size();
  const uint32_t fs = cfg_.frameSize;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t a = batch_.addr[i] - cfg_.umemOffset;  // wraps to huge when below
    if (a >= cfg_.umemSize) {
      invalidAddrs_++;
      continue;
    }
    uint32_t fi = a >> frameShift_;
    if (state_[fi] != Held) {  // not handed out by receive(), or already returned
      invalidAddrs_++;
      continue;
    }
    uint32_t pi = batch_.port[i] < np ? batch_.port[i] : 0;
    uint8_t act = batch_.action[i];
    if (act == WX_ACTION_PASS || act == WX_ACTION_TX || act == WX_ACTION_REDIRECT) {
      uint32_t out = batch_.outAddr[i] - cfg_.umemOffset;
      uint32_t len = batch_.outLen[i];
      uint32_t frameStart = fi << frameShift_;
      bool inFrame = out >= frameStart && out < frameStart + fs && len >= WX_MIN_TX_LEN && len <= frameStart + fs - out;
      uint32_t to = act == WX_ACTION_REDIRECT ? batch_.target[i] : pi;
      if (!inFrame || to >= np || batch_.port[i] >= np) {
        ports_[pi]->ctr.invalidVerdicts++;
        act = WX_ACTION_DROP;
      } else if (act == WX_ACTION_PASS) {
        passIdx_.push_back(i);
        continue;
      } else {
        Port& t = *ports_[to];
        if (queueTx(t, out, len)) {
          state_[fi] = Tx;
          t.inTx++;
          held_--;
          if (act == WX_ACTION_TX) t.ctr.tx++;
          else {
            ports_[pi]->ctr.redirectOut++;
            t.ctr.redirectIn++;
          }
          continue;
        }
        t.ctr.txRingFull++;
        act = WX_ACTION_DROP;
      }
    }
    ports_[pi]->ctr.drop++;
    release(fi);
    held_--;
  }
  for (auto& p : ports_)
    if (p->txPending) kick(*p);
  reinjectPassed();
}

// One sendmmsg per run of PASS frames of the same interface; the kernel copies
// each frame into an skb, so every frame is free again once the call returns.
void XskSet::reinjectPassed() {
  uint32_t n = (uint32_t)passIdx_.size();
  if (passMsgs_.size() < n) {  // grows once, to the batch capacity; message k always carries iovec k
    passMsgs_.assign(batch_.capacity, mmsghdr{});
    passIov_.resize(batch_.capacity);
    for (uint32_t k = 0; k < batch_.capacity; k++) {
      passMsgs_[k].msg_hdr.msg_iov = &passIov_[k];
      passMsgs_[k].msg_hdr.msg_iovlen = 1;
    }
  }
  uint32_t start = 0;
  while (start < n) {
    Port& first = *ports_[batch_.port[passIdx_[start]]];
    uint32_t end = start;
    for (; end < n; end++) {
      uint32_t i = passIdx_[end];
      Port& p = *ports_[batch_.port[i]];
      if (p.prog != first.prog) break;
      passIov_[end] = {umemArea_ + (batch_.outAddr[i] - cfg_.umemOffset), batch_.outLen[i]};
    }
    for (uint32_t k = start; k < end;) {
      int r = first.prog->reinjection().send(&passMsgs_[k], end - k);
      uint32_t took = r > 0 ? (uint32_t)r : 0;
      for (uint32_t j = k; j < k + took; j++) ports_[batch_.port[passIdx_[j]]]->ctr.pass++;
      k += took;
      if (r <= 0) {  // the frame at k was refused: count it and go on with the rest
        PortCounters& c = ports_[batch_.port[passIdx_[k]]]->ctr;
        c.passErrors++;
        c.passLastErrno = (uint64_t)(r < 0 ? -r : EAGAIN);
        k++;
      }
    }
    for (uint32_t k = start; k < end; k++) {
      release((batch_.addr[passIdx_[k]] - cfg_.umemOffset) >> frameShift_);
      held_--;
    }
    start = end;
  }
}

xdp_statistics XskSet::xdpStats(uint32_t port) const {
  xdp_statistics s{};
  socklen_t len = sizeof s;
  if (getsockopt(ports_[port]->fd, SOL_XDP, XDP_STATISTICS, &s, &len))
    throw SysError("xdp_statistics", errno, ports_[port]->cfg.ifname);
  return s;
}

FrameCounts XskSet::frames() const {
  FrameCounts c{frameCount_, (uint32_t)pool_.size(), 0, 0, held_};
  for (auto& p : ports_) {
    c.fill += p->inFill;
    c.tx += p->inTx;
  }
  return c;
}

void XskSet::close() {
  for (auto& p : ports_) {
    p->prog->clearSocket(p->cfg.queue);
    xsk_socket__delete(p->xsk);
  }
  ports_.clear();
  pollfds_.clear();
  programs_.clear();  // closes the links: programs detach
  if (umem_) xsk_umem__delete(umem_);
  umem_ = nullptr;
  // With the sockets gone the kernel holds no frame: all are ours again.
  pool_.clear();
  for (uint32_t i = frameCount_; i-- > 0;) pool_.push_back(i);
  state_.assign(frameCount_, Free);
  held_ = 0;
}
