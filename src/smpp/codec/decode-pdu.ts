/**
 * Strict PDU decoder. It walks the node-smpp tables (pdu-tables.ts) with its
 * own bounds-checked readers instead of the package's `new PDU(buffer)`,
 * which reads past the end of a short body, runs an unterminated C-string
 * into the next field, silently truncates a TLV whose length overruns, and
 * turns short_message into text through its own charset guesses. Here
 * short_message and message_payload come back as the exact octets.
 *
 * Stricter than the package also on values the session must refuse: a
 * time field that is neither empty nor 16 characters (ESME_RINVSCHED /
 * ESME_RINVEXPIRY), a dest_flag other than 1 or 2.
 *
 * Deliberate leniencies, each because real peers do it and nothing is
 * ambiguous: a *response* with no body at all (e.g. deliver_sm_resp of 16
 * octets, or any error response, §4) decodes with default fields; a
 * C-string TLV without its NUL (receipted_message_id from some SMSCs) ends
 * at its TLV length.
 */
import { COMMAND_STATUS } from './command-status';
import { PduDecodeError, type PduFault, type PduHeader } from './pdu-errors';
import { COMMAND_SPECS, TLV_BY_TAG, defaultParamValue, type ParamSpec, type TlvSpec } from './pdu-tables';
import { RESPONSE_BIT, commandNameOf, type Pdu, type RawTlv } from './pdu-types';

export const PDU_HEADER_LENGTH = 16;

class Reader {
  offset = PDU_HEADER_LENGTH;
  constructor(
    readonly buf: Buffer,
    readonly header: PduHeader,
  ) {}

  fail(message: string, status: number = COMMAND_STATUS.ESME_RINVCMDLEN, fault: PduFault = 'structure'): never {
    throw new PduDecodeError(message, status, this.header, fault);
  }

  need(n: number, what: string): void {
    if (this.offset + n > this.buf.length) this.fail(`${what} runs past the end of the PDU`);
  }

  int(size: 1 | 2 | 4, what: string): number {
    this.need(size, what);
    const { buf, offset } = this;
    this.offset += size;
    return size === 1 ? buf.readUInt8(offset) : size === 2 ? buf.readUInt16BE(offset) : buf.readUInt32BE(offset);
  }

  cstring(what: string): string {
    const nul = this.buf.indexOf(0, this.offset);
    if (nul < 0) this.fail(`C-string ${what} has no NUL terminator`);
    const value = this.buf.toString('latin1', this.offset, nul);
    this.offset = nul + 1;
    return value;
  }

  octets(what: string): Buffer {
    const length = this.int(1, `${what} length`);
    if (this.offset + length > this.buf.length) {
      this.fail(`${what} length ${length} runs past the end of the PDU`, COMMAND_STATUS.ESME_RINVMSGLEN);
    }
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

function readParam(r: Reader, param: ParamSpec): unknown {
  switch (param.kind) {
    case 'int8':
      return r.int(1, param.name);
    case 'int16':
      return r.int(2, param.name);
    case 'int32':
      return r.int(4, param.name);
    case 'cstring': {
      const value = r.cstring(param.name);
      if (param.isTime && value !== '' && value.length !== 16) {
        r.fail(`${param.name} is neither empty nor 16 characters`, TIME_FIELD_STATUS[param.name] ?? COMMAND_STATUS.ESME_RINVCMDLEN, 'value');
      }
      return value;
    }
    case 'octets':
      return r.octets(param.name);
    case 'dest_address_array': {
      const count = r.int(1, 'number_of_dests');
      const out: Array<Record<string, unknown>> = [];
      for (let i = 0; i < count; i++) {
        const flag = r.int(1, 'dest_flag');
        if (flag === 1) {
          out.push({ dest_addr_ton: r.int(1, 'dest_addr_ton'), dest_addr_npi: r.int(1, 'dest_addr_npi'), destination_addr: r.cstring('destination_addr') });
        } else if (flag === 2) {
          out.push({ dl_name: r.cstring('dl_name') });
        } else {
          r.fail(`dest_flag ${flag} is neither 1 nor 2`, COMMAND_STATUS.ESME_RINVDESTFLAG, 'value');
        }
      }
      return out;
    }
    case 'unsuccess_sme_array': {
      const count = r.int(1, 'no_unsuccess');
      const out: Array<Record<string, unknown>> = [];
      for (let i = 0; i < count; i++) {
        out.push({
          dest_addr_ton: r.int(1, 'dest_addr_ton'),
          dest_addr_npi: r.int(1, 'dest_addr_npi'),
          destination_addr: r.cstring('destination_addr'),
          error_status_code: r.int(4, 'error_status_code'),
        });
      }
      return out;
    }
  }
}

const FIXED_TLV_SIZE = { int8: 1, int16: 2, int32: 4 } as const;
/** §7.1.1 time fields: '' or exactly 16 characters; the status to answer when not. */
const TIME_FIELD_STATUS: Readonly<Record<string, number>> = {
  schedule_delivery_time: COMMAND_STATUS.ESME_RINVSCHED,
  validity_period: COMMAND_STATUS.ESME_RINVEXPIRY,
};

function readTlvValue(r: Reader, spec: TlvSpec, start: number, length: number): unknown {
  const { buf } = r;
  switch (spec.kind) {
    case 'int8':
    case 'int16':
    case 'int32':
      if (length !== FIXED_TLV_SIZE[spec.kind]) {
        r.fail(`TLV ${spec.name} has length ${length}, expected ${FIXED_TLV_SIZE[spec.kind]}`, COMMAND_STATUS.ESME_RINVPARLEN);
      }
      return spec.kind === 'int8' ? buf.readUInt8(start) : spec.kind === 'int16' ? buf.readUInt16BE(start) : buf.readUInt32BE(start);
    case 'cstring': {
      const nul = buf.indexOf(0, start);
      return buf.toString('latin1', start, nul >= 0 && nul < start + length ? nul : start + length);
    }
    case 'string':
      return buf.toString('latin1', start, start + length);
    case 'octets':
      return buf.subarray(start, start + length);
  }
}

function readHeader(buf: Buffer): PduHeader {
  if (buf.length < PDU_HEADER_LENGTH) {
    throw new PduDecodeError(`${buf.length} octets is shorter than a PDU header`, COMMAND_STATUS.ESME_RINVCMDLEN);
  }
  return {
    commandLength: buf.readUInt32BE(0),
    commandId: buf.readUInt32BE(4),
    commandStatus: buf.readUInt32BE(8),
    sequenceNumber: buf.readUInt32BE(12),
  };
}

/**
 * Decodes exactly one PDU (as the framer cut it). Throws PduDecodeError with
 * the command_status to answer and the header when it could be read.
 * The returned Buffers are views into `buf`: copy them to keep them past
 * the buffer's reuse (the framer never reuses its output).
 */
export function decodePdu(buf: Buffer): Pdu {
  const header = readHeader(buf);
  if (header.commandLength !== buf.length) {
    throw new PduDecodeError(`command_length ${header.commandLength} but ${buf.length} octets`, COMMAND_STATUS.ESME_RINVCMDLEN, header);
  }
  const command = commandNameOf(header.commandId);
  const spec = command && COMMAND_SPECS.get(command);
  if (!spec) {
    throw new PduDecodeError(`unknown command_id 0x${header.commandId.toString(16)}`, COMMAND_STATUS.ESME_RINVCMDID, header);
  }
  const r = new Reader(buf, header);
  const fields: Record<string, unknown> = {};
  const isResponse = (header.commandId & RESPONSE_BIT) !== 0;
  if (isResponse && buf.length === PDU_HEADER_LENGTH) {
    for (const param of spec.params) fields[param.name] = defaultParamValue(param);
  } else {
    for (const param of spec.params) fields[param.name] = readParam(r, param);
  }
  let unknownTlvs: RawTlv[] | undefined;
  while (r.offset < buf.length) {
    if (r.offset + 4 > buf.length) r.fail(`${buf.length - r.offset} stray octets after the last TLV`, COMMAND_STATUS.ESME_RINVOPTPARSTREAM);
    const tag = buf.readUInt16BE(r.offset);
    const length = buf.readUInt16BE(r.offset + 2);
    const start = r.offset + 4;
    if (start + length > buf.length) {
      r.fail(`TLV 0x${tag.toString(16)} length ${length} runs past the end of the PDU`, COMMAND_STATUS.ESME_RINVPARLEN);
    }
    const tlv = TLV_BY_TAG.get(tag);
    if (tlv) {
      const name = spec.tlvRename[tlv.name] ?? tlv.name;
      const value = readTlvValue(r, tlv, start, length);
      if (tlv.multiple) {
        const list = (fields[name] as unknown[] | undefined) ?? [];
        list.push(value);
        fields[name] = list;
      } else {
        fields[name] = value;
      }
    } else {
      (unknownTlvs ??= []).push({ tag, value: buf.subarray(start, start + length) });
    }
    r.offset = start + length;
  }
  const pdu = {
    command: spec.name,
    commandId: header.commandId,
    commandStatus: header.commandStatus,
    sequenceNumber: header.sequenceNumber,
    fields,
    ...(unknownTlvs ? { unknownTlvs } : {}),
  };
  return pdu as Pdu;
}

/** The header alone, for callers that must answer a PDU they could not decode. */
export function peekHeader(buf: Buffer): PduHeader | undefined {
  return buf.length >= PDU_HEADER_LENGTH ? readHeader(buf) : undefined;
}
