// The soak's side of its client processes (tests/soak/soak-client.ts): fork, open, go, collect, wait for exit.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SoakChildReport, SoakChildRequest, SoakClientSpec } from './soak-protocol';

export interface SoakClients {
	go(typeEveryMs: number): void;
	measure(measureFrom: number, windowMs: number): void;
	stopTyping(): Promise<void>;
	/** The child's accounting; it then closes its clients and exits (resolves once it has). */
	report(): Promise<SoakChildReport>;
	kill(): void;
}

function next<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`soak client process: no '${type}' in ${timeoutMs} ms`)), timeoutMs);
		const onMessage = (m: { type: string; message?: string }) => {
			if (m.type !== type && m.type !== 'error') return;
			clearTimeout(timer);
			child.off('message', onMessage);
			if (m.type === 'error') reject(new Error(`soak client process: ${m.message}`));
			else resolve(m as T);
		};
		child.on('message', onMessage);
		child.once('exit', (code) => reject(new Error(`soak client process exited with ${code} before '${type}'`)));
	});
}

/** One child process holding `clients` of one role, opened and ready. */
export async function openSoakClients(url: string, role: 'viewer' | 'editor', clients: SoakClientSpec[]): Promise<SoakClients> {
	const child = fork(fileURLToPath(new URL('./soak-client.ts', import.meta.url)), [], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	const send = (m: SoakChildRequest) => child.send(m);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	try {
		send({ type: 'open', url, role, clients });
		await next(child, 'ready', 60_000 + clients.length * 2_000);
	} catch (err) {
		child.kill();
		throw err;
	}
	return {
		go: (typeEveryMs) => send({ type: 'go', typeEveryMs }),
		measure: (measureFrom, windowMs) => send({ type: 'measure', measureFrom, windowMs }),
		async stopTyping() {
			send({ type: 'stop-typing' });
			await next(child, 'stopped', 10_000);
		},
		async report() {
			send({ type: 'report' });
			const report = await next<SoakChildReport>(child, 'report', 30_000);
			await exited;
			return report;
		},
		kill: () => child.kill()
	};
}
