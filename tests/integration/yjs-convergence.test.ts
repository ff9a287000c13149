import { afterEach, describe, expect, it } from 'vitest';
import { percentile } from '../helpers/yjs-editors';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { typeTogether } from '../helpers/yjs-crowd';

const EDITORS = 20;
const ROUNDS = 5;

describe('twenty editors at once', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	it('converge on identical text; logs the p99 time to convergence after the last edit', async () => {
		server = await startTestServer();
		const result = await typeTogether(server, { editors: EDITORS, rounds: ROUNDS, editsPerRound: 5 });
		expect(result.consistentRounds).toBe(ROUNDS);
		expect(result.latencies).toHaveLength(EDITORS * ROUNDS);
		expect(result.editorErrors).toBe(0); // nobody hit a limit by typing normally
		const ms = (x: number) => `${x.toFixed(1)} ms`;
		console.log(
			`[yjs] ${EDITORS} editors × ${ROUNDS} rounds × 5 edits: convergence after the last edit ` +
				`p50 ${ms(percentile(result.latencies, 50))}, p99 ${ms(percentile(result.latencies, 99))} (${result.latencies.length} samples)`
		);
	}, 120_000); // twenty real clients on a busy 2-core machine: a minute is possible; correctness is what is asserted
});
