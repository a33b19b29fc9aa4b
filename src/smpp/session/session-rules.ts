/**
 * The protocol rules the session enforces by itself, as data and two small
 * functions: which requests we may send in each state, and what becomes of
 * a peer's request before any handler sees it (SMPP 3.4 §2.3, §4.1-4.2).
 */
import { COMMAND_STATUS, isBindCommand, type AnsweredCommandName, type CommandName } from '../codec';
import type { SessionState } from './session-types';

/** Requests that never count against the window, so keep-alive and unbind work when it is full. */
export const CONTROL_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>([
  'bind_transmitter',
  'bind_receiver',
  'bind_transceiver',
  'unbind',
  'enquire_link',
]);

/** open: bind, enquire_link, unbind; bound: anything but bind; unbinding: unbind only; closed: nothing. */
export function mayRequest(command: AnsweredCommandName, state: SessionState['kind']): boolean {
  const bind = isBindCommand(command);
  switch (state) {
    case 'open':
      return bind || command === 'enquire_link' || command === 'unbind';
    case 'bound':
      return !bind;
    case 'unbinding':
      return command === 'unbind';
    case 'closed':
      return false;
  }
}

export type PeerRequestRoute =
  /** Answer `<command>_resp` with this status; the handler never sees it. */
  | { readonly kind: 'answer'; readonly commandStatus: number }
  /** Answer unbind_resp, then close. */
  | { readonly kind: 'unbind' }
  | { readonly kind: 'handler' };

const ANSWER_OK = { kind: 'answer', commandStatus: COMMAND_STATUS.ESME_ROK } as const;
const ALREADY_BOUND = { kind: 'answer', commandStatus: COMMAND_STATUS.ESME_RALYBND } as const;
const NOT_BOUND = { kind: 'answer', commandStatus: COMMAND_STATUS.ESME_RINVBNDSTS } as const;

export function routePeerRequest(command: CommandName, state: SessionState['kind']): PeerRequestRoute {
  if (command === 'enquire_link') return ANSWER_OK;
  if (command === 'unbind') return { kind: 'unbind' };
  const bind = isBindCommand(command);
  if (bind && state !== 'open') return ALREADY_BOUND;
  if (!bind && state === 'open' && command !== 'outbind') return NOT_BOUND;
  return { kind: 'handler' };
}
