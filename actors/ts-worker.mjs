// Entry of every worker thread: the process runs TypeScript through tsx, whose loader a new
// thread does not inherit, so register it here and then load the thread's own (TypeScript) module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
