// The authorization matrix: every socket event and every HTTP entrance (REST routes, /v1, page loads and form
// actions) × every kind of caller, with the outcome the app gives. One table, two readers:
//  - tests/security/authorization-matrix.test.ts checks every cell against a real server through the real entrance;
//  - scripts/security-docs.ts renders it, with the threat model, into docs/SECURITY.md (a test keeps that file equal
//    to what the script writes, so the document cannot drift from what is tested).
// Data only (plus types): no imports with side effects, so the docs script loads it without starting anything.
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/lib/contract/events';

export const ROLES = ['anonymous', 'outsider', 'member', 'nondriver', 'owner', 'admin', 'apiKey', 'revokedKey', 'expiredSession'] as const;
export type Role = (typeof ROLES)[number];

/** Who each column is. "The room" is the room the entrance is about (see PLACEHOLDERS). */
export const ROLE_INFO: Record<Role, { column: string; who: string }> = {
	anonymous: { column: 'anonymous', who: 'No credentials at all.' },
	outsider: { column: 'non-member', who: 'Signed in (session cookie), not a member of the room.' },
	member: { column: 'member', who: 'Signed in (session cookie), a member of the room; the room lets every member steer runs.' },
	nondriver: {
		column: 'non-driver',
		who: 'Signed in (session cookie), a member of a drivers-only room who is not a driver (the room is that drivers-only room).'
	},
	owner: { column: 'owner', who: 'Signed in (session cookie), the owner of the room.' },
	admin: {
		column: 'admin',
		who: 'Signed in (session cookie), a server admin who is not a member of the room (admins get no room rights from their role).'
	},
	apiKey: {
		column: 'member (API key)',
		who: 'The member above, authenticated with one of their API keys (`Authorization: Bearer sy_…` over HTTP, `auth.token` on the socket) instead of a session.'
	},
	revokedKey: {
		column: 'revoked key',
		who: "An API key of the room's owner, revoked through the auth service: had it been valid, it could do everything the owner can."
	},
	expiredSession: { column: 'expired session', who: "A session cookie of the room's owner whose `expires_at` lies in the past." }
};

/** Roles without valid credentials. */
export const SIGNED_OUT: readonly Role[] = ['anonymous', 'revokedKey', 'expiredSession'];
/** Signed in, but not in the room. */
export const NON_MEMBERS: readonly Role[] = ['outsider', 'admin'];
/** Signed in and in the room. */
export const MEMBERS: readonly Role[] = ['member', 'nondriver', 'owner', 'apiKey'];

/**
 * Socket outcomes: `allow` (ack `{ ok: true }`, or the event arrives), `connect_refused` (the handshake fails with
 * connect_error "unauthenticated", so no event can be sent), an error code from the ack, or `withheld` (a server →
 * client event that this caller does not receive).
 */
export type SocketOutcome = 'allow' | 'connect_refused' | 'forbidden' | 'not_found' | 'withheld';
/** HTTP outcomes: `allow` (2xx, or a redirect that is not to the login page), `login` (303 to /login?next=…), or a status. */
export type HttpOutcome = 'allow' | 'login' | 400 | 401 | 403 | 404;

type Spec<O> = Partial<Record<Role | 'signedOut' | 'signedIn' | 'nonMembers' | 'members', O>>;

/** Expands group keys to one outcome per role; a role's own key wins over its group, a group over `signedIn`. */
export function cells<O>(spec: Spec<O>): Record<Role, O> {
	const out = {} as Record<Role, O>;
	for (const role of ROLES) {
		const group = SIGNED_OUT.includes(role)
			? spec.signedOut
			: ((NON_MEMBERS.includes(role) ? spec.nonMembers : spec.members) ?? spec.signedIn);
		const outcome = spec[role] ?? group;
		if (outcome === undefined) throw new Error(`authorization matrix: no outcome for ${role} in ${JSON.stringify(spec)}`);
		out[role] = outcome;
	}
	return out;
}

/**
 * Placeholders in paths, payloads and headers, filled per cell by the test. `{room}`-style values depend on the
 * role: the non-driver's room is the drivers-only room, everyone else's the room where every member steers.
 */
export const PLACEHOLDERS = {
	roomId: 'the room (private)',
	publicRoomId: 'a public room the caller is not in',
	unknownId: 'a well-formed id that no room or run has',
	inviteToken: "the room's invite token",
	runId: 'a finished run in the room',
	waitingRunId: 'a fresh run in the room, waiting for approval',
	samId: 'a member of the room (neither owner nor driver)',
	zedEmail: 'the email of an account in no room',
	keyId: "one of the member's API keys (not the one the API-key column uses)",
	freshEmail: 'an email with no account yet',
	loadedModelId: 'a model loaded right before the call (sy-chat-small)',
	quarantinedModelId: 'a model quarantined right before the call (sy-code, whose file is sound)',
	ramBytes: 'the current RAM budget',
	vramBytes: 'the current VRAM budget',
	yjsStep1: 'y-protocols sync step 1',
	yjsPromptUpdate: 'a y-protocols update that inserts prompt text',
	yjsSettingsUpdate: 'a y-protocols update that sets `settings.temperature`',
	awarenessUpdate: "an awareness update with the caller's own client id"
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

export type Section = 'socket' | 'receive' | 'account' | 'rooms' | 'runs' | 'openai' | 'admin' | 'operations' | 'pages' | 'forms';

export const SECTIONS: Record<Section, { title: string; intro: string }> = {
	socket: {
		title: 'Socket events (client → server)',
		intro:
			'Sent over the Socket.IO connection; the outcome is the ack. Signed-out callers never get a connection (the handshake is refused with `unauthenticated`).'
	},
	receive: {
		title: 'Socket events (server → client)',
		intro: 'Who receives what the server broadcasts. `not sent` means the caller, connected and trying, got none of it.'
	},
	account: { title: 'Accounts, sessions and API keys', intro: 'JSON routes under /api/auth and /api/keys.' },
	rooms: {
		title: 'Rooms',
		intro:
			'JSON routes under /api/rooms and /api/invites. Rooms answer 403 to outsiders (a room id is not a secret; its contents are). In rows marked "caller removed by the owner", the owner added the caller to the room and removed them again just before the call.'
	},
	runs: {
		title: 'Runs',
		intro:
			'JSON routes under /api/runs. A run in a room the caller is not in answers 404, exactly as an unknown id (run ids are not to be probed).'
	},
	openai: {
		title: 'OpenAI-compatible API',
		intro: "Routes under /v1; the same runs service and rules as /api/runs, errors in OpenAI's shape."
	},
	admin: { title: 'Admin', intro: 'Every /api/admin route checks the role before reading the body.' },
	operations: { title: 'Operations', intro: 'Probes and metrics for the operator.' },
	pages: {
		title: 'Pages (server load functions)',
		intro: 'What a GET of the page does before any HTML is rendered: `login` is a 303 to /login?next=….'
	},
	forms: {
		title: 'Form actions',
		intro: "POSTs from the pages' forms (SvelteKit actions; SvelteKit itself refuses cross-site form posts before these run)."
	}
};

interface RowBase {
	section: Section;
	/** Short words on what the call does or why a cell is what it is; shown under the table. */
	note?: string;
	/** Give each cell its own rooms (the call changes membership, settings or tokens). */
	fresh?: boolean;
	/**
	 * Before the call the owner adds the caller to each of the cell's own rooms and removes them again, so the row
	 * shows what a removed member can still do (the owner, who cannot be removed, stays in). Implies `fresh`.
	 */
	removedFirst?: boolean;
}

export interface SocketRow extends RowBase {
	surface: 'socket';
	event: keyof ClientToServerEvents;
	/** Distinguishes rows of the same event (e.g. yjs:sync step 1 vs. an update). */
	variant?: string;
	payload: Record<string, unknown>;
	expect: Record<Role, SocketOutcome>;
}

export interface ReceiveRow extends RowBase {
	surface: 'receive';
	/** How the row is named (the events, or their common prefix). */
	name: string;
	/** The server → client events this row is about. */
	events: (keyof ServerToClientEvents)[];
	/** What makes the server send them. */
	trigger: string;
	expect: Record<Role, SocketOutcome>;
}

export interface HttpRow extends RowBase {
	/** `rest`: a +server.ts handler; `page`: a +page.server.ts / +layout.server.ts load; `form`: a form action. */
	surface: 'rest' | 'page' | 'form';
	method: 'GET' | 'POST' | 'PUT' | 'DELETE';
	/** The SvelteKit route id (its folder under src/routes), e.g. `/api/runs/[id]/cancel`. */
	route: string;
	/** For `page`: a layout's load instead of the page's. */
	layout?: boolean;
	/** For `form`: the action name (`default` for a page's only action). */
	action?: string;
	params?: Record<string, string>;
	query?: string;
	headers?: Record<string, string>;
	/** JSON for `rest`, form fields for `form`. */
	body?: Record<string, unknown>;
	variant?: string;
	expect: Record<Role, HttpOutcome>;
}

export type Row = SocketRow | ReceiveRow | HttpRow;

// Outcome patterns that recur.
const signedOutSocket = { signedOut: 'connect_refused' } as const;
const roomMembersOnly = cells<SocketOutcome>({ ...signedOutSocket, nonMembers: 'forbidden', members: 'allow' });
const steerSocket = cells<SocketOutcome>({ ...signedOutSocket, nonMembers: 'not_found', members: 'allow', nondriver: 'forbidden' });
const anyConnected = cells<SocketOutcome>({ ...signedOutSocket, signedIn: 'allow' });
const everyone = cells<HttpOutcome>({ signedOut: 'allow', signedIn: 'allow' });
const signedIn = cells<HttpOutcome>({ signedOut: 401, signedIn: 'allow' });
const roomReaders = cells<HttpOutcome>({ signedOut: 401, nonMembers: 403, members: 'allow' });
const runReaders = cells<HttpOutcome>({ signedOut: 401, nonMembers: 404, members: 'allow' });
const runSteerers = cells<HttpOutcome>({ signedOut: 401, nonMembers: 404, members: 'allow', nondriver: 403 });
const ownerOnly = cells<HttpOutcome>({ signedOut: 401, signedIn: 403, owner: 'allow' });
const adminOnly = cells<HttpOutcome>({ signedOut: 401, signedIn: 403, admin: 'allow' });
const pageSignedIn = cells<HttpOutcome>({ signedOut: 'login', signedIn: 'allow' });
/** Rows with `removedFirst`: everyone the owner removed is refused; the owner was never removed. */
const removedStayOut = cells<HttpOutcome>({ signedOut: 401, signedIn: 403, owner: 'allow' });

const directRun = { mode: 'direct', modelId: 'sy-tiny', sampling: { maxTokens: 4, seed: 1 } };
const ADMIN_MODEL = 'sy-chat-small';
/** A catalogue model with a remote source; the test points its download at a closed port, so a pull fails at once. */
export const PULL_MODEL = 'mistral-7b-instruct';
/** A generated model no other row uses: quarantined before each cell of the quarantine row. */
export const QUARANTINED_MODEL = 'sy-code';

export const MATRIX: Row[] = [
	// ── Socket events (client → server) ──────────────────────────────────────────────────────────────────────────
	{
		section: 'socket',
		surface: 'socket',
		event: 'room:join',
		payload: { roomId: '{roomId}' },
		expect: roomMembersOnly,
		note: 'Members get the room and its live state; a private room refuses everyone else.'
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'room:join',
		variant: 'public room',
		payload: { roomId: '{publicRoomId}' },
		expect: anyConnected,
		fresh: true,
		note: 'Joining a public room makes the caller a member (unless the owner removed them).'
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'room:leave',
		payload: { roomId: '{roomId}' },
		expect: anyConnected,
		note: 'Leaves the live channel only (not the membership); a no-op for a socket that is not in it.'
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'yjs:sync',
		variant: 'step 1',
		payload: { roomId: '{roomId}', message: '{yjsStep1}' },
		expect: roomMembersOnly,
		note: 'The first message subscribes the socket to the document, members only; nothing of the document is sent to others.'
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'yjs:sync',
		variant: 'prompt edit',
		payload: { roomId: '{roomId}', message: '{yjsPromptUpdate}' },
		expect: roomMembersOnly,
		note: 'Every member may write the prompt, drivers or not.'
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'yjs:sync',
		variant: 'settings edit',
		payload: { roomId: '{roomId}', message: '{yjsSettingsUpdate}' },
		expect: cells<SocketOutcome>({ ...signedOutSocket, nonMembers: 'forbidden', members: 'allow', nondriver: 'forbidden' }),
		note: "The run settings are steering: in a drivers-only room a non-driver's update that touches them is refused whole."
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'yjs:awareness',
		payload: { roomId: '{roomId}', message: '{awarenessUpdate}' },
		expect: roomMembersOnly
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'yjs:leave',
		payload: { roomId: '{roomId}' },
		expect: anyConnected,
		note: 'Unsubscribes from the document; a no-op when not subscribed.'
	},
	{
		section: 'socket',
		surface: 'socket',
		event: 'run:start',
		payload: { roomId: '{roomId}', prompt: 'Matrix', ...directRun },
		expect: cells<SocketOutcome>({ ...signedOutSocket, nonMembers: 'forbidden', members: 'allow', nondriver: 'forbidden' })
	},
	{ section: 'socket', surface: 'socket', event: 'run:cancel', payload: { runId: '{waitingRunId}' }, expect: steerSocket },
	{
		section: 'socket',
		surface: 'socket',
		event: 'run:resume',
		payload: { runId: '{waitingRunId}', decision: { action: 'reject' } },
		expect: steerSocket
	},
	{ section: 'socket', surface: 'socket', event: 'run:fork', payload: { runId: '{runId}', node: 'executor' }, expect: steerSocket },
	{
		section: 'socket',
		surface: 'socket',
		event: 'run:replay',
		payload: { runId: '{runId}', afterSeq: 0 },
		expect: cells<SocketOutcome>({ ...signedOutSocket, nonMembers: 'not_found', members: 'allow' }),
		note: 'Watching is not steering: non-drivers may replay.'
	},

	// ── Socket events (server → client) ──────────────────────────────────────────────────────────────────────────
	{
		section: 'receive',
		surface: 'receive',
		name: 'run:event, activity',
		events: ['run:event', 'activity'],
		trigger: 'the caller tries `room:join` for the room, then the owner starts a run in it',
		expect: cells<SocketOutcome>({ ...signedOutSocket, nonMembers: 'withheld', members: 'allow' }),
		note: "Room traffic goes to the room's channel, which only a successful room:join enters."
	},
	{
		section: 'receive',
		surface: 'receive',
		name: 'cache:*',
		events: ['cache:pull', 'cache:loading', 'cache:loaded', 'cache:evicted', 'cache:unloaded', 'cache:failed'],
		trigger: 'an admin starts a model pull',
		expect: cells<SocketOutcome>({ ...signedOutSocket, signedIn: 'withheld', admin: 'allow' }),
		note: "Admins' sockets join the `admins` channel on connect; a role change moves open sockets at once."
	},

	// ── Accounts ─────────────────────────────────────────────────────────────────────────────────────────────────
	{
		section: 'account',
		surface: 'rest',
		method: 'POST',
		route: '/api/auth/signup',
		body: { email: '{freshEmail}', password: 'password1', name: 'New' },
		expect: everyone,
		note: 'Sign-up is open to anyone who can reach the server (rate-limited per client address).'
	},
	{
		section: 'account',
		surface: 'rest',
		method: 'POST',
		route: '/api/auth/login',
		body: { email: 'sam@example.com', password: 'password1' },
		expect: everyone,
		note: 'Rate-limited per (account, client address) pair and per client address.'
	},
	{
		section: 'account',
		surface: 'rest',
		method: 'POST',
		route: '/api/auth/logout',
		expect: everyone,
		note: "Deletes the caller's session (if any) and closes its sockets."
	},
	{ section: 'account', surface: 'rest', method: 'GET', route: '/api/auth/me', expect: signedIn },
	{ section: 'account', surface: 'rest', method: 'GET', route: '/api/keys', expect: signedIn, note: "Lists the caller's own keys only." },
	{
		section: 'account',
		surface: 'rest',
		method: 'POST',
		route: '/api/keys',
		body: { name: 'matrix' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 'allow', apiKey: 403 }),
		note: 'Only a signed-in session mints keys: a leaked key cannot make more.'
	},
	{
		section: 'account',
		surface: 'rest',
		method: 'DELETE',
		route: '/api/keys/[id]',
		params: { id: '{keyId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 404, member: 'allow', apiKey: 'allow' }),
		note: "Someone else's key answers 404, as an unknown one (admins included). A key may revoke its owner's other keys."
	},

	// ── Rooms ────────────────────────────────────────────────────────────────────────────────────────────────────
	{
		section: 'rooms',
		surface: 'rest',
		method: 'GET',
		route: '/api/rooms',
		expect: signedIn,
		note: "Every room of the caller's, then one page of public rooms they are not in (`publicBefore` cursor)."
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms',
		body: { name: 'Matrix', visibility: 'private' },
		expect: signedIn
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'GET',
		route: '/api/rooms/[id]',
		params: { id: '{roomId}' },
		expect: roomReaders,
		note: "Only the owner's answer carries the invite token."
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'GET',
		route: '/api/rooms/[id]',
		variant: 'public room',
		params: { id: '{publicRoomId}' },
		expect: signedIn
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'GET',
		route: '/api/rooms/[id]',
		variant: 'unknown room',
		params: { id: '{unknownId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 404 }),
		note: 'Unlike a private room (403): room ids are not hidden.'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms/[id]/join',
		params: { id: '{roomId}' },
		expect: roomReaders,
		note: 'A private room is joined by invite only; members get the room back.'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms/[id]/join',
		variant: 'public room',
		params: { id: '{publicRoomId}' },
		expect: signedIn,
		fresh: true
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms/[id]/join',
		variant: 'public room, caller removed by the owner',
		params: { id: '{publicRoomId}' },
		expect: removedStayOut,
		removedFirst: true,
		note: 'A public room does not take back someone its owner removed.'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms/[id]/leave',
		params: { id: '{roomId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, nonMembers: 404, members: 'allow', owner: 400 }),
		fresh: true,
		note: 'The owner cannot leave their own room (400).'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms/[id]/invite',
		params: { id: '{roomId}' },
		expect: ownerOnly,
		fresh: true,
		note: 'Replaces the invite link.'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/rooms/[id]/members',
		params: { id: '{roomId}' },
		body: { email: '{zedEmail}' },
		expect: ownerOnly,
		fresh: true
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'DELETE',
		route: '/api/rooms/[id]/members/[userId]',
		params: { id: '{roomId}', userId: '{samId}' },
		expect: ownerOnly,
		fresh: true,
		note: 'Removal sticks: the removed user cannot rejoin by link or public join until the owner adds them back.'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'PUT',
		route: '/api/rooms/[id]/members/[userId]/driver',
		params: { id: '{roomId}', userId: '{samId}' },
		body: { driver: true },
		expect: ownerOnly,
		fresh: true
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'PUT',
		route: '/api/rooms/[id]/steering',
		params: { id: '{roomId}' },
		body: { steering: 'drivers' },
		expect: ownerOnly,
		fresh: true
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/invites/[token]',
		params: { token: '{inviteToken}' },
		expect: signedIn,
		fresh: true,
		note: 'The invite link is the capability: whoever holds it may join (unless removed by the owner).'
	},
	{
		section: 'rooms',
		surface: 'rest',
		method: 'POST',
		route: '/api/invites/[token]',
		variant: 'caller removed by the owner',
		params: { token: '{inviteToken}' },
		expect: removedStayOut,
		removedFirst: true,
		note: 'The link a removed member still holds does not bring them back; only the owner adding them by email (`POST /api/rooms/:id/members`) does.'
	},

	// ── Runs ─────────────────────────────────────────────────────────────────────────────────────────────────────
	{ section: 'runs', surface: 'rest', method: 'GET', route: '/api/runs', query: 'room={roomId}', expect: roomReaders },
	{
		section: 'runs',
		surface: 'rest',
		method: 'POST',
		route: '/api/runs',
		body: { roomId: '{roomId}', prompt: 'Matrix', ...directRun },
		expect: cells<HttpOutcome>({ signedOut: 401, nonMembers: 403, members: 'allow', nondriver: 403 })
	},
	{ section: 'runs', surface: 'rest', method: 'GET', route: '/api/runs/[id]', params: { id: '{runId}' }, expect: runReaders },
	{
		section: 'runs',
		surface: 'rest',
		method: 'GET',
		route: '/api/runs/[id]',
		variant: 'unknown run',
		params: { id: '{unknownId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 404 }),
		note: "The same 404 a run in someone else's room gets."
	},
	{
		section: 'runs',
		surface: 'rest',
		method: 'GET',
		route: '/api/runs/[id]/events',
		params: { id: '{runId}' },
		query: 'after=0',
		expect: runReaders
	},
	{
		section: 'runs',
		surface: 'rest',
		method: 'GET',
		route: '/api/runs/[id]/export',
		params: { id: '{runId}' },
		query: 'format=md',
		expect: runReaders
	},
	{
		section: 'runs',
		surface: 'rest',
		method: 'POST',
		route: '/api/runs/[id]/cancel',
		params: { id: '{waitingRunId}' },
		expect: runSteerers
	},
	{
		section: 'runs',
		surface: 'rest',
		method: 'POST',
		route: '/api/runs/[id]/resume',
		params: { id: '{waitingRunId}' },
		body: { action: 'reject' },
		expect: runSteerers
	},
	{
		section: 'runs',
		surface: 'rest',
		method: 'POST',
		route: '/api/runs/[id]/fork',
		params: { id: '{runId}' },
		body: { node: 'executor' },
		expect: runSteerers
	},

	// ── OpenAI-compatible ────────────────────────────────────────────────────────────────────────────────────────
	{ section: 'openai', surface: 'rest', method: 'GET', route: '/v1/models', expect: signedIn },
	{
		section: 'openai',
		surface: 'rest',
		method: 'POST',
		route: '/v1/chat/completions',
		variant: 'in a room',
		headers: { 'x-switchyard-room': '{roomId}' },
		body: { model: 'sy-tiny', messages: [{ role: 'user', content: 'Matrix' }], max_tokens: 4, seed: 1 },
		expect: cells<HttpOutcome>({ signedOut: 401, nonMembers: 403, members: 'allow', nondriver: 403 })
	},
	{
		section: 'openai',
		surface: 'rest',
		method: 'POST',
		route: '/v1/chat/completions',
		variant: 'personal room',
		body: { model: 'sy-tiny', messages: [{ role: 'user', content: 'Matrix' }], max_tokens: 4, seed: 1 },
		expect: signedIn,
		note: "Without `x-switchyard-room` the run lands in the caller's own private room."
	},
	{ section: 'openai', surface: 'rest', method: 'GET', route: '/v1/models/[model]', params: { model: 'sy-tiny' }, expect: signedIn },
	{
		section: 'openai',
		surface: 'rest',
		method: 'POST',
		route: '/v1/completions',
		variant: 'in a room',
		headers: { 'x-switchyard-room': '{roomId}' },
		body: { model: 'sy-tiny', prompt: 'Matrix', max_tokens: 4, seed: 1 },
		expect: cells<HttpOutcome>({ signedOut: 401, nonMembers: 403, members: 'allow', nondriver: 403 })
	},
	{
		section: 'openai',
		surface: 'rest',
		method: 'POST',
		route: '/v1/completions',
		variant: 'personal room',
		body: { model: 'sy-tiny', prompt: 'Matrix', max_tokens: 4, seed: 1 },
		expect: signedIn
	},
	{
		section: 'openai',
		surface: 'rest',
		method: 'POST',
		route: '/v1/embeddings',
		variant: 'in a room',
		headers: { 'x-switchyard-room': '{roomId}' },
		body: { model: 'sy-tiny', input: 'Matrix' },
		expect: cells<HttpOutcome>({ signedOut: 401, nonMembers: 403, members: 'allow', nondriver: 403 }),
		note: 'Each call is an entry in the room’s activity feed, so it needs the right to steer there.'
	},
	{
		section: 'openai',
		surface: 'rest',
		method: 'POST',
		route: '/v1/embeddings',
		variant: 'personal room',
		body: { model: 'sy-tiny', input: 'Matrix' },
		expect: signedIn
	},

	// ── Admin ────────────────────────────────────────────────────────────────────────────────────────────────────
	{ section: 'admin', surface: 'rest', method: 'GET', route: '/api/admin/models', expect: adminOnly },
	{
		section: 'admin',
		surface: 'rest',
		method: 'POST',
		route: '/api/admin/models/[id]/preload',
		params: { id: ADMIN_MODEL },
		expect: adminOnly
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'POST',
		route: '/api/admin/models/[id]/unload',
		params: { id: '{loadedModelId}' },
		expect: adminOnly
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'POST',
		route: '/api/admin/models/[id]/pin',
		params: { id: ADMIN_MODEL },
		expect: adminOnly
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'POST',
		route: '/api/admin/models/[id]/unpin',
		params: { id: ADMIN_MODEL },
		expect: adminOnly
	},
	{ section: 'admin', surface: 'rest', method: 'GET', route: '/api/admin/workers', expect: adminOnly },
	{
		section: 'admin',
		surface: 'rest',
		method: 'POST',
		route: '/api/admin/workers/[id]/models/[model]/[action]',
		params: { id: 'all', model: ADMIN_MODEL, action: 'pin' },
		expect: adminOnly,
		note: 'A cache action on one inference worker or all of them.'
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'PUT',
		route: '/api/admin/models/[id]/keep-alive',
		params: { id: ADMIN_MODEL },
		body: { seconds: 60 },
		expect: adminOnly
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'GET',
		route: '/api/admin/models/[id]/preview',
		params: { id: ADMIN_MODEL },
		expect: adminOnly
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'DELETE',
		route: '/api/admin/models/[id]/quarantine',
		params: { id: '{quarantinedModelId}' },
		expect: adminOnly,
		note: 'Lifts the quarantine so the model may load again (404 when not quarantined, 409 while its file still fails inspection).'
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'PUT',
		route: '/api/admin/budget',
		body: { ramBytes: '{ramBytes}', vramBytes: '{vramBytes}' },
		expect: adminOnly
	},
	{
		section: 'admin',
		surface: 'rest',
		method: 'POST',
		route: '/api/admin/models/pull',
		body: { id: PULL_MODEL },
		expect: adminOnly,
		note: "Makes the server download from the model's source."
	},
	{ section: 'admin', surface: 'rest', method: 'GET', route: '/api/admin/users', expect: adminOnly },
	{
		section: 'admin',
		surface: 'rest',
		method: 'PUT',
		route: '/api/admin/users/[id]/role',
		params: { id: '{samId}' },
		body: { role: 'member' },
		expect: adminOnly,
		note: 'The last admin cannot be demoted (409).'
	},

	// ── Operations ───────────────────────────────────────────────────────────────────────────────────────────────
	{
		section: 'operations',
		surface: 'rest',
		method: 'GET',
		route: '/api/health',
		expect: everyone,
		note: 'Status, uptime and version only.'
	},
	{
		section: 'operations',
		surface: 'rest',
		method: 'GET',
		route: '/api/ready',
		expect: everyone,
		note: "Each check's name, time and first error line; no connection strings or paths."
	},
	{
		section: 'operations',
		surface: 'rest',
		method: 'GET',
		route: '/metrics',
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 401 }),
		note: 'Tested with METRICS_TOKEN set: only `Authorization: Bearer <METRICS_TOKEN>` opens it, no account does. Without METRICS_TOKEN it is open to anyone who can reach the port.'
	},

	// ── Pages ────────────────────────────────────────────────────────────────────────────────────────────────────
	{
		section: 'pages',
		surface: 'page',
		method: 'GET',
		route: '/',
		layout: true,
		variant: 'every page (root layout)',
		expect: everyone,
		note: "Gives the page the caller's own user (or null)."
	},
	{ section: 'pages', surface: 'page', method: 'GET', route: '/', expect: everyone },
	{ section: 'pages', surface: 'page', method: 'GET', route: '/login', expect: everyone },
	{ section: 'pages', surface: 'page', method: 'GET', route: '/signup', expect: everyone },
	{
		section: 'pages',
		surface: 'page',
		method: 'GET',
		route: '/logout',
		expect: everyone,
		note: 'Redirects home; logging out is the POST.'
	},
	{ section: 'pages', surface: 'page', method: 'GET', route: '/rooms', expect: pageSignedIn },
	{
		section: 'pages',
		surface: 'page',
		method: 'GET',
		route: '/rooms/[id]',
		params: { id: '{roomId}' },
		expect: cells<HttpOutcome>({ signedOut: 'login', nonMembers: 403, members: 'allow' })
	},
	{ section: 'pages', surface: 'page', method: 'GET', route: '/settings', expect: pageSignedIn },
	{
		section: 'pages',
		surface: 'page',
		method: 'GET',
		route: '/invite/[token]',
		params: { token: '{inviteToken}' },
		expect: pageSignedIn,
		note: "Shows the room's name and size to the link's holder; joins nothing (a GET changes no state)."
	},
	{
		section: 'pages',
		surface: 'page',
		method: 'GET',
		route: '/admin',
		expect: cells<HttpOutcome>({ signedOut: 'login', signedIn: 403, admin: 'allow' })
	},

	// ── Form actions ─────────────────────────────────────────────────────────────────────────────────────────────
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/login',
		action: 'default',
		body: { email: 'sam@example.com', password: 'password1' },
		expect: everyone
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/signup',
		action: 'default',
		body: { email: '{freshEmail}', password: 'password1', name: 'New' },
		expect: everyone
	},
	{ section: 'forms', surface: 'form', method: 'POST', route: '/logout', action: 'default', expect: everyone },
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/rooms',
		action: 'create',
		body: { name: 'Matrix', visibility: 'private' },
		expect: signedIn
	},
	{ section: 'forms', surface: 'form', method: 'POST', route: '/rooms', action: 'join', body: { roomId: '{roomId}' }, expect: roomReaders },
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/rooms',
		action: 'join',
		variant: 'unknown room',
		body: { roomId: '{unknownId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 404 })
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/rooms/[id]',
		action: 'invite',
		params: { id: '{roomId}' },
		body: { email: '{zedEmail}' },
		expect: ownerOnly,
		fresh: true
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/rooms/[id]',
		action: 'remove',
		params: { id: '{roomId}' },
		body: { userId: '{samId}' },
		expect: ownerOnly,
		fresh: true
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/rooms/[id]',
		action: 'regenerateInvite',
		params: { id: '{roomId}' },
		expect: ownerOnly,
		fresh: true
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/rooms/[id]',
		action: 'leave',
		params: { id: '{roomId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, nonMembers: 404, members: 'allow', owner: 400 }),
		fresh: true,
		note: 'The owner cannot leave their own room (400).'
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/invite/[token]',
		action: 'default',
		params: { token: '{inviteToken}' },
		expect: signedIn,
		fresh: true
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/settings',
		action: 'create',
		body: { name: 'matrix' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 'allow', apiKey: 403 })
	},
	{
		section: 'forms',
		surface: 'form',
		method: 'POST',
		route: '/settings',
		action: 'revoke',
		body: { id: '{keyId}' },
		expect: cells<HttpOutcome>({ signedOut: 401, signedIn: 404, member: 'allow', apiKey: 'allow' })
	}
];

/** How a row is named in test titles and in the document. */
export function entrance(row: Row): string {
	if (row.surface === 'socket') return `${row.event}${row.variant ? ` (${row.variant})` : ''}`;
	if (row.surface === 'receive') return `${row.name} (server → client)`;
	const path = row.route.replace(/\[(\w+)\]/g, ':$1');
	const action = row.surface === 'form' && row.action !== 'default' ? `?/${row.action}` : '';
	const query = row.query ? `?${row.query}` : '';
	const variant = row.variant ? ` (${row.variant})` : '';
	return `${row.method} ${path}${action}${query}${variant}`;
}

/** The placeholders a row uses, in order of appearance. */
export function placeholdersOf(row: Row): Placeholder[] {
	const text = JSON.stringify(
		row.surface === 'receive' ? {} : row.surface === 'socket' ? row.payload : [row.params, row.query, row.headers, row.body]
	);
	const found = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
	for (const name of found)
		if (!(name in PLACEHOLDERS)) throw new Error(`authorization matrix: unknown placeholder {${name}} in ${entrance(row)}`);
	return [...new Set(found)] as Placeholder[];
}
