/**
 * What one client may send, and how large a room's document may grow. Defaults suit people typing; each limit a
 * client can reach is set from the environment (server/config.ts, the variable named beside it) and named in the
 * refusal. Tests lower them to reach the limits quickly.
 */
export interface YjsLimits {
	/** YJS_MAX_DOC_BYTES: a room's document (its encoded state) may not grow past this; updates that would are `too_large`. */
	maxDocBytes: number;
	/** YJS_MAX_MESSAGE_BYTES: largest `yjs:sync` message (an update, or a step 2 after offline edits). */
	maxMessageBytes: number;
	/** YJS_MAX_AWARENESS_BYTES: largest `yjs:awareness` message; a name, a colour and a cursor are far below this. */
	maxAwarenessBytes: number;
	/** YJS_SYNC_MESSAGES_PER_SECOND: token bucket per socket for `yjs:sync`, with bursts of the same size. */
	syncMessagesPerSecond: number;
	/** YJS_AWARENESS_MESSAGES_PER_SECOND: token bucket per socket for `yjs:awareness`, with bursts of the same size. */
	awarenessMessagesPerSecond: number;
	/** The server relays one socket's awareness at most once per this interval (latest state wins). */
	awarenessIntervalMs: number;
	/** Document updates of a room are broadcast at most once per this window (merged); 0 sends each at once. */
	broadcastWindowMs: number;
	/** How many awareness client ids one socket may speak for in one room (one per Y.Doc it edits with). */
	maxAwarenessClientsPerSocket: number;
}

export const defaultYjsLimits: YjsLimits = {
	maxDocBytes: 1024 * 1024,
	maxMessageBytes: 64 * 1024,
	maxAwarenessBytes: 8 * 1024,
	syncMessagesPerSecond: 60,
	awarenessMessagesPerSecond: 30,
	awarenessIntervalMs: 100,
	broadcastWindowMs: 16,
	maxAwarenessClientsPerSocket: 4
};
