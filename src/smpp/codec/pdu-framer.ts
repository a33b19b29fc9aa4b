/**
 * Cuts a TCP byte stream into whole PDUs by their command_length.
 *
 * Bounded: it holds at most one partial PDU (< maxPduOctets) between
 * pushes. A command_length below 16 or above maxPduOctets throws
 * FramingError: the stream has lost its boundaries (or the peer is hostile)
 * and the session must close the socket; the framer is unusable afterwards.
 * Returned buffers are fresh or views of a chunk the framer never reuses.
 */
import { FramingError } from './pdu-errors';

export const PDU_HEADER_OCTETS = 16;
/** Default ceiling on one PDU: a 64 KiB message_payload plus headers fits. */
export const DEFAULT_MAX_PDU_OCTETS = 64 * 1024 + 1024;

export interface PduFramerOptions {
  /** Largest command_length accepted, in octets (default DEFAULT_MAX_PDU_OCTETS). */
  readonly maxPduOctets?: number;
}

export class PduFramer {
  readonly maxPduOctets: number;
  /** Pending octets of one incomplete PDU (or header). */
  private pending: Buffer[] = [];
  private pendingOctets = 0;
  /** command_length of the PDU in progress, 0 while fewer than 4 octets are held. */
  private expectedOctets = 0;
  private broken: FramingError | undefined;

  constructor(options: PduFramerOptions = {}) {
    this.maxPduOctets = options.maxPduOctets ?? DEFAULT_MAX_PDU_OCTETS;
    if (!Number.isInteger(this.maxPduOctets) || this.maxPduOctets < PDU_HEADER_OCTETS) {
      throw new RangeError(`maxPduOctets must be an integer >= ${PDU_HEADER_OCTETS}`);
    }
  }

  /** Octets held for an incomplete PDU. */
  get bufferedOctets(): number {
    return this.pendingOctets;
  }

  /** Feeds one chunk; returns the PDUs it completed, in order. Throws FramingError. */
  push(chunk: Buffer): Buffer[] {
    if (this.broken) throw this.broken;
    let data = chunk;
    if (this.pendingOctets > 0) {
      this.pending.push(chunk);
      this.pendingOctets += chunk.length;
      // Still short of the PDU in progress: keep the pieces, concatenate once it is whole.
      if (this.expectedOctets > 0 && this.pendingOctets < this.expectedOctets) return [];
      data = Buffer.concat(this.pending, this.pendingOctets);
      this.pending = [];
      this.pendingOctets = 0;
    }
    this.expectedOctets = 0;
    const out: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (length < PDU_HEADER_OCTETS || length > this.maxPduOctets) {
        this.broken = new FramingError(`command_length ${length} outside ${PDU_HEADER_OCTETS}..${this.maxPduOctets}`, length);
        throw this.broken;
      }
      if (data.length - offset < length) {
        this.expectedOctets = length;
        break;
      }
      out.push(data.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < data.length) {
      // Keep only the incomplete tail, copied so a small view does not pin a large chunk.
      const tail = Buffer.from(data.subarray(offset));
      this.pending.push(tail);
      this.pendingOctets = tail.length;
    }
    return out;
  }
}
