// A progress line for long offline runs, on a terminal only: redrawn in place
// (carriage return) at most a few times a second and erased at the end, so a
// log file or a pipe never sees it.

export interface ProgressStream { isTTY?: boolean; write(s: string): unknown }

const REDRAW_MS = 250;

export class Progress {
  private readonly on: boolean;
  private last = 0;
  private drawn = false;

  /** `totalBytes`: the capture's size when known (a regular file), else null. */
  constructor(private readonly stream: ProgressStream, private readonly label: string, private readonly totalBytes: number | null, private readonly now = () => Date.now()) {
    this.on = stream.isTTY === true;
  }

  /** Cheap when called per packet: redraws only every REDRAW_MS. */
  update(bytesRead: number, packets: number): void {
    if (!this.on) return;
    const t = this.now();
    if (t - this.last < REDRAW_MS) return;
    this.last = t;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const share = this.totalBytes ? ` of ${mb(this.totalBytes)} MB (${Math.min(100, (100 * bytesRead) / this.totalBytes).toFixed(0)}%)` : ' MB';
    this.stream.write(`\r\x1b[K${this.label}: ${packets.toLocaleString('en-US')} packets, ${mb(bytesRead)}${share}`);
    this.drawn = true;
  }

  /** Erases the line (before the summary or an error is printed). */
  end(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
