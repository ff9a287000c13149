// The collaborative prompt: what a room's Y.Doc holds and the payloads of the `yjs:*` socket events.
// Zod and types only: `yjs` is imported for its types, so this module adds no runtime dependency.
import { z } from 'zod';
import type * as Y from 'yjs';
import { roomIdSchema } from './rooms';

/** Names of the shared types in every room's document. */
export const PROMPT_TEXT = 'prompt';
export const SETTINGS_MAP = 'settings';

/** The same three modes as a run request (contract/runs.ts), kept here so the editor needs nothing else. */
export const promptModeSchema = z.enum(['orchestrated', 'direct', 'compare']);
export type PromptMode = z.infer<typeof promptModeSchema>;

const draftModelIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'not a model id');

/**
 * One value per key of the `settings` Y.Map. Any peer can write anything into a Y.Map, so readers validate each key
 * and fall back to its default instead of trusting the document.
 */
export const promptSettingsSchema = z.object({
	mode: promptModeSchema,
	/** 'auto' lets the orchestrator choose; otherwise a model id from the catalogue. */
	model: draftModelIdSchema,
	/** Compare mode: the 2–4 models that answer side by side (a run of the draft uses them; fewer is a draft in progress). */
	compareModels: z.array(draftModelIdSchema).max(4),
	/** Same bounds as a run request's sampling, so the settings can become one unchanged. */
	temperature: z.number().min(0).max(2),
	maxTokens: z.number().int().min(1).max(8192),
	approvalGate: z.boolean(),
	/** A run started while another is active in the room waits for it ('queue') or runs beside it ('parallel'). */
	runPolicy: z.enum(['queue', 'parallel'])
});
export type PromptSettings = z.infer<typeof promptSettingsSchema>;

export const defaultPromptSettings: PromptSettings = {
	mode: 'orchestrated',
	model: 'auto',
	compareModels: [],
	temperature: 0.7,
	maxTokens: 512,
	approvalGate: false,
	runPolicy: 'queue'
};

/** The settings as the document has them, each invalid or missing key replaced by its default. */
export function readPromptSettings(doc: Y.Doc): PromptSettings {
	const map = doc.getMap<unknown>(SETTINGS_MAP);
	const settings = { ...defaultPromptSettings };
	for (const key of Object.keys(defaultPromptSettings) as (keyof PromptSettings)[]) {
		const parsed = promptSettingsSchema.shape[key].safeParse(map.get(key));
		if (parsed.success) (settings as Record<string, unknown>)[key] = parsed.data;
	}
	return settings;
}

/** What a run starts from: the prompt text and its validated settings. */
export function readPromptSnapshot(doc: Y.Doc): { prompt: string; settings: PromptSettings } {
	return { prompt: doc.getText(PROMPT_TEXT).toString(), settings: readPromptSettings(doc) };
}

/**
 * Binary frames: browsers receive ArrayBuffer, Node receives Buffer (a Uint8Array). Both become a Uint8Array view.
 */
export const yjsBytesSchema = z
	.custom<Uint8Array | ArrayBuffer>((v) => v instanceof Uint8Array || v instanceof ArrayBuffer, 'expected binary data')
	.transform((v) => (v instanceof Uint8Array ? v : new Uint8Array(v)));

/** A y-protocols sync message (step 1, step 2 or update) for one room's document. */
export const yjsSyncSchema = z.object({ roomId: roomIdSchema, message: yjsBytesSchema });
/** A y-protocols awareness update (cursor, name, colour) for one room. */
export const yjsAwarenessSchema = z.object({ roomId: roomIdSchema, message: yjsBytesSchema });
export const yjsLeaveSchema = z.object({ roomId: roomIdSchema });

export interface YjsMessagePayload {
	roomId: string;
	/** Sent as Uint8Array; arrives as Buffer in Node and as ArrayBuffer in browsers. */
	message: Uint8Array | ArrayBuffer;
}

const yjsIdSchema = z.strictObject({
	client: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	clock: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
});

/**
 * A Y.RelativePosition as JSON.stringify writes it (every key present, null when unset), which is what
 * y-codemirror hands to Y.createAbsolutePositionFromRelativePosition: a missing key or an id without numbers throws
 * there, and a `tname` other than the prompt's would create a root type on every peer.
 */
export const relativePositionSchema = z
	.strictObject({
		type: yjsIdSchema.nullable(),
		tname: z.literal(PROMPT_TEXT).nullable(),
		item: yjsIdSchema.nullable(),
		assoc: z.number().int().min(-1).max(1)
	})
	.refine((p) => p.item !== null || p.tname !== null || p.type !== null, 'a position needs an item, a type or a type name');

/** `#rrggbb`: colours end up in style attributes (y-codemirror), so nothing else may pass. */
export const awarenessColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour');

/**
 * The only awareness state the server accepts and relays (an empty object, a fresh Awareness's state, included).
 * `user.id` and `user.name` are replaced by the login's anyway; they are only bounded here.
 */
export const awarenessStateSchema = z.strictObject({
	user: z
		.strictObject({
			id: z.string().max(64).optional(),
			name: z.string().max(100).optional(),
			color: awarenessColorSchema.optional(),
			/** The selection tint: the colour plus an alpha byte. */
			colorLight: z
				.string()
				.regex(/^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/, 'must be a #rrggbb or #rrggbbaa colour')
				.optional()
		})
		.optional(),
	cursor: z.strictObject({ anchor: relativePositionSchema, head: relativePositionSchema }).nullable().optional(),
	typing: z.boolean().optional()
});

// The same fields, each dropped (or the cursor nulled) when invalid instead of refusing the whole state.
const renderableAwarenessSchema = z
	.object({
		user: z
			.object({
				id: awarenessStateSchema.shape.user.unwrap().shape.id.catch(undefined),
				name: awarenessStateSchema.shape.user.unwrap().shape.name.catch(undefined),
				color: awarenessColorSchema.optional().catch(undefined),
				colorLight: awarenessStateSchema.shape.user.unwrap().shape.colorLight.catch(undefined)
			})
			.optional()
			.catch(undefined),
		cursor: awarenessStateSchema.shape.cursor.catch(null),
		typing: z.boolean().optional().catch(undefined)
	})
	.catch({});

/**
 * What a browser may render from someone's awareness state: unknown keys dropped, an invalid colour or name left
 * out (renderers fall back to their defaults), an invalid cursor turned into null. The server already refuses bad
 * states; this keeps the page safe from any that get through (another server version, a bug).
 */
export function renderableAwarenessState(state: unknown): Record<string, unknown> {
	return renderableAwarenessSchema.parse(state) as Record<string, unknown>;
}

/** What the UI puts in its awareness state; the server overwrites `user.id` and `user.name` with the login's. */
export interface AwarenessUser {
	id?: string;
	name: string;
	color: string;
}
export interface PromptAwarenessState {
	user: AwarenessUser;
	/** Y.RelativePosition JSON of the selection in the prompt text, or null when not editing. */
	cursor?: { anchor: unknown; head: unknown } | null;
}
