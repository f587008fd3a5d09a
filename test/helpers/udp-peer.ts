// A UDP client for live tests, run as its own process inside a peer namespace:
//   node dist/test/helpers/udp-peer.js echo <host> <port> <count> <timeoutMs>
// sends `count` numbered datagrams one at a time and waits for each echo;
// prints {"sent", "replies", "matched"} as JSON. Every loop is bounded.
import dgram from 'node:dgram';

async function echo(host: string, port: number, count: number, timeoutMs: number): Promise<void> {
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let replies = 0, matched = 0, sent = 0;
  let waiting: ((m: Buffer | null) => void) | null = null;
  sock.on('message', (m) => { replies++; waiting?.(m); });
  await new Promise<void>((r) => sock.bind(0, r));
  for (let i = 0; i < count; i++) {
    const payload = Buffer.from(`wasmxdp echo ${i}`);
    const got = new Promise<Buffer | null>((resolve) => {
      waiting = resolve;
      setTimeout(() => resolve(null), timeoutMs).unref();
    });
    sock.send(payload, port, host);
    sent++;
    const m = await got;
    if (m && m.equals(payload)) matched++;
  }
  sock.close();
  console.log(JSON.stringify({ sent, replies, matched }));
}

const [mode, host, port, count, timeoutMs] = process.argv.slice(2);
if (mode === 'echo') await echo(host, Number(port), Number(count), Number(timeoutMs));
else { console.error('usage: udp-peer echo <host> <port> <count> <timeoutMs>'); process.exit(2); }
