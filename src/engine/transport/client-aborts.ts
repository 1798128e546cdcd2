// Clients that go away before their request is read are ordinary (timeouts, cancelled fetches,
// slow clients): they are counted, not logged as errors one stack each. At most one line per
// window says how many there were.
export class ClientAborts {
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs = 10_000,
    private readonly log: (line: string) => void = (line) => console.warn(line),
  ) {}

  /** Count one; the first of a window schedules the window's one summary line. */
  record(): void {
    this.count++;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  /** Write the pending summary now (and stop its timer). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.count) return;
    const n = this.count;
    this.count = 0;
    this.log(`${n} request${n === 1 ? ' was' : 's were'} abandoned by ${n === 1 ? 'its client' : 'their clients'} before being read (not errors)`);
  }
}

/** The client is gone: the request stream was aborted or the connection closed under us. */
export function clientGone(req: { readableAborted?: boolean; destroyed?: boolean; socket?: { destroyed?: boolean } | null }, err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return Boolean(req.readableAborted || req.socket?.destroyed || code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE');
}
