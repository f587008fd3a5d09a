// Turns the addon's errors ({ errno, op, detail }) into WasmxdpErrors that say
// what to do.
import { WasmxdpError } from '../host/errors.js';
import type { XdpMode } from '../host/options.js';

const EPERM = 1, ENOENT = 2, ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22,
  EOPNOTSUPP = 95, ENOBUFS = 105, ENXIO = 6;

interface NativeError extends Error { errno?: number; op?: string; detail?: string }

const CAPS = 'run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN (AF_XDP sockets, XDP attach), CAP_BPF and CAP_PERFMON (programs and maps; CAP_SYS_ADMIN on kernels before 5.8) and CAP_IPC_LOCK (UMEM pinning)';

/** What the caller asked for, where an errno means different things (EOPNOTSUPP on a drv attach: no native XDP). */
export interface NativeCallFacts { mode?: XdpMode }

export function mapNativeError(e: unknown, context = '', facts: NativeCallFacts = {}): Error {
  if (e instanceof WasmxdpError) return e;
  const ne = e as NativeError;
  if (!(ne instanceof Error) || typeof ne.errno !== 'number') {
    if (ne instanceof TypeError || ne instanceof RangeError) return new WasmxdpError('E_CONFIG', ne.message, { cause: e });
    return ne instanceof Error ? ne : new Error(String(e));
  }
  const where = [context, ne.detail].filter(Boolean).join(', ');
  const msg = (s: string) => `${s}${where ? ` [${where}]` : ''} (${ne.op}: ${ne.message.split(': ').pop()})`;
  const { errno, op } = ne;
  if (errno === EPERM || errno === EACCES) {
    const step = op === 'umem_create' ? 'creating an AF_XDP socket needs CAP_NET_RAW'
      : op?.startsWith('bpf_') ? 'loading the XDP program needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN'
      : 'attaching XDP and binding sockets need CAP_NET_ADMIN';
    return new WasmxdpError('E_PERMISSION', msg(`not permitted (${step}): ${CAPS}`), { cause: e });
  }
  if (op === 'if_nametoindex' || errno === ENODEV || errno === ENXIO) {
    return new WasmxdpError('E_NO_SUCH_IFACE', msg('no such network interface in this network namespace: check the name with `ip link`'), { cause: e });
  }
  if (op === 'umem_create' && (errno === ENOBUFS || errno === ENOMEM)) {
    return new WasmxdpError('E_MEMLOCK', msg('the UMEM could not be pinned: RLIMIT_MEMLOCK is too low and CAP_IPC_LOCK is missing; run as root or raise the limit (ulimit -l unlimited)'), { cause: e });
  }
  if (op === 'xdp_busy') {
    return new WasmxdpError('E_XDP_BUSY', msg('another XDP program is attached to the interface: detach it (`ip link set dev <if> xdp off`) or pass force to replace it'), { cause: e });
  }
  if (op === 'xdp_attach') {
    if (errno === EBUSY || errno === EEXIST) {
      return new WasmxdpError('E_XDP_BUSY', msg('another XDP program (or another running wasmxdp) holds the interface; stop it or detach it first'), { cause: e });
    }
    if (facts.mode === 'drv' && (errno === EOPNOTSUPP || errno === EINVAL)) {
      return new WasmxdpError('E_DRIVER_MODE', msg('the driver does not support native XDP: use mode "skb"'), { cause: e });
    }
    return new WasmxdpError('E_SOCKET', msg('attaching the XDP program failed'), { cause: e });
  }
  if (op === 'reinject_filter' || op === 'reinject_socket') {
    return new WasmxdpError('E_SOCKET', msg('PASS reinjection could not be set up: it needs an AF_PACKET socket and a BPF filter on the interface\'s tc egress hook (clsact; kernel options NET_SCH_INGRESS and NET_CLS_BPF)'), { cause: e });
  }
  if (op === 'bpf_object_open' && errno === ENOENT) {
    return new WasmxdpError('E_NATIVE_UNAVAILABLE', msg('the XDP object is missing: run `node native/build.mjs`'), { cause: e });
  }
  if (op?.startsWith('bpf_') && (errno === ENOBUFS || errno === ENOMEM)) {
    return new WasmxdpError('E_MEMLOCK', msg('BPF maps could not be allocated: raise RLIMIT_MEMLOCK or run as root'), { cause: e });
  }
  if (op === 'xsk_socket_create') {
    if (errno === EBUSY) return new WasmxdpError('E_SOCKET', msg('the queue is busy: another AF_XDP socket is bound to it, or one was closed less than a second ago'), { cause: e });
    if (errno === EOPNOTSUPP && ne.detail) return new WasmxdpError('E_DRIVER_MODE', msg('zero-copy is not supported by this driver: use copy "copy" or "auto"'), { cause: e });
    if (errno === EINVAL) return new WasmxdpError('E_SOCKET', msg('the socket could not be bound: check the queue exists (ethtool -l) and ring sizes are powers of two'), { cause: e });
  }
  return new WasmxdpError('E_SOCKET', msg('AF_XDP operation failed'), { cause: e });
}
