// One model's memory, measured in a fresh process (run by memory.bench.ts): the llama.cpp runtime is warmed up first
// with another model, then the model under test is loaded through the app's loader and manager and fed a full batch
// (four sequences, each filled to nearly its context size and then decoding), so its KV cache and compute buffers are really touched.
// Prints one JSON line.
import { statSync } from 'node:fs';
import { generatedSpecs } from '../tests/helpers/models';
import { llamaLogs, openLlama } from '../server/models/llama-log';
import { createLlamaLoader } from '../server/models/loader';
import { ModelManager } from '../server/models/manager';

const [id, warmupId] = process.argv.slice(2);
const specs = await generatedSpecs({ contextSize: 2048, parallelism: 4 });
const loader = createLlamaLoader(await openLlama(false), { logs: llamaLogs });
llamaLogs.forward = () => {};
const manager = new ModelManager({ loader, resolve: (m) => specs[m], budget: { ramBytes: 1 << 30, vramBytes: 0 } });

const rss = () => process.memoryUsage().rss;
const runtime0 = rss();
const warm = await manager.acquire(warmupId);
await warm.release();
const runtimeAndWarmup = rss() - runtime0;
const warmupReserved = manager.used().ramBytes;

const estimate = (await loader.estimate(specs[id])).ramBytes;
global.gc?.();
const before = rss();
const reservedBefore = manager.used().ramBytes;
const lease = await manager.acquire(id);
const reserved = manager.used().ramBytes - reservedBefore;
const afterLoad = rss();
const leases = [lease, ...(await Promise.all([1, 2, 3].map(() => manager.acquire(id))))];
const FILL = specs[id].contextSize - 32;
const prompt = lease.model.tokenize('how do rooms and runs work together in the graph of the switchyard docs '.repeat(200));
await Promise.all(
	leases.map(async ({ sequence }) => {
		// Fill the sequence's context (its KV cells) almost to the end, then decode a few tokens.
		let n = 0;
		for await (const _ of sequence.evaluate(prompt.slice(0, FILL), { temperature: 1, seed: 1 })) if (++n >= 16) break;
	})
);
const afterBatch = rss();
for (const l of leases) await l.release();
await manager.close();

console.log(
	JSON.stringify({
		id,
		file_bytes: statSync(specs[id].path).size,
		estimate_bytes: estimate,
		reserved_bytes: reserved,
		rss_growth_after_load_bytes: afterLoad - before,
		rss_growth_after_full_batch_bytes: afterBatch - before,
		runtime_and_warmup_rss_bytes: runtimeAndWarmup,
		warmup_reserved_bytes: warmupReserved
	})
);
process.exit(0);
