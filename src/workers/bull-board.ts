/**
 * bull-board (the BullMQ web UI) over the pipeline's queues, as an express
 * router to mount at `basePath`. Authentication is the mounting app's job
 * (http/queue-routes.ts operatorPageAuth); the UI can pause, retry, promote
 * and remove jobs, so it is operator-only.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';

export function bullBoardRouter(queues: readonly Queue[], basePath: string): RequestHandler {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'smsgw queues' } },
  });
  return serverAdapter.getRouter() as RequestHandler;
}
