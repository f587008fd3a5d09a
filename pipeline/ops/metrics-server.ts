// The HTTP endpoint Prometheus scrapes: GET /metrics, nothing else. Errors in
// rendering answer 500 and are logged; the data path never sees a scrape.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WasmxdpError } from '../../host/errors.js';
import { isLoopback, type MetricsConfig } from './metrics-config.js';
import { MetricsExporter } from './metrics.js';
import type { PublishedSource } from './published.js';

export class MetricsServer {
  private constructor(private readonly server: http.Server) {}

  static async listen(cfg: MetricsConfig, exporter: MetricsExporter, onError: (msg: string) => void): Promise<MetricsServer> {
    const server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url !== '/metrics') { res.writeHead(404, { 'content-type': 'text/plain' }).end('wasmxdp: only /metrics is served here\n'); return; }
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
      exporter.render().then(
        (text) => res.writeHead(200, { 'content-type': exporter.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (e: Error) => { onError(`metrics: rendering failed: ${e.message}`); res.writeHead(500, { 'content-type': 'text/plain' }).end('rendering failed\n'); },
      );
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new WasmxdpError('E_IO', `metrics: cannot listen on ${cfg.host}:${cfg.port}: ${e.code ?? e.message} (change "metrics.listen" in the config)`)));
      server.listen(cfg.port, cfg.host, () => resolve());
    });
    return new MetricsServer(server);
  }

  /** "host:port" actually bound (the port is chosen by the kernel for port 0). */
  get address(): string {
    const a = this.server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** serve's hook: the endpoint when the config asks for one, else null. */
export async function startMetrics(cfg: MetricsConfig | undefined, source: PublishedSource, log: (l: string) => void): Promise<MetricsServer | null> {
  if (!cfg) return null;
  const server = await MetricsServer.listen(cfg, new MetricsExporter(source), log);
  if (!isLoopback(cfg.host)) log(`metrics: warning: ${cfg.host} is not a loopback address; the endpoint has no authentication`);
  log(`metrics on http://${server.address}/metrics`);
  return server;
}
