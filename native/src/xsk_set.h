// The AF_XDP side of one pipeline: a UMEM over a caller-owned memory region,
// the sockets (ports) sharing it, the free-frame pool, and the two per-burst
// operations (receive, apply verdicts). Pure C++: the N-API layer only binds it.
//
// Every frame is in exactly one state at all times (Free, Fill, Held, Tx), so
// frames() can prove nothing leaked and apply() refuses frames it did not hand
// out. Addresses exchanged with the caller are absolute in the caller's memory
// (umemOffset + UMEM address).
#pragma once
#include <poll.h>
#include <xdp/xsk.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xdp_program.h"

struct UmemConfig {
  uint8_t* base;         // start of the caller's memory
  uint32_t umemOffset;   // page-aligned offset of the UMEM in it
  uint32_t umemSize;
  uint32_t frameSize;    // WX_FRAME_SIZE_0 or WX_FRAME_SIZE_1
  uint32_t frameHeadroom;  // xsk frame_headroom; rx headroom = WX_XDP_PACKET_HEADROOM + this
  uint32_t fillSize, compSize;
  std::string bpfObject;
};

struct PortConfig {
  std::string ifname;
  uint32_t queue = 0;
  XdpMode mode = XdpMode::Skb;
  uint32_t copyMode = WX_COPY_MODE_AUTO;
  bool needWakeup = true;
  uint32_t rxSize = 2048, txSize = 2048;
  uint32_t busyPollUsec = 0, busyPollBudget = 0;
  bool force = false;
};

// The caller's batch arrays (host/batch.ts), bound once.
struct BatchView {
  uint32_t capacity = 0;
  uint32_t* addr = nullptr;
  uint32_t* len = nullptr;
  uint16_t* port = nullptr;
  uint16_t* queue = nullptr;
  uint16_t* headroom = nullptr;
  uint16_t* tailroom = nullptr;
  uint8_t* action = nullptr;
  uint32_t* target = nullptr;
  uint32_t* outAddr = nullptr;
  uint32_t* outLen = nullptr;
  // Optional: when bound, receive() writes each frame's tenant id (from the
  // XDP metadata in front of the packet; 0 when absent).
  uint16_t* tenant = nullptr;
};

// Per-port counters kept by user space (the verdicts as applied).
struct PortCounters {
  uint64_t rx = 0, drop = 0, tx = 0, redirectOut = 0, redirectIn = 0, pass = 0;
  uint64_t passErrors = 0, txRingFull = 0, invalidVerdicts = 0, kicks = 0, kickErrors = 0;
  // TX frames whose completion was reaped (back in the pool), and kicks the
  // kernel answered with EAGAIN/EBUSY/ENOBUFS (in copy mode EAGAIN also means
  // it sent its 32 frames and more are queued).
  uint64_t txCompleted = 0, kicksBusy = 0;
  // errno of the last failed PASS reinjection (0: none failed).
  uint64_t passLastErrno = 0;
  // Frames received with the tenant array bound but no tenant metadata (given tenant 0).
  uint64_t tenantMetaMissing = 0;
};

struct FrameCounts {
  uint32_t total, free, fill, tx, held;
};

class XskSet {
 public:
  explicit XskSet(const UmemConfig& cfg);
  ~XskSet();
  XskSet(const XskSet&) = delete;
  XskSet& operator=(const XskSet&) = delete;

  uint32_t addPort(const PortConfig& pc);
  void bind(const BatchView& b);
  uint32_t receive(uint32_t max, int timeoutMs);
  void apply(uint32_t n);
  void close();

  size_t portCount() const { return ports_.size(); }
  xdp_statistics xdpStats(uint32_t port) const;
  // 0 while the port's interface exists and its socket is bound, else an
  // errno saying why not (ENODEV: the interface was removed; the socket's own
  // error, e.g. ENETDOWN). The kernel unbinds the socket silently: poll()
  // just never reports it readable again, so the owner asks once a second.
  int linkError(uint32_t port) const;
  const PortCounters& counters(uint32_t port) const { return ports_[port]->ctr; }
  XdpProgram& program(uint32_t port) { return *ports_[port]->prog; }
  FrameCounts frames() const;
  uint32_t invalidAddrs() const { return invalidAddrs_; }

  // Where the kernel puts a received packet in its frame (its metadata sits just before).
  uint32_t rxHeadroom() const { return WX_XDP_PACKET_HEADROOM + cfg_.frameHeadroom; }

 private:
  enum : uint8_t { Free, Fill, Held, Tx };
  struct Port {
    PortConfig cfg;
    xsk_socket* xsk = nullptr;
    int fd = -1;
    int ifindex = 0;
    xsk_ring_cons rx{}, comp{};
    xsk_ring_prod tx{}, fill{};
    std::shared_ptr<XdpProgram> prog;
    uint32_t inFill = 0, inTx = 0, txPending = 0;
    PortCounters ctr;
  };

  void reap(Port& p);
  void refill(Port& p);
  uint32_t drain(uint32_t max);
  bool queueTx(Port& p, uint32_t rel, uint32_t len);
  void kick(Port& p);
  void release(uint32_t frameIdx);
  void clearTenantMeta(uint32_t frameIdx);
  void wakeIfNeeded(Port& p);
  void reinjectPassed();

  UmemConfig cfg_;
  uint8_t* umemArea_;
  uint32_t frameCount_, frameShift_;
  xsk_umem* umem_ = nullptr;
  xsk_ring_prod umemFill_{};
  xsk_ring_cons umemComp_{};
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<std::shared_ptr<XdpProgram>> programs_;
  std::vector<uint32_t> pool_;  // free frame indexes (stack)
  std::vector<uint8_t> state_;
  std::vector<uint32_t> passIdx_;
  std::vector<mmsghdr> passMsgs_;
  std::vector<iovec> passIov_;
  std::vector<pollfd> pollfds_;
  BatchView batch_;
  uint32_t held_ = 0, rrStart_ = 0, invalidAddrs_ = 0;
  bool umemRingsTaken_ = false;
};
