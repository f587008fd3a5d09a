// Network namespaces and veth pairs for live tests, with names unique to the
// run and guaranteed cleanup: everything a NetLab creates is deleted by
// destroy(), by the process exit/signal handlers, and, for labs whose process
// died without cleaning up (SIGKILL), by the sweep of the next run (names carry
// the creating pid). Tests never touch anything a lab did not create.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

export const NETNS_PREFIX = 'wxt-';
const NETNS_DIR = '/run/netns';

export interface VethOptions {
  /** Namespace of the first end; default: the process's own namespace. */
  ns?: string | null;
  /** Namespace of the peer end (required: traffic stays inside namespaces we own). */
  peerNs: string;
  /** Number of tx and rx queues of both ends (default 1). */
  queues?: number;
  /** IPv4 addresses with prefix, e.g. '10.11.12.1/24'. */
  addr?: string;
  peerAddr?: string;
}

export interface Veth {
  name: string;
  peer: string;
  ns: string | null;
  peerNs: string;
  mac: string;
  peerMac: string;
  ifindex: number;
}

function run(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: 20000 });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim()}`);
  }
  return r.stdout ?? '';
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Deletes namespaces of earlier runs whose creating process is gone (wxt-<pid>-...). */
export function sweepStaleNamespaces(): string[] {
  let names: string[] = [];
  try { names = fs.readdirSync(NETNS_DIR); } catch { return []; }
  const removed: string[] = [];
  for (const n of names) {
    const m = /^wxt-(\d+)-[0-9a-f]+/.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    run('ip', ['netns', 'delete', n], { allowFail: true });
    removed.push(n);
  }
  return removed;
}

const liveLabs = new Set<NetLab>();
let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => { for (const lab of liveLabs) lab.destroy(); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { for (const lab of liveLabs) lab.destroy(); process.exit(128 + 1); });
  }
  process.on('uncaughtException', (e) => { for (const lab of liveLabs) lab.destroy(); console.error(e); process.exit(1); });
}

/** A set of namespaces, veths and helper processes owned by one test process. */
export class NetLab {
  readonly id: string;
  private readonly namespaces: string[] = [];
  private readonly links: { name: string; ns: string | null }[] = [];
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;
  private seq = 0;

  constructor() {
    // 4 random bytes keep interface names (prefix + id + suffix) under 15 chars.
    this.id = randomBytes(3).toString('hex');
    installExitHandlers();
    liveLabs.add(this);
  }

  /** Creates a namespace wxt-<pid>-<id>-<n>; loopback up. */
  addNetns(): string {
    const name = `${NETNS_PREFIX}${process.pid}-${this.id}-${this.seq++}`;
    run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    return name;
  }

  /** Creates a veth pair, its peer end in opts.peerNs, both up. Names: wx<id><n>a / wx<id><n>b. */
  addVeth(opts: VethOptions): Veth {
    if (!this.namespaces.includes(opts.peerNs)) throw new Error(`peer namespace ${opts.peerNs} is not owned by this lab`);
    if (opts.ns && !this.namespaces.includes(opts.ns)) throw new Error(`namespace ${opts.ns} is not owned by this lab`);
    const n = this.seq++;
    const name = `wx${this.id}${n}a`, peer = `wx${this.id}${n}b`;
    const q = String(opts.queues ?? 1);
    const ns = opts.ns ?? null;
    const add = ['link', 'add', name, 'numtxqueues', q, 'numrxqueues', q, 'type', 'veth', 'peer', 'name', peer, 'numtxqueues', q, 'numrxqueues', q, 'netns', opts.peerNs];
    this.ip(ns, add);
    this.links.push({ name, ns });
    // No IPv6 autoconfiguration chatter (router solicitations, MLD): tests count frames.
    this.sysctl(ns, `net.ipv6.conf.${name}.disable_ipv6`, '1');
    this.sysctl(opts.peerNs, `net.ipv6.conf.${peer}.disable_ipv6`, '1');
    this.ip(ns, ['link', 'set', name, 'up']);
    this.ip(opts.peerNs, ['link', 'set', peer, 'up']);
    if (opts.addr) this.ip(ns, ['addr', 'add', opts.addr, 'dev', name]);
    if (opts.peerAddr) this.ip(opts.peerNs, ['addr', 'add', opts.peerAddr, 'dev', peer]);
    const info = (where: string | null, dev: string) => JSON.parse(this.ip(where, ['-j', 'link', 'show', 'dev', dev]))[0];
    const a = info(ns, name), b = info(opts.peerNs, peer);
    return { name, peer, ns, peerNs: opts.peerNs, mac: a.address, peerMac: b.address, ifindex: a.ifindex };
  }

  /** Runs `ip <args>` in ns (null: this process's namespace) and returns stdout. */
  ip(ns: string | null, args: string[], allowFail = false): string {
    return ns ? this.exec(ns, 'ip', args, allowFail) : run('ip', args, { allowFail });
  }

  /** Sets a sysctl in ns (null: this process's namespace, which must be a lab/test namespace). */
  sysctl(ns: string | null, key: string, value: string): void {
    const file = `/proc/sys/${key.replace(/\./g, '/')}`;
    if (ns) this.exec(ns, 'sh', ['-c', `echo ${value} > ${file}`]);
    else if (process.env.WASMXDP_TEST_NETNS) fs.writeFileSync(file, value);
    else throw new Error('refusing to change a sysctl of the machine\'s own namespace');
  }

  /** Runs a command to completion inside ns. */
  exec(ns: string, cmd: string, args: string[], allowFail = false): string {
    this.own(ns);
    return run('ip', ['netns', 'exec', ns, cmd, ...args], { allowFail });
  }

  /** Starts a command inside ns; it is killed by destroy() if still running. */
  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    this.own(ns);
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Removes everything this lab created. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.children) c.kill('SIGKILL');
    // Deleting one end of a veth deletes the pair; namespaces take their links along.
    for (const l of this.links) this.ipRaw(l.ns, ['link', 'delete', l.name]);
    for (const ns of this.namespaces) run('ip', ['netns', 'delete', ns], { allowFail: true });
    liveLabs.delete(this);
  }

  private ipRaw(ns: string | null, args: string[]): void {
    if (ns) run('ip', ['netns', 'exec', ns, 'ip', ...args], { allowFail: true });
    else run('ip', args, { allowFail: true });
  }

  private own(ns: string): void {
    if (!this.namespaces.includes(ns) && ns !== process.env.WASMXDP_TEST_NETNS) {
      throw new Error(`namespace ${ns} is not owned by this lab`);
    }
  }
}

/** Namespaces currently present whose names are ours (for leak assertions). */
export function listOurNamespaces(): string[] {
  try { return fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith(NETNS_PREFIX)); } catch { return []; }
}

/**
 * Runs this very script again inside a fresh namespace of its own (so its
 * AF_XDP sockets, addresses and routes live there), relays its output, deletes
 * the namespace and exits with its status. Returns only in the re-executed
 * child (or when already inside one).
 */
export async function reexecInOwnNetns(): Promise<void> {
  if (process.env.WASMXDP_TEST_NETNS) return;
  sweepStaleNamespaces();
  const lab = new NetLab();
  const ns = lab.addNetns();
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, WASMXDP_TEST_NETNS: ns },
  });
  const code: number = await new Promise((resolve) => {
    child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => child.kill('SIGKILL'));
  });
  // Namespaces the child created carry its pid; it is dead now, so sweep them.
  sweepStaleNamespaces();
  lab.destroy();
  process.exit(code);
}
