/** Public boundary of the built-in SMSC simulator. */
export { SmscSimulator } from './smsc-simulator';
export type {
  MoRequest,
  OutcomeRule,
  ReceivedSubmit,
  SimulatedStat,
  SimulatorBehaviour,
  SimulatorBehaviourName,
  SimulatorStats,
  SmscSimulatorEvents,
  SmscSimulatorOptions,
} from './simulator-types';
