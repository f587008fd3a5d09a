// The config's "metrics" section: { "listen": "127.0.0.1:9464" }. Off when
// absent. Port 0 picks a free port (the daemon logs the one it got).

import net from 'node:net';
import { WasmxdpError } from '../../host/errors.js';

export interface MetricsConfig { host: string; port: number }

function fail(key: string, msg: string): never {
  throw new WasmxdpError('E_CONFIG', `${key}: ${msg}`);
}

/** Parses "host:port" or "[v6]:port". */
export function parseListen(text: string, key = 'metrics.listen'): MetricsConfig {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) fail(key, `must be "address:port" (e.g. "127.0.0.1:9464" or "[::1]:9464"), got ${JSON.stringify(text)}`);
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port > 65535) fail(key, `port must be 0-65535, got ${port}`);
  if (m[1] !== undefined && net.isIPv6(host) === false) fail(key, `${host} is not an IPv6 address`);
  if (m[2] !== undefined && !net.isIPv4(host) && host !== 'localhost') fail(key, `give an IP address (or localhost), got ${JSON.stringify(host)}`);
  return { host, port };
}

export function parseMetricsConfig(v: unknown, key = 'metrics'): MetricsConfig | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, `must be an object like { "listen": "127.0.0.1:9464" }, got ${JSON.stringify(v)}`);
  for (const k of Object.keys(v)) if (k !== 'listen') fail(`${key}.${k}`, 'unknown key; expected listen');
  const listen = (v as { listen?: unknown }).listen;
  if (typeof listen !== 'string') fail(`${key}.listen`, `is required: "address:port", got ${JSON.stringify(listen)}`);
  return parseListen(listen, `${key}.listen`);
}

/** Loopback addresses: the only ones the exporter listens on without a warning (it has no authentication). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
