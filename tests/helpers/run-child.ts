// A Switchyard app context in a child process, for crash tests: it starts a run whose executor waits for a model
// sequence the process holds itself, prints `ready <runId> <roomId> <userId>` once the executor is waiting, and
// then waits to be killed. Environment: DATABASE_URL, DATA_DIR, MODELS_DIR (as for the server); READY_AFTER_MS: how
// long after the executor started to say so (300 by default, time for the event log and checkpoints to be written).
import { createAppContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { silentLogger } from '../../server/logger';

const ctx = await createAppContext(
	loadConfig({ ...process.env, MODEL_LOAD_CHECK: 'off', MODEL_PARALLELISM: '1', MODEL_KEEP_ALIVE_S: '0' }),
	silentLogger()
);
await ctx.models.manager.acquire('sy-reason'); // never released: the run's executor waits for it
const user = await ctx.auth.signup({ email: 'crash@example.com', password: 'password1', name: 'Crash' });
if (!user.ok) throw new Error(user.error.message);
const room = await ctx.rooms.create(user.data, { name: 'Crash', visibility: 'private' });
const run = await ctx.orchestrator.start({
	roomId: room.id,
	authorId: user.data.id,
	request: {
		prompt: 'What is a room?',
		mode: 'orchestrated',
		modelId: 'sy-reason',
		sampling: { seed: 1, maxTokens: 16 },
		approvalGate: false
	}
});
ctx.bus.subscribe((e) => {
	if (e.runId === run.id && e.type === 'node.started' && e.data.node === 'executor') {
		// Let the event log store what came before (it writes every ~100 ms), then say so.
		const ready = () => console.log(`ready ${run.id} ${room.id} ${user.data.id}`);
		const after = Number(process.env.READY_AFTER_MS ?? 300);
		if (after > 0) setTimeout(ready, after);
		else ready();
	}
});
setInterval(() => {}, 1_000);
