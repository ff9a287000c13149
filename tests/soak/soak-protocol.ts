// Messages between the soak (tests/soak/soak.ts) and its client processes (tests/soak/soak-client.ts), over IPC.
export interface SoakClientSpec {
	cookie: string;
	roomId: string;
}

export type SoakChildRequest =
	| { type: 'open'; url: string; role: 'viewer' | 'editor'; clients: SoakClientSpec[] }
	/** Editors start typing every `typeEveryMs`. */
	| { type: 'go'; typeEveryMs: number }
	/** Viewers count latency per window from `measureFrom` (epoch ms). */
	| { type: 'measure'; measureFrom: number; windowMs: number }
	| { type: 'stop-typing' }
	/** Answer with the report, then close every client and exit. */
	| { type: 'report' };

export interface SoakChildReport {
	type: 'report';
	/** Per viewer: its room and, per run it saw, [events received, distinct seqs received]. */
	viewers: { roomId: string; runs: Record<string, [number, number]> }[];
	/** Per latency window: [latency in ms, count] pairs. */
	latency: [number, [number, number][]][];
	edits: number;
	errors: string[];
}
