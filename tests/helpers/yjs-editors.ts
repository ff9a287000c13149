// Helpers for the Yjs integration tests (tests/integration/yjs*.test.ts): real sockets, real providers.
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { SocketIoYjsProvider } from '../../src/lib/client/yjs-provider';
import type { Result } from '../../src/lib/contract/result';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { connected, type TestClient, type TestServer } from './test-server';

export interface Editor {
	socket: TestClient;
	doc: Y.Doc;
	awareness: Awareness;
	provider: SocketIoYjsProvider;
	text(): string;
	/** Every error the server answered this provider with. */
	errors: Result<null>[];
	close(): void;
}

/** A connected client with its own Y.Doc, Awareness and provider for one room (not yet necessarily synced). */
export async function openEditor(server: TestServer, who: { cookie: string }, roomId: string): Promise<Editor> {
	const socket = server.client({ cookie: who.cookie });
	await connected(socket);
	const doc = new Y.Doc();
	const awareness = new Awareness(doc);
	const provider = new SocketIoYjsProvider(socket, roomId, doc, awareness, { retryDelayMs: 100 });
	const errors: Result<null>[] = [];
	provider.on('error', (error) => errors.push({ ok: false, error }));
	return {
		socket,
		doc,
		awareness,
		provider,
		errors,
		text: () => doc.getText(PROMPT_TEXT).toString(),
		close() {
			provider.destroy();
			awareness.destroy();
			socket.disconnect();
		}
	};
}

/** An editor that has received the server's state. */
export async function openSyncedEditor(server: TestServer, who: { cookie: string }, roomId: string): Promise<Editor> {
	const editor = await openEditor(server, who, roomId);
	await waitFor(() => editor.provider.synced, `${who.cookie.slice(0, 16)}… to sync`);
	return editor;
}

/** Polls until `check` holds; fails with `what` after the timeout. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 5));
	}
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Emits an event with an ack and no client-side typing, to send what a well-behaved client would not. */
export function rawEmit(socket: TestClient, event: string, payload: unknown): Promise<Result<null>> {
	const untyped = socket.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Result<null>> };
	return untyped.emitWithAck(event, payload);
}

/** Signs up one user per name (through the real auth service) and adds them to a room by its invite link. */
export async function addMembers(server: TestServer, invite: string, names: string[]) {
	const users = [];
	for (const name of names) {
		const user = await server.user(name);
		const joined = await server.ctx.rooms.joinByInvite({ id: user.id }, invite);
		if (!joined.ok) throw new Error(joined.error.message);
		users.push(user);
	}
	return users;
}

export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
