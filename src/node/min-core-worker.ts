/** Worker thread for batch min-core: receives BatchJob messages, answers BatchResult. */

import { parentPort } from 'node:worker_threads';
import type { MinCoreObject } from '../ops/min-core.js';
import { type BatchJob, loadObjects, runBatchJob } from './min-core-batch.js';

let objects: { key: string; objs: MinCoreObject[] } | undefined;

parentPort?.on('message', (job: BatchJob) => {
  void (async () => {
    const key = job.objects.join('\0');
    if (!objects || objects.key !== key) objects = { key, objs: await loadObjects(job.objects) };
    parentPort?.postMessage(await runBatchJob(job, objects.objs));
  })();
});
