/**
 * Errors thrown by the text codecs. Each carries a stable `code` (for the
 * error catalogue and the HTTP / SMPP maps) and a `name`, so it is
 * recognised by name as well as by class after crossing a process boundary.
 * Messages never contain message text (only positions and counts).
 */

/** The text needs more parts than allowed (MAX_PARTS, or a lower product limit). Callers answer 400. */
export class TooManyPartsError extends Error {
  override readonly name = 'TooManyPartsError';
  readonly code = 'MESSAGE_TOO_LONG';
  constructor(
    readonly parts: number,
    readonly maxParts: number,
  ) {
    super(`text needs ${parts} parts; at most ${maxParts} are allowed`);
  }
}

/** GSM 7-bit encoding was asked for a character outside the basic and extension tables. */
export class NotGsm7Error extends Error {
  override readonly name = 'NotGsm7Error';
  readonly code = 'TEXT_NOT_GSM7';
  constructor(readonly index: number) {
    super(`character at index ${index} is not in the GSM 03.38 default alphabet`);
  }
}

/** An inbound user data header whose lengths run past its bounds. */
export class MalformedUdhError extends Error {
  override readonly name = 'MalformedUdhError';
  readonly code = 'MALFORMED_UDH';
  constructor(reason: string) {
    super(`malformed user data header: ${reason}`);
  }
}
