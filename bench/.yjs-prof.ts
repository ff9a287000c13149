import { startTestServer } from '/work/main/tests/helpers/test-server';
import { typeTogether } from '/work/main/tests/helpers/yjs-crowd';
import { percentile } from '/work/main/tests/helpers/yjs-editors';
const editors = Number(process.argv[2] ?? 20);
const windowMs = Number(process.argv[3] ?? 16);
const server = await startTestServer(undefined, { yjsLimits: { broadcastWindowMs: windowMs } });
for (let i = 0; i < 2; i++) {
const crowd = await typeTogether(server, { editors, rounds: 5, editsPerRound: 5 });
console.log(editors, windowMs, 'p50', percentile(crowd.latencies, 50).toFixed(1), 'p99', percentile(crowd.latencies, 99).toFixed(1), crowd.consistentRounds, crowd.editorErrors);
}
await server.close();
process.exit(0);
