// What a Node user does today: a dgram UDP socket. Binds, says "ready" on
// stderr, counts datagrams until none came for idleMs (after the first) or
// maxMs passed, prints the count. Run inside the benchmark's namespace.
//   node dgram-recv.js <addr> <port> <idleMs> <maxMs>
import dgram from 'node:dgram';

const [addr, port, idleMs, maxMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
let count = 0, last = Date.now();
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
sock.on('message', () => { count++; last = Date.now(); });
sock.bind(port, addr, () => process.stderr.write('ready\n'));
const start = Date.now();
const timer = setInterval(() => {
  const now = Date.now();
  if ((count > 0 && now - last > idleMs) || now - start > maxMs) {
    clearInterval(timer);
    sock.close();
    process.stdout.write(`${count}\n`);
  }
}, 20);
