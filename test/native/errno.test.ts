// mapNativeError: the addon's { errno, op, detail } errors become WasmxdpErrors
// with the right code and a message that says what to do.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmxdpError } from '../../host/errors.js';
import { mapNativeError, type NativeCallFacts } from '../../native/errno.js';

const test = suite('native/errno');

function nerr(op: string, errno: number, detail = ''): Error {
  return Object.assign(new Error(`${op}: ${detail}`), { op, errno, detail });
}

const cases: [string, number, string, string, RegExp, NativeCallFacts?][] = [
  ['xsk_socket_create', 1, 'veth0 queue 0', 'E_PERMISSION', /CAP_NET_RAW.*CAP_NET_ADMIN.*CAP_BPF.*CAP_IPC_LOCK/],
  ['bpf_object_load', 13, '', 'E_PERMISSION', /root/],
  ['if_nametoindex', 19, 'eth9', 'E_NO_SUCH_IFACE', /eth9/],
  ['umem_create', 105, '', 'E_MEMLOCK', /RLIMIT_MEMLOCK.*CAP_IPC_LOCK/],
  ['umem_create', 1, '', 'E_PERMISSION', /CAP_NET_RAW/],
  ['xdp_busy', 16, "veth0 already runs XDP program 'foo' (id 3)", 'E_XDP_BUSY', /force[\s\S]*'foo'/],
  ['xdp_attach', 16, 'veth0 skb', 'E_XDP_BUSY', /another/],
  ['xdp_attach', 95, 'veth0 drv', 'E_DRIVER_MODE', /skb/, { mode: 'drv' }],
  ['xdp_attach', 22, 'veth0', 'E_DRIVER_MODE', /use mode "skb"/, { mode: 'drv' }],
  // The same errno on a generic (skb) attach is not a driver limitation, whatever the detail text says.
  ['xdp_attach', 95, 'veth0 drv', 'E_SOCKET', /attaching the XDP program failed/, { mode: 'skb' }],
  ['xdp_attach', 95, 'veth0 drv', 'E_SOCKET', /attaching the XDP program failed/],
  ['xsk_socket_create', 16, 'veth0 queue 0', 'E_SOCKET', /busy/],
  ['xsk_socket_create', 22, 'veth0 queue 9', 'E_SOCKET', /queue exists/],
  ['bpf_object_open', 2, '/x/wasmxdp_kern.o', 'E_NATIVE_UNAVAILABLE', /native\/build\.mjs/],
];

for (const [op, errno, detail, code, text, facts] of cases) {
  test(`${op} errno ${errno}${facts?.mode ? ` (${facts.mode})` : ''} -> ${code}`, () => {
    const e = mapNativeError(nerr(op, errno, detail), '', facts);
    assert.instance(e, WasmxdpError);
    assert.is((e as WasmxdpError).code, code);
    assert.match(e.message, text);
    assert.ok((e as Error & { cause?: unknown }).cause, 'keeps the native error as cause');
  });
}

test('argument errors from the addon become E_CONFIG; WasmxdpErrors pass through', () => {
  assert.is((mapNativeError(new TypeError('bad')) as WasmxdpError).code, 'E_CONFIG');
  const w = new WasmxdpError('E_IO', 'x');
  assert.is(mapNativeError(w), w);
});

test.run();
