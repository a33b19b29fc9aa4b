import { describe, expect, it } from 'vitest';
import {
  COMMAND_STATUS,
  FramingError,
  PduDecodeError,
  PduEncodeError,
  PduFramer,
  commandStatusName,
  decodePdu,
  encodePdu,
  type OutgoingPdu,
} from '../../../src/smpp/codec';
import { smppPackage } from '../../../src/smpp/codec/pdu-tables';

/** Annotated hex: everything after '#' on a line is a comment; whitespace is ignored. */
function hex(annotated: string): Buffer {
  const digits = annotated
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  return Buffer.from(digits, 'hex');
}

const BIND_TRANSCEIVER = hex(`
  0000002a                      # command_length 42
  00000009                      # command_id bind_transceiver
  00000000                      # command_status
  00000001                      # sequence_number 1
  736d7070636c69656e743100      # system_id "smppclient1\\0"
  70617373776f726400            # password "password\\0"
  00                            # system_type ""
  34                            # interface_version 3.4
  00 00                         # addr_ton, addr_npi
  00                            # address_range ""
`);

const SUBMIT_SM_UDH = hex(`
  00000045                      # command_length 69
  00000004                      # submit_sm
  00000000 00000002             # status 0, sequence 2
  00                            # service_type ""
  05 00 41434d4500              # source ton 5 (alphanumeric), npi 0, "ACME\\0"
  01 01 39383931323132333435363700  # dest ton 1, npi 1, "989121234567\\0"
  40                            # esm_class: UDHI
  00 00                         # protocol_id, priority_flag
  00 00                         # schedule_delivery_time "", validity_period ""
  01                            # registered_delivery: final receipt
  00                            # replace_if_present_flag
  00                            # data_coding 0: GSM 03.38, unpacked septets
  00                            # sm_default_msg_id
  0e                            # sm_length 14
  050003 2a 02 01               # UDH: concat 8-bit, ref 0x2a, 2 parts, part 1
  1b3c 48 65 6c 6c 6f 11        # "[Hello_" : 1b3c is the GSM escape for '[', 0x11 is '_' (not ASCII)
  0204 0002 0001                # TLV user_message_reference = 1
`);

const SUBMIT_SM_RESP = hex(`
  00000019 80000004 00000000 00000002  # submit_sm_resp, seq 2, length 25
  3566336130633031 00                  # message_id "5f3a0c01\\0"
`);

const RECEIPT_TEXT =
  'id:5f3a0c01 sub:001 dlvrd:001 submit date:2401021504 done date:2401021505 stat:DELIVRD err:000 text:Hello';

const DELIVER_SM_RECEIPT = Buffer.concat([
  hex(`
  000000ac 00000005 00000000 0000000b  # deliver_sm, length 172, seq 11
  00                                   # service_type ""
  01 01 39383931323132333435363700     # source: the handset "989121234567"
  05 00 41434d4500                     # destination: "ACME"
  04                                   # esm_class: SMSC delivery receipt
  00 00 00 00 00 00                    # protocol_id, priority, schedule "", validity "", registered_delivery, replace
  00 00                                # data_coding 0, sm_default_msg_id
  69                                   # sm_length 105 (the receipt text below)
`),
  Buffer.from(RECEIPT_TEXT, 'latin1'),
  hex(`
  001e 0009 3566336130633031 00        # receipted_message_id "5f3a0c01\\0"
  0427 0001 02                         # message_state 2 = DELIVERED
`),
]);

const ENQUIRE_LINK = hex('00000010 00000015 00000000 00000007 # enquire_link, seq 7, no body');
const GENERIC_NACK = hex('00000010 80000000 00000003 00000009 # generic_nack ESME_RINVCMDID, seq 9');

describe('encodePdu / decodePdu, byte-exact', () => {
  const cases: Array<{ name: string; bytes: Buffer; pdu: OutgoingPdu }> = [
    {
      name: 'bind_transceiver with interface_version 0x34 by default',
      bytes: BIND_TRANSCEIVER,
      pdu: { command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: 'smppclient1', password: 'password' } },
    },
    {
      name: 'submit_sm with a concat UDH, data_coding 0 septets and registered_delivery',
      bytes: SUBMIT_SM_UDH,
      pdu: {
        command: 'submit_sm',
        sequenceNumber: 2,
        fields: {
          source_addr_ton: 5,
          source_addr: 'ACME',
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: '989121234567',
          esm_class: 0x40,
          registered_delivery: 1,
          data_coding: 0,
          short_message: hex('050003 2a 02 01 1b3c 48 65 6c 6c 6f 11'),
          user_message_reference: 1,
        },
      },
    },
    { name: 'submit_sm_resp', bytes: SUBMIT_SM_RESP, pdu: { command: 'submit_sm_resp', sequenceNumber: 2, fields: { message_id: '5f3a0c01' } } },
    {
      name: 'deliver_sm receipt with receipted_message_id and message_state',
      bytes: DELIVER_SM_RECEIPT,
      pdu: {
        command: 'deliver_sm',
        sequenceNumber: 11,
        fields: {
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: '989121234567',
          dest_addr_ton: 5,
          destination_addr: 'ACME',
          esm_class: 0x04,
          short_message: Buffer.from(RECEIPT_TEXT, 'latin1'),
          receipted_message_id: '5f3a0c01',
          message_state: 2,
        },
      },
    },
    { name: 'enquire_link', bytes: ENQUIRE_LINK, pdu: { command: 'enquire_link', sequenceNumber: 7 } },
    { name: 'generic_nack', bytes: GENERIC_NACK, pdu: { command: 'generic_nack', sequenceNumber: 9, commandStatus: 3 } },
  ];

  for (const c of cases) {
    it(`encodes ${c.name} to the annotated octets`, () => {
      expect(encodePdu(c.pdu).toString('hex')).toBe(c.bytes.toString('hex'));
    });

    it(`encodes ${c.name} exactly as the smpp package's PDU class would`, () => {
      const options: Record<string, unknown> = { ...c.pdu.fields, sequence_number: c.pdu.sequenceNumber };
      if (c.pdu.commandStatus) options.command_status = c.pdu.commandStatus;
      if (c.pdu.command === 'bind_transceiver') options.interface_version = 0x34;
      const theirs = new smppPackage.PDU(c.pdu.command, options).toBuffer();
      expect(encodePdu(c.pdu).toString('hex')).toBe(theirs.toString('hex'));
    });

    it(`decodes ${c.name} and re-encodes it to the same octets`, () => {
      const pdu = decodePdu(c.bytes);
      expect(pdu.command).toBe(c.pdu.command);
      expect(pdu.sequenceNumber).toBe(c.pdu.sequenceNumber);
      expect(pdu.commandStatus).toBe(c.pdu.commandStatus ?? 0);
      for (const [key, value] of Object.entries(c.pdu.fields ?? {})) {
        expect((pdu.fields as Record<string, unknown>)[key], key).toEqual(value);
      }
      expect(encodePdu(pdu).toString('hex')).toBe(c.bytes.toString('hex'));
    });
  }

  it('gives short_message back as the exact octets, never text (GSM escape and 0x11 intact)', () => {
    const pdu = decodePdu(SUBMIT_SM_UDH);
    if (pdu.command !== 'submit_sm') throw new Error('expected submit_sm');
    expect(Buffer.isBuffer(pdu.fields.short_message)).toBe(true);
    expect(pdu.fields.short_message.toString('hex')).toBe('0500032a02011b3c48656c6c6f11');
    expect(pdu.fields.data_coding).toBe(0);
  });

  it('gives message_payload back as the exact octets', () => {
    const payload = Buffer.from('00d800de0041', 'hex');
    const bytes = encodePdu({ command: 'submit_sm', sequenceNumber: 3, fields: { data_coding: 8, message_payload: payload } });
    const pdu = decodePdu(bytes);
    if (pdu.command !== 'submit_sm') throw new Error('expected submit_sm');
    expect(pdu.fields.message_payload?.toString('hex')).toBe('00d800de0041');
    expect(pdu.fields.short_message.length).toBe(0);
  });

  it('decodes a body-less response (deliver_sm_resp of 16 octets, error submit_sm_resp) with default fields', () => {
    const pdu = decodePdu(hex('00000010 80000005 00000000 00000004'));
    expect(pdu).toMatchObject({ command: 'deliver_sm_resp', fields: { message_id: '' } });
    const rejected = decodePdu(encodePdu({ command: 'submit_sm_resp', sequenceNumber: 5, commandStatus: 0x58 }));
    expect(rejected).toMatchObject({ command: 'submit_sm_resp', commandStatus: 0x58, sequenceNumber: 5 });
  });

  it('keeps TLVs of unknown tag as octets and writes them back', () => {
    const bytes = encodePdu({ command: 'deliver_sm_resp', sequenceNumber: 1, fields: { message_id: '' }, unknownTlvs: [{ tag: 0x1401, value: Buffer.from([1, 2]) }] });
    expect(bytes.toString('hex')).toBe(
      '00000017800000050000000000000001' + // deliver_sm_resp, length 23, seq 1
        '00' + // message_id ""
        '1401' + '0002' + '0102', // TLV tag 0x1401, length 2, octets 01 02
    );
    const pdu = decodePdu(bytes);
    expect(pdu.unknownTlvs).toEqual([{ tag: 0x1401, value: Buffer.from([1, 2]) }]);
    expect(encodePdu(pdu).equals(bytes)).toBe(true);
  });

  it('reads a C-string TLV without its NUL up to its length (some SMSCs send receipted_message_id so)', () => {
    const bytes = Buffer.concat([encodePdu({ command: 'deliver_sm', sequenceNumber: 1 }), hex('001e 0003 616263')]);
    bytes.writeUInt32BE(bytes.length, 0);
    expect(decodePdu(bytes).fields).toMatchObject({ receipted_message_id: 'abc' });
  });
});

describe('decodePdu rejects malformed input with the status to answer', () => {
  function decodeError(bytes: Buffer): PduDecodeError {
    try {
      decodePdu(bytes);
    } catch (error) {
      if (error instanceof PduDecodeError) return error;
      throw error;
    }
    throw new Error('expected a PduDecodeError');
  }

  it('fewer than 16 octets: ESME_RINVCMDLEN, no header', () => {
    const error = decodeError(hex('00000010 00000015'));
    expect(error.commandStatus).toBe(COMMAND_STATUS.ESME_RINVCMDLEN);
    expect(error.header).toBeUndefined();
  });

  it('body shorter than command_length says: ESME_RINVCMDLEN', () => {
    const error = decodeError(SUBMIT_SM_RESP.subarray(0, 20));
    expect(error.commandStatus).toBe(COMMAND_STATUS.ESME_RINVCMDLEN);
    expect(error.header).toMatchObject({ commandId: 0x80000004, sequenceNumber: 2 });
  });

  it('unknown command_id: ESME_RINVCMDID with the sequence number to nack', () => {
    const error = decodeError(hex('00000010 00000099 00000000 0000002a'));
    expect(error.commandStatus).toBe(COMMAND_STATUS.ESME_RINVCMDID);
    expect(error.header?.sequenceNumber).toBe(0x2a);
  });

  it('a C-string without its NUL: ESME_RINVCMDLEN (node-smpp would read on)', () => {
    const bytes = hex('00000018 00000009 00000000 00000001 6162636465666768 # system_id "abcdefgh", no NUL');
    expect(decodeError(bytes).commandStatus).toBe(COMMAND_STATUS.ESME_RINVCMDLEN);
  });

  it('a request missing its mandatory fields: ESME_RINVCMDLEN', () => {
    expect(decodeError(hex('00000010 00000004 00000000 00000001')).commandStatus).toBe(COMMAND_STATUS.ESME_RINVCMDLEN);
  });

  it('sm_length past the end: ESME_RINVMSGLEN', () => {
    const bytes = Buffer.from(SUBMIT_SM_UDH.subarray(0, SUBMIT_SM_UDH.length - 6)); // drop the TLV
    bytes.writeUInt32BE(bytes.length, 0);
    bytes[bytes.length - 15] = 0x20; // sm_length 32 > 14 octets left
    expect(decodeError(bytes).commandStatus).toBe(COMMAND_STATUS.ESME_RINVMSGLEN);
  });

  it('a TLV length past the end: ESME_RINVPARLEN (node-smpp would truncate silently)', () => {
    const bytes = Buffer.from(DELIVER_SM_RECEIPT);
    bytes.writeUInt16BE(0x0009, bytes.length - 3); // message_state claims 9 octets
    expect(decodeError(bytes)).toMatchObject({ commandStatus: COMMAND_STATUS.ESME_RINVPARLEN, fault: 'structure' });
  });

  it('an integer TLV of the wrong length: ESME_RINVPARLEN', () => {
    const bytes = Buffer.concat([encodePdu({ command: 'deliver_sm', sequenceNumber: 1 }), hex('0427 0002 0002')]);
    bytes.writeUInt32BE(bytes.length, 0);
    expect(decodeError(bytes).commandStatus).toBe(COMMAND_STATUS.ESME_RINVPARLEN);
  });

  it('a validity_period neither empty nor 16 characters: ESME_RINVEXPIRY', () => {
    const good = encodePdu({ command: 'submit_sm', sequenceNumber: 1, fields: { validity_period: '000001000000000R' } });
    const bad = Buffer.from(good.toString('latin1').replace('000001000000000R', '0001R'), 'latin1');
    bad.writeUInt32BE(bad.length, 0);
    expect(decodeError(bad)).toMatchObject({ commandStatus: COMMAND_STATUS.ESME_RINVEXPIRY, fault: 'value' });
  });

  it('stray octets after the last TLV: ESME_RINVOPTPARSTREAM', () => {
    const bytes = Buffer.concat([SUBMIT_SM_RESP, hex('0427')]);
    bytes.writeUInt32BE(bytes.length, 0);
    expect(decodeError(bytes).commandStatus).toBe(COMMAND_STATUS.ESME_RINVOPTPARSTREAM);
  });
});

describe('encodePdu refuses invalid values (nothing goes on the wire)', () => {
  it.each<[string, OutgoingPdu]>([
    ['a NUL inside a C-string', { command: 'bind_transceiver', sequenceNumber: 1, fields: { system_id: 'a\0b' } }],
    ['short_message above 254 octets', { command: 'submit_sm', sequenceNumber: 1, fields: { short_message: Buffer.alloc(255) } }],
    ['an int8 out of range', { command: 'submit_sm', sequenceNumber: 1, fields: { esm_class: 256 } }],
    ['a time that is neither empty nor 16 characters', { command: 'submit_sm', sequenceNumber: 1, fields: { validity_period: '000001' } }],
    ['a non-zero command_status in a request', { command: 'submit_sm', sequenceNumber: 1, commandStatus: 8 }],
    ['a field that is neither a parameter nor a TLV', { command: 'enquire_link', sequenceNumber: 1, fields: { bogus: 1 } as never }],
    ['a sequence number above 32 bits', { command: 'enquire_link', sequenceNumber: 2 ** 32 }],
  ])('%s', (_name, pdu) => {
    expect(() => encodePdu(pdu)).toThrow(PduEncodeError);
  });
});

describe('PduFramer', () => {
  it('holds a short header until the rest arrives', () => {
    const framer = new PduFramer();
    expect(framer.push(ENQUIRE_LINK.subarray(0, 3))).toEqual([]);
    expect(framer.push(ENQUIRE_LINK.subarray(3, 10))).toEqual([]);
    expect(framer.bufferedOctets).toBe(10);
    expect(framer.push(ENQUIRE_LINK.subarray(10))).toEqual([ENQUIRE_LINK]);
    expect(framer.bufferedOctets).toBe(0);
  });

  it('reassembles a PDU split across reads, one octet at a time', () => {
    const framer = new PduFramer();
    const out: Buffer[] = [];
    for (const octet of DELIVER_SM_RECEIPT) out.push(...framer.push(Buffer.from([octet])));
    expect(out).toHaveLength(1);
    expect(out[0]?.equals(DELIVER_SM_RECEIPT)).toBe(true);
  });

  it('cuts two PDUs and the start of a third out of one read', () => {
    const framer = new PduFramer();
    const out = framer.push(Buffer.concat([SUBMIT_SM_RESP, ENQUIRE_LINK, GENERIC_NACK.subarray(0, 5)]));
    expect(out.map((b) => b.toString('hex'))).toEqual([SUBMIT_SM_RESP.toString('hex'), ENQUIRE_LINK.toString('hex')]);
    expect(framer.push(GENERIC_NACK.subarray(5))).toEqual([GENERIC_NACK]);
  });

  it('throws FramingError on command_length below 16, and stays broken', () => {
    const framer = new PduFramer();
    expect(() => framer.push(hex('0000000f 00000015 00000000 00000001'))).toThrow(FramingError);
    expect(() => framer.push(ENQUIRE_LINK)).toThrow(FramingError);
  });

  it('throws FramingError on command_length above the maximum as soon as the length is read', () => {
    const framer = new PduFramer({ maxPduOctets: 1024 });
    expect(() => framer.push(hex('00000401'))).toThrow(/command_length 1025/);
  });

  it('never holds more than one incomplete PDU', () => {
    const framer = new PduFramer({ maxPduOctets: 256 });
    framer.push(Buffer.concat([ENQUIRE_LINK, hex('000000ff'), Buffer.alloc(100)]));
    expect(framer.bufferedOctets).toBe(104);
  });
});

describe('command status table', () => {
  it('names codes, and prints unknown ones in hex', () => {
    expect(COMMAND_STATUS.ESME_RTHROTTLED).toBe(0x58);
    expect(commandStatusName(0x0b)).toBe('ESME_RINVDSTADR');
    expect(commandStatusName(0x400)).toBe('0x00000400');
  });
});

describe('decodePdu on garbage', () => {
  it('either decodes or throws PduDecodeError, for thousands of corrupted PDUs', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const fixtures = [BIND_TRANSCEIVER, SUBMIT_SM_UDH, SUBMIT_SM_RESP, DELIVER_SM_RECEIPT, ENQUIRE_LINK, GENERIC_NACK];
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 5_000; i++) {
      const source = fixtures[random(fixtures.length)] as Buffer;
      const bytes = Buffer.from(source.subarray(0, 16 + random(source.length - 15)));
      for (let flips = 1 + random(4); flips > 0; flips--) {
        const at = 16 + random(Math.max(1, bytes.length - 16));
        if (at < bytes.length) bytes[at] = random(256);
      }
      bytes.writeUInt32BE(bytes.length, 0);
      try {
        const pdu = decodePdu(bytes);
        expect(encodePdu(pdu).length).toBeGreaterThanOrEqual(16);
        decoded++;
      } catch (error) {
        if (!(error instanceof PduDecodeError) && !(error instanceof PduEncodeError)) throw error;
        rejected++;
      }
    }
    expect(decoded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('submit_multi and its response', () => {
  it('round-trips destination lists and unsuccessful SMEs', () => {
    const multi = encodePdu({
      command: 'submit_multi',
      sequenceNumber: 3,
      fields: {
        dest_address: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '989121234567' }, { dl_name: 'friends' }],
        short_message: Buffer.from('hi'),
      },
    });
    const theirs = new smppPackage.PDU('submit_multi', {
      sequence_number: 3,
      dest_address: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '989121234567' }, { dl_name: 'friends' }],
      short_message: Buffer.from('hi'),
      data_coding: 0,
    }).toBuffer();
    expect(multi.toString('hex')).toBe(theirs.toString('hex'));
    expect(decodePdu(multi).fields).toMatchObject({ dest_address: [{ destination_addr: '989121234567' }, { dl_name: 'friends' }] });
    const resp = encodePdu({
      command: 'submit_multi_resp',
      sequenceNumber: 3,
      fields: { message_id: 'm1', unsuccess_sme: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '1', error_status_code: 0x0b }] },
    });
    expect(decodePdu(resp).fields).toMatchObject({ unsuccess_sme: [{ destination_addr: '1', error_status_code: 0x0b }] });
  });

  it('refuses a dest_addr_ton out of range', () => {
    expect(() => encodePdu({ command: 'submit_multi', sequenceNumber: 1, fields: { dest_address: [{ dest_addr_ton: 300, destination_addr: '1' }] } })).toThrow(PduEncodeError);
  });
});
