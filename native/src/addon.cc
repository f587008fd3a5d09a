// N-API binding of XskSet. Setup and teardown may allocate; receive() and
// apply() take plain numbers and touch only the batch arrays bound once.
#include <bpf/libbpf.h>
#include <napi.h>
#include <sys/resource.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <memory>

#include "peercred.h"
#include "sys_error.h"
#include "xsk_set.h"

namespace {

int quietPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  static const bool debug = std::getenv("WASMXDP_DEBUG") != nullptr;
  if (!debug && level != LIBBPF_WARN) return 0;
  if (!debug) return 0;  // warnings surface as errors we report ourselves
  return vfprintf(stderr, fmt, args);
}

[[noreturn]] void rethrow(Napi::Env env) {
  try {
    throw;
  } catch (const SysError& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("errno", Napi::Number::New(env, e.err));
    err.Set("op", Napi::String::New(env, e.op));
    err.Set("detail", Napi::String::New(env, e.detail));
    throw err;
  } catch (const UsageError& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

uint32_t u32(const Napi::Object& o, const char* k, uint32_t dflt) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : dflt;
}

// An enumerated option as its index in abi/contract.json's list (the TS wrapper
// maps names to indexes): a name, or a number out of range, is a caller bug.
uint32_t enumIndex(const Napi::Object& o, const char* k, uint32_t count, uint32_t dflt, const char* names) {
  Napi::Value v = o.Get(k);
  if (v.IsUndefined()) return dflt;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (d < 0 || d >= count || d != static_cast<uint32_t>(d)) {
    std::string got = v.IsString() ? "'" + v.As<Napi::String>().Utf8Value() + "'" : v.ToString().Utf8Value();
    throw Napi::TypeError::New(o.Env(), std::string(k) + " must be the index of one of " + names + " (0 to " +
                                            std::to_string(count - 1) + "), got " + got);
  }
  return static_cast<uint32_t>(d);
}

template <typename T>
T* arrayData(const Napi::Object& o, const char* k, napi_typedarray_type type, uint32_t& cap,
             Napi::ObjectReference& ref) {
  Napi::Value v = o.Get(k);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(o.Env(), std::string("batch.") + k + " has the wrong array type");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  cap = std::min<uint32_t>(cap, ta.ElementLength());
  ref = Napi::Persistent(ta.As<Napi::Object>());
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}

class XskSetWrap : public Napi::ObjectWrap<XskSetWrap> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "XskSet",
                       {InstanceMethod("addPort", &XskSetWrap::AddPort),
                        InstanceMethod("bindBatch", &XskSetWrap::BindBatch),
                        InstanceMethod("receive", &XskSetWrap::Receive),
                        InstanceMethod("apply", &XskSetWrap::Apply),
                        InstanceMethod("xdpStats", &XskSetWrap::XdpStats),
                        InstanceMethod("counters", &XskSetWrap::Counters),
                        InstanceMethod("programStats", &XskSetWrap::ProgramStats),
                        InstanceMethod("frames", &XskSetWrap::Frames),
                        InstanceMethod("linkError", &XskSetWrap::LinkError),
                        InstanceMethod("setTenantSelectors", &XskSetWrap::SetTenantSelectors),
                        InstanceMethod("setTenantQuotas", &XskSetWrap::SetTenantQuotas),
                        InstanceMethod("tenantStats", &XskSetWrap::TenantStats),
                        InstanceMethod("close", &XskSetWrap::Close)});
  }

  // new XskSet(memoryBytes: Uint8Array, opts)
  XskSetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<XskSetWrap>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || !info[1].IsObject())
      throw Napi::TypeError::New(env, "XskSet(memoryBytes: Uint8Array, options)");
    // napi_get_typedarray_info works for ArrayBuffer- and SharedArrayBuffer-backed memories.
    napi_value ta = info[0];
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, ta, &type, &length, &data, &ab, &off) != napi_ok || type != napi_uint8_array)
      throw Napi::TypeError::New(env, "memoryBytes must be a Uint8Array over the memory's buffer");
    Napi::Object o = info[1].As<Napi::Object>();
    UmemConfig c;
    c.base = static_cast<uint8_t*>(data);
    c.umemOffset = u32(o, "umemOffset", 0);
    c.umemSize = u32(o, "umemSize", 0);
    c.frameSize = u32(o, "frameSize", WX_DEFAULT_FRAME_SIZE);
    c.frameHeadroom = u32(o, "frameHeadroom", 0);
    c.fillSize = u32(o, "fillSize", 4096);
    c.compSize = u32(o, "compSize", 4096);
    c.bpfObject = o.Get("bpfObject").ToString().Utf8Value();
    if ((uint64_t)c.umemOffset + c.umemSize > length)
      throw Napi::RangeError::New(env, "UMEM region lies outside the memory");
    memRef_ = Napi::Persistent(info[0].As<Napi::Object>());  // the kernel pins these pages
    try {
      set_ = std::make_unique<XskSet>(c);
    } catch (...) {
      rethrow(env);
    }
  }

 private:
  XskSet& set(Napi::Env env) {
    if (!set_) throw Napi::Error::New(env, "XskSet is closed");
    return *set_;
  }

  Napi::Value AddPort(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = info[0].As<Napi::Object>();
    PortConfig pc;
    pc.ifname = o.Get("ifname").ToString().Utf8Value();
    pc.queue = u32(o, "queue", 0);
    pc.mode = static_cast<XdpMode>(enumIndex(o, "mode", WX_XDP_MODE_COUNT, WX_XDP_MODE_SKB, "skb, drv"));
    pc.copyMode = enumIndex(o, "copy", WX_COPY_MODE_COUNT, WX_COPY_MODE_AUTO, "auto, copy, zerocopy");
    pc.needWakeup = !o.Has("needWakeup") || o.Get("needWakeup").ToBoolean();
    pc.rxSize = u32(o, "rxSize", 2048);
    pc.txSize = u32(o, "txSize", 2048);
    pc.busyPollUsec = u32(o, "busyPollUsec", 0);
    pc.busyPollBudget = u32(o, "busyPollBudget", 0);
    pc.force = o.Has("force") && o.Get("force").ToBoolean();
    try {
      return Napi::Number::New(env, set(env).addPort(pc));
    } catch (...) {
      rethrow(env);
    }
  }

  void BindBatch(const Napi::CallbackInfo& info) {
    Napi::Object b = info[0].As<Napi::Object>();
    BatchView v;
    uint32_t cap = UINT32_MAX;
    v.addr = arrayData<uint32_t>(b, "addr", napi_uint32_array, cap, refs_[0]);
    v.len = arrayData<uint32_t>(b, "len", napi_uint32_array, cap, refs_[1]);
    v.port = arrayData<uint16_t>(b, "port", napi_uint16_array, cap, refs_[2]);
    v.queue = arrayData<uint16_t>(b, "queue", napi_uint16_array, cap, refs_[3]);
    v.headroom = arrayData<uint16_t>(b, "headroom", napi_uint16_array, cap, refs_[4]);
    v.tailroom = arrayData<uint16_t>(b, "tailroom", napi_uint16_array, cap, refs_[5]);
    v.action = arrayData<uint8_t>(b, "action", napi_uint8_array, cap, refs_[6]);
    v.target = arrayData<uint32_t>(b, "target", napi_uint32_array, cap, refs_[7]);
    v.outAddr = arrayData<uint32_t>(b, "outAddr", napi_uint32_array, cap, refs_[8]);
    v.outLen = arrayData<uint32_t>(b, "outLen", napi_uint32_array, cap, refs_[9]);
    if (b.Has("tenant") && !b.Get("tenant").IsUndefined())
      v.tenant = arrayData<uint16_t>(b, "tenant", napi_uint16_array, cap, refs_[10]);
    else
      refs_[10].Reset();
    v.capacity = cap;
    set(info.Env()).bind(v);
  }

  // receive(max, timeoutMs, applyFirst): applyFirst > 0 applies the verdicts
  // of the previous burst first, so a busy loop crosses into the addon once
  // per burst.
  Napi::Value Receive(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t max = info[0].As<Napi::Number>().Uint32Value();
    int timeout = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : 0;
    uint32_t applyFirst = info.Length() > 2 ? info[2].As<Napi::Number>().Uint32Value() : 0;
    try {
      XskSet& s = set(env);
      if (applyFirst) s.apply(applyFirst);
      return Napi::Number::New(env, s.receive(max, timeout));
    } catch (...) {
      rethrow(env);
    }
  }

  void Apply(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      set(env).apply(info[0].As<Napi::Number>().Uint32Value());
    } catch (...) {
      rethrow(env);
    }
  }

  Napi::Value XdpStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t port = portArg(info);
    try {
      xdp_statistics s = set(env).xdpStats(port);
      Napi::Object o = Napi::Object::New(env);
      o.Set("rxDropped", (double)s.rx_dropped);
      o.Set("rxInvalidDescs", (double)s.rx_invalid_descs);
      o.Set("txInvalidDescs", (double)s.tx_invalid_descs);
      o.Set("rxRingFull", (double)s.rx_ring_full);
      o.Set("rxFillRingEmptyDescs", (double)s.rx_fill_ring_empty_descs);
      o.Set("txRingEmptyDescs", (double)s.tx_ring_empty_descs);
      return o;
    } catch (...) {
      rethrow(env);
    }
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const PortCounters& c = set(env).counters(portArg(info));
    Napi::Object o = Napi::Object::New(env);
    o.Set("rx", (double)c.rx);
    o.Set("drop", (double)c.drop);
    o.Set("tx", (double)c.tx);
    o.Set("redirectOut", (double)c.redirectOut);
    o.Set("redirectIn", (double)c.redirectIn);
    o.Set("pass", (double)c.pass);
    o.Set("passErrors", (double)c.passErrors);
    o.Set("txRingFull", (double)c.txRingFull);
    o.Set("invalidVerdicts", (double)c.invalidVerdicts);
    o.Set("kicks", (double)c.kicks);
    o.Set("kickErrors", (double)c.kickErrors);
    o.Set("txCompleted", (double)c.txCompleted);
    o.Set("kicksBusy", (double)c.kicksBusy);
    o.Set("passLastErrno", (double)c.passLastErrno);
    o.Set("tenantMetaMissing", (double)c.tenantMetaMissing);
    return o;
  }

  Napi::Value ProgramStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint64_t v[WX_BPF_STAT_COUNT];
    set(env).program(portArg(info)).readStats(v);
    Napi::Array a = Napi::Array::New(env, WX_BPF_STAT_COUNT);
    for (uint32_t i = 0; i < WX_BPF_STAT_COUNT; i++) a.Set(i, (double)v[i]);
    return a;
  }

  Napi::Value LinkError(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Napi::Number::New(env, set(env).linkError(portArg(info)));
  }

  // setTenantSelectors(port, rules, prefixes, any, vlans): already validated by
  // native/tenants.ts. rules: [{tenant, flags, vlan, innerVlan, proto, dportLo,
  // dportHi}] in priority order; prefixes: [{family, prefixlen, addr: Uint8Array,
  // cands: number[]}]; vlans: [{vid, cands}] (rules without a prefix, by outer
  // VLAN id); any: number[] (the other rules). cands are rule ids, ascending.
  void SetTenantSelectors(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t port = portArg(info);
    if (!info[1].IsArray() || !info[2].IsArray() || !info[3].IsArray())
      throw Napi::TypeError::New(env, "setTenantSelectors(port, rules[], prefixes[], any[])");
    Napi::Array ra = info[1].As<Napi::Array>(), pa = info[2].As<Napi::Array>();
    std::vector<wx_tenant_rule> rules(ra.Length());
    for (uint32_t i = 0; i < ra.Length(); i++) {
      Napi::Object o = ra.Get(i).As<Napi::Object>();
      wx_tenant_rule& r = rules[i];
      r = wx_tenant_rule{};
      r.tenant = u32(o, "tenant", 0);
      r.flags = (uint8_t)u32(o, "flags", 0);
      r.vlan = (uint16_t)u32(o, "vlan", 0);
      r.inner_vlan = (uint16_t)u32(o, "innerVlan", 0);
      r.proto = (uint8_t)u32(o, "proto", 0);
      r.dport_lo = (uint16_t)u32(o, "dportLo", 0);
      r.dport_hi = (uint16_t)u32(o, "dportHi", 0);
    }
    std::vector<TenantPrefix> prefixes(pa.Length());
    for (uint32_t i = 0; i < pa.Length(); i++) {
      Napi::Object o = pa.Get(i).As<Napi::Object>();
      TenantPrefix& p = prefixes[i];
      std::memset(&p, 0, sizeof p);
      p.family = (uint8_t)u32(o, "family", 4);
      p.prefixlen = u32(o, "prefixlen", 0);
      Napi::Value a = o.Get("addr");
      if (!a.IsTypedArray()) throw Napi::TypeError::New(env, "prefix addr must be a Uint8Array");
      Napi::Uint8Array ab = a.As<Napi::Uint8Array>();
      std::memcpy(p.addr, ab.Data(), std::min<size_t>(ab.ElementLength(), 16));
      cands(o.Get("cands"), p.cands);
    }
    std::vector<TenantVlan> vlans;
    if (info[4].IsArray()) {
      Napi::Array va = info[4].As<Napi::Array>();
      vlans.resize(va.Length());
      for (uint32_t i = 0; i < va.Length(); i++) {
        Napi::Object o = va.Get(i).As<Napi::Object>();
        vlans[i].vid = (uint16_t)u32(o, "vid", 0);
        cands(o.Get("cands"), vlans[i].cands);
      }
    }
    wx_tenant_cands any;
    cands(info[3], any);
    try {
      set(env).program(port).tenants().setSelectors(rules, prefixes, vlans, any);
    } catch (...) {
      rethrow(env);
    }
  }

  static void cands(Napi::Value v, wx_tenant_cands& out) {
    out = wx_tenant_cands{};
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length() && i < WX_TENANT_CAND_MAX; i++)
      out.id[i] = (uint16_t)(a.Get(i).As<Napi::Number>().Uint32Value() + 1);  // 0 ends the list
  }

  // setTenantQuotas(port, intervalNs: Float64Array, tauNs: Float64Array), indexed by tenant id.
  void SetTenantQuotas(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t port = portArg(info);
    Napi::Float64Array iv = info[1].As<Napi::Float64Array>(), tau = info[2].As<Napi::Float64Array>();
    try {
      TenantMaps& t = set(env).program(port).tenants();
      for (uint32_t i = 0; i < WX_TENANT_MAX && i < iv.ElementLength() && i < tau.ElementLength(); i++)
        t.setQuota(i, (uint64_t)iv[i], (uint64_t)tau[i]);
    } catch (...) {
      rethrow(env);
    }
  }

  // tenantStats(port): Float64Array of WX_TENANT_MAX x WX_TENANT_STAT_FIELDS.
  Napi::Value TenantStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t port = portArg(info);
    Napi::Float64Array out = Napi::Float64Array::New(env, WX_TENANT_MAX * WX_TENANT_STAT_FIELDS);
    TenantMaps& t = set(env).program(port).tenants();
    uint64_t v[WX_TENANT_STAT_FIELDS];
    for (uint32_t i = 0; i < WX_TENANT_MAX; i++) {
      t.readStats(i, v);
      for (uint32_t k = 0; k < WX_TENANT_STAT_FIELDS; k++) out[i * WX_TENANT_STAT_FIELDS + k] = (double)v[k];
    }
    return out;
  }

  Napi::Value Frames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    FrameCounts c = set(env).frames();
    Napi::Object o = Napi::Object::New(env);
    o.Set("total", c.total);
    o.Set("free", c.free);
    o.Set("fill", c.fill);
    o.Set("tx", c.tx);
    o.Set("held", c.held);
    o.Set("invalidAddrs", set(env).invalidAddrs());
    return o;
  }

  void Close(const Napi::CallbackInfo&) {
    set_.reset();
    for (auto& r : refs_) r.Reset();
    memRef_.Reset();
  }

  uint32_t portArg(const Napi::CallbackInfo& info) {
    uint32_t p = info[0].As<Napi::Number>().Uint32Value();
    if (p >= set(info.Env()).portCount()) throw Napi::RangeError::New(info.Env(), "no such port");
    return p;
  }

  std::unique_ptr<XskSet> set_;
  Napi::ObjectReference memRef_;
  Napi::ObjectReference refs_[11];
};

// threadCpu(): [user, system] microseconds of the calling thread (a live
// worker asks for its own, so its figures show where its core went).
Napi::Value ThreadCpu(const Napi::CallbackInfo& info) {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  Napi::Float64Array out = Napi::Float64Array::New(info.Env(), 2);
  out[0] = (double)u.ru_utime.tv_sec * 1e6 + (double)u.ru_utime.tv_usec;
  out[1] = (double)u.ru_stime.tv_sec * 1e6 + (double)u.ru_stime.tv_usec;
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  libbpf_set_print(quietPrint);
  exports.Set("XskSet", XskSetWrap::Init(env));
  exports.Set("threadCpu", Napi::Function::New(env, ThreadCpu, "threadCpu"));
  // Limits and encodings of bpf/tenant.h, for native/tenants.ts (one source).
  Napi::Object t = Napi::Object::New(env);
  t.Set("maxTenants", WX_TENANT_MAX);
  t.Set("maxRules", WX_TENANT_RULES_MAX);
  t.Set("maxCandidates", WX_TENANT_CAND_MAX);
  t.Set("maxPrefixes", WX_TENANT_PREFIX_MAX);
  t.Set("flagVlan", WX_RF_VLAN);
  t.Set("flagInnerVlan", WX_RF_INNER_VLAN);
  t.Set("flagProto", WX_RF_PROTO);
  t.Set("flagDport", WX_RF_DPORT);
  t.Set("statFields", WX_TENANT_STAT_FIELDS);
  exports.Set("tenantLimits", t);
  InitPeerCredentials(env, exports);
  return exports;
}

NODE_API_MODULE(wasmxdp, Init)
