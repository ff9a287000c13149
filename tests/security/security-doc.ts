// Renders docs/SECURITY.md: the threat model (written here, next to the matrix it explains) and the authorization
// matrix as Markdown tables, generated from tests/security/matrix.ts. `npm run security:docs` writes the file;
// tests/security/security-doc.test.ts fails when the committed file differs from what this renders.
import {
	entrance,
	MATRIX,
	PLACEHOLDERS,
	placeholdersOf,
	ROLE_INFO,
	ROLES,
	SECTIONS,
	type HttpOutcome,
	type Placeholder,
	type Row,
	type Section,
	type SocketOutcome
} from './matrix';

const THREAT_MODEL = `## Threat model

Switchyard is self-hosted: one Node process serves pages, REST, the OpenAI-compatible \`/v1\` API and Socket.IO, and
runs local models on the machine's CPU and GPU. Everything below is what the code does today; file names point to
where it happens.

### Assets

- **Prompts and their results**: each room's shared prompt document (Yjs) and run settings, the runs (prompt,
  request, events, answer, summary, exports) and the room's activity feed.
- **Runs as a capability**: starting, cancelling, approving, overriding and forking runs spends the machine's model
  time and decides what the room's runs do.
- **Models and hardware**: the model cache (RAM and VRAM budgets, pins, keep-alive), downloads into the models folder,
  CPU and GPU time, and the machine telemetry.
- **Accounts**: passwords, sessions, API keys and the admin role.

### Actors

| actor | can reach | wants |
| --- | --- | --- |
| anonymous caller | every HTTP route and the Socket.IO handshake | an account, a session, data without one |
| signed-in user (anyone: sign-up is open) | their own account, public rooms, their personal API room | other rooms' prompts and runs, the models |
| room member | the room's prompt, runs and feed | to steer runs they are not allowed to steer (drivers-only rooms) |
| driver / room owner | steering; the owner also manages members, drivers, steering and the invite link | — (trusted within the room) |
| admin | the model cache, pulls and roles | — (trusted for the server; no room rights from the role) |
| holder of a leaked key or session | whatever that credential's user may do, until it is revoked or expires | to keep using it, or turn it into more credentials |
| a web page the user visits | the user's browser, with its cookies | to act as the user (CSRF, cross-site WebSocket, DNS rebinding, framing) |
| model output | the room's pages | to run script in a member's browser (the model and its prompt are not trusted) |

### Mitigations in the code

- **One authentication path** (\`server/auth/authenticate.ts\`) for HTTP (\`src/hooks.server.ts\`) and socket
  handshakes (\`server/hub/socket-hub.ts\`): an API key (\`Authorization: Bearer\` or the socket's \`auth.token\`) or the
  session cookie. A socket without valid credentials never connects.
- **Sessions** follow lucia-auth.com's guide (\`server/auth/auth.service.ts\`, \`tokens.ts\`): the token is
  \`<id>.<secret>\` (120-bit id, 160-bit secret); only SHA-256 of the secret is stored and compared in constant time;
  sessions last \`SESSION_DAYS\` (30) and slide forward past half-life; an expired session is deleted when presented;
  logout deletes the session and closes its sockets. The cookie is HttpOnly, SameSite=Lax, and Secure when \`ORIGIN\`
  is https (or \`SECURE_COOKIES\`).
- **API keys** are stored the same way, can be revoked (revoking closes the sockets opened with the key), and can
  only be created from a signed-in session, so a leaked key cannot mint more.
- **Passwords** are hashed with Argon2id (19 MiB, 2 iterations). Login is rate-limited per (account, client address)
  pair (\`LOGIN_RATE_PER_MINUTE\`, 10 a minute), so failures from another address never lock a user out, and per
  client address over all accounts (\`LOGIN_ADDRESS_RATE_PER_MINUTE\`, 30); sign-ups are limited per client address
  before the password is hashed (\`SIGNUP_RATE_PER_MINUTE\`, 5); an unknown email takes as long as a wrong password;
  sign-up answers the same for a taken email as for any other refusal.
- **Rate limits** (\`server/rate-limits.ts\`, set in \`server/config.ts\`): token buckets in memory, refilled per
  minute, on actions that cost or spam: besides login and sign-up, per user, creating rooms
  (\`ROOM_CREATE_RATE_PER_MINUTE\`, 10) and API keys (\`API_KEY_CREATE_RATE_PER_MINUTE\`, 5), joining rooms (public
  join, invite link, a socket's \`room:join\`: \`ROOM_JOIN_RATE_PER_MINUTE\`, 60) and reading run events
  (\`run:replay\`, REST events and export: \`RUN_REPLAY_RATE_PER_MINUTE\`, 120). A refusal is \`rate_limited\` (429)
  with a message that names the variable. Open Socket.IO connections are capped per user
  (\`SOCKET_MAX_CONNECTIONS_PER_USER\`, 20; one more is refused at the handshake). The rooms list always holds every
  room of the caller's and pages the public rooms they are not in (at most 200 a page), so rooms anyone can create
  neither push the caller's own out nor make the answer unbounded.
- **Cross-site requests**: \`src/hooks.server.ts\` refuses cookie-authenticated POST/PUT/PATCH/DELETE from another
  origin; SvelteKit refuses cross-site form posts (\`csrf\` is left at its default); the Socket.IO server compares the
  whole Origin with \`ORIGIN\`, or without it with the server's own origin on a host name DNS rebinding cannot fake
  (\`server/realtime/origin.ts\`). Opening an invite link only previews the room; joining is a POST. Redirect targets
  after login stay on the site (\`safeNext\` in \`src/lib/server/forms.ts\`).
- **Headers**: a Content-Security-Policy on every page (\`svelte.config.js\`: scripts from the app or with the page's
  nonce, no eval, \`frame-ancestors 'none'\`), and \`X-Content-Type-Options: nosniff\`, \`Referrer-Policy: same-origin\`,
  \`X-Frame-Options: DENY\` on every response.
- **Room rules in one service** (\`server/rooms/rooms.service.ts\`): private rooms are for members only (public ones
  let any signed-in user join); only the owner manages members, drivers, steering and the invite link (160-bit
  token, replaceable); a member the owner removed stays out (public join and old invite links refuse them) until
  added back. The realtime layer drops a removed member's sockets from the room and its document at once, and
  connection-state recovery re-checks membership before restoring a socket's rooms (\`server/hub/recovery.ts\`).
- **Run rules in one service** (\`server/runs/runs.service.ts\`), used by the socket, REST and \`/v1\` alike: a run
  is visible to members of its room only, and anyone else gets the same \`not_found\` as for an unknown id; members
  steer (start, cancel, approve, override, fork), and only drivers and the owner do in a drivers-only room; unfinished
  runs are capped per author and per room (\`RUNS_MAX_ACTIVE_PER_USER\`, \`RUNS_MAX_ACTIVE_PER_ROOM\`); steering is
  recorded in the room's activity feed.
- **The shared prompt** (\`server/yjs/yjs.handlers.ts\`): membership is checked when a socket first opens a room's
  document; in a drivers-only room an update from a non-driver that would change the run settings is refused whole
  before it reaches the document; messages are limited in size (\`YJS_MAX_MESSAGE_BYTES\`, \`YJS_MAX_AWARENESS_BYTES\`)
  and rate per socket (\`YJS_SYNC_MESSAGES_PER_SECOND\`, \`YJS_AWARENESS_MESSAGES_PER_SECOND\`), and a room's document
  in total size (\`YJS_MAX_DOC_BYTES\`; deletions are always admitted); awareness states are validated, carry the
  login's own id and name, and a socket may speak only for its own awareness client ids.
- **Admin** (\`server/admin/\`, \`src/lib/server/api.ts\`): every admin route checks the role before reading the body;
  the last admin cannot be demoted; a role change moves the user's open sockets in or out of the \`admins\` channel
  at once. Admins get no rights in rooms they are not members of.
- **Input**: every socket payload and JSON body, and the forms' fields, are validated with zod at the boundary (a
  key id to revoke is only looked up among the caller's own keys); JSON bodies of the \`/api\` routes are limited
  to 64 KiB, \`/v1\` bodies to \`V1_MAX_BODY_BYTES\` (256 KiB; a 413 in OpenAI's shape), other bodies to
  adapter-node's \`BODY_SIZE_LIMIT\`, and socket messages to \`SOCKET_MAX_BUFFER_BYTES\` (1 MB); errors never carry
  internals (a generic \`internal\` error; details go to the log, with the user id of each request).
- **Model output is untrusted**: answers are rendered with marked and sanitised by DOMPurify (no scripts, event
  handlers, \`javascript:\` or \`data:\` links, styles, forms, frames or images; \`src/lib/client/markdown.ts\`).
- **Models and hardware**: loading, unloading, pins, budgets, pulls and clearing quarantines are admin-only; every
  model file is checked before llama.cpp sees it (\`server/models/gguf/inspect.ts\`); the cache stays within its byte
  budgets; runs waiting for a model are bounded (\`MODEL_MAX_QUEUE\`).
- **Opening a model file cannot take the server down** (\`server/models/load-check/\`, \`MODEL_LOAD_CHECK=child\`,
  the default): llama.cpp aborts the whole process on some malformed files that inspection does not know, so each
  new file (path, size, mtime) is first opened in a supervised child process — memory estimate, load, context, one
  token — and only a file that passed is read by the server; a child that dies quarantines the model with what
  happened. An abort that only later decoding would trigger is not covered.
- **Model quarantine** (\`server/models/quarantine.ts\`, \`load-guard.ts\`): a model whose file fails inspection, that
  llama.cpp refuses, that crashed its supervised check, or that was loading when the process stopped (each load is
  recorded in the database before llama.cpp reads the file) is quarantined: the router
  skips it, it is not loaded again, and a run naming it is refused at start with the reason. The record survives
  restarts and holds until the file changes or an admin clears it (\`DELETE /api/admin/models/:id/quarantine\`,
  which re-inspects the file: 409 while it still fails).
- **Operations**: \`/metrics\` takes a bearer token when \`METRICS_TOKEN\` is set (compared in constant time);
  \`/api/ready\` reports check names and first error lines, no connection strings or paths.

### Known gaps and operator duties

- **Open sign-up**: anyone who can reach the server can create an account, create rooms and start runs in them
  (within the run limits), so every account can use the models. Expose the server only to people who may do that.
- **The first account becomes the admin.** Seed \`ADMIN_EMAIL\`/\`ADMIN_PASSWORD\` before the server is reachable by
  others.
- **\`/metrics\` is open** unless \`METRICS_TOKEN\` is set.
- **Telemetry is machine-wide**: every socket in any room receives CPU, memory, GPU, model-cache and run counts, and
  any account can make a room of its own.
- **Adding a member by email tells the owner whether an account has that email** (\`not_found\` otherwise), and any
  account can own a room: unlike login and sign-up, this reveals which emails have accounts.
- **API keys have no scopes or expiry**: a key can do everything its user can (admin routes included, for an
  admin's key) except create keys; it can revoke its user's other keys. Revoke keys you no longer use.
- **Sockets are checked at the handshake**: logout and key revocation close them, but a socket opened before its
  session expired keeps working until it disconnects.
- **Room ids are not secret** (an outsider learns that a room exists: 403), run ids are (404). Public rooms are open
  to every account, runs and prompt included.
- **Rate limits cover only the actions named above** (login, sign-up, room and key creation, joins, run event reads,
  Yjs messages, sockets per user) and the run caps; other requests (reading rooms and runs, page loads, starting runs
  within the caps) have no per-request limit. The buckets live in memory, per process, and reset when it restarts.
  Per-address limits see the address adapter-node reports: behind a reverse proxy set \`ADDRESS_HEADER\` (and
  \`XFF_DEPTH\`), or every client shares the proxy's buckets.
- **One process**: sessions are validated against the database on every request, but the Yjs documents, limiters and
  socket channels are this process's own (see docs/ARCHITECTURE.md on scale-out).
`;

const HOW_CHECKED = `## How the matrix is checked

\`tests/security/matrix.ts\` holds one row per entrance with a representative valid payload and the expected outcome
for each kind of caller. \`tests/security/authorization-matrix.test.ts\` sets up one world on a real server (the
users below, a private room where every member steers, a drivers-only room, a public room, runs, API keys) and checks
every cell through the real entrance: socket events with a real Socket.IO client through the real handshake, HTTP
routes, page loads and form actions with a real \`Request\` through \`src/hooks.server.ts\`'s \`handle\`, which then
calls the route module. Every request comes from one address and a few users, so that server runs with the rate
limits raised out of reach: the matrix is about who may do what, and the limits have their own tests. It also fails
when a socket event, a \`+server.ts\` handler, a server load or a form action exists without a row. Change an access
rule, update the row, run the test, then \`npm run security:docs\`: a test keeps this file equal to what that script
writes.
`;

const SOCKET_TEXT: Record<SocketOutcome, string> = {
	allow: 'allowed',
	connect_refused: 'no connection',
	forbidden: '`forbidden`',
	not_found: '`not_found`',
	withheld: 'not sent'
};

function cellText(outcome: SocketOutcome | HttpOutcome): string {
	if (typeof outcome === 'number') return String(outcome);
	if (outcome === 'login') return '→ login';
	return SOCKET_TEXT[outcome];
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

/** What the call carries: path parameters, headers and body (socket rows: the payload). */
function carries(row: Row): string {
	if (row.surface === 'receive') return row.trigger;
	if (row.surface === 'socket') return code(JSON.stringify(row.payload));
	const parts = [
		...Object.entries(row.params ?? {}).map(([name, value]) => code(`${name}=${value}`)),
		...Object.entries(row.headers ?? {}).map(([name, value]) => code(`${name}: ${value}`)),
		...(row.body
			? [
					code(
						row.surface === 'form'
							? Object.entries(row.body)
									.map(([k, v]) => `${k}=${String(v)}`)
									.join('&')
							: JSON.stringify(row.body)
					)
				]
			: [])
	];
	return parts.join(' ') || '—';
}

function table(section: Section): string {
	const rows = MATRIX.filter((row) => row.section === section);
	const head = ['entrance', 'with', ...ROLES.map((role) => ROLE_INFO[role].column)];
	const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
	for (const row of rows) {
		const name = code(row.surface === 'receive' ? row.name : entrance(row));
		lines.push(`| ${[name, carries(row), ...ROLES.map((role) => cellText(row.expect[role]))].map(escapeCell).join(' | ')} |`);
	}
	const notes = rows.filter((row) => row.note).map((row) => `- ${code(row.surface === 'receive' ? row.name : entrance(row))}: ${row.note}`);
	const { title, intro } = SECTIONS[section];
	return [`### ${title}`, '', intro, '', ...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

function matrixSection(): string {
	const used = new Set<Placeholder>(MATRIX.flatMap(placeholdersOf));
	const sections = [...new Set(MATRIX.map((row) => row.section))];
	return [
		'## Authorization matrix',
		'',
		'### Who the columns are',
		'',
		'| column | who |',
		'| --- | --- |',
		...ROLES.map((role) => `| ${ROLE_INFO[role].column} | ${ROLE_INFO[role].who} |`),
		'',
		'Cells: `allowed`; a status (`401` no valid credentials, `403` not allowed, `404` hidden or not yours, `400` a',
		'rule other than access); `→ login` (a page redirects to /login); on sockets `no connection` (the handshake is',
		'refused), an error code from the ack, or `not sent` (the event never reaches the caller).',
		'',
		'Values in braces in the "with" column:',
		'',
		'| value | is |',
		'| --- | --- |',
		...(Object.keys(PLACEHOLDERS) as Placeholder[])
			.filter((name) => used.has(name))
			.map((name) => `| \`{${name}}\` | ${PLACEHOLDERS[name]} |`),
		'',
		...sections.flatMap((section) => [table(section), ''])
	].join('\n');
}

export function renderSecurityDoc(): string {
	return [
		'# Security',
		'',
		'<!-- Generated by `npm run security:docs` from tests/security/matrix.ts and tests/security/security-doc.ts; edit those, not this file. -->',
		'',
		'What Switchyard protects, from whom, how, and who may call every entrance. The matrix at the end is the one',
		'tests/security/authorization-matrix.test.ts checks, cell by cell, against a real server.',
		'',
		THREAT_MODEL,
		HOW_CHECKED,
		matrixSection()
	]
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trimEnd()
		.concat('\n');
}
