// What the figures were measured on, and the load while they were.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface Machine { cpu: string; cores: number; kernel: string; node: string; clang: string; date: string }

export function describeMachine(): Machine {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'n/a';
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    kernel: os.release(),
    node: process.version,
    clang,
    date: new Date().toISOString(),
  };
}

/** Samples the 1-minute load average every few seconds while a run lasts. */
export class LoadSampler {
  private readonly samples: number[] = [os.loadavg()[0]];
  private readonly timer = setInterval(() => this.samples.push(os.loadavg()[0]), 5000);
  constructor() { this.timer.unref(); }
  stop(): { min: number; max: number; mean: number; samples: number } {
    clearInterval(this.timer);
    this.samples.push(os.loadavg()[0]);
    const s = this.samples;
    return { min: Math.min(...s), max: Math.max(...s), mean: s.reduce((a, b) => a + b, 0) / s.length, samples: s.length };
  }
}
