/**
 * Coalesces the PDUs written during one turn of the event loop into one
 * socket write (one syscall for hundreds of responses), and reports when
 * the socket's buffer is above its high-water mark so the session can stop
 * reading until it drains.
 */
import type { Socket } from 'node:net';

export class BatchedWriter {
  private queue: Buffer[] = [];
  private scheduled = false;
  private blockedValue = false;

  constructor(
    private readonly socket: Socket,
    /** Called when `blocked` changes. */
    private readonly onBlockedChange: () => void,
  ) {
    socket.on('drain', () => {
      this.blockedValue = false;
      this.onBlockedChange();
    });
  }

  /** True while the socket's write buffer is above its high-water mark. */
  get blocked(): boolean {
    return this.blockedValue;
  }

  write(buf: Buffer): void {
    if (this.socket.destroyed) return;
    this.queue.push(buf);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued now. */
  flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    if (this.socket.destroyed || !this.socket.writable) return;
    const ok = this.socket.write(queue.length === 1 ? (queue[0] as Buffer) : Buffer.concat(queue));
    if (!ok && !this.blockedValue) {
      this.blockedValue = true;
      this.onBlockedChange();
    }
  }

  /** Drops what is queued (the socket is being destroyed). */
  discard(): void {
    this.queue = [];
  }
}
