/** What one client may send. Defaults suit people typing; tests lower them to reach the limits quickly. */
export interface YjsLimits {
	/** Largest `yjs:sync` message (an update, or a step 2 after offline edits); larger ones get `too_large`. */
	maxMessageBytes: number;
	/** Largest `yjs:awareness` message: a name, a colour and a cursor are far below this. */
	maxAwarenessBytes: number;
	/** Token bucket per socket for `yjs:sync`: this many messages per second, with bursts of the same size. */
	syncMessagesPerSecond: number;
	/** The server relays one socket's awareness at most once per this interval (latest state wins). */
	awarenessIntervalMs: number;
	/** Document updates of a room are broadcast at most once per this window (merged); 0 sends each at once. */
	broadcastWindowMs: number;
	/** How many awareness client ids one socket may speak for in one room (one per Y.Doc it edits with). */
	maxAwarenessClientsPerSocket: number;
}

export const defaultYjsLimits: YjsLimits = {
	maxMessageBytes: 64 * 1024,
	maxAwarenessBytes: 8 * 1024,
	syncMessagesPerSecond: 60,
	awarenessIntervalMs: 100,
	broadcastWindowMs: 16,
	maxAwarenessClientsPerSocket: 4
};
