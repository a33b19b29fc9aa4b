import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_PARTS,
  GSM_BASIC,
  GSM_EXTENSION,
  MAX_PARTS,
  NotGsm7Error,
  TooManyPartsError,
  countSeptets,
  countUcs2Units,
  decodeGsm7Unpacked,
  decodeShortMessage,
  decodeUcs2,
  encodeGsm7Unpacked,
  encodeUcs2,
  isGsm7,
  measureText,
  packSeptets,
  segmentText,
  unpackSeptets,
  type ConcatMode,
} from '../../../src/core/text';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const PERSIAN = 'س';
const EMOJI = '😀'; // U+1F600, surrogate pair D83D DE00

describe('GSM 03.38 alphabet', () => {
  it('has 128 basic entries and round-trips every basic character except the escape slot', () => {
    expect(GSM_BASIC).toHaveLength(128);
    const text = GSM_BASIC.filter((_, septet) => septet !== 0x1b).join('');
    expect(isGsm7(text)).toBe(true);
    expect(decodeGsm7Unpacked(encodeGsm7Unpacked(text))).toBe(text);
  });

  it.each(Object.entries(GSM_EXTENSION))('extension character %j costs 2 septets, sent as 1B %i', (ch, code) => {
    expect(countSeptets(ch)).toBe(2);
    expect(measureText(ch)).toEqual({ encoding: 'gsm7', units: 2, parts: 1, unitsPerPart: 160 });
    expect([...encodeGsm7Unpacked(ch)]).toEqual([0x1b, code]);
    expect(decodeGsm7Unpacked(encodeGsm7Unpacked(ch))).toBe(ch);
  });

  it('treats characters outside both tables as not GSM (ç, a raw ESC, emoji, Persian)', () => {
    for (const ch of ['ç', '\u001b', EMOJI, PERSIAN]) expect(isGsm7(`a${ch}`)).toBe(false);
    expect(countSeptets('aç')).toBeNull();
    expect(() => encodeGsm7Unpacked('aç')).toThrow(NotGsm7Error);
  });

  it('decodes leniently: unknown escape code -> basic character, trailing escape -> space, high octet -> U+FFFD', () => {
    expect(decodeGsm7Unpacked(hex('1B 41 1B 1B 61 80 1B'))).toBe('A a\ufffd ');
  });
});

describe('packed septets', () => {
  it.each([
    ['hellohello', 0, 'E8 32 9B FD 46 97 D9 EC 37'],
    ['How are you?', 0, 'C8 F7 1D 14 96 97 41 F9 77 FD 07'],
    ['12345678', 0, '31 D9 8C 56 B3 DD 70'], // 8 septets fill 7 octets exactly
    ['hellohello', 1, 'D0 65 36 FB 8D 2E B3 D9 6F'], // 1 fill bit after a 6-octet UDH
  ])('packs %j with %i fill bits byte-exact and unpacks it back', (text, fill, packed) => {
    const septets = encodeGsm7Unpacked(text);
    expect(packSeptets(septets, fill)).toEqual(hex(packed));
    expect(unpackSeptets(hex(packed), text.length, fill)).toEqual(septets);
  });

  it('refuses to unpack more septets than the octets hold, and septets above 0x7F', () => {
    expect(() => unpackSeptets(hex('31 D9'), 3)).toThrow(RangeError);
    expect(() => packSeptets(hex('80'))).toThrow(RangeError);
  });
});

describe('UCS-2', () => {
  it('encodes UTF-16BE with an emoji as a surrogate pair of 2 units', () => {
    expect(encodeUcs2(`${PERSIAN}${EMOJI}`)).toEqual(hex('0633 D83D DE00'));
    expect(countUcs2Units(EMOJI)).toBe(2);
    expect(decodeUcs2(hex('0633 D83D DE00'))).toBe(`${PERSIAN}${EMOJI}`);
  });

  it('decodes a truncated trailing octet as U+FFFD', () => {
    expect(decodeUcs2(hex('0633 06'))).toBe(`${PERSIAN}\ufffd`);
  });
});

describe('measureText', () => {
  it.each([
    [0, 1, 160],
    [160, 1, 160],
    [161, 2, 153],
    [306, 2, 153],
    [307, 3, 153],
  ])('%i GSM septets need %i part(s) of %i', (length, parts, unitsPerPart) => {
    expect(measureText('a'.repeat(length))).toEqual({ encoding: 'gsm7', units: length, parts, unitsPerPart });
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('%i UCS-2 units need %i part(s)', (length, parts) => {
    expect(measureText(PERSIAN.repeat(length))).toMatchObject({ encoding: 'ucs2', units: length, parts });
  });

  it('measures 100 Persian characters as 2 UCS-2 parts', () => {
    expect(measureText(PERSIAN.repeat(100))).toEqual({ encoding: 'ucs2', units: 100, parts: 2, unitsPerPart: 67 });
  });

  it('counts an extra part when an escape pair cannot straddle (152 + € + 152 = 306 septets, 3 parts)', () => {
    expect(measureText(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toMatchObject({ units: 306, parts: 3 });
  });

  it('counts an emoji as 2 units and an extra part when it cannot straddle', () => {
    expect(measureText(EMOJI.repeat(35))).toMatchObject({ encoding: 'ucs2', units: 70, parts: 1 });
    expect(measureText(`${PERSIAN.repeat(66)}${EMOJI}${PERSIAN.repeat(66)}`)).toMatchObject({ units: 134, parts: 3 });
  });

  it('uses 152 / 66 units per part with a 16-bit reference UDH', () => {
    expect(measureText('a'.repeat(306), { concat: 'udh16' })).toMatchObject({ parts: 3, unitsPerPart: 152 });
    expect(measureText(PERSIAN.repeat(134), { concat: 'udh16' })).toMatchObject({ parts: 3, unitsPerPart: 66 });
  });
});

describe('segmentText', () => {
  it('sends a single part without UDH or SAR fields', () => {
    const out = segmentText('hello', { reference: 7 });
    expect(out).toEqual({ encoding: 'gsm7', dataCoding: 0, parts: [{ shortMessage: hex('68656C6C6F'), esmClass: 0 }] });
  });

  it('prefixes each part with the exact 8-bit reference UDH 05 00 03 ref total seq', () => {
    const out = segmentText('a'.repeat(161), { reference: 0x1234 });
    expect(out.parts.map((p) => p.shortMessage.subarray(0, 6))).toEqual([hex('050003 34 02 01'), hex('050003 34 02 02')]);
    expect(out.parts.map((p) => [p.esmClass, p.shortMessage.length])).toEqual([[0x40, 6 + 153], [0x40, 6 + 8]]);
  });

  it('prefixes each part with the exact 16-bit reference UDH 06 08 04 refHi refLo total seq', () => {
    const out = segmentText(PERSIAN.repeat(71), { reference: 0x1abcd, concat: 'udh16' });
    expect(out.dataCoding).toBe(8);
    expect(out.parts.map((p) => p.shortMessage.subarray(0, 7))).toEqual([hex('060804 ABCD 02 01'), hex('060804 ABCD 02 02')]);
    expect(out.parts.map((p) => p.shortMessage.length)).toEqual([7 + 66 * 2, 7 + 5 * 2]);
  });

  it('with SAR puts the reference in sar fields and sends no UDH', () => {
    const out = segmentText('a'.repeat(200), { reference: 0x10005, concat: 'sar' });
    expect(out.parts).toEqual([
      { shortMessage: Buffer.alloc(153, 0x61), esmClass: 0, sar: { refNum: 5, totalSegments: 2, seqNum: 1 } },
      { shortMessage: Buffer.alloc(47, 0x61), esmClass: 0, sar: { refNum: 5, totalSegments: 2, seqNum: 2 } },
    ]);
  });

  it('moves an escape character at septet 153 whole to the next part', () => {
    const out = segmentText(`${'a'.repeat(152)}€${'b'.repeat(10)}`, { reference: 1 });
    const [first, second] = out.parts.map((p) => p.shortMessage.subarray(6));
    expect(first).toEqual(Buffer.alloc(152, 0x61));
    expect(second?.subarray(0, 3)).toEqual(hex('1B 65 62'));
  });

  it('never splits an emoji surrogate pair', () => {
    const out = segmentText(`${PERSIAN.repeat(66)}${EMOJI}xxxxx`, { reference: 1 });
    expect(out.parts.map((p) => p.shortMessage.subarray(6).toString('hex'))).toEqual([
      '0633'.repeat(66),
      `d83dde00${'0078'.repeat(5)}`,
    ]);
  });

  it('honours a forced encoding and refuses gsm7 for text outside the alphabet', () => {
    expect(segmentText('hi', { reference: 1, encoding: 'ucs2' }).parts[0]?.shortMessage).toEqual(hex('0068 0069'));
    expect(() => segmentText(PERSIAN, { reference: 1, encoding: 'gsm7' })).toThrow(NotGsm7Error);
  });

  it('throws TooManyPartsError (code MESSAGE_TOO_LONG) beyond MAX_PARTS or the given limit', () => {
    expect(segmentText('a'.repeat(153 * MAX_PARTS), { reference: 1 }).parts).toHaveLength(MAX_PARTS);
    expect(() => segmentText('a'.repeat(153 * MAX_PARTS + 1), { reference: 1 })).toThrow(TooManyPartsError);
    const tooLong = (): unknown => segmentText('a'.repeat(153 * 10 + 1), { reference: 1, maxParts: DEFAULT_MAX_PARTS });
    expect(tooLong).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LONG', parts: 11, maxParts: 10 }));
  });

  // Property-style: a seeded PRNG (mulberry32) so any failure reproduces.
  it('produces exactly measureText parts, within limits, reassembling to the text, for many random texts', () => {
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const gsmPool = [...'abcXYZ019 @£€{}[]~^|\\\f\n'];
    const widePool = [...gsmPool, PERSIAN, 'ж', EMOJI, '👍🏽'];
    const limits = { udh8: { gsm7: 153, ucs2: 67 }, udh16: { gsm7: 152, ucs2: 66 }, sar: { gsm7: 153, ucs2: 67 } };
    for (let run = 0; run < 600; run++) {
      const pool = run % 2 === 0 ? gsmPool : widePool;
      const length = Math.floor(random() * 700);
      const text = Array.from({ length }, () => pool[Math.floor(random() * pool.length)]).join('');
      const concat = (['udh8', 'udh16', 'sar'] as const)[run % 3] as ConcatMode;
      const measured = measureText(text, { concat });
      const out = segmentText(text, { reference: run, concat });
      expect(out.parts).toHaveLength(measured.parts);
      const udhLength = out.parts.length === 1 || concat === 'sar' ? 0 : concat === 'udh8' ? 6 : 7;
      const payloads = out.parts.map((p) => p.shortMessage.subarray(udhLength));
      const decoded = payloads.map((p) => (out.encoding === 'gsm7' ? decodeGsm7Unpacked(p) : decodeUcs2(p)));
      expect(decoded.join('')).toBe(text);
      for (const p of payloads.slice(0, -1)) {
        if (out.encoding === 'gsm7') {
          expect(p.length).toBeLessThanOrEqual(limits[concat].gsm7);
          expect(p[p.length - 1]).not.toBe(0x1b);
        } else {
          expect(p.length / 2).toBeLessThanOrEqual(limits[concat].ucs2);
          expect(p.readUInt16BE(p.length - 2) >> 10).not.toBe(0xd800 >> 10); // no high surrogate last
        }
      }
    }
  });
});

describe('decodeShortMessage', () => {
  it('decodes data_coding 0 as unpacked GSM, with an extension character', () => {
    expect(decodeShortMessage(hex('48 69 1B 65'), 0)).toEqual({ text: 'Hi€' });
  });

  it('decodes data_coding 0 with an 8-bit concat UDH into the text and its reference', () => {
    expect(decodeShortMessage(hex('050003 CC 02 01 48 69'), 0, { udhi: true })).toEqual({
      text: 'Hi',
      udh: { reference: 0xcc, referenceBits: 8, total: 2, seq: 1 },
    });
  });

  it('decodes packed GSM after a 6-octet UDH using 1 fill bit', () => {
    const octets = hex('050003 CC 02 02 D0 65 36 FB 8D 2E B3 D9 6F');
    expect(decodeShortMessage(octets, 0, { udhi: true, packed: true }).text).toBe('hellohello');
    expect(decodeShortMessage(hex('C8 F7 1D 14 96 97 41 F9 77 FD 07'), 0, { packed: true }).text).toBe('How are you?');
  });

  it('drops the CR that fills 7 spare bits of packed GSM', () => {
    expect(decodeShortMessage(packSeptets(encodeGsm7Unpacked('1234567\r')), 0, { packed: true }).text).toBe('1234567');
  });

  it('decodes data_coding 3 as Latin-1 and 8 as UCS-2, with and without a UDH', () => {
    expect(decodeShortMessage(hex('E9 74 E9'), 3)).toEqual({ text: 'été' });
    expect(decodeShortMessage(hex('0633 D83D DE00'), 8)).toEqual({ text: `${PERSIAN}${EMOJI}` });
    expect(decodeShortMessage(hex('060804 ABCD 03 02 0633'), 8, { udhi: true })).toEqual({
      text: PERSIAN,
      udh: { reference: 0xabcd, referenceBits: 16, total: 3, seq: 2 },
    });
  });

  it('skips unknown information elements and ignores an invalid concat element (seq 0)', () => {
    expect(decodeShortMessage(hex('09 0A02 1234 0003 010200 41'), 0, { udhi: true })).toEqual({ text: 'A' });
  });

  it('passes 8-bit data and unknown data codings through as Latin-1 flagged binary', () => {
    expect(decodeShortMessage(hex('00 FF'), 4)).toEqual({ text: '\u0000\u00ff', binary: true });
    expect(decodeShortMessage(hex('41'), 6)).toEqual({ text: 'A', binary: true });
  });

  it('reads message-class data codings by their alphabet bits (0x10 GSM, 0x18 UCS-2, 0xF4 binary)', () => {
    expect(decodeShortMessage(hex('41'), 0x10).text).toBe('A');
    expect(decodeShortMessage(hex('0633'), 0x18).text).toBe(PERSIAN);
    expect(decodeShortMessage(hex('41'), 0xf4).binary).toBe(true);
  });

  it('throws MalformedUdhError when the UDH runs past the octets', () => {
    expect(() => decodeShortMessage(hex('05 00 03 01'), 0, { udhi: true })).toThrow(
      expect.objectContaining({ name: 'MalformedUdhError', code: 'MALFORMED_UDH' }),
    );
  });
});
