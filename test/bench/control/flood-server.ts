// The control socket of a daemon without ports, alone in its process, for
// the flood benchmark (flood-rss.ts) to measure its RSS from outside.
// Usage: node flood-server.js <socket path>
import { Daemon } from '../../../pipeline/control/daemon.js';
import { ControlServer } from '../../../pipeline/control/server.js';

const daemon = await Daemon.start({ ports: [] });
const server = await ControlServer.listen({ path: process.argv[2] }, (req) => daemon.handle(req));
process.stdout.write('ready\n');
// The benchmark asks for a full GC to tell memory still referenced from memory merely not yet collected.
process.stdin.on('data', () => { (globalThis as { gc?: () => void }).gc?.(); process.stdout.write('collected\n'); });
process.on('SIGTERM', () => { void server.close().then(() => daemon.stop()).then(() => process.exit(0)); });
