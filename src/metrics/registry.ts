/**
 * Every Prometheus metric, defined once, with the DESIGN.md names. Labels
 * are of bounded cardinality: channel, status, carrier name, queue, state,
 * side — never a number or a message id.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly messagesAccepted: Counter<'channel'>;
  readonly messagesFinal: Counter<'status'>;
  readonly carrierSubmits: Counter<'carrier' | 'result'>;
  readonly carrierBreakerState: Gauge<'carrier'>;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly acceptLatency: Histogram<'channel'>;
  readonly deliveryLatency: Histogram;
  readonly smppSessions: Gauge<'side'>;
  readonly billingCharged: Counter;
  readonly billingRefunded: Counter;
  readonly receiptsUnmatched: Counter;
  readonly callbacks: Counter<'result'>;
  readonly messagesDeadLettered: Counter;
  readonly moReceived: Counter;
  readonly moUnrouted: Counter;
  readonly callbacksDeadLettered: Counter;
  readonly batchesCreated: Counter;
  readonly messagesCancelled: Counter;
  readonly dispatchRequeued: Counter<'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Process metrics under our prefix: smsgw_process_cpu_seconds_total, smsgw_process_resident_memory_bytes,
  // smsgw_nodejs_eventloop_lag_p99_seconds, ...
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'smsgw_' });
  const registers = [registry];
  return {
    registry,
    messagesAccepted: new Counter({ name: 'smsgw_messages_accepted_total', help: 'Messages accepted, by ingress channel.', labelNames: ['channel'], registers }),
    messagesFinal: new Counter({ name: 'smsgw_messages_final_total', help: 'Messages that reached a final status.', labelNames: ['status'], registers }),
    carrierSubmits: new Counter({ name: 'smsgw_carrier_submits_total', help: 'submit_sm sent to carriers, by result class.', labelNames: ['carrier', 'result'], registers }),
    carrierBreakerState: new Gauge({ name: 'smsgw_carrier_breaker_state', help: 'Circuit breaker per carrier: 0 closed, 1 half-open, 2 open.', labelNames: ['carrier'], registers }),
    queueJobs: new Gauge({ name: 'smsgw_queue_jobs', help: 'Jobs per pipeline queue and state (read from BullMQ at scrape).', labelNames: ['queue', 'state'], registers }),
    acceptLatency: new Histogram({
      name: 'smsgw_accept_latency_seconds',
      help: 'From request received to acknowledgement (HTTP 202 / submit_sm_resp).',
      labelNames: ['channel'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'smsgw_delivery_latency_seconds',
      help: 'From acceptance to the final status of delivered messages.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    }),
    smppSessions: new Gauge({ name: 'smsgw_smpp_sessions', help: 'Bound SMPP sessions: side=server (customer binds) or carrier.', labelNames: ['side'], registers }),
    billingCharged: new Counter({ name: 'smsgw_billing_charged_total', help: 'Minor units charged.', registers }),
    billingRefunded: new Counter({ name: 'smsgw_billing_refunded_total', help: 'Minor units refunded.', registers }),
    receiptsUnmatched: new Counter({ name: 'smsgw_receipts_unmatched_total', help: 'Receipts that matched no message part.', registers }),
    callbacks: new Counter({ name: 'smsgw_callbacks_total', help: 'Status callback POSTs, by result.', labelNames: ['result'], registers }),
    moReceived: new Counter({ name: 'smsgw_mo_received_total', help: 'MO messages from carriers, stored (routed or not).', registers }),
    moUnrouted: new Counter({ name: 'smsgw_mo_unrouted_total', help: 'MO messages no app owns the number (and keyword) of; stored unrouted.', registers }),
    callbacksDeadLettered: new Counter({
      name: 'smsgw_callbacks_dead_lettered_total',
      help: 'Status callbacks and MO webhooks dead-lettered after their attempts ran out.',
      registers,
    }),
    batchesCreated: new Counter({ name: 'smsgw_batches_created_total', help: 'Batches (campaigns) accepted.', registers }),
    messagesCancelled: new Counter({ name: 'smsgw_messages_cancelled_total', help: 'Messages cancelled (rejected CANCELLED), one by one or with their batch.', registers }),
    dispatchRequeued: new Counter({
      name: 'smsgw_dispatch_requeued_total',
      help: 'Messages a dispatch job sent back to the queue for later: reason=wait (no carrier could take it: TPS, windows, breaker, pause, bind slots), retry (a carrier failed it), deferred (its account dispatch cap).',
      labelNames: ['reason'],
      registers,
    }),
    messagesDeadLettered: new Counter({
      name: 'smsgw_messages_dead_lettered_total',
      help: 'Messages moved to the dead-letter queue after their dispatch attempts ran out.',
      registers,
    }),
  };
}
