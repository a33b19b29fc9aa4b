/**
 * Peer requests cut from the socket, handed on in order while fewer than
 * `limit` are inside the request handler. The rest wait here; the session
 * stops reading once `limit` wait, so this holds at most `limit` plus one
 * socket read's worth of PDUs. (Responses never queue: they only free our
 * window.)
 */
export class InboundQueue {
  private frames: Buffer[] = [];
  private head = 0;
  private inHandler = 0;
  private pumping = false;

  constructor(
    private readonly limit: number,
    /** Handles one request PDU; calls started() / finished() around an asynchronous handler. */
    private readonly dispatch: (frame: Buffer) => void,
  ) {}

  /** Requests waiting for a handler slot. */
  get backlog(): number {
    return this.frames.length - this.head;
  }

  push(frame: Buffer): void {
    this.frames.push(frame);
  }

  started(): void {
    this.inHandler++;
  }

  finished(): void {
    this.inHandler--;
    this.pump();
  }

  /** Dispatches queued requests while handler slots are free. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.head < this.frames.length && this.inHandler < this.limit) {
        this.dispatch(this.frames[this.head++] as Buffer);
      }
    } finally {
      this.pumping = false;
    }
    if (this.head >= this.frames.length) {
      this.frames = [];
      this.head = 0;
    }
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
  }
}
